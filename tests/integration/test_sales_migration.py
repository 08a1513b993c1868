"""Migration 0007_sales keeps every deal: stage strings become stage rows of the residential
(or B2B, or the deals' own) pipeline, the contacts JSON becomes deal_contacts, and the branch
downgrades back to the old columns -- on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from sqlalchemy import text

from righthand.store.db import (
    HEAD_REVISIONS,
    alembic_config,
    current_revisions,
    make_engine,
    migrate,
)
from tests.integration.test_migrations import _drop, _fresh_url


def test_0007_maps_old_deals_and_comes_back(tmp_path, db_url):
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    url, handle = _fresh_url(kind, tmp_path)
    try:
        engine = make_engine(url)
        migrate(engine, "0002")
        with engine.begin() as conn:
            conn.execute(text(
                "INSERT INTO workspaces (id, slug, client_name, assistant_name, timezone, currency,"
                " created_at) VALUES (1, 'a', 'A', 'Jane', 'UTC', 'USD', :n),"
                " (2, 'b', 'B', 'Jane', 'UTC', 'USD', :n)"), {"n": "2026-01-01 00:00:00"})
            conn.execute(text(
                "INSERT INTO contacts (id, workspace_id, given_name, family_name, display_name,"
                " created_at) VALUES (1, 1, 'Alice', 'Jones', 'Alice Jones', :n),"
                " (2, 1, 'Dev', 'Patel', 'Dev Patel', :n)"), {"n": "2026-01-01 00:00:00"})
            for number, (ws, pipeline, stage, people) in enumerate([
                    (1, "residential", "inspection",
                     '{"list": [{"id": 1, "role": "buyer"}, {"id": 2, "role": "lender"},'
                     ' {"id": 99, "role": "gone"}]}'),
                    (1, "residential", "Under Contract", "{}"),
                    (2, "b2b", "proposal", "{}"),
                    (2, "Enterprise", "Pilot", "{}")], start=1):
                conn.execute(text(
                    "INSERT INTO deals (id, workspace_id, title, pipeline, stage, currency,"
                    " status, contacts) VALUES (:id, :ws, :t, :p, :s, 'USD', 'open', :c)"),
                    {"id": number, "ws": ws, "t": f"deal {number}", "p": pipeline, "s": stage,
                     "c": people})
        migrate(engine)
        assert current_revisions(engine) == HEAD_REVISIONS
        with engine.connect() as conn:
            mapped = conn.execute(text(
                "SELECT d.id, p.key, s.key, p.workspace_id FROM deals d"
                " JOIN pipelines p ON p.id = d.pipeline_id"
                " JOIN pipeline_stages s ON s.id = d.stage_id ORDER BY d.id")).all()
            assert [tuple(r) for r in mapped] == [
                (1, "residential", "inspection", 1), (2, "residential", "under_contract", 1),
                (3, "b2b", "proposal", 2), (4, "enterprise", "pilot", 2)]
            assert conn.execute(text("SELECT count(*) FROM pipeline_stages WHERE pipeline_id ="
                                     " (SELECT id FROM pipelines WHERE key = 'residential')"
                                     )).scalar() == 9
            people = conn.execute(text(
                "SELECT deal_id, contact_id, role FROM deal_contacts ORDER BY id")).all()
            assert [tuple(r) for r in people] == [(1, 1, "buyer"), (1, 2, "lender")]
        command.downgrade(alembic_config(engine), "0007_sales@-1")
        assert "0007_sales" not in current_revisions(engine)
        with engine.connect() as conn:
            back = conn.execute(text("SELECT id, pipeline, stage FROM deals ORDER BY id")).all()
            assert [tuple(r) for r in back] == [
                (1, "residential", "inspection"), (2, "residential", "under_contract"),
                (3, "b2b", "proposal"), (4, "enterprise", "pilot")]
        migrate(engine)
        assert current_revisions(engine) == HEAD_REVISIONS
        engine.dispose()
    finally:
        _drop(handle)
