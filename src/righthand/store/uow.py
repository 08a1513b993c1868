"""Unit of work: one transaction, one workspace."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

from righthand.errors import DatabaseUnavailable
from righthand.store import scoping


class ScopedSession(Session):
    """A session whose queries are limited to its workspace (see :mod:`scoping`)."""


scoping.install(ScopedSession)


def _rollback_quietly(session: Session) -> None:
    with contextlib.suppress(DBAPIError):  # the connection is gone; the pool discards it
        session.rollback()


def _disk_full(exc: DBAPIError) -> bool:
    """SQLite says 'database or disk is full'; PostgreSQL 'No space left on device' (53100)."""
    text = str(exc.orig).lower()
    return "disk is full" in text or "no space left" in text or \
        getattr(exc.orig, "sqlstate", None) == "53100"


class Database:
    """The composition root's handle on storage: opens units of work."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._factory = sessionmaker(bind=engine, class_=ScopedSession, expire_on_commit=False)
        self._autocommit_reads = engine.dialect.name == "postgresql"

    @contextmanager
    def unit(self, workspace_id: int | None, *, write: bool = True,
             statements: bool = False) -> Iterator[Session]:
        """A transaction scoped to ``workspace_id``; commits on success, rolls back on error.

        ``statements=True`` (read-only units only) asks for no transaction where that changes
        nothing: on PostgreSQL, whose READ COMMITTED isolation gives each statement a
        snapshot of its own inside a transaction too, the reads then run in autocommit mode,
        sparing the BEGIN and COMMIT round trips (a quarter of the busiest pages' trips). On
        SQLite a read transaction is one snapshot for all its statements, so it is kept."""
        if statements and write:
            raise ValueError("statements=True is for read-only units")
        session = self._factory()
        session.info[scoping.WORKSPACE_KEY] = workspace_id
        try:
            if write:
                session.connection(execution_options={"righthand_write": True})
            elif statements and self._autocommit_reads:
                session.connection(execution_options={"isolation_level": "AUTOCOMMIT"})
            yield session
            session.commit()
        except (OperationalError, DBAPIError) as exc:
            # A dropped connection (server restarted, backend terminated) or a full disk: the
            # transaction is gone whole, so the caller may simply try again later.
            if not isinstance(exc, OperationalError) and not exc.connection_invalidated:
                session.rollback()
                raise
            _rollback_quietly(session)
            if _disk_full(exc):
                raise DatabaseUnavailable(
                    f"the disk is full: the database could not save this work ({exc.orig})",
                    hint="Free some disk space on the server; the work is retried by itself "
                         "once there is room, and nothing is lost.") from exc
            raise DatabaseUnavailable(f"the database is unavailable: {exc.orig}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def dispose(self) -> None:
        """Close pooled connections."""
        self.engine.dispose()
