"""A workspace's own calendar server: one row per workspace with the CalDAV address, the user
name and the sealed password (Settings -> Connections). Without one the workspace keeps using
the administrator's RIGHTHAND_CALDAV_URL. New table only; its own branch from 0002.

Revision ID: 0018_caldav_accounts
Revises: 0002
Create Date: 2026-11-27 12:45:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0018_caldav_accounts'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('caldav_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('username', sa.String(length=320), nullable=True),
    sa.Column('password', sa.Text(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_caldav_accounts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_caldav_accounts')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_caldav_accounts_workspace_id'))
    )
    with op.batch_alter_table('caldav_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_caldav_accounts_workspace_id'), ['workspace_id'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('caldav_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_caldav_accounts_workspace_id'))

    op.drop_table('caldav_accounts')
