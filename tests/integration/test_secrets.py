"""Credentials are sealed at rest, never shown, migrated from plaintext, and rotated."""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import pytest
from sqlalchemy import select, text

from righthand import secrets
from righthand.bootstrap import build
from righthand.errors import BadInput, NotConfigured
from righthand.service import audit, credentials, mail_accounts, oplog
from righthand.service.export import export_workspace
from righthand.store.db import HEAD_REVISIONS, current_revisions, make_engine, migrate
from righthand.store.tables import MailAccount
from tests.conftest import make_settings, new_workspace, workspace_slug
from tests.support.databases import fresh_database

PASSWORD = "correct horse battery staple"


def _connect(app, ws: int, password: str = PASSWORD) -> None:
    with app.db.unit(ws) as session:
        mail_accounts.save(session, ws, mail_accounts.AccountSettings(
            imap_host="imap.example.com", username="pat", password=password,
            smtp_host="smtp.example.com", smtp_password=password + "!"), app.clock())


def _stored(app) -> list[str]:
    with app.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT imap_password, smtp_password FROM mail_accounts"))
        return [value for row in rows for value in row if value]


def test_passwords_are_sealed_at_rest_and_shown_nowhere(app, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    ws = new_workspace(app)
    _connect(app, ws)
    stored = _stored(app)
    assert stored and all(v.startswith("rh1:") and PASSWORD not in v for v in stored)
    with app.db.unit(ws, write=False) as session:
        row = session.scalars(select(MailAccount)).one()
        assert row.imap_password == PASSWORD and row.smtp_password == PASSWORD + "!"
        assert PASSWORD not in repr(row)
        config = mail_accounts.config(row)
        assert config.password == PASSWORD
        trail = " ".join(str(e.data) for e in audit.recent(session, ws))
    assert PASSWORD not in trail
    report = export_workspace(app, workspace_slug(app, ws), tmp_path / "export")
    everything = b"".join(p.read_bytes() for p in (tmp_path / "export").rglob("*")
                          if p.is_file())
    assert PASSWORD.encode() not in everything and b"rh1:" not in everything
    assert any("mail_accounts.imap_password" in item for item in report.left_out)
    assert PASSWORD not in caplog.text
    assert "b'" not in repr(secrets.active())  # keys never in a repr


def test_a_wrong_key_is_a_clear_error(tmp_path):
    sealed = secrets.Keyring((secrets.new_key(),)).seal("x")
    other = secrets.Keyring((secrets.new_key(),))
    with pytest.raises(NotConfigured) as caught:
        other.open(sealed)
    assert "RIGHTHAND_SECRET_KEY" in caught.value.hint


def test_rotation_with_the_key_file(single_app, tmp_path):
    ws = new_workspace(single_app)
    _connect(single_app, ws)
    key_file = single_app.settings.data_dir / secrets.KEY_FILE
    old_keys = secrets.read_key_file(key_file)
    assert len(old_keys) == 1 and key_file.stat().st_mode & 0o077 == 0
    before = _stored(single_app)
    result = credentials.rotate(single_app)
    assert (result.resealed, result.newly_sealed, result.source) == (2, 0, "file")
    new_keys = secrets.read_key_file(key_file)
    assert len(new_keys) == 1 and new_keys != old_keys
    after = _stored(single_app)
    assert after != before
    with pytest.raises(NotConfigured):
        secrets.Keyring(old_keys).open(after[0])
    assert secrets.Keyring(new_keys).open(after[0]) == PASSWORD
    with single_app.db.unit(ws, write=False) as session:
        assert session.scalars(select(MailAccount)).one().imap_password == PASSWORD
    with single_app.db.unit(None, write=False) as session:
        assert [e.event for e in oplog.recent(session)] == ["secrets.rotated"]
        assert oplog.verify(session).ok


def test_rotation_with_the_environment_key(single_url, tmp_path, clock, monkeypatch):
    monkeypatch.delenv("RIGHTHAND_SECRET_KEY_OLD", raising=False)
    first = build(make_settings(tmp_path, single_url, secret="first-secret-value-0123456789"),
                  clock=clock)
    ws = new_workspace(first)
    _connect(first, ws)
    with pytest.raises(BadInput, match="RIGHTHAND_SECRET_KEY_OLD"):
        credentials.rotate(first)
    monkeypatch.setenv("RIGHTHAND_SECRET_KEY_OLD", "first-secret-value-0123456789")
    second = build(make_settings(tmp_path, single_url, secret="second-secret-value-987654321"),
                   clock=clock)
    result = credentials.rotate(second)
    assert result.resealed == 2 and "RIGHTHAND_SECRET_KEY_OLD" in result.note
    only_new = secrets.Keyring((secrets.derive_key("second-secret-value-987654321"),))
    assert {only_new.open(v) for v in _stored(second)} == {PASSWORD, PASSWORD + "!"}
    assert not (second.settings.data_dir / secrets.KEY_FILE).exists()


def test_the_migration_seals_plaintext_passwords(tmp_path, clock, db_url):
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path, "seal") as url:
        engine = make_engine(url)
        migrate(engine, "0006_mailbox")
        now = datetime(2026, 1, 1, tzinfo=UTC)
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO workspaces (id, slug, client_name, assistant_name, timezone,"
                " currency, created_at) VALUES (1, 'old', 'Old', 'Jane', 'UTC', 'USD', :now)"),
                {"now": now})
            conn.execute(text(
                "INSERT INTO mail_accounts (workspace_id, kind, imap_security, imap_password,"
                " smtp_security, smtp_password, folders, idle_seconds, created_at, updated_at)"
                " VALUES (1, 'imap', 'ssl', 'plain-imap', 'starttls', NULL, '{}', 1500, :now,"
                " :now)"), {"now": now})
        engine.dispose()
        app = build(make_settings(tmp_path, url), clock=clock, create_schema=True)
        assert current_revisions(app.db.engine) == HEAD_REVISIONS
        stored = _stored(app)
        assert len(stored) == 1 and stored[0].startswith("rh1:")
        with app.db.unit(1, write=False) as session:
            assert session.scalars(select(MailAccount)).one().imap_password == "plain-imap"
        app.db.dispose()
