"""The client's calendar and scheduling: raw iCalendar per event resource with sync state,
expanded occurrences for range queries, calendar sources (CalDAV, subscriptions), sync
conflicts, scheduling requests and availability rules.

Events keep their rows; their UID becomes unique per calendar (the same invitation may sit on
two calendars) instead of per workspace.

Revision ID: 0005_calendar
Revises: 0002
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0005_calendar'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.add_column(sa.Column('ical', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('href', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('etag', sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column('sequence', sa.Integer(), nullable=False,
                                      server_default='0'))
        batch_op.add_column(sa.Column('recurring', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('last_end', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('transparent', sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column('organizer', sa.String(length=320), nullable=True))
        batch_op.add_column(sa.Column('sync_state', sa.String(length=16), nullable=False,
                                      server_default='synced'))
        batch_op.add_column(sa.Column('expanded_from', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('expanded_until', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.drop_constraint('uq_events_workspace_id_uid', type_='unique')
        batch_op.create_unique_constraint(batch_op.f('uq_events_calendar_id_uid'),
                                          ['calendar_id', 'uid'])
    # Existing single events describe themselves: their last end is their end.
    op.execute("UPDATE events SET last_end = ends_at")

    op.create_table('calendar_sources',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('url', sa.String(length=2000), nullable=False),
    sa.Column('sync_token', sa.String(length=500), nullable=True),
    sa.Column('http_etag', sa.String(length=200), nullable=True),
    sa.Column('refresh_minutes', sa.Integer(), nullable=False),
    sa.Column('next_refresh_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_synced_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.id'], name=op.f('fk_calendar_sources_calendar_id_calendars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_calendar_sources_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_sources')),
    sa.UniqueConstraint('calendar_id', name=op.f('uq_calendar_sources_calendar_id'))
    )
    with op.batch_alter_table('calendar_sources', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_sources_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('event_occurrences',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('all_day', sa.Boolean(), nullable=False),
    sa.Column('recurrence_id', sa.String(length=40), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('location', sa.String(length=500), nullable=True),
    sa.Column('status', sa.String(length=16), nullable=False),
    sa.Column('transparent', sa.Boolean(), nullable=False),
    sa.Column('declined', sa.Boolean(), nullable=False),
    sa.Column('long', sa.Boolean(), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.id'], name=op.f('fk_event_occurrences_calendar_id_calendars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['event_id'], ['events.id'], name=op.f('fk_event_occurrences_event_id_events'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_event_occurrences_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_occurrences'))
    )
    with op.batch_alter_table('event_occurrences', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_event_occurrences_event_id'), ['event_id'], unique=False)
        batch_op.create_index('ix_event_occurrences_ws_start', ['workspace_id', 'starts_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_occurrences_workspace_id'), ['workspace_id'], unique=False)
    # Events stored before this revision are single events: each is its own occurrence.
    op.execute("INSERT INTO event_occurrences (workspace_id, event_id, calendar_id, starts_at, "
               "ends_at, all_day, recurrence_id, summary, location, status, transparent, "
               "declined, long) SELECT workspace_id, id, calendar_id, starts_at, ends_at, "
               "all_day, '', summary, location, status, false, false, false FROM events")

    op.create_table('calendar_conflicts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('calendar_id', sa.Integer(), nullable=False),
    sa.Column('uid', sa.String(length=255), nullable=False),
    sa.Column('href', sa.String(length=1000), nullable=True),
    sa.Column('kept', sa.String(length=16), nullable=False),
    sa.Column('lost_ical', sa.Text(), nullable=True),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['calendar_id'], ['calendars.id'], name=op.f('fk_calendar_conflicts_calendar_id_calendars'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_calendar_conflicts_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_calendar_conflicts'))
    )
    with op.batch_alter_table('calendar_conflicts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_calendar_conflicts_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('appointment_requests',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('state', sa.String(length=16), nullable=False),
    sa.Column('summary', sa.String(length=500), nullable=False),
    sa.Column('attendees', sa.JSON(), nullable=False),
    sa.Column('slots', sa.JSON(), nullable=False),
    sa.Column('duration_minutes', sa.Integer(), nullable=False),
    sa.Column('event_uid', sa.String(length=255), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_appointment_requests_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_appointment_requests')),
    sa.UniqueConstraint('workspace_id', 'key', name=op.f('uq_appointment_requests_workspace_id_key'))
    )
    with op.batch_alter_table('appointment_requests', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_appointment_requests_workspace_id'), ['workspace_id'], unique=False)

    op.create_table('availability_rules',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('rules', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('workspace_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['workspace_id'], ['workspaces.id'], name=op.f('fk_availability_rules_workspace_id_workspaces'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_availability_rules')),
    sa.UniqueConstraint('workspace_id', name=op.f('uq_availability_rules_workspace_id'))
    )
    with op.batch_alter_table('availability_rules', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_availability_rules_workspace_id'), ['workspace_id'], unique=False)


def downgrade() -> None:
    for table in ('availability_rules', 'appointment_requests', 'calendar_conflicts',
                  'calendar_sources'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_index(batch_op.f(f'ix_{table}_workspace_id'))
        op.drop_table(table)
    with op.batch_alter_table('event_occurrences', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_occurrences_workspace_id'))
        batch_op.drop_index('ix_event_occurrences_ws_start')
        batch_op.drop_index(batch_op.f('ix_event_occurrences_event_id'))
    op.drop_table('event_occurrences')
    with op.batch_alter_table('events', schema=None) as batch_op:
        batch_op.drop_constraint('uq_events_calendar_id_uid', type_='unique')
        batch_op.create_unique_constraint('uq_events_workspace_id_uid', ['workspace_id', 'uid'])
        for column in ('updated_at', 'expanded_until', 'expanded_from', 'sync_state',
                       'organizer', 'transparent', 'last_end', 'recurring', 'sequence', 'etag',
                       'href', 'ical'):
            batch_op.drop_column(column)
