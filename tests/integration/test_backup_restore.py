"""Backup and restore: consistent while writers run, audit chains verify after restore, sealed
credentials still open, on SQLite and PostgreSQL (and across them with the logical format)."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, select, text

from righthand.bootstrap import build
from righthand.errors import BadInput
from righthand.service import audit, mail_accounts
from righthand.service import backup as backups
from righthand.store.tables import AuditEntry, ContactRow, MailAccount
from tests.conftest import make_settings, new_workspace
from tests.support.databases import fresh_database

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


def _seed(app) -> list[int]:
    ids = []
    for client in ("Pat Lee", "Sam Roe"):
        ws = new_workspace(app, client=client)
        ids.append(ws)
        with app.db.unit(ws) as session:
            for index in range(5):
                audit.append(session, ws, "client", "test.event", f"n{index}",
                             {"n": index, "text": "naïve ☃"}, at=app.clock())
            session.add(ContactRow(workspace_id=ws, given_name="Ann", family_name=client,
                                   display_name=f"Ann {client}", created_at=app.clock()))
            mail_accounts.save(session, ws, mail_accounts.AccountSettings(
                imap_host="imap.example.com", username="pat", password=f"pw-{client}"),
                app.clock())
    return ids


def _state(app, ids: list[int]) -> dict[int, tuple[int, str, str | None]]:
    found = {}
    for ws in ids:
        with app.db.unit(ws, write=False) as session:
            result = audit.verify(session, ws)
            assert result.ok, result.problem
            contact = session.scalars(select(ContactRow.display_name)).one()
            account = session.scalars(select(MailAccount)).one()
            found[ws] = (result.entries, contact, account.imap_password)
    return found


CASES = [("sqlite", "sqlite", "sqlite"), ("sqlite", "logical", "sqlite"),
         ("postgresql", "pg_dump", "postgresql"), ("postgresql", "logical", "postgresql"),
         ("sqlite", "logical", "postgresql"), ("postgresql", "logical", "sqlite")]


@pytest.mark.parametrize(("source", "kind", "target"), CASES,
                         ids=[f"{s}-{k}-{t}" for s, k, t in CASES])
def test_backup_restores_everything_and_the_audit_chain_verifies(tmp_path, clock, source, kind,
                                                                 target):
    if kind == "pg_dump" and backups.pg_tools() is None:
        pytest.skip("pg_dump is not installed")
    with fresh_database(source, tmp_path, "src") as src_url, \
            fresh_database(target, tmp_path, "dst") as dst_url:
        app = build(make_settings(tmp_path, src_url), clock=clock, create_schema=True)
        ids = _seed(app)
        before = _state(app, ids)
        assert before[ids[0]][2] == "pw-Pat Lee"
        path = tmp_path / f"backup.{kind}"
        stop = threading.Event()
        written: list[int] = []

        def writer() -> None:  # keeps writing while the backup runs: the copy is a snapshot
            while not stop.is_set():
                with app.db.unit(ids[1]) as session:
                    audit.append(session, ids[1], "client", "during", "", {}, at=app.clock())
                written.append(1)

        thread = threading.Thread(target=writer)
        thread.start()
        try:
            report = backups.backup(app.db.engine, path, kind=kind)
        finally:
            stop.set()
            thread.join()
        assert report.kind == kind and backups.detect(path) == kind
        assert path.stat().st_mode & 0o077 == 0
        app.db.dispose()

        restored = build(make_settings(tmp_path, dst_url), clock=clock, create_schema=True)
        new_workspace(restored)  # something to be replaced
        report = backups.restore(restored.db.engine, path)
        chains = backups.verify_audit(restored.db.engine)
        assert len(chains) == 2
        after = _state(restored, ids)
        assert after[ids[0]] == before[ids[0]]
        assert after[ids[1]][1:] == before[ids[1]][1:]
        assert after[ids[1]][0] >= before[ids[1]][0]  # plus whatever the writer committed
        with restored.db.engine.connect() as conn:
            stored = conn.execute(text("SELECT imap_password FROM mail_accounts")).scalars().all()
        assert all(value.startswith("rh1:") for value in stored)  # still sealed
        # The restored database takes new writes (sequences were carried over).
        with restored.db.unit(ids[0]) as session:
            audit.append(session, ids[0], "client", "after", "", {}, at=restored.clock())
            assert audit.verify(session, ids[0]).ok
        restored.db.dispose()


def test_a_tampered_backup_fails_audit_verification(tmp_path, clock):
    with fresh_database("sqlite", tmp_path, "src") as url:
        app = build(make_settings(tmp_path, url), clock=clock, create_schema=True)
        ids = _seed(app)
        path = tmp_path / "backup.db"
        backups.backup(app.db.engine, path)
        app.db.dispose()
        import sqlite3

        with sqlite3.connect(path) as db:
            db.execute("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3")
        with fresh_database("sqlite", tmp_path, "dst") as target:
            restored = build(make_settings(tmp_path, target), clock=clock, create_schema=True)
            backups.restore(restored.db.engine, path)
            with pytest.raises(BadInput, match="does not verify"):
                backups.verify_audit(restored.db.engine)
            with restored.db.unit(None, write=False) as session:
                assert session.scalar(select(func.count()).select_from(AuditEntry)) >= 14
            restored.db.dispose()
        assert ids


def test_not_a_backup_is_refused(tmp_path):
    junk = tmp_path / "junk.bin"
    junk.write_bytes(b"hello")
    with pytest.raises(BadInput, match="not a Righthand backup"):
        backups.detect(junk)
