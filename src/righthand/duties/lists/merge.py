"""Merging duplicate contacts into one, keeping every email, phone, tag, list membership and
the history that points at them (every other table with a contact reference: mailing send
logs, deal roles, activities, reminders, ...); undo splits them again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Table, UniqueConstraint, delete, insert, inspect, select, update
from sqlalchemy.orm import Session

from righthand.duties.lists.contacts import (
    CONTACTS,
    EMAILS,
    FIELDS,
    PHONES,
    SUBSCRIPTIONS,
    TAGS,
    restore,
    snapshot,
)
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, NotFound
from righthand.store.tables import (
    Base,
    ContactPhone,
    ContactRow,
    ContactTag,
    Subscription,
)

_RANK = {"unconfirmed": 0, "confirmed": 1, "unsubscribed": 2}  # an opt-out always wins
_OWN = {"contact_emails", "contact_phones", "contact_tags", "subscriptions"}


def _references() -> list[tuple[Table, str]]:
    """Every (table, column) outside the contact's own tables that points at a contact: the
    history a merge re-points (send logs, deal roles, activities, reminders, ...)."""
    found: list[tuple[Table, str]] = []
    for table in Base.metadata.sorted_tables:
        if table.name in _OWN or "id" not in table.c:
            continue
        for column in table.columns:
            if any(fk.column.table.name == "contacts" for fk in column.foreign_keys):
                found.append((table, column.name))
    return found


def _repoint(session: Session, keep: int, others: list[int], undo: dict[str, Any]) -> None:
    present = set(inspect(session.connection()).get_table_names())
    for table, name in _references():
        if table.name not in present:  # a table of a feature whose migration is not applied
            continue
        column = table.c[name]
        unique = [[col.name for col in c.columns] for c in table.constraints
                  if isinstance(c, UniqueConstraint)]
        unique = [names for names in unique if name in names]
        for row in session.execute(select(table).where(column.in_(others))).all():
            values = row._mapping
            clash = False
            for constraint in unique:
                peers = [table.c[c] == values[c] for c in constraint if c != name]
                if session.execute(select(table.c.id).where(column == keep, *peers)).first():
                    clash = True
            if clash:  # the kept contact already has this role: drop the duplicate row
                undo["history_deleted"].append([table.name, _row(table, session, values["id"])])
                session.execute(delete(table).where(table.c.id == values["id"]))
            else:
                undo["history"].append([table.name, values["id"], name, values[name]])
                session.execute(update(table).where(table.c.id == values["id"])
                                .values({name: keep}))


def _row(table: Table, session: Session, row_id: int) -> dict[str, Any]:
    """A row as JSON-safe values (dates as ISO text, decimals as text)."""
    found = session.execute(select(table).where(table.c.id == row_id)).one()
    return {k: (v.isoformat() if isinstance(v, (datetime, date)) else
                str(v) if isinstance(v, Decimal) else v)
            for k, v in found._mapping.items()}


def _revive(table: Table, image: Mapping[str, Any]) -> dict[str, Any]:
    """The inverse of :func:`_row`."""
    values = dict(image)
    for column in table.columns:
        value = values.get(column.name)
        if not isinstance(value, str):
            continue
        try:
            kind = getattr(column.type, "impl", column.type).python_type
        except NotImplementedError:
            continue
        if issubclass(kind, datetime):
            values[column.name] = datetime.fromisoformat(value)
        elif issubclass(kind, date):
            values[column.name] = date.fromisoformat(value)
        elif issubclass(kind, Decimal):
            values[column.name] = Decimal(value)
    return values


def check_merge(session: Session, keep: int, others: Sequence[int]) -> list[ContactRow]:
    """The contacts to merge (keep first), or BadInput/NotFound."""
    ids = [keep, *others]
    if not others or len(set(ids)) != len(ids):
        raise BadInput("name two or more different contacts to merge",
                       hint="For example `righthand contacts merge 12 31` keeps #12.")
    rows = []
    for cid in ids:
        row = session.get(ContactRow, cid)
        if row is None:
            raise NotFound(f"there is no contact #{cid}",
                           hint="Find contacts with `righthand contacts search NAME`.")
        rows.append(row)
    return rows


class MergeEffect:
    """contacts.merge: fold ``others`` into ``keep``."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Merge; the undo data holds everything needed to split them again."""
        keep, *others = check_merge(session, int(payload["keep"]),
                                    [int(i) for i in payload["others"]])
        other_ids = [o.id for o in others]
        undo: dict[str, Any] = {"keep": snapshot(keep), "others": [], "moved": [],
                                "deleted": [], "subscriptions": [], "history": [],
                                "history_deleted": []}
        for other in others:
            image = snapshot(other)
            image["created_at"] = other.created_at.isoformat()
            undo["others"].append(image)
            self._fold_fields(keep, other)
        for email_id, owner in session.execute(select(EMAILS.c.id, EMAILS.c.contact_id).where(
                EMAILS.c.contact_id.in_(other_ids))):
            undo["moved"].append([EMAILS.name, email_id, owner])
        self._fold_unique(session, keep.id, other_ids, PHONES, ContactPhone, undo,
                          lambda r: r.e164 or r.raw)
        self._fold_unique(session, keep.id, other_ids, TAGS, ContactTag, undo,
                          lambda r: r.tag.lower())
        self._fold_subscriptions(session, keep.id, other_ids, undo)
        session.execute(update(EMAILS).where(EMAILS.c.contact_id.in_(other_ids))
                        .values(contact_id=keep.id))
        _repoint(session, keep.id, other_ids, undo)
        for other in others:
            session.delete(other)
        keep.updated_at = now
        session.flush()
        return EffectResult(result={"kept": keep.id, "merged": other_ids}, undo=undo)

    @staticmethod
    def _fold_fields(keep: ContactRow, other: ContactRow) -> None:
        for name in ("given_name", "family_name", "company", "timezone", "postal_address"):
            if not getattr(keep, name) and getattr(other, name):
                setattr(keep, name, getattr(other, name))
        if other.notes and other.notes not in (keep.notes or ""):
            keep.notes = f"{keep.notes}\n\n{other.notes}" if keep.notes else other.notes
        attributes = dict(keep.attributes or {})
        for key, value in (other.attributes or {}).items():
            if key not in attributes:
                attributes[key] = value
            elif attributes[key] != value:
                attributes[f"{key} (from #{other.id})"] = value
        if other.display_name and other.display_name != keep.display_name:
            attributes.setdefault("also known as", other.display_name)
        keep.attributes = attributes or None

    @staticmethod
    def _fold_unique(session: Session, keep: int, others: list[int], table: Table,
                     model: Any, undo: dict[str, Any],
                     key: Any) -> None:
        have = {key(r) for r in session.scalars(select(model).where(
            model.contact_id == keep))}
        for row in session.scalars(select(model).where(model.contact_id.in_(others))
                                   .order_by(model.id)).all():
            if key(row) in have:
                undo["deleted"].append([table.name, _row(table, session, row.id)])
                session.delete(row)
            else:
                have.add(key(row))
                undo["moved"].append([table.name, row.id, row.contact_id])
                row.contact_id = keep
        session.flush()

    @staticmethod
    def _fold_subscriptions(session: Session, keep: int, others: list[int],
                            undo: dict[str, Any]) -> None:
        subs = session.scalars(select(Subscription).where(
            Subscription.contact_id.in_([keep, *others])).order_by(Subscription.id)).all()
        by_list: dict[int, list[Subscription]] = {}
        for sub in subs:
            by_list.setdefault(sub.list_id, []).append(sub)
        for group in by_list.values():
            target = next((s for s in group if s.contact_id == keep), group[0])
            undo["subscriptions"].append([target.id, target.contact_id, target.state,
                                          target.source, target.changed_at.isoformat(),
                                          target.consent_at.isoformat()
                                          if target.consent_at else None])
            strongest = max(group, key=lambda s: (_RANK.get(s.state, 0), -s.id))
            consents = [s for s in group if s.consent_at is not None]
            target.contact_id = keep
            target.state = strongest.state
            if strongest is not target:
                target.source, target.changed_at = strongest.source, strongest.changed_at
            if consents:
                earliest = min(consents, key=lambda s: s.consent_at or s.changed_at)
                target.consent_at = earliest.consent_at
            for sub in group:
                if sub is not target:
                    undo["deleted"].append(["subscriptions", _row(SUBSCRIPTIONS, session,
                                                                  sub.id)])
                    session.delete(sub)
            session.flush()

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Recreate the merged contacts with their ids and give each its own things back."""
        for image in undo["others"]:
            values = {name: image.get(name) for name in FIELDS}
            values.update(id=int(image["id"]), workspace_id=workspace_id,
                          created_at=datetime.fromisoformat(image["created_at"]),
                          updated_at=datetime.fromisoformat(image["updated_at"])
                          if image.get("updated_at") else None)
            session.execute(insert(CONTACTS).values(**values))
        tables = {t.name: t for t in (EMAILS, PHONES, TAGS, SUBSCRIPTIONS)}
        for name, row_id, owner in undo["moved"]:
            table = tables[name]
            session.execute(update(table).where(table.c.id == row_id).values(contact_id=owner))
        for sub_id, owner, state, source, changed, consent in undo["subscriptions"]:
            session.execute(update(SUBSCRIPTIONS).where(SUBSCRIPTIONS.c.id == sub_id).values(
                contact_id=owner, state=state, source=source,
                changed_at=datetime.fromisoformat(changed),
                consent_at=datetime.fromisoformat(consent) if consent else None))
        for name, image in undo["deleted"]:
            session.execute(insert(tables[name]).values(**_revive(tables[name], image)))
        history = {t.name: t for t, _ in _references()}
        for name, rid, column, owner in undo["history"]:
            table = history[name]
            session.execute(update(table).where(table.c.id == rid).values({column: owner}))
        for name, image in undo["history_deleted"]:
            session.execute(insert(history[name]).values(**_revive(history[name], image)))
        restore(session, workspace_id, [undo["keep"]])
        names = ", ".join(f"#{o['id']}" for o in undo["others"])
        return f"Split {names} out of #{undo['keep']['id']} again."
