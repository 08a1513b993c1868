"""Receiving a delivery into stock: a local, undoable action (supplies.receive).

Stock changes only through StockMove rows; undoing a receipt adds the opposite moves (the
history stays whole) and walks the order's status back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.plugin import EffectResult
from righthand.duties.supplies import lifecycle
from righthand.duties.supplies.catalog import find_item
from righthand.duties.supplies.quantities import line_text, plural
from righthand.errors import BadInput, CannotUndo
from righthand.store.tables import ItemRow, PurchaseOrder, PurchaseOrderLine, StockMove

RECEIVABLE = (lifecycle.SENT, lifecycle.PARTLY_RECEIVED)


def _check_receivable(po: PurchaseOrder) -> None:
    if po.status in RECEIVABLE:
        return
    hint = {lifecycle.DRAFT: "It has not been approved and sent yet (`righthand approvals`).",
            lifecycle.APPROVED: "It is approved but its email has not gone out yet; see "
                                "`righthand outbox list`.",
            lifecycle.RECEIVED: "Everything on it has been received already.",
            lifecycle.CANCELLED: "It was cancelled; record the delivery with "
                                 "`righthand supplies item update SKU --on-hand N`."}
    raise lifecycle.IllegalTransition(
        f"{po.number} is {lifecycle.label(po.status)}; only sent or partly received orders can "
        "be received", hint=hint.get(po.status, "See `righthand supplies orders show`."))


def plan(session: Session, po: PurchaseOrder,
         picks: Sequence[tuple[str, int]] = ()) -> list[dict[str, Any]]:
    """The lines to receive: everything outstanding, or ``picks`` of (SKU or name, quantity)."""
    _check_receivable(po)
    lines = lifecycle.lines_of(session, po)
    by_item = {line.item_id: line for line in lines}
    wanted: list[tuple[PurchaseOrderLine, int]] = []
    if not picks:
        wanted = [(line, line.quantity - line.received) for line in lines
                  if line.quantity > line.received]
    for ref, quantity in picks:
        picked = find_item(session, ref)
        line = by_item.get(picked.id)
        if line is None:
            raise BadInput(f"{picked.name} is not on {po.number}",
                           hint=f"See its lines with `righthand supplies orders show {po.number}`.")
        wanted.append((line, quantity))
    out = []
    for line, quantity in wanted:
        item = session.get(ItemRow, line.item_id)
        assert item is not None
        outstanding = line.quantity - line.received
        if quantity <= 0:
            raise BadInput(f"the quantity received must be 1 or more, not {quantity}")
        if quantity > outstanding:
            raise BadInput(f"{po.number} has only {outstanding} {plural(item.unit, outstanding)} "
                           f"of {item.name} outstanding, not {quantity}",
                           hint="Receive what is outstanding; count extra stock with "
                                "`righthand supplies item update SKU --on-hand N`.")
        out.append({"line_id": line.id, "item_id": item.id, "sku": item.sku or "",
                    "name": item.name, "unit": item.unit, "quantity": quantity})
    if not out:
        raise BadInput(f"nothing is outstanding on {po.number}")
    return out


def describe(lines: Sequence[Mapping[str, Any]]) -> str:
    """'Printer paper: 2 boxes, Toner cartridge: 1 cartridge'."""
    return ", ".join(line_text(str(ln["name"]), int(ln["quantity"]), str(ln["unit"]))
                     for ln in lines)


def receive_action(po: PurchaseOrder, lines: Sequence[Mapping[str, Any]]) -> Action:
    """The supplies.receive action for ``lines`` of ``po``."""
    return Action(duty="supplies.order", kind="supplies.receive",
                  payload={"po_id": po.id, "po_number": po.number, "lines": list(lines)},
                  summary=f"Receive {po.number} into stock: {describe(lines)}", undoable=True)


def _status_after(lines: Sequence[PurchaseOrderLine]) -> str:
    if all(line.received >= line.quantity for line in lines):
        return lifecycle.RECEIVED
    if any(line.received for line in lines):
        return lifecycle.PARTLY_RECEIVED
    return lifecycle.SENT


class ReceiveEffect:
    """Adds received quantities to stock and the order; undo takes them back out."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Record the delivery: stock moves, received quantities, the order's status."""
        po = session.get(PurchaseOrder, int(payload["po_id"]))
        if po is None:
            raise BadInput(f"purchase order {payload.get('po_number')} no longer exists")
        lifecycle.lock(session, workspace_id)
        _check_receivable(po)
        done = []
        for entry in payload["lines"]:
            line = session.get(PurchaseOrderLine, int(entry["line_id"]))
            item = session.get(ItemRow, int(entry["item_id"]))
            quantity = int(entry["quantity"])
            if line is None or item is None or line.po_id != po.id:
                raise BadInput(f"a line of {po.number} no longer exists")
            if quantity > line.quantity - line.received:
                raise BadInput(f"{po.number}: only {line.quantity - line.received} of "
                               f"{item.name} still outstanding, not {quantity} (received since?)",
                               hint=f"See `righthand supplies orders show {po.number}`.")
            line.received += quantity
            item.on_hand += quantity
            move = StockMove(workspace_id=workspace_id, item_id=item.id, delta=quantity,
                             reason="receipt", po_id=po.id, at=now)
            session.add(move)
            session.flush()
            done.append({"line_id": line.id, "item_id": item.id, "quantity": quantity,
                         "move_id": move.id})
        lifecycle.transition(session, po, _status_after(lifecycle.lines_of(session, po)), now,
                             "assistant", f"Received: {describe(payload['lines'])}.")
        return EffectResult(result={"po": po.number, "status": po.status, "lines": done},
                            undo={"lines": done})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Take the received quantities back out of stock and the order."""
        po = session.get(PurchaseOrder, int(payload["po_id"]))
        if po is None:
            raise CannotUndo(f"purchase order {payload.get('po_number')} no longer exists")
        lifecycle.lock(session, workspace_id)
        for entry in undo["lines"]:
            line = session.get(PurchaseOrderLine, int(entry["line_id"]))
            item = session.get(ItemRow, int(entry["item_id"]))
            quantity = int(entry["quantity"])
            if line is None or item is None:
                raise CannotUndo(f"a line of {po.number} no longer exists")
            if item.on_hand < quantity or line.received < quantity:
                raise CannotUndo(
                    f"{item.name} now has {item.on_hand} on hand, fewer than the {quantity} "
                    "this receipt added (some were used since)",
                    hint=f"Count the stock instead: `righthand supplies item update "
                         f"{item.sku or item.name} --on-hand N`.")
            line.received -= quantity
            item.on_hand -= quantity
            session.add(StockMove(workspace_id=workspace_id, item_id=item.id, delta=-quantity,
                                  reason="receipt_undone", po_id=po.id, at=now))
        session.flush()
        lifecycle.transition(session, po, _status_after(lifecycle.lines_of(session, po)), now,
                             "client", f"Receipt undone: {describe(payload['lines'])}.",
                             undo=True)
        return (f"Took the receipt of {describe(payload['lines'])} back out of stock; "
                f"{po.number} is {lifecycle.label(po.status)} again.")
