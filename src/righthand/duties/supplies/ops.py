"""What the client can do with orders from the command line (and tests): order an item, put
an order or a receipt before the gate, cancel an order.

Every world-touching step is an action through the executor (and so the gate); cancelling
only ever stops an order that has not left, and says so when it already has.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.supplies import lifecycle, proposal, receiving
from righthand.duties.supplies.pdf import money
from righthand.duties.supplies.quantities import Conversion, plural
from righthand.errors import BadInput
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription
from righthand.service import approvals, audit, executor
from righthand.store.tables import (
    ActionRow,
    Approval,
    ItemRow,
    OutboxRow,
    PurchaseOrder,
    VendorRow,
    Workspace,
)


@dataclass(frozen=True)
class Gatekeeping:
    """What the caller needs to put actions before the gate."""

    job: JobDescription
    catalog: DutyCatalog
    approval_ttl: timedelta = timedelta(hours=72)
    actor: str = "client"


def draft_order(session: Session, ws: Workspace, item: ItemRow, quantity: Conversion,
                now: datetime, actor: str) -> tuple[PurchaseOrder, Action]:
    """A draft order for ``quantity`` of ``item`` and the email action that would send it."""
    vendor = proposal.check_vendor(item, session.get(VendorRow, item.vendor_id)
                                   if item.vendor_id else None)
    po = lifecycle.create(session, ws.id, vendor, [(item, quantity.units)], now, actor,
                          ws.currency)
    assert po is not None  # only reorder runs pass a reorder key
    return po, proposal.po_action(session, po, ws)


def describe_order(item: ItemRow, quantity: Conversion, po: PurchaseOrder) -> str:
    """'Purchase order PO-0008: Printer paper (PAP-A4-500), 2 boxes at $42.00 per box ...'."""
    units = plural(item.unit, quantity.units)
    price = money(item.unit_price, po.currency)
    rounded = ""
    if quantity.rounded:
        rounded = (f" (rounded up from {quantity.requested} to whole packs of "
                   f"{item.pack_size})")
    return (f"Purchase order {po.number}: {item.name}{f' ({item.sku})' if item.sku else ''}, "
            f"{quantity.units} {units}{rounded} at {price} per {item.unit}, "
            f"{money(po.total, po.currency)} in all.")


def propose(session: Session, ws: Workspace, action: Action, gate: Gatekeeping,
            now: datetime, po: PurchaseOrder | None = None) -> executor.Proposed:
    """Put ``action`` before the gate; an order follows its action's fate at once."""
    proposed = executor.propose(session, ws.id, action, gate.job, gate.catalog, now, gate.actor,
                                gate.approval_ttl)
    if po is not None:
        lifecycle.follow(session, po, proposed.row, now, gate.actor)
    return proposed


def order(session: Session, ws: Workspace, item: ItemRow, quantity: Conversion,
          gate: Gatekeeping, now: datetime) -> tuple[PurchaseOrder, executor.Proposed]:
    """Draft an order for ``item`` and put its email before the gate."""
    lifecycle.refresh(session, now)
    po, action = draft_order(session, ws, item, quantity, now, gate.actor)
    return po, propose(session, ws, action, gate, now, po)


def receive(session: Session, ws: Workspace, po: PurchaseOrder,
            picks: list[tuple[str, int]], gate: Gatekeeping, now: datetime) -> executor.Proposed:
    """Put the receipt of ``picks`` (or of everything outstanding) before the gate."""
    lifecycle.refresh(session, now)
    lines = receiving.plan(session, po, picks)
    return propose(session, ws, receiving.receive_action(po, lines), gate, now)


def cancel(session: Session, po: PurchaseOrder, now: datetime, actor: str = "client") -> str:
    """Cancel ``po``; a pending approval is rejected, and an email that has not gone out (or
    failed, or whose fate is uncertain) is taken out of the outbox so nothing resends it."""
    lifecycle.refresh(session, now)
    if po.status == lifecycle.CANCELLED:
        raise lifecycle.IllegalTransition(f"{po.number} is already cancelled",
                                          hint="See the open orders with `righthand supplies "
                                               "orders`.")
    if po.status not in (lifecycle.DRAFT, lifecycle.APPROVED, lifecycle.SENT):
        lifecycle.transition(session, po, lifecycle.CANCELLED, now, actor)  # raises
    row = session.get(ActionRow, po.action_id) if po.action_id else None
    said = ""
    if row is not None and row.state == "awaiting_approval":
        approval = session.scalars(select(Approval).where(
            Approval.action_id == row.id, Approval.status == "pending")).first()
        if approval is not None:
            approvals.reject(session, approval.id, now, actor, note=f"{po.number} cancelled")
            said = " Its approval request is withdrawn."
    elif row is not None and row.state in _WITHDRAWN:
        said = _withdraw(session, po, row, now, actor)
    vendor = session.get(VendorRow, po.vendor_id)
    if po.status == lifecycle.SENT:
        said = (f" The vendor already has it: let {vendor.name if vendor else 'them'} know "
                "(for example `righthand ask \"Email ...\"`).")
    lifecycle.transition(session, po, lifecycle.CANCELLED, now, actor, f"Cancelled by {actor}.")
    return f"Cancelled {po.number}.{said}"


# An order's email in these states is still in the outbox and can be taken out of it.
_WITHDRAWN = {"queued": " Its email was stopped before it went out.",
              "failed": " Its email never went out and will not be retried.",
              "uncertain": " Its email may or may not have reached the vendor (the connection "
                           "broke while sending): let them know it is cancelled."}


def _withdraw(session: Session, po: PurchaseOrder, row: ActionRow, now: datetime,
              actor: str) -> str:
    """Take the order's email out of the outbox (claimed entries are being sent: refuse)."""
    settled = ("pending", "failed", "uncertain")
    stopped = session.execute(
        update(OutboxRow).where(OutboxRow.action_id == row.id, OutboxRow.status.in_(settled))
        .values(status="cancelled", finished_at=now, last_error=f"{po.number} cancelled")
        .execution_options(synchronize_session=False))
    if stopped.rowcount != 1:  # type: ignore[attr-defined]
        raise BadInput(f"{po.number} is being emailed to the vendor right now",
                       hint="Wait a minute, cancel it again, and let the vendor know.")
    said = _WITHDRAWN[row.state]
    row.state = "cancelled"
    row.updated_at = now
    audit.append(session, po.workspace_id, actor, "action.cancelled", f"action {row.id}",
                 {"po": po.number}, at=now)
    return said
