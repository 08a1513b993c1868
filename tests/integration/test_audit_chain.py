"""The audit log is append-only and hash-chained; tampering is found, on both databases."""

from __future__ import annotations

import threading

from sqlalchemy import text

from righthand.service import audit
from righthand.store.tables import AuditEntry
from tests.conftest import new_workspace


def _fill(app, ws: int, count: int = 10) -> None:
    with app.db.unit(ws) as session:
        for index in range(count):
            audit.append(session, ws, "client", "test.event", f"n{index}", {"n": index},
                         at=app.clock())


def _raw(app, sql: str, **params) -> None:
    with app.db.engine.begin() as conn:
        conn.execute(text(sql), params)


def test_untouched_chain_verifies(app):
    ws = new_workspace(app)
    _fill(app, ws)
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert result.ok and result.first_broken_seq is None
    assert result.entries == 10 + 2  # workspace.created, job.changed, and ten more


def test_an_altered_entry_is_named(app):
    ws = new_workspace(app)
    _fill(app, ws)
    _raw(app, "UPDATE audit_log SET actor = 'mallory' WHERE workspace_id = :ws AND seq = 7", ws=ws)
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert not result.ok and result.first_broken_seq == 7
    assert "altered" in result.problem
    assert result.entries == 6


def test_altered_data_json_is_found(app):
    ws = new_workspace(app)
    _fill(app, ws)
    with app.db.unit(ws) as session:
        entry = session.query(AuditEntry).filter_by(workspace_id=ws, seq=5).one()
        entry.data = {"n": 999}
    with app.db.unit(ws, write=False) as session:
        assert audit.verify(session, ws).first_broken_seq == 5


def test_a_removed_entry_is_named(app):
    ws = new_workspace(app)
    _fill(app, ws)
    _raw(app, "DELETE FROM audit_log WHERE workspace_id = :ws AND seq = 4", ws=ws)
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert not result.ok and result.first_broken_seq == 4
    assert "missing" in result.problem


def test_removing_the_newest_entries_is_found(app):
    ws = new_workspace(app)
    _fill(app, ws)
    _raw(app, "DELETE FROM audit_log WHERE workspace_id = :ws AND seq >= 11", ws=ws)
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert not result.ok and result.first_broken_seq == 11


def test_a_rehashed_forgery_still_breaks_the_next_link(app):
    """Recomputing the altered entry's own hash does not help: the next entry points at the old."""
    ws = new_workspace(app)
    _fill(app, ws)
    with app.db.unit(ws) as session:
        entry = session.query(AuditEntry).filter_by(workspace_id=ws, seq=6).one()
        entry.subject = "forged"
        entry.hash = audit._entry_hash(ws, entry.seq, entry.at, entry.actor, entry.event,
                                       entry.subject, entry.data, entry.prev_hash)
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert result.first_broken_seq == 7
    assert "does not follow" in result.problem


def test_concurrent_appends_never_fork_the_chain(app):
    ws = new_workspace(app)
    errors: list[BaseException] = []

    def writer(tag: str) -> None:
        try:
            for index in range(15):
                with app.db.unit(ws) as session:
                    audit.append(session, ws, tag, "test.concurrent", str(index), at=app.clock())
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(f"w{i}",)) for i in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.db.unit(ws, write=False) as session:
        result = audit.verify(session, ws)
    assert result.ok and result.entries == 2 + 45
