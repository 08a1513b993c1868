"""Consistent online backup and restore of the whole installation (every workspace, the audit
chains, the installation log, sealed credentials still sealed).

Three formats, told apart by their first bytes:

* ``sqlite`` — a SQLite database file made with SQLite's online backup API (readers and
  writers go on while it copies; the copy is one consistent snapshot).
* ``pg_dump`` — PostgreSQL's custom format from ``pg_dump -Fc`` (one snapshot), restored with
  ``pg_restore``; used when the tools are installed.
* ``logical`` — gzip'd JSON lines written through SQLAlchemy inside one snapshot transaction
  (REPEATABLE READ on PostgreSQL): a header with the schema revisions, then every row. Works
  on both databases and restores across them (SQLite to PostgreSQL and back).

A backup holds sealed credentials as they are stored; restoring it needs the same key.
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    DateTime,
    Engine,
    LargeBinary,
    MetaData,
    Numeric,
    Table,
    inspect,
    select,
    text,
)
from sqlalchemy.engine import make_url

from righthand.errors import BadInput, ServiceUnavailable
from righthand.store import db as store_db

LOGICAL_MAGIC = b"\x1f\x8b"  # gzip
SQLITE_MAGIC = b"SQLite format 3\x00"
PGDUMP_MAGIC = b"PGDMP"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class BackupReport:
    """What a backup or restore did."""

    path: Path
    kind: str  # sqlite pg_dump logical
    tables: int = 0
    rows: int = 0
    revisions: tuple[str, ...] = ()
    audit: dict[str, int] = field(default_factory=dict)  # workspace slug -> entries verified


def detect(path: Path) -> str:
    """The format of a backup file."""
    with path.open("rb") as handle:
        head = handle.read(16)
    if head.startswith(SQLITE_MAGIC):
        return "sqlite"
    if head.startswith(PGDUMP_MAGIC):
        return "pg_dump"
    if head.startswith(LOGICAL_MAGIC):
        return "logical"
    raise BadInput(f"{path} is not a Righthand backup",
                   hint="Give a file written by `righthand backup`.")


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BadInput("an in-memory database cannot be backed up or restored")
    return Path(database)


def pg_tools() -> tuple[str, str] | None:
    """Paths of pg_dump and pg_restore, when both are installed."""
    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    return (dump, restore) if dump and restore else None


def _libpq(engine: Engine) -> tuple[list[str], dict[str, str]]:
    """Connection arguments for the PostgreSQL tools; the password goes in the environment,
    never on a command line others can see."""
    url = engine.url
    args = ["--dbname", str(url.database or "")]
    if url.host:
        args += ["--host", url.host]
    if url.port:
        args += ["--port", str(url.port)]
    if url.username:
        args += ["--username", url.username]
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    env.setdefault("PGCONNECT_TIMEOUT", "10")
    return args, env


def backup(engine: Engine, dest: Path, *, kind: str | None = None) -> BackupReport:
    """Write a consistent backup of the database behind ``engine`` to ``dest``."""
    backend = engine.dialect.name
    chosen = kind or ("sqlite" if backend == "sqlite" else
                      "pg_dump" if pg_tools() else "logical")
    if (chosen == "sqlite" and backend != "sqlite") or (chosen == "pg_dump" and \
            backend != "postgresql"):
        raise BadInput(f"a {chosen} backup needs a {chosen.replace('pg_dump', 'PostgreSQL')} "
                       "database", hint="Use --format logical, which works everywhere.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    revisions = tuple(sorted(store_db.current_revisions(engine)))
    if chosen == "sqlite":
        _sqlite_copy(_sqlite_path(engine), partial)
        report = BackupReport(dest, "sqlite", revisions=revisions)
    elif chosen == "pg_dump":
        tools = pg_tools()
        if tools is None:
            raise BadInput("pg_dump is not installed", hint="Use --format logical.")
        args, env = _libpq(engine)
        done = subprocess.run([tools[0], "--format=custom", "--no-owner", "--no-privileges",
                               "--file", str(partial), *args], env=env, capture_output=True,
                              text=True, check=False)
        if done.returncode != 0:
            partial.unlink(missing_ok=True)
            raise ServiceUnavailable(f"pg_dump failed: {done.stderr.strip()[:500]}",
                                     hint="Check that pg_dump's version is at least the "
                                          "server's, or use --format logical.")
        report = BackupReport(dest, "pg_dump", revisions=revisions)
    elif chosen == "logical":
        tables, rows = _logical_dump(engine, partial, revisions)
        report = BackupReport(dest, "logical", tables, rows, revisions)
    else:
        raise BadInput(f"unknown backup format {chosen!r}",
                       hint="Use sqlite, pg_dump or logical.")
    with partial.open("rb") as handle:
        os.fsync(handle.fileno())
    os.chmod(partial, 0o600)  # a backup holds everything the database holds
    partial.replace(dest)
    return report


def _sqlite_copy(source: Path, dest: Path) -> None:
    """SQLite's online backup API: a consistent copy while others read and write."""
    src = sqlite3.connect(f"file:{source}?mode=ro", uri=True, timeout=30)
    out = sqlite3.connect(dest)
    try:
        src.execute("PRAGMA busy_timeout=30000")
        src.backup(out, pages=1024)
        out.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
        check = out.execute("PRAGMA integrity_check").fetchone()
        if check is None or check[0] != "ok":
            raise ServiceUnavailable(f"the backup copy failed its integrity check: {check}")
    finally:
        out.close()
        src.close()


# -- logical format ------------------------------------------------------------------------
def _encode(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return base64.b64encode(bytes(value)).decode("ascii")
    return value


def _reflect(engine: Engine) -> MetaData:
    meta = MetaData()
    meta.reflect(bind=engine)
    return meta


def _logical_dump(engine: Engine, dest: Path, revisions: tuple[str, ...]) -> tuple[int, int]:
    meta = _reflect(engine)
    tables = [t for t in meta.sorted_tables if t.name != "alembic_version"]
    rows = 0
    options: dict[str, Any] = {"isolation_level": "REPEATABLE READ"} \
        if engine.dialect.name == "postgresql" else {}
    with engine.connect().execution_options(**options) as conn, \
            gzip.open(dest, "wt", encoding="utf-8") as out:
        conn.begin()
        header = {"righthand_backup": FORMAT_VERSION, "dialect": engine.dialect.name,
                  "revisions": list(revisions), "tables": [t.name for t in tables]}
        out.write(json.dumps(header) + "\n")
        for table in tables:
            order = list(table.primary_key.columns) or list(table.columns)
            result = conn.execution_options(stream_results=True).execute(
                select(table).order_by(*order))
            for row in result.mappings():
                out.write(json.dumps({"t": table.name,
                                      "r": {k: _encode(v) for k, v in row.items()}},
                                     ensure_ascii=False) + "\n")
                rows += 1
        conn.rollback()
    return len(tables), rows


def _read_logical(path: Path) -> tuple[dict[str, Any], Iterator[dict[str, Any]]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            header = json.loads(handle.readline())
    except (OSError, ValueError) as exc:
        raise BadInput(f"{path} is not a readable logical backup: {exc}") from exc
    if not isinstance(header, dict) or header.get("righthand_backup") != FORMAT_VERSION:
        raise BadInput(f"{path} is not a logical backup this Righthand can read")

    def lines() -> Iterator[dict[str, Any]]:
        with gzip.open(path, "rt", encoding="utf-8") as handle:
            handle.readline()
            for line in handle:
                if line.strip():
                    yield json.loads(line)

    return header, lines()


def _decode(table: Table, row: dict[str, Any]) -> dict[str, Any]:
    decoded: dict[str, Any] = {}
    for name, value in row.items():
        if name not in table.c:
            continue
        column_type = table.c[name].type
        if value is None or isinstance(column_type, JSON):
            decoded[name] = value
        elif isinstance(column_type, DateTime):
            moment = datetime.fromisoformat(value)
            if getattr(column_type, "timezone", False):
                moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
            elif moment.tzinfo is not None:
                moment = moment.astimezone(UTC).replace(tzinfo=None)
            decoded[name] = moment
        elif isinstance(column_type, Date):
            decoded[name] = date.fromisoformat(value)
        elif isinstance(column_type, LargeBinary):
            decoded[name] = base64.b64decode(value)
        elif isinstance(column_type, Numeric) and isinstance(value, str):
            decoded[name] = Decimal(value)
        else:
            decoded[name] = value
    return decoded


def _wipe(engine: Engine) -> None:
    """Drop every table (the restore replaces the whole database)."""
    meta = _reflect(engine)
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA foreign_keys=OFF")
        meta.drop_all(conn)


def _logical_restore(engine: Engine, path: Path) -> tuple[int, int, tuple[str, ...]]:
    header, rows = _read_logical(path)
    revisions = tuple(header.get("revisions") or ())
    _wipe(engine)
    # The schema as it was at backup time, so the rows fit; migrations then bring it up.
    from alembic import command

    config = store_db.alembic_config(engine)
    for revision in revisions:
        command.upgrade(config, revision)
    meta = _reflect(engine)
    count = 0
    batch: list[dict[str, Any]] = []
    current: Table | None = None
    with engine.begin() as conn:
        if engine.dialect.name == "sqlite":
            conn.exec_driver_sql("PRAGMA defer_foreign_keys=ON")
        for item in rows:
            table = meta.tables.get(item["t"])
            if table is None:
                raise BadInput(f"the backup has a table {item['t']!r} this schema lacks")
            if current is not None and table is not current and batch:
                conn.execute(current.insert(), batch)
                batch = []
            current = table
            batch.append(_decode(table, item["r"]))
            count += 1
            if len(batch) >= 500:
                conn.execute(table.insert(), batch)
                batch = []
        if current is not None and batch:
            conn.execute(current.insert(), batch)
        if engine.dialect.name == "postgresql":
            _reset_sequences(conn, meta)
    return len(header.get("tables") or ()), count, revisions


def _reset_sequences(conn: Any, meta: MetaData) -> None:
    for table in meta.sorted_tables:
        if "id" not in table.c:
            continue
        sequence = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"),
                                {"t": table.name}).scalar()
        if sequence:
            conn.execute(text(f'SELECT setval(:s, (SELECT COALESCE(MAX(id), 0) + 1 FROM '
                              f'"{table.name}"), false)'), {"s": sequence})


# -- restore -----------------------------------------------------------------------------------
def restore(engine: Engine, source: Path) -> BackupReport:
    """Replace the database behind ``engine`` with the backup at ``source``, then bring its
    schema up to this version. Stop the workers and web server first."""
    if not source.is_file():
        raise BadInput(f"no backup at {source}")
    kind = detect(source)
    backend = engine.dialect.name
    tables = rows = 0
    revisions: tuple[str, ...] = ()
    if kind == "sqlite":
        if backend != "sqlite":
            raise BadInput("this is a SQLite backup and the database is PostgreSQL",
                           hint="Make a logical backup (`righthand backup --format logical`) "
                                "to move between databases.")
        engine.dispose()
        src = sqlite3.connect(f"file:{source}?mode=ro", uri=True)
        out = sqlite3.connect(_sqlite_path(engine), timeout=30)
        try:
            src.backup(out)
        finally:
            out.close()
            src.close()
    elif kind == "pg_dump":
        tools = pg_tools()
        if backend != "postgresql" or tools is None:
            raise BadInput("a pg_dump backup restores only into PostgreSQL with pg_restore "
                           "installed")
        engine.dispose()
        _wipe(engine)
        args, env = _libpq(engine)
        done = subprocess.run([tools[1], "--no-owner", "--no-privileges", "--single-transaction",
                               "--exit-on-error", *args, str(source)], env=env,
                              capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise ServiceUnavailable(f"pg_restore failed: {done.stderr.strip()[:500]}")
    else:
        engine.dispose()
        tables, rows, revisions = _logical_restore(engine, source)
    engine.dispose()
    revisions = revisions or tuple(sorted(store_db.current_revisions(engine)))
    store_db.migrate(engine)
    return BackupReport(source, kind, tables, rows, revisions)


def verify_audit(engine: Engine) -> dict[str, int]:
    """Verify every workspace's audit chain; {slug: entries}. BadInput names a broken one."""
    from sqlalchemy.orm import Session

    from righthand.service import audit
    from righthand.store.tables import Workspace

    found: dict[str, int] = {}
    with Session(engine) as session:
        if not inspect(engine).has_table("workspaces"):
            return found
        for ws in session.scalars(select(Workspace).order_by(Workspace.id)).all():
            result = audit.verify(session, ws.id)
            if not result.ok:
                raise BadInput(f"the audit chain of workspace {ws.slug!r} does not verify: "
                               f"{result.problem}",
                               hint="Keep this backup aside and report it; restore an earlier "
                                    "one if you have it.")
            found[ws.slug] = result.entries
    return found


def backup_url_kind(url: str) -> str:
    """'sqlite' or 'postgresql' for a database URL."""
    return make_url(url).get_backend_name()
