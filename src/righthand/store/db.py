"""Engines and migrations: SQLite (WAL) by default, PostgreSQL when the URL says so."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url

from righthand.errors import BadInput, NotConfigured, ServiceUnavailable

# The newest migration of each branch, checked without importing Alembic so that a cold start
# stays fast. Feature areas may add their migrations on branches of their own (Alembic applies
# every head); add the new head here and drop the one it revises.
HEAD_REVISIONS: frozenset[str] = frozenset({"0010_secrets", "0008_web", "0005_calendar",
                                             "0007_sales", "0011_jobs",
                                             "0015_screening", "0013_channels", "0012_llm",
                                             "0016_import_progress",
                                             "0017_worker_heartbeats",
                                             "0018_caldav_accounts"})
MIGRATIONS = Path(__file__).with_name("migrations")


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and explicit transactions."""
    try:
        parsed = make_url(url)
    except Exception as exc:
        raise BadInput(f"RIGHTHAND_DATABASE_URL is not a database URL: {url!r}",
                       hint="Use sqlite:///path/to/file.db or "
                            "postgresql+psycopg://user@host/db.") from exc
    kwargs: dict[str, Any] = {"echo": echo, "future": True}
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"timeout": 30, "check_same_thread": False}
        engine = create_engine(url, **kwargs)
        _tune_sqlite(engine)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if parsed.drivername == "postgresql":
            url = str(parsed.set(drivername="postgresql+psycopg"))
        kwargs["pool_pre_ping"] = True
        return create_engine(url, **kwargs)
    raise BadInput(f"unsupported database {parsed.get_backend_name()!r}",
                   hint="Righthand runs on SQLite (the default) or PostgreSQL.")


def _tune_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy's BEGIN below own transactions (pysqlite's implicit ones misbehave).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Writers take the write lock up front, so two writers never deadlock upgrading a
        # read lock; readers stay deferred and never block anyone in WAL mode.
        mode = "IMMEDIATE" if conn.get_execution_options().get("righthand_write") else "DEFERRED"
        conn.exec_driver_sql(f"BEGIN {mode}")


def current_revisions(engine: Engine) -> frozenset[str]:
    """The schema revisions (one per branch) stored in the database; empty for a new one."""
    try:
        with engine.connect() as conn:
            if not inspect(conn).has_table("alembic_version"):
                return frozenset()
            return frozenset(conn.execute(text("SELECT version_num FROM alembic_version"))
                             .scalars())
    except Exception as exc:
        if "sqlite" not in engine.dialect.name:
            raise ServiceUnavailable(f"cannot reach the database: {exc}",
                                     hint="Check that the database server is running and "
                                          "RIGHTHAND_DATABASE_URL is right.") from exc
        raise


def current_revision(engine: Engine) -> str | None:
    """The single current revision (None when empty; several branches joined with '+')."""
    found = current_revisions(engine)
    return "+".join(sorted(found)) if found else None


def alembic_config(engine: Engine) -> Any:
    """An Alembic config that points at Righthand's migrations and at ``engine``."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", engine.url.render_as_string(hide_password=False))
    config.attributes["engine"] = engine
    return config


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema up to ``revision`` (a no-op, without importing Alembic, when current)."""
    if revision in {"head", "heads"}:
        if current_revisions(engine) == HEAD_REVISIONS:
            return
        revision = "heads"
    from alembic import command

    command.upgrade(alembic_config(engine), revision)


def ensure_schema(engine: Engine) -> None:
    """Fail with a clear message when the schema is behind this version of Righthand."""
    found = current_revisions(engine)
    if found != HEAD_REVISIONS:
        shown = "+".join(sorted(found)) or "nothing"
        raise NotConfigured(f"the database schema is at {shown}, this Righthand needs "
                            f"{'+'.join(sorted(HEAD_REVISIONS))}",
                            hint="Run `righthand init` (new) or `righthand migrate` (upgrade).")
