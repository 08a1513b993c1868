"""Credentials sealed at rest; the installation log.

Seals every plaintext mail password already stored (``rh1:`` Fernet tokens, see
righthand.secrets; a key is made or read only when there is something to seal) and adds
``installation_log``, the hash-chained record of what was done to whole workspaces. Its own
branch from 0006_mailbox (the mail_accounts table must exist).

Revision ID: 0010_secrets
Revises: 0006_mailbox
Create Date: 2026-11-27 03:30:00
"""
from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa
from alembic import op

revision = '0010_secrets'
down_revision = '0006_mailbox'
branch_labels = None
depends_on = None

COLUMNS = ("imap_password", "smtp_password")


def _convert(change: Callable[[str], str]) -> None:
    conn = op.get_bind()
    table = sa.table("mail_accounts", sa.column("id", sa.Integer),
                     *(sa.column(name, sa.Text) for name in COLUMNS))
    for row in conn.execute(sa.select(table)).mappings().all():
        values = {name: change(row[name]) for name in COLUMNS if row[name]}
        values = {name: value for name, value in values.items() if value != row[name]}
        if values:
            conn.execute(table.update().where(table.c.id == row["id"]).values(**values))


def upgrade() -> None:
    from righthand import secrets

    _convert(lambda value: value if secrets.is_sealed(value) else secrets.active().seal(value))
    op.create_table('installation_log',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('actor', sa.String(length=200), nullable=False),
    sa.Column('event', sa.String(length=100), nullable=False),
    sa.Column('subject', sa.String(length=500), nullable=False),
    sa.Column('data', sa.JSON(), nullable=False),
    sa.Column('prev_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.Column('note', sa.Text(), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_installation_log')),
    sa.UniqueConstraint('seq', name=op.f('uq_installation_log_seq'))
    )


def downgrade() -> None:
    from righthand import secrets

    op.drop_table('installation_log')
    _convert(lambda value: secrets.opener().open(value))
