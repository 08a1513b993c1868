"""Helpers for supplies tests: a small office catalog, orders through the gate, snapshots."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from righthand.bootstrap import App
from righthand.duties.supplies import catalog, lifecycle, ops
from righthand.duties.supplies.quantities import round_to_packs
from righthand.policy.duties import Phase
from righthand.service import approvals, executor, workspaces
from righthand.store.tables import (
    ItemRow,
    PurchaseOrder,
    PurchaseOrderLine,
    StockMove,
    VendorRow,
    Workspace,
)
from tests.conftest import new_workspace

PROFILE = {"business_name": "Harbour & Pine Realty",
           "postal_address": ["12 Harbour Street", "Boston, MA 02110"],
           "phone": "+1 617 555 0100", "email": "pat@harbourpine.example",
           "signature": "Pat Lee\nHarbour & Pine Realty"}

VENDORS = [("Harbor Office Supply", "orders@harboroffice.example", "Jo Harbor"),
           ("SignPro", "sales@signpro.example", None)]
# name, sku, vendor index, unit, pack size, price, on hand, reorder point, target
ITEMS = [
    ("Printer paper", "PAP-A4-500", 0, "box", 1, "42.00", 2, 3, 8),
    ("Toner cartridge", "TON-HP-26A", 0, "cartridge", 1, "89.00", 1, 1, 3),
    ("Manila folders", "FOL-MAN-100", 0, "box", 1, "18.50", 6, 2, 6),
    ("Ballpoint pens", "PEN-BLK-12", 0, "pen", 12, "0.80", 30, 24, 60),
    ("For Sale signs", "SGN-FS-24", 1, "sign", 1, "35.00", 3, 4, 10),
]


def office(app: App, phase: Phase = Phase.I) -> int:
    """A workspace with the business profile, two vendors and five items; returns its id."""
    ws_id = new_workspace(app, phase)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        ws.profile = dict(PROFILE)
        vendors: list[VendorRow] = []
        for name, email, contact in VENDORS:
            vendor = VendorRow(workspace_id=ws_id, name=name, email=email, contact_name=contact)
            session.add(vendor)
            vendors.append(vendor)
        session.flush()
        for name, sku, index, unit, pack, price, on_hand, point, target in ITEMS:
            session.add(ItemRow(workspace_id=ws_id, name=name, sku=sku,
                                vendor_id=vendors[index].id, unit=unit, pack_size=pack,
                                unit_price=Decimal(price), on_hand=on_hand, reorder_point=point,
                                target_level=target))
    return ws_id


def gate(app: App, session: Any, ws: Workspace) -> ops.Gatekeeping:
    """The job description and catalog of ``ws``, for ops."""
    return ops.Gatekeeping(workspaces.job_description(session, ws), app.catalog,
                           app.approval_ttl, "client")


def place(app: App, ws_id: int, sku: str, units: int) -> tuple[str, executor.Proposed]:
    """Order ``units`` of the item ``sku`` as the client would from the CLI."""
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        item = catalog.find_item(session, sku)
        po, proposed = ops.order(session, ws, item, round_to_packs(units, item.pack_size),
                                 gate(app, session, ws), app.clock())
        return po.number, proposed


def approve(app: App, ws_id: int, approval_id: int) -> int:
    """Approve as the client; returns the action id."""
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        return approvals.approve(session, approval_id, workspaces.job_description(session, ws),
                                 app.catalog, app.clock()).id


def deliver(app: App, *action_ids: int) -> list[int]:
    """Deliver these actions now (only these: PostgreSQL tests share one database)."""
    return app.dispatcher().run_once(only=list(action_ids)).delivered


def receive(app: App, ws_id: int, number: str,
            picks: list[tuple[str, int]] | None = None) -> executor.Proposed:
    """Put a receipt before the gate."""
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        po = lifecycle.find(session, number)
        return ops.receive(session, ws, po, picks or [], gate(app, session, ws), app.clock())


@dataclass(frozen=True)
class Snapshot:
    """A purchase order as stored."""

    number: str
    status: str
    total: Decimal
    action_id: int | None
    reorder_key: str | None
    vendor: str
    lines: dict[str, tuple[int, int]]  # sku -> (quantity, received)
    notes: str
    sent: bool
    received: bool


def snapshot(app: App, ws_id: int, number: str) -> Snapshot:
    """Read one order back (after bringing it in line with its action, as readers do)."""
    with app.db.unit(ws_id) as session:
        lifecycle.refresh(session, app.clock())
        po = lifecycle.find(session, number)
        vendor = session.get(VendorRow, po.vendor_id)
        lines = {}
        for line in session.scalars(select(PurchaseOrderLine)
                                    .where(PurchaseOrderLine.po_id == po.id)):
            item = session.get(ItemRow, line.item_id)
            assert item is not None and item.sku is not None
            lines[item.sku] = (line.quantity, line.received)
        return Snapshot(po.number, po.status, po.total, po.action_id, po.reorder_key,
                        vendor.name if vendor else "", lines, po.notes or "",
                        po.sent_at is not None, po.received_at is not None)


def orders(app: App, ws_id: int) -> list[Snapshot]:
    """Every order of the workspace, oldest first."""
    with app.db.unit(ws_id, write=False) as session:
        numbers = list(session.scalars(select(PurchaseOrder.number).order_by(PurchaseOrder.id)))
    return [snapshot(app, ws_id, n) for n in numbers]


def stock(app: App, ws_id: int, sku: str) -> int:
    """On hand of ``sku``."""
    with app.db.unit(ws_id, write=False) as session:
        return catalog.find_item(session, sku).on_hand


def moves(app: App, ws_id: int, sku: str) -> list[tuple[int, str]]:
    """(delta, reason) of the item's stock moves, oldest first."""
    with app.db.unit(ws_id, write=False) as session:
        item = catalog.find_item(session, sku)
        return [(m.delta, m.reason) for m in session.scalars(
            select(StockMove).where(StockMove.item_id == item.id).order_by(StockMove.id))]


def set_stock(app: App, ws_id: int, sku: str, count: int) -> None:
    """Record a stock count (a stock move, as `item update --on-hand` does)."""
    with app.db.unit(ws_id) as session:
        catalog.set_on_hand(session, catalog.find_item(session, sku), count, app.clock())
