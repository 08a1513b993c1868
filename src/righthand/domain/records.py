"""Plain records the duties read: contacts, lists, events, deals, supplies (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal


@dataclass(frozen=True)
class Contact:
    """A person the client deals with."""

    id: int
    display_name: str
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    company: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class MailingList:
    """A list of contacts who receive mailings."""

    id: int
    slug: str
    name: str
    opt_in: str = "single"


@dataclass(frozen=True)
class Event:
    """One (expanded) calendar event; times are UTC-aware."""

    id: int
    summary: str
    starts_at: datetime
    ends_at: datetime
    all_day: bool = False
    location: str | None = None
    calendar: str = "Work"
    attendees: tuple[str, ...] = ()


@dataclass(frozen=True)
class Deal:
    """A sales opportunity moving through a pipeline."""

    id: int
    title: str
    stage: str
    amount: Decimal | None = None
    currency: str = "USD"
    stage_since: date | None = None
    expected_close: date | None = None
    next_step: str | None = None
    next_step_due: date | None = None
    contacts: tuple[str, ...] = field(default=())


@dataclass(frozen=True)
class Item:
    """An office supply with stock levels."""

    id: int
    name: str
    unit: str
    on_hand: int
    reorder_point: int
    target_level: int
    unit_price: Decimal
    vendor: str | None = None
