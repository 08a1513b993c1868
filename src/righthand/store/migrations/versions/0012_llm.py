"""Language model usage (the per-day token budget) and ad copy drafts and edits.

Its own branch from 0002.

Revision ID: 0012_llm
Revises: 0002
Create Date: 2026-11-27 05:00:00
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0012_llm'
down_revision = '0002'
branch_labels = None
depends_on = None


def _scoped(name: str, *columns: sa.Column[Any], unique: tuple[str, ...] = ()) -> None:
    constraints: list[sa.Constraint] = [
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f(f'fk_{name}_workspace_id_workspaces'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}'))]
    if unique:
        constraints.append(sa.UniqueConstraint(*unique, name=op.f(f'uq_{name}_{unique[0]}_'
                                                                     f'{unique[1]}')))
    op.create_table(name, sa.Column('id', sa.Integer(), nullable=False), *columns,
                    sa.Column('workspace_id', sa.Integer(), nullable=False), *constraints)
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_workspace_id'), ['workspace_id'],
                              unique=False)


def upgrade() -> None:
    _scoped('copy_drafts',
            sa.Column('channel', sa.String(length=32), nullable=False),
            sa.Column('brief', sa.JSON(), nullable=False),
            sa.Column('variants', sa.JSON(), nullable=False),
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('source', sa.String(length=16), nullable=False),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False))
    _scoped('copy_edits',
            sa.Column('channel', sa.String(length=32), nullable=False),
            sa.Column('before', sa.Text(), nullable=False),
            sa.Column('after', sa.Text(), nullable=False),
            sa.Column('created_at', sa.DateTime(timezone=True), nullable=False))
    _scoped('llm_usage',
            sa.Column('day', sa.String(length=10), nullable=False),
            sa.Column('tokens', sa.Integer(), nullable=False),
            sa.Column('calls', sa.Integer(), nullable=False),
            sa.Column('refused', sa.Integer(), nullable=False),
            unique=('workspace_id', 'day'))


def downgrade() -> None:
    for name in ('llm_usage', 'copy_edits', 'copy_drafts'):
        with op.batch_alter_table(name, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{name}_workspace_id'))
        op.drop_table(name)
