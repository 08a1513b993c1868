"""Call screening (phone line, rules, call log with voicemails, webhook replay marks) and
appointment confirmations (status per attendee).

New tables only. Its own branch from 0002 (feature-area heads).

Revision ID: 0009_calls
Revises: 0002
Create Date: 2026-11-27 03:30:00
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = '0009_calls'
down_revision = '0002'
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _scoped(name: str, *columns: sa.Column[Any], unique: tuple[str, ...] = ()) -> None:
    op.create_table(
        name, sa.Column('id', sa.Integer(), nullable=False), *columns,
        sa.Column('workspace_id', sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                                name=op.f(f'fk_{name}_workspace_id_workspaces'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('id', name=op.f(f'pk_{name}')),
        *([sa.UniqueConstraint('workspace_id', *unique, name=op.f(f'uq_{name}_workspace_id'))]
          if unique or name == 'phone_lines' else []))
    with op.batch_alter_table(name, schema=None) as batch_op:
        batch_op.create_index(batch_op.f(f'ix_{name}_workspace_id'), ['workspace_id'],
                              unique=False)


def upgrade() -> None:
    _scoped('phone_lines',
            sa.Column('number', sa.String(length=32), nullable=False),
            sa.Column('auth_token', sa.Text(), nullable=True),
            sa.Column('ring_to', sa.String(length=32), nullable=True),
            sa.Column('greeting', sa.Text(), nullable=True),
            sa.Column('updated_at', _TS, nullable=False))
    _scoped('call_rules',
            sa.Column('text', sa.Text(), nullable=False),
            sa.Column('spec', sa.JSON(), nullable=False),
            sa.Column('action', sa.String(length=16), nullable=False),
            sa.Column('position', sa.Integer(), nullable=False),
            sa.Column('created_at', _TS, nullable=False))
    _scoped('calls',
            sa.Column('call_sid', sa.String(length=64), nullable=False),
            sa.Column('from_number', sa.String(length=32), nullable=False),
            sa.Column('contact_id', sa.Integer(), nullable=True),
            sa.Column('caller_name', sa.String(length=200), nullable=False),
            sa.Column('purpose', sa.Text(), nullable=False),
            sa.Column('decision', sa.String(length=16), nullable=False),
            sa.Column('reason', sa.Text(), nullable=False),
            sa.Column('status', sa.String(length=24), nullable=False),
            sa.Column('started_at', _TS, nullable=False),
            sa.Column('recording_url', sa.Text(), nullable=True),
            sa.Column('recording_seconds', sa.Integer(), nullable=True),
            sa.Column('transcription', sa.Text(), nullable=True),
            sa.Column('category', sa.String(length=32), nullable=True),
            sa.Column('seen', sa.Boolean(), nullable=False),
            unique=('call_sid',))
    op.create_index('ix_calls_ws_started', 'calls', ['workspace_id', 'started_at'],
                    unique=False)
    _scoped('webhook_marks',
            sa.Column('digest', sa.String(length=64), nullable=False),
            sa.Column('seen_at', _TS, nullable=False),
            unique=('digest',))
    _scoped('appointment_confirmations',
            sa.Column('event_uid', sa.String(length=255), nullable=False),
            sa.Column('starts_at', _TS, nullable=False),
            sa.Column('summary', sa.String(length=500), nullable=False),
            sa.Column('attendee', sa.String(length=320), nullable=False),
            sa.Column('name', sa.String(length=200), nullable=False),
            sa.Column('timezone', sa.String(length=64), nullable=True),
            sa.Column('status', sa.String(length=16), nullable=False),
            sa.Column('sent', sa.JSON(), nullable=False),
            sa.Column('note', sa.Text(), nullable=False),
            sa.Column('answered_at', _TS, nullable=True),
            sa.Column('created_at', _TS, nullable=False),
            unique=('event_uid', 'starts_at', 'attendee'))


def downgrade() -> None:
    op.drop_index('ix_calls_ws_started', table_name='calls')
    for name in ('appointment_confirmations', 'webhook_marks', 'calls', 'call_rules',
                 'phone_lines'):
        op.drop_table(name)
