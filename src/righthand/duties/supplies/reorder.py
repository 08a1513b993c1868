"""Reordering at reorder points (supplies.reorder), the way Odoo's reordering rules do it.

An item is short when its forecast -- on hand plus everything outstanding on open and draft
orders -- is below its reorder point. For each vendor, one draft order groups all its short
items, each ordered up to its target level and rounded up to whole packs, and the email that
sends it is proposed (proactively, from the hourly job; reactively when the client runs it).

Runs are idempotent. The forecast counts the drafts a run made, so a second run finds nothing
short; and each order carries a ``reorder_key`` -- vendor, items and the stock state that made
them short -- that the database keeps UNIQUE per workspace, so even two runs at once, or a run
after the client cancelled the order, never order the same shortage twice. A new stock move
(a receipt, a count) makes a new shortage.

The gate is asked before anything is drafted: where it would refuse (the duty is off, reactive
while the run is proactive, or a hard spend limit is reached) nothing is drafted and the report
says why. So the hourly job leaves no trail of refused drafts, and a shortage refused today is
proposed as soon as the job description allows it.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import PeriodicJob
from righthand.duties.supplies import catalog, lifecycle, ops, proposal
from righthand.duties.supplies.pdf import money
from righthand.duties.supplies.quantities import Conversion, line_text, round_to_packs
from righthand.errors import BadInput
from righthand.policy.duties import DutyCatalog
from righthand.policy.gate import Deny, decide
from righthand.policy.job import JobDescription
from righthand.service import executor
from righthand.store.tables import ItemRow, PurchaseOrder, VendorRow, Workspace


@dataclass(frozen=True)
class Shortage:
    """One item below its reorder point, and what to order."""

    item: ItemRow
    forecast: int
    quantity: Conversion


@dataclass(frozen=True)
class Reordered:
    """One order a run proposed."""

    number: str
    vendor: str
    lines: list[str]
    total: str
    decision: str
    reason: str
    approval_id: int | None
    action_id: int


@dataclass
class ReorderReport:
    """What a run did: the orders it proposed, and what it held back and why."""

    proposed: list[Reordered] = field(default_factory=list)
    held: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The report in words."""
        if not self.proposed and not self.held:
            return "Nothing is below its reorder point; no orders needed."
        out = []
        for po in self.proposed:
            fate = {"ask": f"waiting for your approval (#{po.approval_id}: `righthand "
                           f"approvals approve {po.approval_id}`)",
                    "allow": "going out to the vendor",
                    "deny": f"refused: {po.reason}"}[po.decision]
            out.append(f"Proposed {po.number} to {po.vendor} ({po.total}): "
                       f"{'; '.join(po.lines)} -- {fate}.")
        out += [f"Held back: {line}" for line in self.held]
        return "\n".join(out)


def shortages(session: Session) -> dict[int | None, list[Shortage]]:
    """Short items by vendor id (None: items without a vendor)."""
    found: dict[int | None, list[Shortage]] = defaultdict(list)
    for line in catalog.stock(session):
        if not line.short:
            continue
        item = line.item
        missing = max(item.target_level, item.reorder_point) - line.forecast
        found[item.vendor_id].append(Shortage(item, line.forecast,
                                              round_to_packs(missing, item.pack_size)))
    return found


def reorder_key(session: Session, vendor_id: int, short: list[Shortage]) -> str:
    """The identity of one vendor's shortage: its items and the stock state behind each."""
    parts = sorted(f"{s.item.id}@{catalog.last_move_id(session, s.item.id)}:{s.item.on_hand}"
                   for s in short)
    digest = hashlib.sha256(f"v{vendor_id}|{'|'.join(parts)}".encode()).hexdigest()
    return f"reorder-v{vendor_id}-{digest[:32]}"


def vendor_groups(session: Session) -> tuple[list[tuple[VendorRow, list[Shortage]]], list[str]]:
    """Short items grouped by a vendor that takes email orders (by vendor name), and what
    cannot be ordered and why."""
    groups = shortages(session)
    held = [f"{s.item.name} is short but has no vendor (`righthand supplies item update "
            f"\"{s.item.name}\" --vendor NAME`)." for s in groups.pop(None, [])]
    vendors = {v.id: v for v in session.scalars(select(VendorRow))}
    out = []
    for vendor_id, short in groups.items():
        short.sort(key=lambda s: s.item.name.lower())
        try:
            out.append((proposal.check_vendor(short[0].item, vendors.get(vendor_id or 0)), short))
        except BadInput as exc:
            held.append(f"{exc.message} -- {exc.hint}")
    out.sort(key=lambda group: (group[0].name.lower(), group[0].id))
    return out, held


def _probe(vendor: VendorRow, short: list[Shortage], initiative: Initiative) -> Action:
    """The gate-relevant facts of the order this run would propose (amount, recipient)."""
    total = sum((proposal.line_total(s.item, s.quantity.units) for s in short), Decimal(0))
    return Action(duty=proposal.REORDER_DUTY, kind=proposal.REORDER_KIND,
                  payload={"recipients": [vendor.email], "amount": str(total)},
                  summary=f"Reorder from {vendor.name}", initiative=initiative)


def run_reorder(session: Session, workspace: Workspace, job: JobDescription,
                catalog_: DutyCatalog, now: datetime, *,
                initiative: Initiative = Initiative.PROACTIVE, actor: str = "assistant",
                approval_ttl: timedelta = timedelta(hours=72)) -> ReorderReport:
    """Propose one order per vendor for everything short; see the module docstring."""
    lifecycle.lock(session, workspace.id)
    lifecycle.refresh(session, now)
    groups, held = vendor_groups(session)
    report = ReorderReport(held=held)
    gate = ops.Gatekeeping(job, catalog_, approval_ttl, actor)
    for vendor, short in groups:
        probe = _probe(vendor, short, initiative)
        # Ask the gate first: an order it would refuse is not drafted at all, so a duty that
        # may not act leaves no drafts (and an hourly job no hourly trail of refusals).
        verdict = decide(probe, job, executor.ledger_view(session, probe, job, now), now,
                         catalog_)
        if isinstance(verdict, Deny):
            report.held.append(f"{vendor.name}: {verdict.reason}")
            continue
        key = reorder_key(session, vendor.id, short)
        po = lifecycle.create(session, workspace.id, vendor,
                              [(s.item, s.quantity.units) for s in short], now, actor,
                              workspace.currency, reorder_key=key)
        if po is None:
            earlier = session.scalars(select(PurchaseOrder)
                                      .where(PurchaseOrder.reorder_key == key)).first()
            what = f" as {earlier.number} ({lifecycle.label(earlier.status)})" if earlier else ""
            report.held.append(f"{vendor.name}: this shortage was already proposed{what}; "
                               "nothing new until the stock changes.")
            continue
        action = proposal.po_action(session, po, workspace, reorder=True, initiative=initiative)
        proposed = ops.propose(session, workspace, action, gate, now, po)
        report.proposed.append(Reordered(
            number=po.number, vendor=vendor.name,
            lines=[line_text(s.item.name, s.quantity.units, s.item.unit) for s in short],
            total=money(po.total, po.currency), decision=proposed.decision.name,
            reason=proposed.decision.reason, approval_id=proposed.approval_id,
            action_id=proposed.row.id))
    return report


def _job(context: Any) -> None:
    """The hourly job: a proactive run for one workspace (the worker runs it where it is on)."""
    from righthand.service import workspaces

    app, session = context["app"], context["session"]
    ws = session.get(Workspace, context["workspace_id"])
    if ws is None:
        return
    run_reorder(session, ws, workspaces.job_description(session, ws), app.catalog, app.clock(),
                approval_ttl=app.approval_ttl)


REORDER_JOB = PeriodicJob(name="supplies.reorder", duty="supplies.reorder", minutes=60,
                          run=_job)
