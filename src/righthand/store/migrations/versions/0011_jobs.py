"""Exactly-once periodic jobs and connection health.

``job_runs`` holds one row per (job, workspace, period): inserting it is the claim that lets
many workers share periodic work without running anything twice. ``connection_health`` keeps,
per workspace and connector, the current problem in plain words and what the client can do.
Its own branch from 0002.

Revision ID: 0011_jobs
Revises: 0002
Create Date: 2026-11-27 03:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011_jobs'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('job_runs',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('job', sa.String(length=100), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.Column('period_start', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('owner', sa.String(length=200), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=False),
    sa.Column('started_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_job_runs')),
    sa.UniqueConstraint('job', 'workspace_id', 'period_start',
                        name=op.f('uq_job_runs_job_workspace_id_period_start'))
    )
    op.create_table('connection_health',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('connector', sa.String(length=32), nullable=False),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('problem', sa.Text(), nullable=True),
    sa.Column('what_to_do', sa.Text(), nullable=True),
    sa.Column('since', sa.DateTime(timezone=True), nullable=True),
    sa.Column('failures', sa.Integer(), nullable=False),
    sa.Column('last_ok_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'],
                            name=op.f('fk_connection_health_workspace_id_workspaces'),
                            ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_connection_health')),
    sa.UniqueConstraint('workspace_id', 'connector',
                        name=op.f('uq_connection_health_workspace_id_connector'))
    )
    with op.batch_alter_table('connection_health', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_connection_health_workspace_id'), ['workspace_id'],
                              unique=False)


def downgrade() -> None:
    with op.batch_alter_table('connection_health', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_connection_health_workspace_id'))
    op.drop_table('connection_health')
    op.drop_table('job_runs')
