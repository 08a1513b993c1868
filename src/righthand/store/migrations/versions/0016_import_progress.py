"""Contact imports' progress: rows_total and rows_done on import_jobs (the progress bar reads
them while a file is checked and while it is applied).

Its own branch from 0002, where import_jobs was made (the contacts tables have no branch of
their own).

Revision ID: 0016_import_progress
Revises: 0002
Create Date: 2026-11-27 12:00:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0016_import_progress'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.add_column(sa.Column('rows_total', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('rows_done', sa.Integer(), nullable=False,
                                      server_default='0'))


def downgrade() -> None:
    with op.batch_alter_table('import_jobs', schema=None) as batch_op:
        batch_op.drop_column('rows_done')
        batch_op.drop_column('rows_total')
