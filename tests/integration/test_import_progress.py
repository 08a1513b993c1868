"""The contact import's progress bar: ``rows_done`` of ``rows_total`` moves while a file is
checked and while it is applied, other connections (and the page) see it move, and it ends at
the total; on SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from righthand.duties.lists import import_apply, importer
from righthand.policy.duties import Phase
from righthand.store.tables import ContactRow, ImportJob
from tests.conftest import new_workspace
from tests.support.contacts import import_bytes
from tests.support.databases import table_as_migrated
from tests.support.web import seed_demo, signed_in

ROWS = 2000


def _csv(rows: int = ROWS, prefix: str = "p") -> bytes:
    lines = ["Name,Email,Company"] + [f"Person {i},{prefix}{i}@example.com,Co {i % 40}"
                                      for i in range(rows)]
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def every_step(monkeypatch):
    """Publish the counter at every step, and apply in batches of 500 (4 for 2,000 rows)."""
    monkeypatch.setattr(importer, "PROGRESS_SECONDS", 0.0)
    monkeypatch.setattr(import_apply, "BATCH", 500)


def _watch(monkeypatch, look) -> None:
    """Call ``look(progress)`` right after each time the counter is published."""
    publish = importer.Progress.publish

    def watched(self: importer.Progress) -> None:
        publish(self)
        look(self)

    monkeypatch.setattr(importer.Progress, "publish", watched)


def test_the_counter_moves_during_an_import_and_ends_at_the_total(app, monkeypatch,
                                                                 every_step):
    ws = new_workspace(app)
    postgres = app.db.engine.dialect.name == "postgresql"
    seen: list[tuple[int, int | None, tuple[int, int] | None]] = []

    def look(progress: importer.Progress) -> None:
        # A second connection, as the polling page uses, in the middle of the import.
        with app.db.unit(ws, write=False) as other:
            job = other.get(ImportJob, progress.job_id)
            assert job is not None
            if job.status == "prepared":  # being applied (the CLI path checks in one go)
                seen.append((job.rows_done, job.rows_total,
                             importer.live(app.db.engine, progress.job_id)))

    _watch(monkeypatch, look)
    job, action = import_bytes(app, ws, _csv(), "people.csv")
    assert action.state == "done" and job.status == "done" and job.created == ROWS
    assert (job.rows_done, job.rows_total) == (ROWS, ROWS)
    # What other units saw: 0, 500, 1000, 1500, 2000 -- committed on PostgreSQL; on SQLite
    # the import's transaction holds the only write lock, so the row says 0 until it commits
    # and the counter is this process's (importer.live).
    live = [entry[2] for entry in seen]
    if postgres:
        assert [entry[0] for entry in seen] == [0, 500, 1000, 1500, 2000], seen
        assert {entry[1] for entry in seen} == {ROWS}
        assert live == [None] * 5, "committed counts need no in-process copy"
    else:
        assert {entry[0] for entry in seen} == {0}, seen
        assert live == [(n, ROWS) for n in (0, 500, 1000, 1500, 2000)], seen
    with app.db.unit(ws, write=False) as session:
        assert len(session.scalars(select(ContactRow.id)).all()) == ROWS


def test_a_failed_import_leaves_no_rows_and_a_retry_counts_from_zero(app, monkeypatch,
                                                                   every_step):
    ws = new_workspace(app)
    calls = {"n": 0}
    execute = import_apply._Run.execute

    def breaks_once(self, records):  # the third batch fails the first time only
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("the disk went away")
        return execute(self, records)

    monkeypatch.setattr(import_apply._Run, "execute", breaks_once)
    with app.db.unit(ws) as session:
        prepared = importer.prepare(session, ws, _csv(), "people.csv",
                                    importer.ImportOptions(region="US"), app.clock())
        job_id = prepared.id
        payload = importer.import_action(prepared).payload
    with pytest.raises(RuntimeError), app.db.unit(ws) as session:
        import_apply.ImportEffect().apply(session, ws, payload, app.clock())
    with app.db.unit(ws, write=False) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None and job.status == "prepared"
        assert session.scalars(select(ContactRow.id)).all() == []  # all or nothing
    with app.db.unit(ws) as session:
        import_apply.ImportEffect().apply(session, ws, payload, app.clock())
    with app.db.unit(ws, write=False) as session:
        job = session.get(ImportJob, job_id)
        assert job is not None and job.status == "done"
        assert (job.rows_done, job.rows_total, job.created) == (ROWS, ROWS, ROWS)


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.III)


def _signed_in(app, office):
    return signed_in(app, office.owner, office.slug)


def _bar(text: str) -> tuple[int, int, str]:
    found = re.search(r'<progress id="import-bar" class="progress" max="(\d+)" value="(\d+)" '
                      r'aria-valuetext="([^"]+)"', text)
    assert found, text
    return int(found.group(2)), int(found.group(1)), found.group(3)


def test_the_page_shows_the_check_and_the_import_row_by_row(single_app, office, monkeypatch,
                                                            every_step):
    owner = _signed_in(single_app, office)
    watcher = _signed_in(single_app, office)  # the browser tab polling the progress
    base = f"/w/{office.slug}"
    shown: dict[str, str] = {}

    def look(progress: importer.Progress) -> None:
        with single_app.db.unit(office.workspace_id, write=False) as session:
            job = session.get(ImportJob, progress.job_id)
            assert job is not None
            status = job.status
        key = f"{status}:{progress.done}"
        if key in {"checking:1000", "prepared:1000"}:
            answer = watcher.get(f"{base}/contacts/imports/{progress.job_id}/progress",
                                 headers={"HX-Request": "true"})
            assert answer.status_code == 200, answer.text
            shown[key] = answer.text

    _watch(monkeypatch, look)
    sent = owner.post(f"{base}/contacts/import",
                      files={"file": ("people.csv", _csv(prefix="web"), "text/csv")},
                      data={"mode": "add"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    checking = shown["checking:1000"]
    assert "Checking the file: 1,000 of about 2,000 rows" in checking
    assert _bar(checking) == (1000, ROWS, "1,000 of about 2,000 rows")
    assert 'hx-trigger="every 1s"' in checking and "<h2>Report</h2>" not in checking
    importing = shown["prepared:1000"]
    assert "Importing: 1,000 of 2,000 rows" in importing
    assert _bar(importing) == (1000, ROWS, "1,000 of 2,000 rows")
    assert 'hx-trigger="every 1s"' in importing
    done = owner.get(sent.headers["location"] + "/progress", headers={"HX-Request": "true"})
    assert "Imported." in done.text and "hx-trigger" not in done.text
    assert _bar(done.text) == (ROWS, ROWS, "2,000 of 2,000 rows")
    assert "2,000 of 2,000 rows" in done.text.split("</progress>")[1]  # shown as text too
    page = owner.get(sent.headers["location"])
    assert "created 2,000" in page.text


def test_a_file_that_cannot_be_read_says_why_and_stops_polling(single_app, office):
    owner = _signed_in(single_app, office)
    sent = owner.post(f"/w/{office.slug}/contacts/import",
                      files={"file": ("people.csv", b"\n \n", "text/csv")},
                      follow_redirects=False)
    assert sent.status_code == 303, sent.text
    page = owner.get(sent.headers["location"] + "/progress", headers={"HX-Request": "true"})
    assert "Not imported: the file is empty. Export the contacts again" in page.text
    assert "hx-trigger" not in page.text and "<progress" not in page.text
    wrong = owner.post(f"/w/{office.slug}/contacts/import", data={"list_slug": "nope"},
                       files={"file": ("people.csv", _csv(3), "text/csv")},
                       follow_redirects=False)
    assert wrong.status_code == 404 and "nope" in wrong.text  # refused before any row is read
    with single_app.db.unit(office.workspace_id, write=False) as session:
        assert importer.count_jobs(session) == 1  # and nothing recorded


def test_the_migration_makes_what_the_model_says(db_url):
    table = table_as_migrated(db_url, "import_jobs")
    assert table.diffs == []
    columns = table.columns
    assert columns["rows_total"]["nullable"] and not columns["rows_done"]["nullable"]


def test_a_checks_count_is_never_shown_as_the_imports(single_app):
    """The check commits its counter; only an import SQLite cannot commit yet is kept in this
    process -- otherwise a check's last count would read as 'N of N imported' on a page of this
    process while another process (the worker) applies the import."""
    ws_id = new_workspace(single_app, Phase.I)
    with single_app.db.unit(ws_id) as session:
        job = importer.start(session, ws_id, _csv(10), "people.csv", importer.ImportOptions(),
                             single_app.clock())
        job_id = job.id
    checking = importer.Progress(single_app.db.engine, ws_id, job_id, 10)
    checking(10, force=True)
    assert importer.live(single_app.db.engine, job_id) is None
    with single_app.db.unit(ws_id, write=False) as session:
        assert session.get(ImportJob, job_id).rows_done == 10  # committed for every process
    applying = importer.Progress(single_app.db.engine, ws_id, job_id, 10, commit=False)
    applying(4, force=True)
    assert importer.live(single_app.db.engine, job_id) == (4, 10)
