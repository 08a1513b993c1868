"""Export of one workspace in standard formats, and its deletion on request (others untouched),
on SQLite and PostgreSQL (each test on a private database: deletion is installation-wide)."""

from __future__ import annotations

import csv
import json
import mailbox

import icalendar
import pytest
import vobject
from sqlalchemy import func, select

from righthand.bootstrap import build
from righthand.errors import BadInput
from righthand.service import audit, demo, demo_mail, oplog
from righthand.service.export import delete_workspace, export_workspace, scoped_tables
from righthand.store.tables import (
    ContactRow,
    DealRow,
    EventRow,
    MailMessage,
    Workspace,
)
from tests.conftest import make_settings, new_workspace, workspace_slug
from tests.support.databases import fresh_database


@pytest.fixture(params=["sqlite", "postgresql"])
def private_app(request, tmp_path, clock):
    with fresh_database(request.param, tmp_path, "export") as url:
        application = build(make_settings(tmp_path, url), clock=clock, create_schema=True)
        with application.db.unit(None) as session:
            ws = demo.seed(session, application.catalog, application.clock())
            ws_id, slug = ws.id, ws.slug
        demo_mail.seed(application, ws_id, slug, application.clock())
        yield application, ws_id
        application.db.dispose()


def _count(app, ws: int, model) -> int:
    with app.db.unit(ws, write=False) as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def _rows_per_table(app, ws: int) -> dict[str, int]:
    with app.db.engine.connect() as conn:
        return {t.name: conn.execute(select(func.count()).select_from(t)
                                     .where(t.c.workspace_id == ws)).scalar_one()
                for t in scoped_tables()}


def test_export_writes_standard_formats(private_app, tmp_path):
    app, ws = private_app
    out = tmp_path / "out"
    report = export_workspace(app, "demo", out)
    cards = list(vobject.readComponents((out / "contacts.vcf").read_text("utf-8")))
    assert len(cards) == _count(app, ws, ContactRow) > 0
    with (out / "contacts.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.reader(handle))) - 1 == len(cards)
    calendar = icalendar.Calendar.from_ical((out / "calendar.ics").read_text("utf-8"))
    uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
    assert len(uids) == _count(app, ws, EventRow) > 0
    box = mailbox.mbox(out / "mail.mbox")
    assert len(box) == _count(app, ws, MailMessage) > 0
    assert all(message["From"] for message in box)
    with (out / "csv" / "deals.csv").open(encoding="utf-8") as handle:
        assert len(list(csv.DictReader(handle))) == _count(app, ws, DealRow) > 0
    audit_rows = json.loads((out / "json" / "audit_log.json").read_text("utf-8"))
    assert [r["seq"] for r in audit_rows] == list(range(1, len(audit_rows) + 1))
    manifest = json.loads((out / "manifest.json").read_text("utf-8"))
    assert manifest["workspace"] == "demo" and manifest["files"] == report.files
    with app.db.unit(None, write=False) as session:
        assert oplog.recent(session)[0].event == "workspace.exported"
    with pytest.raises(BadInput, match="not empty"):
        export_workspace(app, "demo", out)


def test_deleting_a_workspace_removes_everything_and_nothing_else(private_app):
    app, ws = private_app
    other = new_workspace(app, client="Sam Roe")
    with app.db.unit(other) as session:
        session.add(ContactRow(workspace_id=other, given_name="Kim", family_name="Oh",
                               display_name="Kim Oh", created_at=app.clock()))
        audit.append(session, other, "client", "test", "", {}, at=app.clock())
    others_before = _rows_per_table(app, other)
    before = _rows_per_table(app, ws)
    assert sum(before.values()) > 50
    counts = delete_workspace(app, "demo", reason="client asked, ticket 42")
    assert counts == {k: v for k, v in before.items() if v}
    assert sum(_rows_per_table(app, ws).values()) == 0
    assert _rows_per_table(app, other) == others_before
    with app.db.unit(None, write=False) as session:
        assert session.get(Workspace, ws) is None
        entry = oplog.recent(session)[0]
        assert (entry.event, entry.subject) == ("workspace.deleted", "demo")
        assert entry.data["reason"] == "client asked, ticket 42"
        assert entry.data["audit_entries"] == before["audit_log"]
        assert oplog.verify(session).ok
    with app.db.unit(other, write=False) as session:
        assert audit.verify(session, other).ok
    assert not (app.settings.data_dir / "mail" / "demo").exists()
    assert workspace_slug(app, other)
    with pytest.raises(BadInput):
        delete_workspace(app, "demo")
