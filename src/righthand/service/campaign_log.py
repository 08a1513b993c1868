"""The per-recipient send log's hot path, as plain DBAPI statements.

A campaign commits once per message (``sent`` for the last one and ``sending`` for the next,
in one UPDATE), so the statement overhead is the engine's budget: through the DBAPI connection a
statement costs microseconds where a Core execution costs tens. The SQL is written once, for
SQLite and PostgreSQL alike (only the placeholder differs); timestamps go through the column
type's own bind processing, so the ORM reads back exactly what it would have written.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from datetime import datetime
from typing import Any

from sqlalchemy import Engine

from righthand.store.tables import MailingRecipient

_SENT = ("UPDATE mailing_recipients SET status = 'sent', sent_at = ?, last_error = NULL "
         "WHERE id = ? AND status = 'sending' AND owner = ?")
# The send-time check rides on the claim: never suppressed, still confirmed on the list.
_ON_LIST = (" AND EXISTS (SELECT 1 FROM subscriptions WHERE list_id = ? AND contact_id = ? "
            "AND state = 'confirmed')")
# The usual step as ONE statement (atomic on its own): the last message sent, the next claimed.
_STEP = ("UPDATE mailing_recipients SET "
         "status = CASE WHEN id = ? THEN 'sent' ELSE 'sending' END, "
         "sent_at = CASE WHEN id = ? THEN ? ELSE sent_at END, "
         "last_error = CASE WHEN id = ? THEN NULL ELSE last_error END, "
         "attempts = CASE WHEN id = ? THEN attempts ELSE attempts + 1 END, "
         "message_id = CASE WHEN id = ? THEN message_id ELSE ? END, "
         "not_before = CASE WHEN id = ? THEN not_before ELSE NULL END, owner = ? "
         "WHERE (id = ? AND status = 'sending' AND owner = ?) OR (id = ? AND status = 'pending' "
         "AND NOT EXISTS (SELECT 1 FROM suppressions WHERE workspace_id = ? AND address = ?)")
_SETTLE = "UPDATE mailing_recipients SET status = ?, last_error = ? WHERE id = ? AND status = ?"
_OWNED = " AND owner = ?"
_RETRY = ("UPDATE mailing_recipients SET status = 'pending', owner = NULL, last_error = ?, "
          "not_before = ? WHERE id = ? AND status = 'sending' AND owner = ?")
_STATUS = "SELECT status, attempts FROM mailing_recipients WHERE id = ?"
_MINE = "SELECT status, attempts FROM mailing_recipients WHERE id = ? AND owner = ?"


# SQLite lets one writer in at a time and makes the others retry with sleeps of milliseconds;
# this process's workers take turns on a lock instead, which wakes the next one at once.
_SQLITE_WRITER = threading.Lock()


class SendLog:
    """One worker's own database connection to the send log of one campaign."""

    def __init__(self, engine: Engine, workspace_id: int, list_id: int | None,
                 owner: str) -> None:
        dialect = engine.dialect
        self._sqlite = dialect.name == "sqlite"
        column = MailingRecipient.__table__.c.sent_at
        self._time = column.type.dialect_impl(dialect).bind_processor(dialect)
        self._raw = engine.raw_connection()
        self._cursor = self._raw.cursor()
        self.workspace_id, self.list_id, self.owner = workspace_id, list_id, owner
        self._sql = {name: self._placeholders(sql) for name, sql in (
            ("sent", _SENT),
            ("step", _STEP + (_ON_LIST if list_id is not None else "") + ")"),
            ("settle", _SETTLE), ("settle_own", _SETTLE + _OWNED), ("retry", _RETRY),
            ("status", _STATUS), ("mine", _MINE))}

    def _placeholders(self, sql: str) -> str:
        return sql if self._sqlite else sql.replace("?", "%s")

    def _stamp(self, moment: datetime) -> Any:
        return self._time(moment) if self._time else moment

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One transaction (SQLite: taking the write lock up front, like every writer)."""
        with _SQLITE_WRITER if self._sqlite else nullcontext():
            if self._sqlite:
                self._cursor.execute("BEGIN IMMEDIATE")
            try:
                yield
            except BaseException:
                if self._sqlite:
                    self._cursor.execute("ROLLBACK")
                else:
                    self._raw.rollback()
                raise
            if self._sqlite:
                self._cursor.execute("COMMIT")
            else:
                self._raw.commit()

    def step(self, done: tuple[int, datetime] | None, recipient_id: int, message_id: str,
             address: str, contact_id: int | None) -> bool:
        """In one statement, outside any transaction: record the 250 of ``done`` (if any) and
        claim ``recipient_id`` if it may still be reached. True when it was claimed."""
        prev, at = done if done is not None else (None, None)
        stamp = self._stamp(at) if at is not None else None
        params: tuple[Any, ...] = (prev, prev, stamp, prev, prev, prev, message_id, prev,
                                   self.owner, prev, self.owner, recipient_id,
                                   self.workspace_id, address)
        if self.list_id is not None:
            params += (self.list_id, contact_id)
        with _SQLITE_WRITER if self._sqlite else nullcontext():
            self._cursor.execute(self._sql["step"], params)
            changed = self._cursor.rowcount
            if not self._sqlite:
                self._raw.commit()
        if changed == 2 or (changed == 1 and prev is None):
            return True
        if changed == 0:
            return False
        # One row changed with a previous one given: almost always the previous alone (the
        # next was suppressed or settled). Look, rather than guess.
        found = self.state(recipient_id, owner=True)
        if not self._sqlite:
            self._raw.commit()
        return found is not None and found[0] == "sending"

    def sent(self, recipient_id: int, at: datetime) -> None:
        """The server said 250 for this recipient (inside a transaction)."""
        self._cursor.execute(self._sql["sent"], (self._stamp(at), recipient_id, self.owner))

    def state(self, recipient_id: int, owner: bool = False) -> tuple[str, int] | None:
        """(status, attempts) of one recipient (``owner``: only if this process holds it)."""
        if owner:
            self._cursor.execute(self._sql["mine"], (recipient_id, self.owner))
        else:
            self._cursor.execute(self._sql["status"], (recipient_id,))
        found = self._cursor.fetchone()
        return (str(found[0]), int(found[1])) if found else None

    def settle(self, recipient_id: int, was: str, status: str, error: str,
               own: bool = True) -> None:
        """Move a recipient from ``was`` to ``status`` with why (``own``: only if ours)."""
        if own:
            self._cursor.execute(self._sql["settle_own"],
                                 (status, error, recipient_id, was, self.owner))
        else:
            self._cursor.execute(self._sql["settle"], (status, error, recipient_id, was))

    def retry(self, recipient_id: int, error: str, not_before: datetime) -> None:
        """Back to pending, not before ``not_before``."""
        self._cursor.execute(self._sql["retry"], (error, self._stamp(not_before), recipient_id,
                                                  self.owner))

    def close(self) -> None:
        """Give the connection back to the pool."""
        try:
            self._cursor.close()
        finally:
            self._raw.close()
