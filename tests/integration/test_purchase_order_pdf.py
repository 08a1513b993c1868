"""The purchase order PDF, read back with pypdf: the text is there, the totals add up, the lines
stand in order down the page, long orders run over pages, and the bytes are reproducible."""

from __future__ import annotations

import base64
import io
import re
from datetime import date
from decimal import Decimal

from pypdf import PdfReader

from righthand.bootstrap import App
from righthand.duties.supplies import lifecycle, proposal
from righthand.duties.supplies.pdf import DocLine, Party, PurchaseOrderDoc, money, render
from righthand.policy.duties import Phase
from righthand.store.tables import Workspace
from tests.support.supplies import office, place

BUYER = Party("Harbour & Pine Realty", ("12 Harbour Street", "Boston, MA 02110",
                                        "Phone +1 617 555 0100", "pat@harbourpine.example"))
VENDOR = Party("Harbor Office Supply", ("Attn: Jo Harbor", "orders@harboroffice.example"))


def _doc(lines: list[DocLine], **extra: object) -> PurchaseOrderDoc:
    total = sum((ln.total for ln in lines), Decimal(0))
    return PurchaseOrderDoc(number="PO-0007", issued=date(2026, 11, 26), currency="USD",
                            buyer=BUYER, vendor=VENDOR, lines=lines, total=total,
                            ship_to=Party(BUYER.name, BUYER.lines[:2]), **extra)  # type: ignore[arg-type]


def _line(sku: str, name: str, qty: int, unit: str, price: str) -> DocLine:
    return DocLine(sku, name, qty, unit, Decimal(price), Decimal(price) * qty)


LINES = [_line("PAP-A4-500", "Printer paper", 2, "boxes", "42.00"),
         _line("TON-HP-26A", "Toner cartridge", 3, "cartridges", "89.00"),
         _line("PEN-BLK-12", "Ballpoint pens", 1200, "pens", "0.80")]


def _runs(data: bytes) -> list[list[tuple[str, float, float]]]:
    """Per page, every text run with its x and y (pypdf's text matrix), in drawing order."""
    pages = []
    for page in PdfReader(io.BytesIO(data)).pages:
        runs: list[tuple[str, float, float]] = []

        def visit(text: str, _cm: list[float], tm: list[float], _font: object, _size: object,
                  runs: list[tuple[str, float, float]] = runs) -> None:
            if text.strip():
                runs.append((text.strip(), float(tm[4]), float(tm[5])))

        page.extract_text(visitor_text=visit)
        pages.append(runs)
    return pages


def _y(runs: list[tuple[str, float, float]], text: str) -> float:
    [y] = [y for t, _x, y in runs if t == text]
    return y


def test_the_text_is_all_there() -> None:
    data = render(_doc(LINES, notes="Leave at reception, please."))
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    assert reader.metadata is not None and reader.metadata.title == "Purchase order PO-0007"
    text = reader.pages[0].extract_text()
    for expected in ("Harbour & Pine Realty", "12 Harbour Street", "Boston, MA 02110",
                     "Phone +1 617 555 0100", "pat@harbourpine.example", "PURCHASE ORDER",
                     "Number: PO-0007", "Date: 26 November 2026", "VENDOR",
                     "Harbor Office Supply", "Attn: Jo Harbor", "orders@harboroffice.example",
                     "SHIP TO", "SKU", "Description", "Qty", "Unit", "Unit price", "Total",
                     "PAP-A4-500", "Printer paper", "cartridges", "$89.00", "$267.00",
                     "1200", "$960.00", "Leave at reception, please.", "page 1 of 1"):
        assert expected in text, expected


def test_the_totals_add_up() -> None:
    [runs] = _runs(render(_doc(LINES)))
    amounts = [t for t, _x, _y in runs if t.startswith("$")]
    assert amounts == ["$42.00", "$84.00", "$89.00", "$267.00", "$0.80", "$960.00", "$1,311.00"]
    line_totals = [Decimal(a.strip("$").replace(",", "")) for a in amounts[1:-1:2]]
    assert sum(line_totals) == Decimal("1311.00")
    assert _y(runs, "Total (USD)") == _y(runs, "$1,311.00")  # label and sum on one line
    assert _y(runs, "$1,311.00") < _y(runs, "$960.00")  # under the last line


def test_the_lines_stand_in_order_down_the_page() -> None:
    [runs] = _runs(render(_doc(LINES)))
    ys = [_y(runs, ln.sku) for ln in LINES]
    assert ys == sorted(ys, reverse=True) and len(set(ys)) == 3
    assert _y(runs, "SKU") > ys[0] > _y(runs, "Total (USD)")
    for ln, y in zip(LINES, ys, strict=True):  # every cell of a row on the row's line
        row = [t for t, _x, ry in runs if ry == y]
        assert row == [ln.sku, ln.description, str(ln.quantity), ln.unit,
                       money(ln.unit_price, "USD"), money(ln.total, "USD")]
    xs = {t: x for t, x, _y in runs}
    assert xs["PAP-A4-500"] < xs["Printer paper"] < xs["boxes"]  # columns left to right


def test_a_long_order_runs_over_pages_and_keeps_the_total_with_the_last_lines() -> None:
    lines = [_line(f"SKU-{i:03d}", f"Item {i}", i + 1, "each", "1.50") for i in range(90)]
    pages = _runs(render(_doc(lines)))
    assert len(pages) >= 3
    skus = [t for page in pages for t, _x, _y in page if t.startswith("SKU-")]
    assert skus == [ln.sku for ln in lines]  # each once, in order
    for number, page in enumerate(pages, 1):
        assert f"PO-0007 - page {number} of {len(pages)}" in [t for t, _x, _y in page]
        assert "SKU" in [t for t, _x, _y in page]  # the table header on every page
        ys = [y for t, _x, y in page if t.startswith("SKU-")]
        assert ys == sorted(ys, reverse=True)
    totals = [n for n, page in enumerate(pages) if "Total (USD)" in [t for t, _x, _y in page]]
    assert totals == [len(pages) - 1]
    assert money(sum((ln.total for ln in lines), Decimal(0)), "USD") in \
        [t for t, _x, _y in pages[-1]]


def test_the_pdf_is_reproducible_and_long_names_are_shortened() -> None:
    long = _line("LNG-1", "An extraordinarily long item description " * 4, 1, "each", "5")
    doc = _doc([long])
    assert render(doc) == render(doc)
    text = PdfReader(io.BytesIO(render(doc))).pages[0].extract_text()
    assert re.search(r"An extraordinarily long item description.*\.\.\.", text)


def test_other_currencies_and_a4_paper() -> None:
    euro = PurchaseOrderDoc(number="PO-0001", issued=date(2026, 11, 26), currency="EUR",
                            buyer=BUYER, vendor=VENDOR, lines=[LINES[0]], total=Decimal(84),
                            paper="a4")
    data = render(euro)
    page = PdfReader(io.BytesIO(data)).pages[0]
    assert round(float(page.mediabox.width)) == 595  # A4
    assert "\u20ac84.00" in page.extract_text() and "Total (EUR)" in page.extract_text()
    assert money(Decimal("1234.5"), "CHF") == "CHF 1,234.50"


def test_the_pdf_of_a_stored_order(single_app: App) -> None:
    ws_id = office(single_app, Phase.I)
    number, proposed = place(single_app, ws_id, "PEN-BLK-12", 24)
    with single_app.db.unit(ws_id, write=False) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        po = lifecycle.find(session, number)
        data = proposal.render_pdf(session, po, ws)
    attached = proposed.row.payload["attachments"][0]["data_b64"]
    assert base64.b64decode(attached) == data, "the approved bytes are the order's PDF"
    [runs] = _runs(data)
    texts = [t for t, _x, _y in runs]
    for expected in ("Harbour & Pine Realty", "Harbor Office Supply", "Attn: Jo Harbor",
                     "PEN-BLK-12", "Ballpoint pens", "24", "pens", "$0.80", "$19.20",
                     "Number: PO-0001", "Date: 26 November 2026", "Phone +1 617 555 0100"):
        assert expected in texts, expected
