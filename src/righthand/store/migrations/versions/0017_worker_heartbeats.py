"""Worker heartbeats: one row per running ``righthand worker`` (its id, when it started, when
it was last seen, what it runs and its version), so the console can say that none is running.
Installation-wide (no workspace column). New table only; its own branch from 0002.

Revision ID: 0017_worker_heartbeats
Revises: 0002
Create Date: 2026-11-27 12:30:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017_worker_heartbeats'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('worker_heartbeats',
    sa.Column('id', sa.String(length=255), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('runs', sa.String(length=64), nullable=False),
    sa.Column('version', sa.String(length=32), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_worker_heartbeats'))
    )


def downgrade() -> None:
    op.drop_table('worker_heartbeats')
