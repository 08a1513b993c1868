"""Mailbox and email screening: the workspace's mail account, per-folder UIDVALIDITY and
UID marks, stored and screened messages, the client's rules, corrections and the learned model.

New tables only; nothing existing changes. Its own branch from 0002 (feature-area heads).

Revision ID: 0006_mailbox
Revises: 0002
Create Date: 2026-11-27 00:05:07.863148
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006_mailbox'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('mail_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('imap_host', sa.String(length=255), nullable=True),
    sa.Column('imap_port', sa.Integer(), nullable=True),
    sa.Column('imap_security', sa.String(length=16), nullable=False),
    sa.Column('imap_username', sa.String(length=320), nullable=True),
    sa.Column('imap_password', sa.Text(), nullable=True),
    sa.Column('maildir_path', sa.Text(), nullable=True),
    sa.Column('smtp_host', sa.String(length=255), nullable=True),
    sa.Column('smtp_port', sa.Integer(), nullable=True),
    sa.Column('smtp_security', sa.String(length=16), nullable=False),
    sa.Column('smtp_username', sa.String(length=320), nullable=True),
    sa.Column('smtp_password', sa.Text(), nullable=True),
    sa.Column('address', sa.String(length=320), nullable=True),
    sa.Column('folders', sa.JSON(), nullable=False),
    sa.Column('idle_seconds', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mail_accounts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_accounts')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_mail_accounts_workspace_id'))
    )
    with op.batch_alter_table('mail_accounts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_accounts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('mail_folders',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=False),
    sa.Column('last_uid', sa.BigInteger(), nullable=False),
    sa.Column('synced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resyncs', sa.Integer(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mail_folders_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_folders')),
    sa.UniqueConstraint('workspace_id', 'folder', name=op.f('uq_mail_folders_workspace_id_folder'))
    )
    with op.batch_alter_table('mail_folders', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_folders_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('mail_messages',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_key', sa.String(length=80), nullable=False),
    sa.Column('message_id', sa.Text(), nullable=True),
    sa.Column('folder', sa.String(length=500), nullable=False),
    sa.Column('uidvalidity', sa.BigInteger(), nullable=True),
    sa.Column('uid', sa.BigInteger(), nullable=True),
    sa.Column('from_address', sa.String(length=320), nullable=False),
    sa.Column('from_name', sa.String(length=400), nullable=False),
    sa.Column('subject', sa.Text(), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('fetched_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('facts', sa.JSON(), nullable=False),
    sa.Column('raw', sa.LargeBinary(), nullable=True),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('quarantine_reason', sa.Text(), nullable=True),
    sa.Column('category', sa.String(length=32), nullable=True),
    sa.Column('priority', sa.String(length=8), nullable=True),
    sa.Column('reasons', sa.JSON(), nullable=True),
    sa.Column('screened_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('filed_to', sa.String(length=500), nullable=True),
    sa.Column('corrected_category', sa.String(length=32), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_mail_messages_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_mail_messages')),
    sa.UniqueConstraint('workspace_id', 'folder', 'uidvalidity', 'uid', name=op.f('uq_mail_messages_workspace_id_folder_uidvalidity_uid')),
    sa.UniqueConstraint('workspace_id', 'message_key', name=op.f('uq_mail_messages_workspace_id_message_key'))
    )
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_mail_messages_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_mail_messages_ws_fetched', ['workspace_id', 'fetched_at'], unique=False)
        batch_op.create_index('ix_mail_messages_ws_state', ['workspace_id', 'state'], unique=False)

    op.create_table('screening_models',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('data', sa.LargeBinary(), nullable=False),
    sa.Column('examples', sa.Integer(), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_screening_models_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_models')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_screening_models_workspace_id'))
    )
    with op.batch_alter_table('screening_models', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_models_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('screening_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('text', sa.Text(), nullable=False),
    sa.Column('match', sa.JSON(), nullable=False),
    sa.Column('effect', sa.JSON(), nullable=False),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_by', sa.String(length=200), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_screening_rules_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_rules'))
    )
    with op.batch_alter_table('screening_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_rules_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('screening_corrections',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('message_id', sa.Integer(), nullable=False),
    sa.Column('from_category', sa.String(length=32), nullable=True),
    sa.Column('to_category', sa.String(length=32), nullable=False),
    sa.Column('model_guess', sa.String(length=32), nullable=True),
    sa.Column('source', sa.String(length=32), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['message_id'], ['mail_messages.id'], name=op.f('fk_screening_corrections_message_id_mail_messages'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_screening_corrections_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_screening_corrections'))
    )
    with op.batch_alter_table('screening_corrections', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_screening_corrections_workspace_id'), ['workspace_id'], unique=False)
        batch_op.create_index('ix_screening_corrections_ws_at', ['workspace_id', 'at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('screening_corrections', schema=None) as batch_op:
        batch_op.drop_index('ix_screening_corrections_ws_at')
        batch_op.drop_index(batch_op.f('ix_screening_corrections_workspace_id'))

    op.drop_table('screening_corrections')
    with op.batch_alter_table('screening_rules', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_rules_workspace_id'))

    op.drop_table('screening_rules')
    with op.batch_alter_table('screening_models', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_screening_models_workspace_id'))

    op.drop_table('screening_models')
    with op.batch_alter_table('mail_messages', schema=None) as batch_op:
        batch_op.drop_index('ix_mail_messages_ws_state')
        batch_op.drop_index('ix_mail_messages_ws_fetched')
        batch_op.drop_index(batch_op.f('ix_mail_messages_workspace_id'))

    op.drop_table('mail_messages')
    with op.batch_alter_table('mail_folders', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_folders_workspace_id'))

    op.drop_table('mail_folders')
    with op.batch_alter_table('mail_accounts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_mail_accounts_workspace_id'))

    op.drop_table('mail_accounts')
