"""Private databases for tests that replace or upgrade a whole database (never the shared one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from tests.support.servers import POSTGRES_URL, need


@contextmanager
def fresh_database(kind: str, tmp_path: Path, name: str = "db") -> Iterator[str]:
    """The URL of a new, empty database of ``kind`` (sqlite or postgresql), dropped after."""
    if kind == "sqlite":
        yield f"sqlite:///{tmp_path / f'{name}-{uuid.uuid4().hex[:6]}.db'}"
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    database = f"righthand_{name}_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception:
        admin.dispose()
        need(False, f"PostgreSQL is not reachable at {POSTGRES_URL}")
    try:
        yield POSTGRES_URL.rsplit("/", 1)[0] + f"/{database}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def new_postgres(prefix: str, *, migrated: bool = False, template: str | None = None,
                 admin_url: str = POSTGRES_URL) -> Iterator[tuple[str, str]]:
    """A new PostgreSQL database -- empty, ``migrated``, or a clone of ``template`` -- dropped
    (whoever is still connected) after; yields its URL and name."""
    from righthand.store.db import make_engine, migrate

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    url = admin_url.rsplit("/", 1)[0] + f"/{name}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'
                              + (f' TEMPLATE "{template}"' if template else "")))
        if migrated:
            engine = make_engine(url)
            migrate(engine)
            engine.dispose()  # no connection left behind (a template must have none)
        yield url, name
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@dataclass(frozen=True)
class TableAsMigrated:
    """One table as the migrations made it in a database: where it differs from the model
    (Alembic's comparison, types and server defaults included), its columns and primary key."""

    diffs: list[Any]
    columns: dict[str, dict[str, Any]]
    primary_key: dict[str, Any]


def table_as_migrated(url: str, table: str) -> TableAsMigrated:
    """Compare ``table`` in the (migrated) database at ``url`` with ``Base.metadata``."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect

    from righthand.store.db import make_engine
    from righthand.store.tables import Base

    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True,
                                                             "compare_server_default": True})
            diffs = [d for d in compare_metadata(context, Base.metadata) if table in repr(d)]
            found = inspect(conn)
            return TableAsMigrated(diffs, {c["name"]: dict(c) for c in found.get_columns(table)},
                                   dict(found.get_pk_constraint(table)))
    finally:
        engine.dispose()
