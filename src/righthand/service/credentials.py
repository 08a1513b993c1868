"""Sealed credentials across the installation: finding them, re-sealing them, rotating keys."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Column, Integer, Table, Text, select, update
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table

from righthand import secrets
from righthand.errors import BadInput
from righthand.service import oplog
from righthand.store.tables import Base
from righthand.store.tables.base import Sealed

if TYPE_CHECKING:
    from righthand.bootstrap import App


def sealed_columns() -> list[tuple[Table, list[Column[Any]]]]:
    """Every table with sealed columns, and those columns."""
    found = []
    for table in Base.metadata.sorted_tables:
        columns = [c for c in table.columns if isinstance(c.type, Sealed)]
        if columns:
            found.append((table, columns))
    return found


@dataclass(frozen=True)
class Rotation:
    """What a rotation did."""

    resealed: int
    newly_sealed: int
    source: str
    note: str = ""


def reseal_all(app: App) -> tuple[int, int]:
    """Re-seal every stored credential with the active keyring's newest key in one
    transaction; returns (sealed values re-sealed, plaintext values sealed for the first time).
    """
    keyring = secrets.opener()
    resealed = plain = 0
    with app.db.unit(None) as session:
        conn = session.connection()
        for table, columns in sealed_columns():
            # The stored text as it is: a plain-Text view of the table skips the Sealed type.
            raw = sa_table(table.name, sa_column("id", Integer),
                           *(sa_column(c.name, Text) for c in columns))
            for row in conn.execute(select(raw)).mappings().all():
                changes: dict[str, str] = {}
                for column in columns:
                    value = row[column.name]
                    if not value:
                        continue
                    if secrets.is_sealed(value):
                        resealed += 1
                    else:
                        plain += 1
                    changes[column.name] = keyring.reseal(value)
                if changes:
                    conn.execute(update(raw).where(raw.c.id == row["id"]).values(**changes))
    return resealed, plain


def rotate(app: App, actor: str = "operator") -> Rotation:
    """Make a new key the sealing key and re-seal every credential with it.

    Key file and system keyring: a new key is added in front, everything is re-sealed, then
    the old keys are dropped (a crash in between leaves both keys, so nothing is unreadable).
    Environment: the operator has already set the new RIGHTHAND_SECRET_KEY and put the old
    one in RIGHTHAND_SECRET_KEY_OLD; this re-seals, and the old value can then be removed.
    """
    current = secrets.load(app.settings)
    note = ""
    if current.source == "environment":
        if len(current.keys) == 1:
            raise BadInput("RIGHTHAND_SECRET_KEY_OLD is not set, so there is nothing to "
                           "rotate from",
                           hint="Set RIGHTHAND_SECRET_KEY to the new value and "
                                "RIGHTHAND_SECRET_KEY_OLD to the old one, then run this again.")
        secrets.install(current)
        note = "unset RIGHTHAND_SECRET_KEY_OLD now"
        resealed, plain = reseal_all(app)
    else:
        fresh = secrets.new_key()
        both = secrets.Keyring((fresh, *current.keys), current.source, current.path)
        _store(app, both)
        secrets.install(both)
        resealed, plain = reseal_all(app)
        only = secrets.Keyring((fresh,), current.source, current.path)
        _store(app, only)
        secrets.install(only)
    with app.db.unit(None) as session:
        oplog.append(session, actor, "secrets.rotated", current.source,
                     {"resealed": resealed, "newly_sealed": plain}, at=app.clock())
    return Rotation(resealed, plain, current.source, note)


def _store(app: App, keyring: secrets.Keyring) -> None:
    if keyring.source == "file":
        assert keyring.path is not None
        secrets.write_key_file(keyring.path, keyring.keys)
    elif keyring.source == "keyring":
        store = secrets._keyring_backend()
        store.set_password(secrets.KEYRING_SERVICE, str(app.settings.data_dir),
                           ",".join(k.decode("ascii") for k in keyring.keys))
