"""Channels: the client's verified identities (email addresses, phone numbers with a hashed
PIN) and each conversation's short memory. Its own branch from 0002.

Revision ID: 0013_channels
Revises: 0002
Create Date: 2026-11-27 04:50:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013_channels'
down_revision = '0002'
branch_labels = None
depends_on = None
_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table('channel_identities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('value', sa.String(length=320), nullable=False),
    sa.Column('secret_hash', sa.Text(), nullable=True),
    sa.Column('verified_at', _TS, nullable=True),
    sa.Column('trust_unauthenticated', sa.Boolean(), nullable=False),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('created_at', _TS, nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                            name=op.f('fk_channel_identities_workspace_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_channel_identities')),
    sa.UniqueConstraint('workspace_id', 'kind', 'value',
                        name=op.f('uq_channel_identities_workspace_id_kind_value'))
    )
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_channel_identities_workspace_id'), ['workspace_id'],
                              unique=False)
    op.create_table('conversation_states',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sa.String(length=200), nullable=False),
    sa.Column('state', sa.JSON(), nullable=False),
    sa.Column('updated_at', _TS, nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                            name=op.f('fk_conversation_states_workspace_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_conversation_states')),
    sa.UniqueConstraint('workspace_id', 'channel',
                        name=op.f('uq_conversation_states_workspace_id_channel'))
    )
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_conversation_states_workspace_id'), ['workspace_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('conversation_states', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_conversation_states_workspace_id'))
    op.drop_table('conversation_states')
    with op.batch_alter_table('channel_identities', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_channel_identities_workspace_id'))
    op.drop_table('channel_identities')
