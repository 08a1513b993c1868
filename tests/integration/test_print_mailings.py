"""Printed mailings (mailings.print): merged letters with the workspace's letterhead, and
address labels on Avery 5160 sheets -- read back from the PDFs with pypdf (text and where it
landed on the page)."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from pypdf import PdfReader

from righthand.bootstrap import App
from righthand.duties.mailings import printing, proposals, store
from righthand.duties.mailings.merge import Person
from righthand.duties.mailings.printing import COLUMNS, GAP, LABEL_H, LABEL_W, PAGE_H, SIDE, TOP
from righthand.policy.duties import Phase
from righthand.service import executor, workspaces
from righthand.store.tables import ActionRow, Mailing, OutboxRow, Workspace
from tests.conftest import new_workspace, workspace_slug
from tests.support.mail import CliEnv
from tests.support.mailings import add_subscribers, approve, create_mailing, make_list

INCH = 72.0
PROFILE = {"business_name": "Harbour & Pine Realty",
           "postal_address": ["12 Harbour Street", "Boston, MA 02110"],
           "phone": "+1 617 555 0100", "email": "pat@harbourpine.example"}
LETTER = "Dear {{ first_name | default('neighbour') }},\n\nSpring is here.\n\nPat Lee\n"
CODES = ["02139", "02110", "94105", "10001", "02108", "60601", "02115"]


def _people(count: int, offset: int = 0) -> list[Person]:
    return [Person(address=f"p{i}@example.com", given_name=f"Given{i}", family_name="Family",
                   display_name=f"Person {i:02d}",
                   postal_address={"street": f"{i} Elm Street", "locality": "Boston",
                                   "region": "MA", "postal_code": CODES[i % len(CODES)],
                                   "country": "USA"})
            for i in range(offset, offset + count)]


def _placed(pdf: bytes | Path) -> list[list[tuple[str, float, float]]]:
    """Per page: (text, x, y) of every string drawn (y from the bottom, in points)."""
    reader = PdfReader(pdf if isinstance(pdf, Path) else io.BytesIO(pdf))
    pages = []
    for page in reader.pages:
        found: list[tuple[str, float, float]] = []

        def visit(text: str, cm: Any, tm: Any, _font: Any, _size: Any,
                  found: list[tuple[str, float, float]] = found) -> None:
            if text.strip():
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
                found.append((text.strip(), x, y))

        page.extract_text(visitor_text=visit)
        pages.append(found)
    return pages


def _cell_of(x: float, y: float) -> tuple[int, int]:
    """(row, column) of the Avery 5160 cell containing point (x, y), or fail."""
    for row in range(10):
        for column in range(COLUMNS):
            left = SIDE + column * (LABEL_W + GAP)
            top = PAGE_H - TOP - row * LABEL_H
            if left <= x <= left + LABEL_W and top - LABEL_H <= y <= top:
                return row, column
    raise AssertionError(f"({x:.1f}, {y:.1f}) is in no label cell")


def test_avery_5160_geometry() -> None:
    assert (LABEL_W, LABEL_H) == (2.625 * INCH, 1.0 * INCH)
    assert (TOP, SIDE, GAP) == (0.5 * INCH, 0.1875 * INCH, 0.125 * INCH)
    # Three columns and the gaps fill the sheet's width exactly; ten rows its height.
    width, height = SIDE * 2 + 3 * LABEL_W + 2 * GAP, TOP * 2 + 10 * LABEL_H
    assert (width, height) == pytest.approx((8.5 * INCH, 11 * INCH))
    assert printing.cell(0) == printing.Cell(0, 0, 0, SIDE, PAGE_H - TOP)
    assert (printing.cell(4).row, printing.cell(4).column) == (1, 1)
    assert printing.cell(29).row == 9 and printing.cell(29).column == 2
    assert printing.cell(30).page == 1 and printing.cell(0, offset=30).page == 1
    assert printing.cell(2, offset=28) == printing.cell(0, offset=30)


def test_labels_land_in_their_cells() -> None:
    people = _people(35)
    pages = _placed(printing.labels_pdf(people))
    assert len(pages) == 2
    for index, person in enumerate(people):
        page, slot = divmod(index, 30)
        names = [(x, y) for text, x, y in pages[page] if text == person.display_name]
        assert len(names) == 1, person.display_name
        assert _cell_of(*names[0]) == divmod(slot, 3)
        street = [(x, y) for text, x, y in pages[page] if text == f"{index} Elm Street"]
        assert _cell_of(*street[0]) == divmod(slot, 3)
        assert street[0][1] < names[0][1], "the street is under the name"
    assert ("Boston, MA 02139", ) in {(t,) for t, _, _ in pages[0]}


def test_an_offset_starts_on_a_partly_used_sheet() -> None:
    people = _people(7)
    pages = _placed(printing.labels_pdf(people, offset=28))
    assert len(pages) == 2
    first = [t for t, _, _ in pages[0] if t.startswith("Person")]
    assert first == ["Person 00", "Person 01"]
    cells = {t: _cell_of(x, y) for t, x, y in pages[0] + pages[1] if t.startswith("Person")}
    assert cells["Person 00"] == (9, 1) and cells["Person 01"] == (9, 2)
    assert cells["Person 02"] == (0, 0) and cells["Person 06"] == (1, 1)
    assert not any(_cell_of(x, y)[0] < 9 for t, x, y in pages[0]), "used labels stay empty"


def test_sorted_by_postal_code() -> None:
    people = [*_people(7), Person(address="none@example.com", display_name="No Code",
                                  postal_address={"street": "1 Way"})]
    ordered = printing.sort_postal(people)
    codes = [(p.postal_address or {}).get("postal_code") for p in ordered]
    assert codes == [*sorted(CODES), None]
    pages = _placed(printing.labels_pdf(ordered))
    by_cell = sorted((_cell_of(x, y), t) for t, x, y in pages[0] if t.startswith(("Person",
                                                                                   "No")))
    assert [t for _, t in by_cell] == [p.display_name for p in ordered]


def _workspace(app: App, count: int = 4) -> tuple[int, int]:
    ws_id = new_workspace(app, Phase.I)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        ws.profile = PROFILE
    list_id = make_list(app, ws_id)
    for i in range(count):
        add_subscribers(app, ws_id, list_id, 1, prefix=f"house{i}-", given=f"Ann{i}",
                        display=f"Ann{i} Lee",
                        postal={"street": f"{i + 1} Birch Lane", "locality": "Boston",
                                "region": "MA", "postal_code": CODES[i], "country": "USA"})
    add_subscribers(app, ws_id, list_id, 1, prefix="nopost")
    return ws_id, create_mailing(app, ws_id, text=LETTER, html=None)


def _print(app: App, ws_id: int, mailing_id: int, **options: Any) -> int:
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        ws = session.get(Workspace, ws_id)
        assert mailing is not None and ws is not None
        action = proposals.print_action(mailing, **options)
        job = workspaces.job_description(session, ws)
        proposed = executor.propose(session, ws_id, action, job, app.catalog, app.clock(),
                                    "client", app.approval_ttl)
    assert proposed.decision.name == "ask"  # Phase I: the client approves each print
    return approve(app, ws_id, proposed.approval_id or 0)


def test_letters_and_labels_through_the_gate(app: App, tmp_path: Path) -> None:
    ws_id, mailing_id = _workspace(app)
    letters, labels = tmp_path / "out" / "letters.pdf", tmp_path / "out" / "labels.pdf"
    action_id = _print(app, ws_id, mailing_id, letters=str(letters), labels=str(labels),
                       offset=3, sort="postal")
    app.dispatcher().run_once(only=[action_id])
    with app.db.unit(ws_id, write=False) as session:
        row = session.get(ActionRow, action_id)
        assert row is not None and row.state == "done", row and row.result
        assert row.result is not None
        assert row.result["result"]["recipients"] == 4
        assert row.result["result"]["no_postal_address"] == ["nopost0000@example.com"]
    reader = PdfReader(letters)
    assert len(reader.pages) == 4
    first = reader.pages[0].extract_text()
    for line in ("Harbour & Pine Realty", "12 Harbour Street", "Boston, MA 02110",
                 "Tel. +1 617 555 0100", "pat@harbourpine.example", "November 26, 2026",
                 "Dear Ann1,", "Spring is here.", "2 Birch Lane", "Boston, MA 02110"):
        assert line in first, line
    # Sorted by postal code: 02110 (Ann1), 02139 (Ann0), 10001 (Ann3), 94105 (Ann2).
    order = [next(n for n in ("Ann0", "Ann1", "Ann2", "Ann3") if f"Dear {n}," in p.extract_text())
             for p in reader.pages]
    assert order == ["Ann1", "Ann0", "Ann3", "Ann2"]
    placed = _placed(labels)
    assert len(placed) == 1
    cells = {t: _cell_of(x, y) for t, x, y in placed[0] if t.endswith(" Lee")}
    assert cells == {"Ann1 Lee": (1, 0), "Ann0 Lee": (1, 1), "Ann3 Lee": (1, 2),
                     "Ann2 Lee": (2, 0)}


def test_a_print_of_a_changed_mailing_is_refused(app: App, tmp_path: Path) -> None:
    ws_id, mailing_id = _workspace(app, 1)
    action_id = _print(app, ws_id, mailing_id, letters=str(tmp_path / "l.pdf"), labels=None)
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        store.edit(session, mailing, text="Something else entirely.\n")
    app.dispatcher().run_once(only=[action_id])
    with app.db.unit(ws_id, write=False) as session:
        entry = session.query(OutboxRow).filter(OutboxRow.action_id == action_id).one()
    assert entry.status == "failed" and "changed after this print was approved" in \
        (entry.last_error or "")
    assert not (tmp_path / "l.pdf").exists()


def test_print_from_the_command_line(app: App, tmp_path: Path, db_url: str) -> None:
    ws_id, _ = _workspace(app, 2)
    cli = CliEnv(db_url, tmp_path / "home", workspace_slug(app, ws_id))
    said = cli.run("mailings", "print", "spring newsletter", "--labels",
                   str(tmp_path / "labels.pdf"), "--offset", "29").stdout
    assert "Waiting for your approval (#" in said
    approval = said.split("(#", 1)[1].split(")", 1)[0]
    cli.run("approvals", "approve", approval)
    placed = _placed(tmp_path / "labels.pdf")
    assert len(placed) == 2
    assert [_cell_of(x, y) for t, x, y in placed[0] if t.endswith(" Lee")] == [(9, 2)]
    assert [_cell_of(x, y) for t, x, y in placed[1] if t.endswith(" Lee")] == [(0, 0)]
