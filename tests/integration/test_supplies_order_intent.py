"""'Order two boxes of printer paper' through `righthand ask`: the sentence -> the right item,
quantity and amount -> a draft order and its email, decided by the gate with the spend limits.
On SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from righthand.bootstrap import App
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.policy.job import DutySetting
from righthand.service import workspaces
from righthand.service.assistant import Answer, ask
from righthand.store.tables import ActionRow, ItemRow, Workspace
from tests.conftest import workspace_slug
from tests.support.supplies import approve, office, orders, snapshot


def _ask(app: App, ws_id: int, text: str) -> Answer:
    return ask(app, text, workspace_slug(app, ws_id))


def _payload(app: App, ws_id: int, action_id: int) -> dict[str, object]:
    with app.db.unit(ws_id, write=False) as session:
        row = session.get(ActionRow, action_id)
        assert row is not None
        return dict(row.payload)


def test_order_two_boxes_of_printer_paper(app: App) -> None:
    ws_id = office(app, Phase.I)
    answer = _ask(app, ws_id, "Order two boxes of printer paper")
    assert answer.intent == "supplies.order"
    assert answer.slots == {"item": "printer paper", "quantity": 2, "unit": "boxes"}
    assert answer.data["item"] == "Printer paper" and answer.data["quantity"] == 2
    assert answer.data["amount"] == "84.00" and answer.data["po"] == "PO-0001"
    [action] = answer.actions
    assert (action.duty, action.kind, action.decision) == \
        ("supplies.order", "supplies.purchase_order", "ask")
    assert "PO-0001" in answer.answer and "$84.00" in answer.answer
    assert f"approvals approve {action.approval_id}" in answer.answer

    payload = _payload(app, ws_id, action.id)
    assert payload["amount"] == "84.00" and payload["recipients"] == \
        ["orders@harboroffice.example"]
    assert payload["subject"] == "Purchase order PO-0001 from Harbour & Pine Realty"
    assert "Printer paper (PAP-A4-500): 2 boxes at $42.00 = $84.00" in str(payload["body"])
    attachments = payload["attachments"]
    assert isinstance(attachments, list)
    [pdf] = attachments
    assert pdf["filename"] == "PO-0001.pdf" and pdf["content_type"] == "application/pdf"
    text = PdfReader(io.BytesIO(base64.b64decode(pdf["data_b64"]))).pages[0].extract_text()
    assert "PO-0001" in text and "PAP-A4-500" in text and "$84.00" in text

    po = snapshot(app, ws_id, "PO-0001")
    assert (po.status, po.lines, po.action_id) == ("draft", {"PAP-A4-500": (2, 0)}, action.id)


@pytest.mark.parametrize(("text", "sku", "units", "amount"), [
    ("we need 3 toner cartridges", "TON-HP-26A", 3, "267.00"),
    ("Please order a dozen pens", "PEN-BLK-12", 12, "9.60"),
    ("order 2 packs of pens", "PEN-BLK-12", 24, "19.20"),
    ("Order 30 pens", "PEN-BLK-12", 36, "28.80"),  # rounded up to whole packs of 12
    ("order paper", "PAP-A4-500", 6, "252.00"),  # up to the target level: 8 - 2 on hand
    ("Jane, buy five for sale signs", "SGN-FS-24", 5, "175.00"),
])
def test_item_and_quantity_are_resolved(app: App, text: str, sku: str, units: int,
                                        amount: str) -> None:
    ws_id = office(app, Phase.I)
    answer = _ask(app, ws_id, text)
    assert answer.intent == "supplies.order", answer
    assert (answer.data["sku"], answer.data["quantity"], answer.data["amount"]) == \
        (sku, units, amount), answer.answer
    [action] = answer.actions
    assert _payload(app, ws_id, action.id)["amount"] == amount
    if units == 36:
        assert "rounded up from 30 to whole packs of 12" in answer.answer


def test_ambiguous_or_unknown_items_are_asked_back(app: App) -> None:
    ws_id = office(app, Phase.I)
    with app.db.unit(ws_id) as session:
        paper = session.scalars(select(ItemRow).where(ItemRow.sku == "PAP-A4-500")).one()
        paper.name = "Printer paper, A4"
        session.add(ItemRow(workspace_id=ws_id, name="Printer paper, letter", sku="PAP-LT-500",
                            vendor_id=paper.vendor_id, unit="box", unit_price=Decimal("40")))
    which = _ask(app, ws_id, "Order two boxes of printer paper")
    assert which.actions == [] and which.answer.startswith("Which one:")
    assert "PAP-A4-500" in which.answer and "PAP-LT-500" in which.answer
    assert set(which.data["clarify"]) == {"Printer paper, A4", "Printer paper, letter"}

    exact = _ask(app, ws_id, "Order two boxes of letter printer paper")
    assert exact.data["sku"] == "PAP-LT-500"

    unknown = _ask(app, ws_id, "order 5 paper clips")
    assert unknown.actions == [] and "don't have \"paper clips\"" in unknown.answer
    assert "righthand supplies item add" in unknown.answer

    odd = _ask(app, ws_id, "order 2 liters of toner")
    assert odd.actions == []
    assert "counted in cartridges" in odd.answer and "liter" in odd.answer
    assert [o.number for o in orders(app, ws_id)] == ["PO-0001"], "only the exact one ordered"


def test_the_per_order_limit_asks_in_phase_two(app: App) -> None:
    ws_id = office(app, Phase.II)  # supplies.order at notify; 250 an order (ask), 600 a month
    small = _ask(app, ws_id, "Order two boxes of printer paper")
    [action] = small.actions
    assert action.decision == "allow" and action.state == "done"
    assert snapshot(app, ws_id, "PO-0001").status == "sent"

    big = _ask(app, ws_id, "we need 3 toner cartridges")  # 267.00
    [action] = big.actions
    assert action.decision == "ask"
    assert "over the per-order limit of 250" in action.reason
    assert snapshot(app, ws_id, "PO-0002").status == "draft"


def test_the_month_limit_denies_in_phase_one(app: App) -> None:
    ws_id = office(app, Phase.I)  # ask each; 400 a month, a hard limit
    first = _ask(app, ws_id, "order 9 boxes of printer paper")  # 378.00
    [action] = first.actions
    assert action.decision == "ask" and action.approval_id is not None
    assert "over the per-order limit of 150" in action.reason
    approve(app, ws_id, action.approval_id)

    second = _ask(app, ws_id, "order a toner cartridge")  # 89.00 -> 467.00 this month
    [action] = second.actions
    assert action.decision == "deny"
    assert "monthly limit of 400" in action.reason
    assert "I can't do that" in second.answer
    assert snapshot(app, ws_id, "PO-0002").status == "cancelled"


def test_how_are_we_on_supplies(app: App) -> None:
    ws_id = office(app, Phase.I)
    answer = _ask(app, ws_id, "How are we on supplies?")
    assert answer.intent == "supplies.status"
    assert answer.data["low"] == ["For Sale signs", "Printer paper"]
    assert "Printer paper: 2 boxes left (reorder at 3; nothing on order)" in answer.answer
    _ask(app, ws_id, "Order two boxes of printer paper")
    again = _ask(app, ws_id, "What's running low?")
    assert again.intent == "supplies.status"
    assert "Printer paper: 2 boxes left (reorder at 3; 2 on order)" in again.answer
    assert "PO-0001 to Harbor Office Supply, draft, $84.00" in again.answer


def test_a_duty_that_is_off_neither_reads_nor_orders(app: App) -> None:
    ws_id = office(app, Phase.I)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        workspaces.set_duty(session, ws, "supplies.order", DutySetting(Autonomy.OFF),
                            app.catalog, app.clock())
    for text in ("Order two boxes of printer paper", "What's running low?"):
        answer = _ask(app, ws_id, text)
        assert answer.actions == [] and "it is off in your job description" in answer.answer
    assert orders(app, ws_id) == []
