"""Exporting contacts to CSV (with list memberships; formula-safe) and vCard 3.0, in batches
so a large address book never sits in memory at once. A CSV export imports back unchanged."""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from typing import Any, TextIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.lists.contacts import views
from righthand.duties.lists.csv_io import escape_cell
from righthand.store.tables import ContactRow

COLUMNS = ("righthand_id", "name", "given_name", "family_name", "email", "other emails",
           "phone", "other phones", "company", "job title", "street", "city", "region",
           "postal_code", "country", "timezone", "tags", "notes", "lists")
_BATCH = 1000


def contact_ids(session: Session) -> list[int]:
    """Every contact of the workspace, oldest first."""
    return list(session.scalars(select(ContactRow.id).order_by(ContactRow.id)))


def _batches(session: Session, ids: Sequence[int]) -> Iterator[dict[str, Any]]:
    for start in range(0, len(ids), _BATCH):
        yield from views(session, ids[start:start + _BATCH])
        if not (session.new or session.dirty or session.deleted):
            session.expunge_all()  # keep memory flat on big (read-only) exports


def attribute_keys(session: Session, ids: Sequence[int] | None = None) -> list[str]:
    """Every free-form attribute in use, sorted (one CSV column each)."""
    keys: set[str] = set()
    query = select(ContactRow.id, ContactRow.attributes).where(
        ContactRow.attributes.is_not(None))
    wanted = set(ids) if ids is not None else None
    for cid, attributes in session.execute(query):
        if wanted is None or cid in wanted:
            keys.update((attributes or {}).keys())
    keys.discard("job_title")
    return sorted(keys)


def csv_row(view: dict[str, Any], keys: Sequence[str]) -> list[str]:
    """One contact as a CSV row in the order of COLUMNS + attribute columns."""
    emails = [a for a, _ in view["emails"]]
    phones = [p["raw"] for p in view["phones"]]
    postal = view.get("postal_address") or {}
    attributes = view.get("attributes") or {}
    lists = "; ".join(f"{m['list']}:{m['state']}" for m in view["lists"])
    return [str(view["id"]), view["display_name"], view["given_name"], view["family_name"],
            emails[0] if emails else "", "; ".join(emails[1:]),
            phones[0] if phones else "", "; ".join(phones[1:]), view.get("company") or "",
            str(attributes.get("job_title") or ""), postal.get("street", ""),
            postal.get("locality", ""), postal.get("region", ""),
            postal.get("postal_code", ""), postal.get("country", ""),
            view.get("timezone") or "", "; ".join(view["tags"]), view.get("notes") or "",
            lists, *[_text(attributes.get(k)) for k in keys]]


def _text(value: Any) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else str(value)


def write_csv(session: Session, out: TextIO, ids: Sequence[int] | None = None) -> int:
    """Write contacts (all, or ``ids``) as CSV; every cell is formula-escaped."""
    chosen = list(ids) if ids is not None else contact_ids(session)
    keys = attribute_keys(session, chosen if ids is not None else None)
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([escape_cell(h) for h in (*COLUMNS, *(f"attr:{k}" for k in keys))])
    count = 0
    for view in _batches(session, chosen):
        writer.writerow([escape_cell(cell) for cell in csv_row(view, keys)])
        count += 1
    return count


def write_vcards(session: Session, out: TextIO, ids: Sequence[int] | None = None) -> int:
    """Write contacts (all, or ``ids``) as vCard 3.0."""
    from righthand.duties.lists.vcard_io import write_vcard

    chosen = list(ids) if ids is not None else contact_ids(session)
    count = 0
    for view in _batches(session, chosen):
        out.write(write_vcard(view))
        count += 1
    return count
