"""The JSON API of supplies (read-only, scope ``read``): stock with what is below its reorder
point, and purchase orders with their lines -- what the Supplies pages show
(``duties.supplies.catalog.stock``, ``lifecycle``). Staff see it while a duty that reads
supplies is on."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from righthand.duties.supplies import catalog, lifecycle
from righthand.store.tables import ItemRow, PurchaseOrder, VendorRow
from righthand.web import operations
from righthand.web.api.common import ERRORS, Before, Limit, area
from righthand.web.auth import WorkspaceQuery
from righthand.web.routing import api_router

router = api_router(responses=ERRORS)


class ItemOut(BaseModel):
    """One item's stock position."""

    id: int
    name: str
    sku: str | None
    vendor_id: int | None
    vendor: str | None
    unit: str
    pack_size: int
    unit_price: Decimal
    on_hand: int
    on_order: int
    reorder_point: int
    target_level: int
    lead_time_days: int
    below_reorder: bool = Field(description="On hand is below the reorder point")
    short: bool = Field(description="Even with what is on order, below the reorder point")


class OrderOut(BaseModel):
    """A purchase order: draft -> approved -> sent -> partly_received -> received, or
    cancelled."""

    id: int
    number: str
    vendor_id: int
    vendor: str
    status: str
    status_label: str
    currency: str
    total: Decimal
    created_at: datetime
    sent_at: datetime | None
    received_at: datetime | None


class OrdersOut(BaseModel):
    """A page of purchase orders, newest first; pass ``next`` as ``before`` for older ones."""

    orders: list[OrderOut]
    next: int | None


class OrderLineOut(BaseModel):
    """One item on a purchase order, and how much of it has arrived."""

    item_id: int
    name: str
    sku: str | None
    unit: str
    quantity: int
    unit_price: Decimal
    received: int


class OrderDetail(OrderOut):
    """A purchase order with its lines and notes."""

    vendor_email: str | None
    notes: str | None
    lines: list[OrderLineOut]


def _order(po: PurchaseOrder, vendor: str) -> dict[str, object]:
    return {"id": po.id, "number": po.number, "vendor_id": po.vendor_id, "vendor": vendor,
            "status": po.status, "status_label": lifecycle.label(po.status),
            "currency": po.currency, "total": po.total, "created_at": po.created_at,
            "sent_at": po.sent_at, "received_at": po.received_at}


@router.get("/supplies/items", response_model=list[ItemOut], tags=["supplies"])
def items(request: Request, workspace: WorkspaceQuery = None) -> list[ItemOut]:
    """Every item's stock position, by name, with what is below its reorder point."""
    with area(request, workspace, "supplies") as (_ctx, session):
        lines = catalog.stock(session)
    return [ItemOut(id=s.item.id, name=s.item.name, sku=s.item.sku, vendor_id=s.item.vendor_id,
                    vendor=s.vendor, unit=s.item.unit, pack_size=s.item.pack_size,
                    unit_price=s.item.unit_price, on_hand=s.item.on_hand, on_order=s.on_order,
                    reorder_point=s.item.reorder_point, target_level=s.item.target_level,
                    lead_time_days=s.item.lead_time_days, below_reorder=s.low, short=s.short)
            for s in lines]


@router.get("/supplies/orders", response_model=OrdersOut, tags=["supplies"])
def orders(request: Request, workspace: WorkspaceQuery = None, limit: Limit = 50,
           before: Before = None) -> OrdersOut:
    """Purchase orders, newest first."""
    with area(request, workspace, "supplies") as (_ctx, session):
        query = select(PurchaseOrder).order_by(PurchaseOrder.id.desc()).limit(limit + 1)
        if before is not None:
            query = query.where(PurchaseOrder.id < before)
        rows = list(session.scalars(query))
        names = catalog.vendor_names(session)
        shown = [OrderOut.model_validate(_order(po, names.get(po.vendor_id, "?")))
                 for po in rows[:limit]]
    return OrdersOut(orders=shown, next=shown[-1].id if len(rows) > limit else None)


@router.get("/supplies/orders/{po_id}", response_model=OrderDetail, tags=["supplies"])
def order(request: Request, po_id: int, workspace: WorkspaceQuery = None) -> OrderDetail:
    """One purchase order: its lines and what was received of each."""
    with area(request, workspace, "supplies") as (_ctx, session):
        po = operations.found(session, PurchaseOrder, po_id, "purchase order")
        vendor = session.get(VendorRow, po.vendor_id)
        lines = lifecycle.lines_of(session, po)
        stock = {i.id: i for i in session.scalars(
            select(ItemRow).where(ItemRow.id.in_({line.item_id for line in lines})))}
        out = [OrderLineOut(item_id=line.item_id, name=item.name if item else "?",
                            sku=item.sku if item else None, unit=item.unit if item else "",
                            quantity=line.quantity, unit_price=line.unit_price,
                            received=line.received)
               for line in lines for item in [stock.get(line.item_id)]]
        return OrderDetail.model_validate({
            **_order(po, vendor.name if vendor else "?"),
            "vendor_email": vendor.email if vendor else None, "notes": po.notes,
            "lines": out})
