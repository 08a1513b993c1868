"""Private databases for tests that replace or upgrade a whole database (never the shared one)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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
