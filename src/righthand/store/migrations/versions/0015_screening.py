"""Screening: the carrier account SID of the phone line (texts urgent mail to the client's
phone through the carrier's Messages API). Extends the calls branch.

Revision ID: 0015_screening
Revises: 0009_calls
Create Date: 2026-11-27 05:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015_screening'
down_revision = '0009_calls'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('phone_lines', schema=None) as batch_op:
        batch_op.add_column(sa.Column('account_sid', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('phone_lines', schema=None) as batch_op:
        batch_op.drop_column('account_sid')
