"""Every schema version upgrades to head with its data, on SQLite and PostgreSQL."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, text

from righthand.store.db import (
    HEAD_REVISIONS,
    current_revision,
    current_revisions,
    make_engine,
    migrate,
)
from tests.support.servers import POSTGRES_URL, need


def _fresh_url(kind: str, tmp_path) -> tuple[str, object]:
    if kind == "sqlite":
        return f"sqlite:///{tmp_path / 'upgrade.db'}", None
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            name = f"righthand_mig_{uuid.uuid4().hex[:8]}"
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except Exception:
        need(False, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    return POSTGRES_URL.rsplit("/", 1)[0] + f"/{name}", (admin, name)


def _drop(handle) -> None:
    if handle is None:
        return
    admin, name = handle
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def test_upgrade_from_0001_moves_phones_and_tags(tmp_path, db_url):
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    url, handle = _fresh_url(kind, tmp_path)
    try:
        engine = make_engine(url)
        migrate(engine, "0001")
        assert current_revision(engine) == "0001"
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO workspaces (id, slug, client_name, assistant_name, timezone, currency,"
                " created_at) VALUES (1, 'old', 'Old Client', 'Jane', 'UTC', 'USD', :now)"),
                {"now": "2026-01-01 00:00:00"})
            conn.execute(text(
                "INSERT INTO contacts (id, workspace_id, given_name, family_name, display_name,"
                " phones, tags, created_at) VALUES (1, 1, 'Ann', 'Able', 'Ann Able',"
                " :phones, :tags, :now)"),
                {"phones": '{"list": ["+1 617 555 0100"]}', "tags": '{"list": ["vip", "buyer"]}',
                 "now": "2026-01-01 00:00:00"})
            conn.execute(text(
                "INSERT INTO items (workspace_id, name, unit, pack_size, unit_price, on_hand,"
                " reorder_point, target_level) VALUES (1, 'Paper', 'box', 1, 4, 1, 2, 5)"))
        migrate(engine)
        assert current_revisions(engine) == HEAD_REVISIONS
        with engine.connect() as conn:
            assert conn.execute(text("SELECT raw FROM contact_phones")).scalars().all() == \
                ["+1 617 555 0100"]
            assert sorted(conn.execute(text("SELECT tag FROM contact_tags")).scalars()) == \
                ["buyer", "vip"]
            assert conn.execute(text("SELECT lead_time_days FROM items")).scalar() == 3
        engine.dispose()
    finally:
        _drop(handle)


def test_the_code_knows_every_head_of_the_migration_tree():
    """HEAD_REVISIONS (checked without Alembic at start-up) matches Alembic's own view."""
    from alembic.script import ScriptDirectory

    from righthand.store.db import alembic_config

    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    assert frozenset(script.get_heads()) == HEAD_REVISIONS
