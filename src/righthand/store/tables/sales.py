"""Deals, pipelines and stages, deal contacts and activities, reminders, briefing settings."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class DealRow(Scoped, Base):
    """A deal in a sales pipeline; its pipeline and stage are rows (see PipelineRow)."""

    __tablename__ = "deals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id"))
    stage_id: Mapped[int] = mapped_column(ForeignKey("pipeline_stages.id"))
    probability: Mapped[int | None] = mapped_column(Integer)  # None: the stage's default
    amount: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    company: Mapped[str | None] = mapped_column(String(200))
    owner: Mapped[str | None] = mapped_column(String(200))
    stage_since: Mapped[date | None] = mapped_column(Date)  # in the workspace's zone
    expected_close: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open won lost
    lost_reason: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None]
    # Where an imported deal came from ("hubspot:123"); a second import updates it.
    external_id: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("workspace_id", "external_id"),
                      Index("ix_deals_ws_status", "workspace_id", "status"))

class PipelineRow(Scoped, Base):
    """A sales pipeline: an ordered set of stages (several per workspace)."""

    __tablename__ = "pipelines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    template: Mapped[str | None] = mapped_column(String(32))  # the template it started from
    position: Mapped[int] = mapped_column(Integer, default=0)
    is_default: Mapped[bool] = mapped_column(Boolean, default=False)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "key"),)


class StageRow(Scoped, Base):
    """One stage of a pipeline, with its default win probability and when it counts as stalled."""

    __tablename__ = "pipeline_stages"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    pipeline_id: Mapped[int] = mapped_column(ForeignKey("pipelines.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[int] = mapped_column(Integer)
    probability: Mapped[int] = mapped_column(Integer)  # percent
    stalled_after_days: Mapped[int | None] = mapped_column(Integer)
    outcome: Mapped[str] = mapped_column(String(8), default="open")  # open won lost
    __table_args__ = (UniqueConstraint("pipeline_id", "key"),)


class DealContactRow(Scoped, Base):
    """A contact's role on a deal (buyer, seller, lender, attorney...)."""

    __tablename__ = "deal_contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(50), default="")
    __table_args__ = (UniqueConstraint("deal_id", "contact_id"),
                      Index("ix_deal_contacts_ws_contact", "workspace_id", "contact_id"))


class DealTag(Scoped, Base):
    """A tag on a deal."""

    __tablename__ = "deal_tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("deal_id", "tag"),)


class DealActivityRow(Scoped, Base):
    """One entry of a deal's timeline: an email, event, call, note, or a change of the deal.

    Linked automatically from what the assistant sees (``source``/``source_ref`` name the
    message, event or call, so linking twice is a no-op); the client may unlink one, which keeps
    the row with ``unlinked_at`` set so that automatic linking never brings it back."""

    __tablename__ = "deal_activities"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    deal_id: Mapped[int] = mapped_column(ForeignKey("deals.id", ondelete="CASCADE"))
    # email_in email_out event call note stage_change status_change next_step created
    kind: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    summary: Mapped[str] = mapped_column(Text)
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id",
                                                              ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(24))  # mailbox calendar calls client assistant...
    source_ref: Mapped[str | None] = mapped_column(String(300))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id", ondelete="SET NULL"))
    data: Mapped[dict[str, Any] | None]
    unlinked_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("deal_id", "source", "source_ref"),
                      Index("ix_deal_activities_ws_deal_at", "workspace_id", "deal_id", "at"))


class ReminderRow(Scoped, Base):
    """A reminder, a follow-up (a promise found in sent mail), a reply the client awaits, or a
    nudge about an awaited reply that is overdue."""

    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))  # reminder follow_up awaiting_reply nudge
    text: Mapped[str] = mapped_column(Text)
    due_at: Mapped[datetime]
    has_time: Mapped[bool] = mapped_column(Boolean, default=False)  # else: some time that day
    status: Mapped[str] = mapped_column(String(12), default="open")  # open done dismissed
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id",
                                                              ondelete="SET NULL"))
    deal_id: Mapped[int | None] = mapped_column(ForeignKey("deals.id", ondelete="SET NULL"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("reminders.id",
                                                             ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(String(24), default="client")
    source_ref: Mapped[str | None] = mapped_column(String(300))
    # One reminder per promise / awaited message / nudge, however often the same mail is read.
    dedupe_key: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    done_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("workspace_id", "dedupe_key"),
                      Index("ix_reminders_ws_status_due", "workspace_id", "status", "due_at"))


class BriefingSettingsRow(Scoped, Base):
    """When and how the client gets the daily briefing and the weekly review."""

    __tablename__ = "briefing_settings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    send_at: Mapped[str] = mapped_column(String(5), default="07:30")  # HH:MM, workspace zone
    channels: Mapped[list[str]] = mapped_column(JSON, default=list)  # email web
    email_to: Mapped[str | None] = mapped_column(String(320))
    weekly_day: Mapped[int] = mapped_column(Integer, default=4)  # Monday 0 .. Sunday 6
    sections_off: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The claims that make each briefing go out once, however many workers run the job.
    last_daily_on: Mapped[date | None] = mapped_column(Date)
    last_weekly_on: Mapped[date | None] = mapped_column(Date)
    __table_args__ = (UniqueConstraint("workspace_id"),)
