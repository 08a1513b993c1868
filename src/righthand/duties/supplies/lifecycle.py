"""The life of a purchase order: draft -> approved -> sent -> partly received -> received, or
cancelled; numbering per workspace; and keeping each order in step with its action.

Status changes go through :func:`transition`, which knows the allowed moves and refuses any
other with an error that says what can be done instead. Every change is audited.

Creating an order first locks the workspace's audit-chain head -- the lock every audited write
in a workspace takes anyway -- so two writers never number two orders alike, and a second
reorder run waits for the first and then sees its orders. The UNIQUE ``reorder_key`` stays the
last word: an insert that loses to it is caught and reported as "already proposed".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from righthand.errors import BadInput, NotFound, RetryLater
from righthand.service import audit
from righthand.store.tables import (
    ActionRow,
    AuditHead,
    ItemRow,
    PurchaseOrder,
    PurchaseOrderLine,
    VendorRow,
)

DRAFT, APPROVED, SENT = "draft", "approved", "sent"
PARTLY_RECEIVED, RECEIVED, CANCELLED = "partly_received", "received", "cancelled"
STATUSES = (DRAFT, APPROVED, SENT, PARTLY_RECEIVED, RECEIVED, CANCELLED)
CENT = Decimal("0.01")
PO_KINDS = ("supplies.purchase_order", "supplies.reorder_po")

ALLOWED: Mapping[str, frozenset[str]] = {
    DRAFT: frozenset({APPROVED, CANCELLED}),
    APPROVED: frozenset({SENT, CANCELLED}),
    SENT: frozenset({PARTLY_RECEIVED, RECEIVED, CANCELLED}),
    PARTLY_RECEIVED: frozenset({RECEIVED}),
    RECEIVED: frozenset(),
    CANCELLED: frozenset(),
}
# Undoing a receipt walks back along the receiving moves, and only there.
UNDO_ALLOWED: Mapping[str, frozenset[str]] = {
    RECEIVED: frozenset({PARTLY_RECEIVED, SENT}),
    PARTLY_RECEIVED: frozenset({SENT}),
}
_NEXT_STEP = {
    DRAFT: "It waits for your approval (`righthand approvals`); `righthand supplies cancel {n}` "
           "withdraws it.",
    APPROVED: "It is on its way to the vendor; `righthand supplies cancel {n}` stops it.",
    SENT: "Receive it when the delivery comes: `righthand supplies receive {n}`.",
    PARTLY_RECEIVED: "Receive the rest: `righthand supplies receive {n}`.",
    RECEIVED: "It is complete; order again with `righthand supplies order ITEM QTY`.",
    CANCELLED: "It is closed; order again with `righthand supplies order ITEM QTY`.",
}
LABELS = {PARTLY_RECEIVED: "partly received"}


class IllegalTransition(BadInput):
    """A purchase order was asked to move to a status its current one does not lead to."""


def label(status: str) -> str:
    """A status as people read it."""
    return LABELS.get(status, status)


def lock(session: Session, workspace_id: int) -> None:
    """Serialise writers of this workspace's orders and stock (see the module docstring).

    Taken before a transaction's first write to orders or items, so that every writer locks
    the audit head first and the rows after it -- the order the dispatcher's delivery hooks
    and receipts use -- and no two writers can wait on each other."""
    session.execute(select(AuditHead.id).where(AuditHead.workspace_id == workspace_id)
                    .with_for_update())


def transition(session: Session, po: PurchaseOrder, to: str, now: datetime, actor: str,
               note: str | None = None, *, undo: bool = False) -> None:
    """Move ``po`` to status ``to``, or raise :class:`IllegalTransition`."""
    if to not in STATUSES:
        raise BadInput(f"{to!r} is not a purchase order status",
                       hint=f"Statuses: {', '.join(STATUSES)}.")
    if po.status == to:
        return
    allowed = (UNDO_ALLOWED if undo else ALLOWED).get(po.status, frozenset())
    if to not in allowed:
        can = " or ".join(label(s) for s in sorted(ALLOWED[po.status]))
        why = f"from {label(po.status)} it can only become {can}" if can else "it is closed"
        raise IllegalTransition(
            f"{po.number} is {label(po.status)}; it cannot become {label(to)} ({why})",
            hint=_NEXT_STEP[po.status].format(n=po.number))
    lock(session, po.workspace_id)
    before = po.status
    po.status = to
    if to == SENT:
        po.sent_at = now
    if to == RECEIVED:
        po.received_at = now
    elif undo:
        po.received_at = None
    if note:
        po.notes = f"{po.notes}\n{note}" if po.notes else note
    session.flush()
    audit.append(session, po.workspace_id, actor, "supplies.po_status", po.number,
                 {"from": before, "to": to, "note": note}, at=now)


# -- numbering and creating ---------------------------------------------------------------------
def format_number(sequence: int) -> str:
    """PO-0001, PO-0002, ..."""
    return f"PO-{sequence:04d}"


def next_number(session: Session) -> str:
    """The next free purchase order number of the session's workspace."""
    numbers = session.scalars(select(PurchaseOrder.number)).all()
    used = [int(m.group(1)) for n in numbers if (m := re.fullmatch(r"PO-(\d+)", n))]
    return format_number(max(used, default=0) + 1)


def create(session: Session, workspace_id: int, vendor: VendorRow,
           lines: Sequence[tuple[ItemRow, int]], now: datetime, actor: str, currency: str,
           *, reorder_key: str | None = None, notes: str | None = None) -> PurchaseOrder | None:
    """A new draft order with ``lines`` (item, quantity in the item's unit) at today's prices.

    Returns None when ``reorder_key`` was already used: that shortage has had its order."""
    if not lines:
        raise BadInput("a purchase order needs at least one line")
    total = sum((item.unit_price * quantity for item, quantity in lines), Decimal(0))
    lock(session, workspace_id)
    for _attempt in range(5):
        number = next_number(session)
        try:
            with session.begin_nested():
                po = PurchaseOrder(workspace_id=workspace_id, number=number, vendor_id=vendor.id,
                                   status=DRAFT, currency=currency, reorder_key=reorder_key,
                                   total=total.quantize(CENT), notes=notes, created_at=now)
                session.add(po)
                session.flush()
                session.add_all(PurchaseOrderLine(workspace_id=workspace_id, po_id=po.id,
                                                  item_id=item.id, quantity=quantity,
                                                  unit_price=item.unit_price, received=0)
                                for item, quantity in lines)
                session.flush()
        except IntegrityError:
            if reorder_key is not None and session.scalar(
                    select(PurchaseOrder.id).where(PurchaseOrder.reorder_key == reorder_key)):
                return None
            continue  # the number was taken under us: take the next one
        audit.append(session, workspace_id, actor, "supplies.po_created", po.number,
                     {"vendor": vendor.name, "total": str(po.total), "reorder_key": reorder_key,
                      "lines": [{"item": item.name, "quantity": qty} for item, qty in lines]},
                     at=now)
        return po
    raise RetryLater("could not give the purchase order a number (others were being created)",
                     hint="Try again in a moment.")


def lines_of(session: Session, po: PurchaseOrder) -> list[PurchaseOrderLine]:
    """The order's lines, in the order they were added."""
    return list(session.scalars(select(PurchaseOrderLine).where(PurchaseOrderLine.po_id == po.id)
                                .order_by(PurchaseOrderLine.id)))


def find(session: Session, ref: str) -> PurchaseOrder:
    """The order numbered ``ref`` ("PO-0007", "po-7" or "7")."""
    match = re.fullmatch(r"(?:po)?[\s#-]*0*(\d+)", ref.strip().lower())
    if match:
        number = format_number(int(match.group(1)))
        po = session.scalars(select(PurchaseOrder).where(PurchaseOrder.number == number)).first()
        if po is not None:
            return po
    raise NotFound(f"there is no purchase order {ref!r}",
                   hint="See the orders with `righthand supplies orders --all`.")


# -- keeping orders in step with their actions ----------------------------------------------------
# What an order's status is once its action reached a state (None: no change).
_FROM_ACTION = {"queued": APPROVED, "failed": APPROVED, "uncertain": APPROVED, "done": SENT,
                "rejected": CANCELLED, "expired": CANCELLED, "denied": CANCELLED,
                "cancelled": CANCELLED}


def follow(session: Session, po: PurchaseOrder, row: ActionRow, now: datetime,
           actor: str = "assistant") -> None:
    """Bring ``po`` (draft or approved) in line with its action ``row``."""
    po.action_id = row.id
    target = _FROM_ACTION.get(row.state)
    if target is None or po.status not in (DRAFT, APPROVED) or target == po.status:
        return
    if target == CANCELLED:
        why = row.decision_reason if row.state == "denied" else ""
        note = f"Not sent: the action was {row.state}. {why}".strip()
        transition(session, po, CANCELLED, now, actor, note)
        return
    if po.status == DRAFT:
        transition(session, po, APPROVED, now, actor)
    if target == SENT:
        transition(session, po, SENT, now, actor)


def refresh(session: Session, now: datetime) -> None:
    """Bring every draft or approved order in line with its newest action.

    Approving, rejecting or expiring an approval happens in the approvals service, which has no
    hook for duties; an order learns of it here, before anything reads order statuses."""
    waiting = session.scalars(select(PurchaseOrder)
                              .where(PurchaseOrder.status.in_((DRAFT, APPROVED)))).all()
    if not waiting:
        return
    # Lock before the first write, in the order every audited writer locks (head, then rows).
    lock(session, waiting[0].workspace_id)
    po_key = ActionRow.payload["po_id"].as_integer()
    newest: dict[int, ActionRow] = {}
    for po_id, row in session.execute(
            select(po_key, ActionRow).where(ActionRow.kind.in_(PO_KINDS),
                                            po_key.in_([p.id for p in waiting]))
            .order_by(ActionRow.id)):
        newest[int(po_id)] = row
    for po in waiting:
        row = newest.get(po.id)
        if row is not None:
            follow(session, po, row, now)


def mark_sent(session: Session, workspace_id: int, payload: Mapping[str, Any],
              result: Mapping[str, Any], now: datetime) -> None:
    """Delivery hook: the order's email was accepted, so the order is 'sent'.

    It runs in the transaction that records the delivery, so it must not fail: an order that
    is somehow not draft or approved any more is left as it is and the oddity is audited."""
    po = session.get(PurchaseOrder, int(payload.get("po_id") or 0))
    if po is None:
        return
    if po.status in (DRAFT, APPROVED):
        if po.status == DRAFT:
            transition(session, po, APPROVED, now, "dispatcher")
        transition(session, po, SENT, now, "dispatcher",
                   f"Emailed to the vendor ({result.get('message_id', 'message')}).")
    elif po.status != SENT:
        audit.append(session, workspace_id, "dispatcher", "supplies.po_sent_late", po.number,
                     {"status": po.status}, at=now)
