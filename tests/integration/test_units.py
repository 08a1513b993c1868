"""Units of work: read-only units without a transaction where that changes nothing, and the
pooled connection they leave behind still transactional for the next unit (both databases)."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.bootstrap import App
from righthand.store.tables import ContactRow
from tests.conftest import new_workspace


def _autocommit(session: Session) -> bool:
    return bool(getattr(session.connection().connection.dbapi_connection, "autocommit", False))


def test_statement_reads_skip_the_transaction_on_postgresql_only(app: App) -> None:
    with app.db.unit(None, write=False, statements=True) as session:
        plain = _autocommit(session)
    assert plain is (app.db.engine.dialect.name == "postgresql")
    with pytest.raises(ValueError, match="read-only"):
        with app.db.unit(None, statements=True):
            pass


def test_a_write_after_statement_reads_is_still_all_or_nothing(app: App) -> None:
    ws = new_workspace(app)
    for _ in range(3):  # the pool hands the same connection back: it must be reset
        with app.db.unit(ws, write=False, statements=True) as session:
            session.execute(select(ContactRow.id)).all()
    with pytest.raises(RuntimeError), app.db.unit(ws) as session:
        assert not _autocommit(session)
        session.add(ContactRow(display_name="Half Done", created_at=app.clock()))
        session.flush()
        raise RuntimeError("the unit fails after its first write")
    with app.db.unit(ws, write=False) as session:
        assert session.scalars(select(ContactRow.display_name)).all() == []
