"""SQLAlchemy tables. Every row but the workspace itself belongs to exactly one workspace."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column


class UTCDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes in, aware UTC datetimes out, on SQLite and PostgreSQL alike."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware UTC datetime")
        from datetime import UTC

        converted = value.astimezone(UTC)
        return converted.replace(tzinfo=None) if dialect.name == "sqlite" else converted

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        from datetime import UTC

        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of all tables."""

    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON(),
                           Decimal: Numeric(14, 2)}


class Scoped:
    """Mixin for tables that belong to a workspace; the session scopes every query by it."""

    @declared_attr
    def workspace_id(cls) -> Mapped[int]:
        return mapped_column(ForeignKey("workspaces.id", ondelete="CASCADE"), index=True)


class Workspace(Base):
    """One client's workspace."""

    __tablename__ = "workspaces"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    client_name: Mapped[str] = mapped_column(String(200))
    assistant_name: Mapped[str] = mapped_column(String(100), default="Jane")
    address_form: Mapped[str | None] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    phase: Mapped[int | None] = mapped_column(Integer)
    # business name, postal address, phone, email, signature, letterhead lines
    profile: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]


class Setting(Base):
    """Installation-wide key/value settings (the current workspace, ...)."""

    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class JobDuty(Scoped, Base):
    """One line of a workspace's job description."""

    __tablename__ = "job_duties"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty: Mapped[str] = mapped_column(String(64))
    autonomy: Mapped[str] = mapped_column(String(16))
    initiative: Mapped[str] = mapped_column(String(16))
    limits: Mapped[dict[str, Any]] = mapped_column(default=dict)
    __table_args__ = (UniqueConstraint("workspace_id", "duty"),)


class ActionRow(Scoped, Base):
    """A proposed action (one version) and the gate's decision on it."""

    __tablename__ = "actions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    duty: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]]
    payload_hash: Mapped[str] = mapped_column(String(64))
    summary: Mapped[str] = mapped_column(Text)
    initiative: Mapped[str] = mapped_column(String(16))
    undoable: Mapped[bool] = mapped_column(Boolean, default=False)
    amount: Mapped[Decimal | None]
    version: Mapped[int] = mapped_column(Integer, default=1)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    requested_by: Mapped[str] = mapped_column(String(200))
    decision: Mapped[str] = mapped_column(String(8))
    decision_code: Mapped[str] = mapped_column(String(32))
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    notify: Mapped[bool] = mapped_column(Boolean, default=False)
    # proposed -> denied | awaiting_approval -> queued -> done | failed | uncertain;
    # awaiting_approval -> rejected | superseded | expired; done -> undone
    state: Mapped[str] = mapped_column(String(20))
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    __table_args__ = (Index("ix_actions_ws_state", "workspace_id", "state"),
                      Index("ix_actions_ws_duty_created", "workspace_id", "duty", "created_at"))


class Approval(Scoped, Base):
    """A pending (or decided) request for the client's yes, bound to one payload hash."""

    __tablename__ = "approvals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    payload_hash: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending approved rejected expired superseded
    reason: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[str | None] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_approvals_ws_status", "workspace_id", "status"),)


class OutboxRow(Scoped, Base):
    """An action on its way to the world. The source of truth for what must be delivered."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"), unique=True)
    idempotency_key: Mapped[str] = mapped_column(String(100), unique=True)
    via: Mapped[str] = mapped_column(String(32))
    # pending -> sending -> sent | failed | uncertain ; pending -> cancelled
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime]
    owner: Mapped[str | None] = mapped_column(String(200))
    lease_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None]
    created_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]
    __table_args__ = (Index("ix_outbox_status_due", "status", "not_before"),)


class OutcomeRow(Scoped, Base):
    """The ledger: one outcome of one action."""

    __tablename__ = "outcomes"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    action_id: Mapped[int] = mapped_column(ForeignKey("actions.id"))
    duty: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(24))
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_outcomes_ws_duty_at", "workspace_id", "duty", "at"),)


class AuditEntry(Scoped, Base):
    """Append-only, hash-chained audit log (one chain per workspace)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"),
                                    primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(200))
    event: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str] = mapped_column(String(200), default="")
    data: Mapped[dict[str, Any]]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("workspace_id", "seq"),)


class AuditHead(Scoped, Base):
    """The end of a workspace's audit chain; locked while a new entry is appended."""

    __tablename__ = "audit_heads"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer, default=0)
    hash: Mapped[str] = mapped_column(String(64))
    __table_args__ = (UniqueConstraint("workspace_id"),)


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


class CalendarRow(Scoped, Base):
    """One of the workspace's calendars."""

    __tablename__ = "calendars"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    color: Mapped[str] = mapped_column(String(16), default="#3b82f6")
    busy: Mapped[bool] = mapped_column(Boolean, default=True)


class EventRow(Scoped, Base):
    """A calendar event (single instance; recurrence arrives with the calendar duty)."""

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
    __table_args__ = (UniqueConstraint("workspace_id", "uid"),
                      Index("ix_events_ws_start", "workspace_id", "starts_at"))


class DealRow(Scoped, Base):
    """A deal in the sales pipeline."""

    __tablename__ = "deals"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    pipeline: Mapped[str] = mapped_column(String(100), default="residential")
    stage: Mapped[str] = mapped_column(String(100))
    amount: Mapped[Decimal | None]
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    stage_since: Mapped[date | None] = mapped_column(Date)
    expected_close: Mapped[date | None] = mapped_column(Date)
    next_step: Mapped[str | None] = mapped_column(Text)
    next_step_due: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="open")
    contacts: Mapped[dict[str, Any]] = mapped_column(default=dict)
    notes: Mapped[str | None] = mapped_column(Text)


class VendorRow(Scoped, Base):
    """A supplier."""

    __tablename__ = "vendors"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320))
    contact_name: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(50))


class ItemRow(Scoped, Base):
    """An office supply item with its stock levels."""

    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    sku: Mapped[str | None] = mapped_column(String(100))
    vendor_id: Mapped[int | None] = mapped_column(ForeignKey("vendors.id"))
    unit: Mapped[str] = mapped_column(String(50), default="each")
    pack_size: Mapped[int] = mapped_column(Integer, default=1)
    unit_price: Mapped[Decimal] = mapped_column(default=Decimal(0))
    on_hand: Mapped[int] = mapped_column(Integer, default=0)
    reorder_point: Mapped[int] = mapped_column(Integer, default=0)
    target_level: Mapped[int] = mapped_column(Integer, default=0)
    lead_time_days: Mapped[int] = mapped_column(Integer, default=3)


# -- Phase I duties: contacts, lists, supplies, mailings (migration 0002) -------------------------
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
    status: Mapped[str] = mapped_column(String(16))  # running done failed
    total: Mapped[int] = mapped_column(Integer, default=0)
    created: Mapped[int] = mapped_column(Integer, default=0)
    updated: Mapped[int] = mapped_column(Integer, default=0)
    skipped: Mapped[int] = mapped_column(Integer, default=0)
    invalid: Mapped[int] = mapped_column(Integer, default=0)
    report: Mapped[dict[str, Any]] = mapped_column(default=dict)
    invalid_rows: Mapped[str | None] = mapped_column(Text)  # CSV text, with a reason column
    started_at: Mapped[datetime]
    finished_at: Mapped[datetime | None]


class PurchaseOrder(Scoped, Base):
    """draft -> approved -> sent -> partly_received -> received, or cancelled."""

    __tablename__ = "purchase_orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[str] = mapped_column(String(40))
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    status: Mapped[str] = mapped_column(String(20))
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    total: Mapped[Decimal] = mapped_column(default=Decimal(0))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    # Set by reorder runs: the same shortage never yields a second order.
    reorder_key: Mapped[str | None] = mapped_column(String(200))
    notes: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    received_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("workspace_id", "number"),
                      UniqueConstraint("workspace_id", "reorder_key"))


class PurchaseOrderLine(Scoped, Base):
    """One item on a purchase order."""

    __tablename__ = "purchase_order_lines"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    po_id: Mapped[int] = mapped_column(ForeignKey("purchase_orders.id", ondelete="CASCADE"))
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    quantity: Mapped[int] = mapped_column(Integer)  # in the item's unit
    unit_price: Mapped[Decimal]
    received: Mapped[int] = mapped_column(Integer, default=0)


class StockMove(Scoped, Base):
    """A change of stock on hand, with why (receiving, count, use)."""

    __tablename__ = "stock_moves"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("items.id"))
    delta: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(32))
    po_id: Mapped[int | None] = mapped_column(ForeignKey("purchase_orders.id"))
    at: Mapped[datetime]


class Mailing(Scoped, Base):
    """An email campaign: draft -> scheduled -> sending -> paused | cancelled -> finished."""

    __tablename__ = "mailings"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    list_id: Mapped[int | None] = mapped_column(ForeignKey("mailing_lists.id"))
    segment_id: Mapped[int | None] = mapped_column(ForeignKey("segments.id"))
    subject: Mapped[str] = mapped_column(String(500))
    body_text: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))
    per_second: Mapped[float | None] = mapped_column(Numeric(8, 2))
    action_id: Mapped[int | None] = mapped_column(ForeignKey("actions.id"))
    created_at: Mapped[datetime]
    scheduled_at: Mapped[datetime | None]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("workspace_id", "name"),)


class MailingRecipient(Scoped, Base):
    """One recipient of one mailing: the per-recipient send log, and the exactly-once claim."""

    __tablename__ = "mailing_recipients"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailing_id: Mapped[int] = mapped_column(ForeignKey("mailings.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(320))
    # pending sending sent failed uncertain skipped
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    message_id: Mapped[str | None] = mapped_column(String(300))
    owner: Mapped[str | None] = mapped_column(String(200))
    last_error: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("mailing_id", "address"),
                      Index("ix_mailing_recipients_status", "mailing_id", "status"))
