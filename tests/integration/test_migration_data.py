"""Upgrading from EVERY earlier schema version keeps its data (issue 9), on SQLite and PostgreSQL.

For each revision of the migration graph, a database is migrated to exactly that revision (it
and its ancestors: an installation that stopped there), then every table that exists at that
point gets representative rows -- each column filled with a value of its type, each foreign key
pointing at the parent row filled before it. The database is then upgraded to every head, and
every row must still be there under its primary key with its values, except the columns a
migration is meant to transform (listed in TRANSFORMED; what those become is checked by the
migration's own test: ``test_migrations.py`` for 0002, ``test_sales_migration.py`` for 0007,
``test_secrets.py`` for 0010; sealed passwords must open to the same secret here).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory

from righthand import secrets
from righthand.store.db import (
    HEAD_REVISIONS,
    alembic_config,
    current_revisions,
    make_engine,
    migrate,
)
from tests.support.databases import fresh_database

# (table, column): a migration rewrites it on purpose (moved, sealed, mapped) -- the row stays.
TRANSFORMED = {
    ("contacts", "phones"), ("contacts", "tags"),  # 0002: into contact_phones / contact_tags
    ("deals", "stage"), ("deals", "contacts"),  # 0007: into pipeline stages / deal_contacts
}
SEALED = {("mail_accounts", "imap_password"), ("mail_accounts", "smtp_password")}  # 0010
ROWS = 2


def _revisions() -> list[str]:
    script = ScriptDirectory.from_config(alembic_config(make_engine("sqlite://")))
    return sorted(rev.revision for rev in script.walk_revisions())


def _value(column: sa.Column[Any], table: str, n: int) -> Any:
    kind = column.type
    if isinstance(kind, sa.Boolean):
        return n % 2 == 0
    if isinstance(kind, sa.Integer):
        return n + 1
    if isinstance(kind, sa.Numeric | sa.Float):
        return Decimal(f"{n + 1}.5") if isinstance(kind, sa.Numeric) and kind.asdecimal \
            else n + 1.5
    if isinstance(kind, sa.DateTime):
        return dt.datetime(2026, 1, 1 + n, 12, 0)
    if isinstance(kind, sa.Date):
        return dt.date(2026, 1, 1 + n)
    if isinstance(kind, sa.Time):
        return dt.time(9 + n, 0)
    if isinstance(kind, sa.JSON):
        return {}
    if isinstance(kind, sa.LargeBinary):
        return bytes([65 + n]) * 8
    if isinstance(kind, sa.String | sa.Text):
        text = f"{table[:6]}.{column.name}.{n}"
        length = getattr(kind, "length", None)
        return text[-length:] if length else text
    raise AssertionError(f"no sample value for {table}.{column.name} ({kind!r})")


def _fill(engine: sa.Engine) -> dict[str, list[dict[str, Any]]]:
    """Representative rows in every table; returns what was written, by table."""
    meta = sa.MetaData()
    meta.reflect(engine)
    written: dict[str, list[dict[str, Any]]] = {}
    with engine.begin() as conn:
        for table in meta.sorted_tables:
            if table.name == "alembic_version":
                continue
            pk = [c.name for c in table.primary_key.columns]
            for n in range(ROWS):
                row: dict[str, Any] = {}
                for column in table.columns:
                    parents = [fk for fk in column.foreign_keys]
                    if parents:
                        parent = parents[0].column
                        taken = written.get(parent.table.name)
                        if not taken:  # self-reference or unfilled parent: leave it empty
                            if not column.nullable:
                                raise AssertionError(f"{table.name}.{column.name}: no parent")
                            continue
                        row[column.name] = taken[n % len(taken)][parent.name]
                    elif column.primary_key and isinstance(column.type, sa.Integer) and \
                            len(pk) == 1:
                        continue  # the database numbers it
                    else:
                        row[column.name] = _value(column, table.name, n)
                result = conn.execute(table.insert().values(**row).returning(*table.primary_key
                                                                                .columns))
                row.update(result.mappings().one())
                written.setdefault(table.name, []).append(row)
    return written


def _same(before: Any, after: Any) -> bool:
    if isinstance(before, dt.datetime) and isinstance(after, dt.datetime):
        return before.replace(tzinfo=None) == after.replace(tzinfo=None)
    if isinstance(before, Decimal | float) and isinstance(after, Decimal | float | int):
        return abs(float(before) - float(after)) < 1e-9
    return bool(before == after)


@pytest.mark.parametrize("revision", _revisions())
def test_upgrading_from_each_revision_keeps_every_row(revision: str, db_url: str,
                                                      tmp_path: Path) -> None:
    kind = "sqlite" if db_url.startswith("sqlite") else "postgresql"
    with fresh_database(kind, tmp_path, "upgrade") as url:
        engine = make_engine(url)
        try:
            migrate(engine, revision)
            written = _fill(engine)
            assert written, f"no tables at {revision}"
            migrate(engine)
            assert current_revisions(engine) == HEAD_REVISIONS
            meta = sa.MetaData()
            meta.reflect(engine)
            with engine.connect() as conn:
                for name, rows in written.items():
                    assert name in meta.tables, f"{name} (from {revision}) was dropped"
                    table = meta.tables[name]
                    for row in rows:
                        key = [table.c[c.name] == row[c.name] for c in table.primary_key.columns]
                        found = conn.execute(sa.select(table).where(*key)).mappings().first()
                        assert found is not None, f"{name} {row} lost upgrading from {revision}"
                        for column, value in row.items():
                            if (name, column) in TRANSFORMED or column not in table.c:
                                continue
                            now = found[column]
                            if (name, column) in SEALED and secrets.is_sealed(now):
                                now = secrets.opener().open(now)  # sealed by 0010, same secret
                            assert _same(value, now), \
                                f"{name}.{column}: {value!r} became {found[column]!r}"
        finally:
            engine.dispose()
