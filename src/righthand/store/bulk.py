"""Writing many rows at once (a 100,000-contact import): ids handed out up front, rows sent
with one executemany (SQLite) or COPY (PostgreSQL), inside the caller's transaction.

SQLAlchemy's per-row statement machinery costs more than the database itself at that size;
here each value still goes through its column's own bind processing (UTC datetimes, JSON).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import JSON, Table, func, insert, select, text
from sqlalchemy.orm import Session


def allocate_ids(session: Session, table: Table, count: int) -> list[int] | None:
    """``count`` fresh primary keys for ``table`` (None: let the database assign them).

    PostgreSQL hands them out from the column's sequence; SQLite takes the next ones after
    the largest, which is safe because writers hold the database's write lock (BEGIN
    IMMEDIATE) for the whole transaction.
    """
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        return [int(i) for i in session.scalars(
            text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) "
                 "FROM generate_series(1, :n)"), {"t": table.name, "n": count})]
    if dialect == "sqlite":
        top = session.scalar(select(func.max(table.c.id))
                             .execution_options(all_workspaces=True)) or 0
        return list(range(int(top) + 1, int(top) + 1 + count))
    return None


def _json_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def bulk_insert(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT ``rows`` (all with the same keys, each setting its workspace_id)."""
    if not rows:
        return
    connection = session.connection()
    dialect = connection.dialect
    names = list(rows[0])
    processors: list[Callable[[Any], Any] | None] = []
    for name in names:
        kind = table.c[name].type
        processors.append(_json_text if isinstance(kind, JSON) else kind.bind_processor(dialect))
    values = [tuple(value if process is None or value is None else process(value)
                    for process, value in zip(processors, (row[n] for n in names), strict=True))
              for row in rows]
    preparer = dialect.identifier_preparer
    columns = ", ".join(preparer.quote(n) for n in names)
    target = preparer.format_table(table)
    if dialect.name == "sqlite":
        marks = ", ".join("?" * len(names))
        connection.exec_driver_sql(f"INSERT INTO {target} ({columns}) VALUES ({marks})", values)
        return
    raw: Any = connection.connection.driver_connection
    if dialect.name == "postgresql" and raw is not None and \
            hasattr(raw.cursor(), "copy"):  # psycopg 3: COPY is the fast way in
        with raw.cursor() as cursor, cursor.copy(
                f"COPY {target} ({columns}) FROM STDIN") as copy:
            for row in values:
                copy.write_row(row)
        return
    session.execute(insert(table), [dict(row) for row in rows])
