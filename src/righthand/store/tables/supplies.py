"""Vendors, items and stock, purchase orders and their lines, stock moves."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import (
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from righthand.store.tables.base import Base, Scoped


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
