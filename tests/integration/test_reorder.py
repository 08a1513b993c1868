"""Reordering at reorder points: one draft order per vendor, forecast-aware, idempotent (twice
in a row and two at once), and proactive only where the job description allows it.
On SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import select

from righthand.bootstrap import App
from righthand.domain.actions import Initiative
from righthand.duties.supplies import catalog, lifecycle
from righthand.duties.supplies.reorder import ReorderReport, run_reorder
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.policy.limits import Limits, WhenExceeded
from righthand.service import approvals, jobs, workspaces
from righthand.service.assistant import ask
from righthand.store.tables import ActionRow, PurchaseOrder, VendorRow, Workspace
from tests.conftest import workspace_slug
from tests.support.supplies import approve, deliver, office, orders, place, set_stock, snapshot


def _run(app: App, ws_id: int, initiative: Initiative = Initiative.PROACTIVE) -> ReorderReport:
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        return run_reorder(session, ws, workspaces.job_description(session, ws), app.catalog,
                           app.clock(), initiative=initiative, approval_ttl=app.approval_ttl)


def _set(app: App, ws_id: int, duty: str, **changes: object) -> None:
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        setting = workspaces.job_description(session, ws).setting(duty)
        workspaces.set_duty(session, ws, duty, replace(setting, **changes),  # type: ignore[arg-type]
                            app.catalog, app.clock())


def test_one_draft_order_per_vendor_groups_the_short_items(app: App) -> None:
    ws_id = office(app, Phase.II)  # supplies.reorder: ask, proactive
    set_stock(app, ws_id, "TON-HP-26A", 0)  # below 1
    set_stock(app, ws_id, "PEN-BLK-12", 10)  # below 24; up to 60 is 50, whole packs of 12: 60
    report = _run(app, ws_id)
    assert report.held == []
    assert [(p.number, p.vendor, p.decision) for p in report.proposed] == \
        [("PO-0001", "Harbor Office Supply", "ask"), ("PO-0002", "SignPro", "ask")]
    office_po, signs_po = orders(app, ws_id)
    assert office_po.lines == {"PEN-BLK-12": (60, 0), "PAP-A4-500": (6, 0),
                               "TON-HP-26A": (3, 0)}
    assert office_po.total == Decimal("48.00") + 6 * 42 + 3 * 89
    assert signs_po.lines == {"SGN-FS-24": (7, 0)}
    assert office_po.status == signs_po.status == "draft"
    assert office_po.reorder_key and signs_po.reorder_key
    with app.db.unit(ws_id, write=False) as session:
        rows = session.scalars(select(ActionRow).order_by(ActionRow.id)).all()
        assert [(r.duty, r.kind, r.initiative, r.state) for r in rows] == 2 * [
            ("supplies.reorder", "supplies.reorder_po", "proactive", "awaiting_approval")]
        assert rows[0].payload["po_number"] == "PO-0001"
        assert rows[0].payload["attachments"][0]["filename"] == "PO-0001.pdf"
    assert "Proposed PO-0001 to Harbor Office Supply" in report.text()
    assert "Ballpoint pens: 60 pens" in report.text()


def test_the_forecast_counts_open_and_draft_orders(app: App) -> None:
    ws_id = office(app, Phase.II)
    set_stock(app, ws_id, "PAP-A4-500", 1)
    number, proposed = place(app, ws_id, "PAP-A4-500", 1)  # 1 on hand + 1 on order: short
    assert proposed.decision.name == "allow"
    assert snapshot(app, ws_id, number).status == "approved"
    assert _run(app, ws_id).proposed[0].lines == ["Printer paper: 6 boxes"]  # up to 8
    assert deliver(app, proposed.row.id)
    assert snapshot(app, ws_id, number).status == "sent"
    assert _run(app, ws_id).proposed == []  # 1 + 1 sent + 6 drafted

    ws_id = office(app, Phase.II)
    place(app, ws_id, "PAP-A4-500", 2)  # 2 on hand + 2 on order = 4, not below 3
    report = _run(app, ws_id)
    assert [p.vendor for p in report.proposed] == ["SignPro"]
    with app.db.unit(ws_id, write=False) as session:
        assert catalog.on_order(session)[catalog.find_item(session, "SGN-FS-24").id] == 7


def test_running_twice_orders_once(app: App) -> None:
    ws_id = office(app, Phase.II)
    first = _run(app, ws_id)
    assert len(first.proposed) == 2
    second = _run(app, ws_id)
    assert second.proposed == [] and second.held == []
    assert "Nothing is below its reorder point" in second.text()
    assert len(orders(app, ws_id)) == 2


def test_a_cancelled_reorder_is_not_proposed_again_until_the_stock_moves(app: App) -> None:
    ws_id = office(app, Phase.II)
    report = _run(app, ws_id)
    signs = next(p for p in report.proposed if p.vendor == "SignPro")
    assert signs.approval_id is not None
    with app.db.unit(ws_id) as session:
        approvals.reject(session, signs.approval_id, app.clock(), note="we have signs in the car")
    assert snapshot(app, ws_id, signs.number).status == "cancelled"

    again = _run(app, ws_id)  # the same shortage: its reorder key is taken
    assert again.proposed == []
    assert again.held == [f"SignPro: this shortage was already proposed as {signs.number} "
                          "(cancelled); nothing new until the stock changes."]
    set_stock(app, ws_id, "SGN-FS-24", 2)  # a count: a new shortage
    fresh = _run(app, ws_id)
    assert [(p.vendor, p.lines) for p in fresh.proposed] == \
        [("SignPro", ["For Sale signs: 8 signs"])]


def test_the_reorder_key_is_the_last_word(app: App) -> None:
    """An insert that loses to the UNIQUE key (as a racing worker's would) yields no order."""
    ws_id = office(app, Phase.II)
    with app.db.unit(ws_id) as session:
        item = catalog.find_item(session, "SGN-FS-24")
        vendor = session.get(VendorRow, item.vendor_id)
        assert vendor is not None
        made = lifecycle.create(session, ws_id, vendor, [(item, 7)], app.clock(), "assistant",
                                "USD", reorder_key="reorder-test-key")
        assert made is not None
    with app.db.unit(ws_id) as session:
        again = lifecycle.create(session, ws_id, vendor, [(item, 7)], app.clock(), "assistant",
                                 "USD", reorder_key="reorder-test-key")
        assert again is None
        # the savepoint kept the rest of the transaction usable
        assert session.scalar(select(PurchaseOrder.number)) == "PO-0001"
    assert len(orders(app, ws_id)) == 1


def test_two_runs_at_once_order_once(app: App) -> None:
    ws_id = office(app, Phase.II)
    start = threading.Barrier(2)
    reports: list[ReorderReport] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            start.wait(timeout=10)
            reports.append(_run(app, ws_id))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(len(r.proposed) for r in reports) == [0, 2]
    placed = orders(app, ws_id)
    assert sorted(p.vendor for p in placed) == ["Harbor Office Supply", "SignPro"]
    assert len({p.reorder_key for p in placed}) == 2


def test_proactive_reorders_are_denied_where_the_duty_is_reactive_or_off(app: App) -> None:
    ws_id = office(app, Phase.I)  # supplies.reorder is off in Phase I
    report = _run(app, ws_id)
    assert report.proposed == [] and len(report.held) == 2
    assert all("not delegated" in line for line in report.held)
    assert orders(app, ws_id) == []

    ws_id = office(app, Phase.II)
    _set(app, ws_id, "supplies.reorder", initiative=Initiative.REACTIVE)
    report = _run(app, ws_id)
    assert report.proposed == []
    assert all("reactive" in line for line in report.held), report.held
    assert orders(app, ws_id) == []
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(ActionRow)).all() == []

    # The client asking for a run is reactive work, which a reactive duty may do.
    asked = _run(app, ws_id, Initiative.REACTIVE)
    assert [p.decision for p in asked.proposed] == ["ask", "ask"]


def test_the_spend_limits_hold_reorders_back(app: App) -> None:
    ws_id = office(app, Phase.II)
    limits = Limits(spend_per_order=Decimal(300), spend_per_month=Decimal(500),
                    when_exceeded={"spend_per_month": WhenExceeded.DENY})
    _set(app, ws_id, "supplies.reorder", autonomy=Autonomy.NOTIFY, limits=limits)
    set_stock(app, ws_id, "SGN-FS-24", 0)  # 10 signs: 350.00
    report = _run(app, ws_id)
    assert [(p.vendor, p.decision) for p in report.proposed] == \
        [("Harbor Office Supply", "allow")]  # 6 boxes of paper: 252.00
    [held] = report.held
    assert held.startswith("SignPro:") and "monthly limit of 500" in held
    assert [p.vendor for p in orders(app, ws_id)] == ["Harbor Office Supply"]

    _set(app, ws_id, "supplies.reorder", limits=replace(limits, spend_per_month=Decimal(1000)))
    again = _run(app, ws_id)
    [signs] = again.proposed
    assert (signs.vendor, signs.decision) == ("SignPro", "ask")
    assert "per-order limit of 300" in signs.reason


def test_the_hourly_job_runs_where_the_duty_is_on_and_allowed_orders_go_out(app: App) -> None:
    [job] = [j for j in app.registry.jobs if j.duty == "supplies.reorder"]
    assert job.name == "supplies.reorder" and job.minutes == 60
    off = office(app, Phase.I)
    on = office(app, Phase.III)  # reorder at notify, proactive; 400 an order
    jobs.run_duty_job(app, job.name)
    assert orders(app, off) == []
    placed = orders(app, on)
    assert [p.vendor for p in placed] == ["Harbor Office Supply", "SignPro"]
    assert [p.status for p in placed] == ["approved", "approved"]  # allowed: in the outbox
    with app.db.unit(on, write=False) as session:
        ids = list(session.scalars(select(ActionRow.id).order_by(ActionRow.id)))
    assert len(deliver(app, *ids)) == 2
    assert [p.status for p in orders(app, on)] == ["sent", "sent"]
    jobs.run_duty_job(app, job.name)  # the next hour: nothing new
    assert len(orders(app, on)) == 2


def test_an_approved_reorder_is_sent(app: App) -> None:
    ws_id = office(app, Phase.II)
    report = _run(app, ws_id)
    signs = next(p for p in report.proposed if p.vendor == "SignPro")
    assert signs.approval_id is not None
    action_id = approve(app, ws_id, signs.approval_id)
    assert deliver(app, action_id)
    assert snapshot(app, ws_id, signs.number).status == "sent"


def test_reorder_on_request_through_ask(app: App) -> None:
    off = office(app, Phase.I)
    refused = ask(app, "Reorder what's running low", workspace_slug(app, off))
    assert refused.intent == "supplies.reorder" and refused.actions == []
    assert "Phase II duty" in refused.answer and "righthand phase set II" in refused.answer

    ws_id = office(app, Phase.II)
    set_stock(app, ws_id, "TON-HP-26A", 0)
    answer = ask(app, "Please reorder what's running low", workspace_slug(app, ws_id))
    assert [(a.duty, a.kind, a.decision) for a in answer.actions] == \
        2 * [("supplies.reorder", "supplies.reorder_po", "ask")]
    assert "PO-0001 to Harbor Office Supply ($519.00): Printer paper: 6 boxes, Toner " \
        "cartridge: 3 cartridges" in answer.answer
    assert "PO-0002 to SignPro ($245.00): For Sale signs: 7 signs" in answer.answer
    with app.db.unit(ws_id, write=False) as session:
        assert {r.initiative for r in session.scalars(select(ActionRow))} == {"reactive"}
    again = ask(app, "reorder supplies", workspace_slug(app, ws_id))
    assert again.actions == [] and "Nothing is below its reorder point" in again.answer
