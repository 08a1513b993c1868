"""Calendars, events, their expanded occurrences, sync sources, conflicts, scheduling."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped, Sealed


class CalendarRow(Scoped, Base):
    """One of the workspace's calendars."""

    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(16), default="#3b82f6")
    busy: Mapped[bool] = mapped_column(Boolean, default=True)


class EventRow(Scoped, Base):
    """One calendar object resource: an event, or a recurring series with its exceptions."""

    __tablename__ = "events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    summary: Mapped[str] = mapped_column(String(500))
    location: Mapped[str | None] = mapped_column(String(500))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="CONFIRMED")
    attendees: Mapped[dict[str, Any]] = mapped_column(default=dict)
    # -- RFC 5545 resource and sync state (migration 0005_calendar) --
    # The whole VCALENDAR of the resource (master, overrides, VTIMEZONEs): the source of truth;
    # the columns above describe its first occurrence (the master) for listing and search.
    ical: Mapped[str | None] = mapped_column(Text)
    href: Mapped[str | None] = mapped_column(String(1000))
    etag: Mapped[str | None] = mapped_column(String(200))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    recurring: Mapped[bool] = mapped_column(Boolean, default=False)
    last_end: Mapped[datetime | None]  # end of the last occurrence; None: recurs for ever
    transparent: Mapped[bool] = mapped_column(Boolean, default=False)
    organizer: Mapped[str | None] = mapped_column(String(320))
    # synced | pending (changed here, not yet on the server) | deleted (tombstone to push)
    sync_state: Mapped[str] = mapped_column(String(16), default="synced")
    # The window whose occurrences are in event_occurrences (recurring events).
    expanded_from: Mapped[datetime | None]
    expanded_until: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("calendar_id", "uid"),
                      Index("ix_events_ws_start", "workspace_id", "starts_at"))

class CalendarSource(Scoped, Base):
    """Where a calendar comes from: a CalDAV collection (two-way) or an ICS subscription."""

    __tablename__ = "calendar_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"),
                                             unique=True)
    kind: Mapped[str] = mapped_column(String(16))  # caldav subscription
    url: Mapped[str] = mapped_column(String(2000))
    sync_token: Mapped[str | None] = mapped_column(String(500))
    http_etag: Mapped[str | None] = mapped_column(String(200))  # subscriptions: conditional GET
    refresh_minutes: Mapped[int] = mapped_column(Integer, default=60)
    next_refresh_at: Mapped[datetime | None]
    last_synced_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)


class CalDavAccount(Scoped, Base):
    """The workspace's own calendar server (two-way CalDAV sync): its address, the user name
    and the password, sealed at rest (``Sealed``) and never shown back, logged or exported.
    Without one the workspace uses the administrator's RIGHTHAND_CALDAV_URL, if any (see
    ``service.calendar_accounts.resolve``)."""

    __tablename__ = "caldav_accounts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))  # no credentials in it
    username: Mapped[str | None] = mapped_column(String(320))
    password: Mapped[str | None] = mapped_column(Sealed())
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id"),)

    def __repr__(self) -> str:  # never show the password
        return f"CalDavAccount({self.username or ''} at {self.url})"


class EventOccurrence(Scoped, Base):
    """One occurrence of an event inside its expanded window: what range queries read."""

    __tablename__ = "event_occurrences"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    all_day: Mapped[bool] = mapped_column(Boolean, default=False)
    recurrence_id: Mapped[str] = mapped_column(String(40), default="")
    summary: Mapped[str] = mapped_column(String(500), default="")
    location: Mapped[str | None] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="CONFIRMED")
    transparent: Mapped[bool] = mapped_column(Boolean, default=False)
    declined: Mapped[bool] = mapped_column(Boolean, default=False)  # the client said no
    long: Mapped[bool] = mapped_column(Boolean, default=False)  # longer than a week
    __table_args__ = (Index("ix_event_occurrences_ws_start", "workspace_id", "starts_at"),)


class CalendarConflict(Scoped, Base):
    """A sync conflict: both sides changed one event. The winner is in the calendar; the loser
    is kept here whole, so nothing is lost, until the client settles it."""

    __tablename__ = "calendar_conflicts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendars.id", ondelete="CASCADE"))
    uid: Mapped[str] = mapped_column(String(255))
    href: Mapped[str | None] = mapped_column(String(1000))
    kept: Mapped[str] = mapped_column(String(16))  # local remote
    lost_ical: Mapped[str | None] = mapped_column(Text)  # None: the losing side deleted it
    reason: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]


class AppointmentRequest(Scoped, Base):
    """A scheduling request: its idempotency key, the slots offered and what was booked."""

    __tablename__ = "appointment_requests"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # book propose
    state: Mapped[str] = mapped_column(String(16))  # proposing proposed booking booked cancelled
    summary: Mapped[str] = mapped_column(String(500))
    attendees: Mapped[dict[str, Any]] = mapped_column(default=dict)
    slots: Mapped[dict[str, Any]] = mapped_column(default=dict)
    duration_minutes: Mapped[int] = mapped_column(Integer, default=30)
    event_uid: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)


class AvailabilityRules(Scoped, Base):
    """The client's bookable time: working hours, overrides, buffers, limits (JSON)."""

    __tablename__ = "availability_rules"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rules: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id"),)
