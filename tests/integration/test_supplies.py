"""Purchase orders through their life: draft -> approved -> sent -> partly received ->
received, or cancelled; illegal moves refused; receiving as an undoable local action.
Every test runs on SQLite and PostgreSQL (the ``app`` fixture)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from righthand.bootstrap import App
from righthand.duties.supplies import catalog, lifecycle, ops, proposal
from righthand.errors import BadInput, CannotUndo
from righthand.policy.duties import Phase
from righthand.service import approvals, audit
from righthand.service.undo import undo
from righthand.store.tables import (
    ActionRow,
    Approval,
    AuditEntry,
    OutboxRow,
    VendorRow,
    Workspace,
)
from tests.support.supplies import (
    approve,
    deliver,
    gate,
    moves,
    office,
    place,
    receive,
    set_stock,
    snapshot,
    stock,
)


def _sent(app: App, phase: Phase = Phase.II, sku: str = "PAP-A4-500", units: int = 2) \
        -> tuple[int, str]:
    """A workspace with one order already emailed to its vendor."""
    ws_id = office(app, phase)
    number, proposed = place(app, ws_id, sku, units)
    assert proposed.decision.name == "allow", proposed.decision
    assert deliver(app, proposed.row.id)
    return ws_id, number


def _statuses(app: App, ws_id: int, number: str) -> list[tuple[str, str]]:
    with app.db.unit(ws_id, write=False) as session:
        return [(e.data["from"], e.data["to"]) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.event == "supplies.po_status",
                                     AuditEntry.subject == number).order_by(AuditEntry.seq))]


def test_an_asked_order_stays_draft_until_approved_and_is_sent_on_delivery(app: App) -> None:
    ws_id = office(app, Phase.I)
    number, proposed = place(app, ws_id, "PAP-A4-500", 2)
    assert number == "PO-0001"
    assert proposed.decision.name == "ask" and proposed.approval_id is not None
    po = snapshot(app, ws_id, number)
    assert (po.status, po.total, po.lines) == ("draft", Decimal("84.00"), {"PAP-A4-500": (2, 0)})
    assert po.action_id == proposed.row.id and not po.sent

    action_id = approve(app, ws_id, proposed.approval_id)
    assert snapshot(app, ws_id, number).status == "approved"
    assert deliver(app, action_id)
    po = snapshot(app, ws_id, number)
    assert po.status == "sent" and po.sent
    assert _statuses(app, ws_id, number) == [("draft", "approved"), ("approved", "sent")]
    with app.db.unit(ws_id, write=False) as session:
        assert audit.verify(session, ws_id).ok


def test_order_numbers_count_per_workspace(app: App) -> None:
    first, second = office(app), office(app)
    assert place(app, first, "PAP-A4-500", 1)[0] == "PO-0001"
    assert place(app, first, "TON-HP-26A", 1)[0] == "PO-0002"
    assert place(app, second, "PAP-A4-500", 1)[0] == "PO-0001"


def test_illegal_transitions_are_refused_and_say_what_to_do(app: App) -> None:
    ws_id = office(app, Phase.I)
    number, _ = place(app, ws_id, "PAP-A4-500", 2)
    with app.db.unit(ws_id) as session:
        po = lifecycle.find(session, number)
        with pytest.raises(lifecycle.IllegalTransition) as refused:
            lifecycle.transition(session, po, lifecycle.RECEIVED, app.clock(), "client")
        assert "PO-0001 is draft; it cannot become received" in refused.value.message
        assert "approved or cancelled" in refused.value.message
        assert "approvals" in refused.value.hint
        with pytest.raises(BadInput, match="not a purchase order status"):
            lifecycle.transition(session, po, "shipped", app.clock(), "client")
    with pytest.raises(lifecycle.IllegalTransition, match="only sent or partly received"):
        receive(app, ws_id, number)

    ws_id, number = _sent(app)
    received = receive(app, ws_id, number)
    assert deliver(app, received.row.id)
    with app.db.unit(ws_id) as session:
        po = lifecycle.find(session, number)
        assert po.status == "received"
        with pytest.raises(lifecycle.IllegalTransition) as refused:
            lifecycle.transition(session, po, lifecycle.CANCELLED, app.clock(), "client")
        assert "cannot become cancelled (it is closed)" in refused.value.message
        assert "order again" in refused.value.hint
        with pytest.raises(lifecycle.IllegalTransition):
            ops.cancel(session, po, app.clock())


def test_receiving_in_part_then_in_full(app: App) -> None:
    ws_id = office(app, Phase.II)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        items = [catalog.find_item(session, sku) for sku in ("PAP-A4-500", "FOL-MAN-100")]
        vendor = session.get(VendorRow, items[0].vendor_id)
        assert vendor is not None
        po = lifecycle.create(session, ws_id, vendor, [(items[0], 3), (items[1], 2)], app.clock(),
                              "client", "USD")
        assert po is not None and po.total == Decimal("163.00")
        proposed = ops.propose(session, ws, proposal.po_action(session, po, ws),
                               gate(app, session, ws), app.clock(), po)
        number, action_id = po.number, proposed.row.id
    assert deliver(app, action_id)
    assert snapshot(app, ws_id, number).status == "sent"

    first = receive(app, ws_id, number, [("PAP-A4-500", 1)])
    assert first.decision.name == "allow"  # Phase II: supplies.order at notify
    assert first.row.payload["lines"][0]["quantity"] == 1
    assert deliver(app, first.row.id)
    po_now = snapshot(app, ws_id, number)
    assert po_now.status == "partly_received" and not po_now.received
    assert po_now.lines == {"PAP-A4-500": (3, 1), "FOL-MAN-100": (2, 0)}
    assert stock(app, ws_id, "PAP-A4-500") == 3
    assert moves(app, ws_id, "PAP-A4-500") == [(1, "receipt")]

    with pytest.raises(BadInput, match="only 2 boxes of Printer paper outstanding, not 5"):
        receive(app, ws_id, number, [("Printer paper", 5)])
    with pytest.raises(BadInput, match="Toner cartridge is not on PO-0001"):
        receive(app, ws_id, number, [("TON-HP-26A", 1)])

    rest = receive(app, ws_id, number)  # everything still outstanding
    assert {(ln["sku"], ln["quantity"]) for ln in rest.row.payload["lines"]} == \
        {("PAP-A4-500", 2), ("FOL-MAN-100", 2)}
    assert deliver(app, rest.row.id)
    po_now = snapshot(app, ws_id, number)
    assert po_now.status == "received" and po_now.received
    assert (stock(app, ws_id, "PAP-A4-500"), stock(app, ws_id, "FOL-MAN-100")) == (5, 8)
    assert _statuses(app, ws_id, number)[-2:] == [("sent", "partly_received"),
                                                  ("partly_received", "received")]


def test_undoing_a_receipt_takes_the_stock_back_out(app: App) -> None:
    ws_id, number = _sent(app, units=4)
    receipt = receive(app, ws_id, number, [("PAP-A4-500", 3)])
    assert deliver(app, receipt.row.id)
    assert stock(app, ws_id, "PAP-A4-500") == 5
    assert snapshot(app, ws_id, number).status == "partly_received"

    with app.db.unit(ws_id) as session:
        said = undo(session, app.registry, receipt.row.id, app.clock())
    assert "Printer paper: 3 boxes" in said and "PO-0001 is sent again" in said
    assert stock(app, ws_id, "PAP-A4-500") == 2
    assert moves(app, ws_id, "PAP-A4-500") == [(3, "receipt"), (-3, "receipt_undone")]
    po = snapshot(app, ws_id, number)
    assert po.status == "sent" and po.lines == {"PAP-A4-500": (4, 0)}
    with app.db.unit(ws_id) as session, pytest.raises(CannotUndo, match="already undone"):
        undo(session, app.registry, receipt.row.id, app.clock())

    full = receive(app, ws_id, number)
    assert deliver(app, full.row.id)
    assert snapshot(app, ws_id, number).status == "received"
    set_stock(app, ws_id, "PAP-A4-500", 1)  # most of it used since
    with app.db.unit(ws_id) as session, pytest.raises(CannotUndo) as refused:
        undo(session, app.registry, full.row.id, app.clock())
    assert "now has 1 on hand, fewer than the 4" in refused.value.message
    assert "--on-hand" in refused.value.hint
    set_stock(app, ws_id, "PAP-A4-500", 6)
    with app.db.unit(ws_id) as session:
        undo(session, app.registry, full.row.id, app.clock())
    po = snapshot(app, ws_id, number)
    assert po.status == "sent" and not po.received
    assert stock(app, ws_id, "PAP-A4-500") == 2


def test_cancelling_withdraws_the_approval_or_stops_the_email(app: App) -> None:
    ws_id = office(app, Phase.I)
    asked, proposed = place(app, ws_id, "PAP-A4-500", 1)
    with app.db.unit(ws_id) as session:
        said = ops.cancel(session, lifecycle.find(session, asked), app.clock())
    assert "approval request is withdrawn" in said
    with app.db.unit(ws_id, write=False) as session:
        approval = session.scalars(select(Approval).where(
            Approval.action_id == proposed.row.id)).one()
        assert approval.status == "rejected"
    assert snapshot(app, ws_id, asked).status == "cancelled"

    queued, proposed = place(app, ws_id, "TON-HP-26A", 1)
    assert proposed.approval_id is not None
    action_id = approve(app, ws_id, proposed.approval_id)
    assert snapshot(app, ws_id, queued).status == "approved"
    with app.db.unit(ws_id) as session:
        said = ops.cancel(session, lifecycle.find(session, queued), app.clock())
    assert "stopped before it went out" in said
    assert deliver(app, action_id) == []
    with app.db.unit(ws_id, write=False) as session:
        entry = session.scalars(select(OutboxRow).where(OutboxRow.action_id == action_id)).one()
        row = session.get(ActionRow, action_id)
        assert entry.status == "cancelled" and row is not None and row.state == "cancelled"
    assert snapshot(app, ws_id, queued).status == "cancelled"
    with app.db.unit(ws_id) as session, pytest.raises(BadInput, match="already cancelled"):
        ops.cancel(session, lifecycle.find(session, queued), app.clock())

    ws_id, sent = _sent(app)
    with app.db.unit(ws_id) as session:
        said = ops.cancel(session, lifecycle.find(session, sent), app.clock())
    assert "vendor already has it" in said and "Harbor Office Supply" in said


def test_a_rejected_or_refused_order_is_cancelled_and_no_longer_on_order(app: App) -> None:
    ws_id = office(app, Phase.I)
    number, proposed = place(app, ws_id, "PAP-A4-500", 2)
    with app.db.unit(ws_id) as session:
        assert catalog.on_order(session) == {catalog.find_item(session, "PAP-A4-500").id: 2}
        assert proposed.approval_id is not None
        approvals.reject(session, proposed.approval_id, app.clock(), note="not now")
    po = snapshot(app, ws_id, number)
    assert po.status == "cancelled" and "rejected" in po.notes
    with app.db.unit(ws_id, write=False) as session:
        assert catalog.on_order(session) == {}

    # Phase I: at most 400 a month, a hard limit. 9 boxes = 378 approved, then 2 toner = 178.
    big, proposed = place(app, ws_id, "PAP-A4-500", 9)
    assert proposed.approval_id is not None
    approve(app, ws_id, proposed.approval_id)
    over, proposed = place(app, ws_id, "TON-HP-26A", 2)
    assert proposed.decision.name == "deny"
    assert "monthly limit of 400" in proposed.decision.reason
    po = snapshot(app, ws_id, over)
    assert po.status == "cancelled" and "denied" in po.notes
    assert snapshot(app, ws_id, big).status == "approved"
