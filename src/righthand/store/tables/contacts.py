"""Contacts with their emails, phones and tags; lists, subscriptions, suppression, segments,
imports."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


class ContactRow(Scoped, Base):
    """A contact."""

    __tablename__ = "contacts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    given_name: Mapped[str] = mapped_column(String(200), default="")
    family_name: Mapped[str] = mapped_column(String(200), default="")
    display_name: Mapped[str] = mapped_column(String(400))
    company: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    timezone: Mapped[str | None] = mapped_column(String(64))
    postal_address: Mapped[dict[str, Any] | None]  # street, locality, region, postal_code, country
    attributes: Mapped[dict[str, Any] | None]  # free-form key -> value
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime | None]


class ContactEmail(Scoped, Base):
    """One email address of a contact (normalised, unique per workspace)."""

    __tablename__ = "contact_emails"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    address: Mapped[str] = mapped_column(String(320))
    label: Mapped[str | None] = mapped_column(String(50))
    __table_args__ = (UniqueConstraint("workspace_id", "address"),)


class MailingListRow(Scoped, Base):
    """A mailing list."""

    __tablename__ = "mailing_lists"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200))
    opt_in: Mapped[str] = mapped_column(String(16), default="single")
    __table_args__ = (UniqueConstraint("workspace_id", "slug"),)


class Subscription(Scoped, Base):
    """A contact's state on one list, with where the consent came from."""

    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("mailing_lists.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16))  # unconfirmed confirmed unsubscribed
    source: Mapped[str] = mapped_column(String(200))
    changed_at: Mapped[datetime]
    consent_at: Mapped[datetime | None]  # when the person confirmed (double opt-in) or opted in
    __table_args__ = (UniqueConstraint("list_id", "contact_id"),)

class ContactPhone(Scoped, Base):
    """One phone number of a contact: as entered, and E.164 when it parses."""

    __tablename__ = "contact_phones"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    raw: Mapped[str] = mapped_column(String(100))
    e164: Mapped[str | None] = mapped_column(String(20))
    label: Mapped[str | None] = mapped_column(String(50))
    __table_args__ = (Index("ix_contact_phones_ws_e164", "workspace_id", "e164"),)


class ContactTag(Scoped, Base):
    """A tag on a contact (a table, so segments can filter on it in SQL)."""

    __tablename__ = "contact_tags"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    tag: Mapped[str] = mapped_column(String(100))
    __table_args__ = (UniqueConstraint("contact_id", "tag"),
                      Index("ix_contact_tags_ws_tag", "workspace_id", "tag"))


class Suppression(Scoped, Base):
    """An address no mailing may reach: unsubscribed everywhere, hard bounce, complaint."""

    __tablename__ = "suppressions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(320))
    reason: Mapped[str] = mapped_column(String(32))  # unsubscribed hard_bounce complaint manual
    source: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("workspace_id", "address"),)


class Segment(Scoped, Base):
    """A saved filter on tags and attributes, optionally within one list."""

    __tablename__ = "segments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id",
                                                           ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    filter: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class ImportJob(Scoped, Base):
    """One import of contacts (or deals) and its report; invalid rows are kept to download."""

    __tablename__ = "import_jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))  # contacts-csv contacts-vcard deals-csv
    filename: Mapped[str] = mapped_column(String(500), default="")
    mode: Mapped[str] = mapped_column(String(16))  # add update skip
    status: Mapped[str] = mapped_column(String(16))  # checking prepared done failed refused undone
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    # The progress bar: rows checked of the file's rows while ``checking`` (an estimate from
    # its line count until the check ends), then good records applied of the good records.
    rows_total: Mapped[int | None] = mapped_column(Integer)
    rows_done: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    invalid_rows: Mapped[str | None] = mapped_column(Text)  # CSV text, with a reason column
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
