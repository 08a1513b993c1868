"""Contacts in the store: bulk writes, read views, search, and the create/update effects."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from righthand.duties.lists.normalise import InvalidValue, normalise_email
from righthand.duties.lists.records import ContactData
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, CannotUndo, NotFound
from righthand.store.bulk import allocate_ids, bulk_insert
from righthand.store.tables import (
    ContactEmail,
    ContactPhone,
    ContactRow,
    ContactTag,
    MailingListRow,
    Subscription,
)

CONTACTS: Table = ContactRow.__table__  # type: ignore[assignment]
EMAILS: Table = ContactEmail.__table__  # type: ignore[assignment]
PHONES: Table = ContactPhone.__table__  # type: ignore[assignment]
TAGS: Table = ContactTag.__table__  # type: ignore[assignment]
SUBSCRIPTIONS: Table = Subscription.__table__  # type: ignore[assignment]
FIELDS = ("given_name", "family_name", "display_name", "company", "notes", "timezone",
          "postal_address", "attributes")
CHUNK = 500


def chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    """Slices of ``items`` small enough for an IN (...) on every database."""
    for start in range(0, len(items), size):
        yield items[start:start + size]


def contact_values(workspace_id: int, record: ContactData, now: datetime) -> dict[str, Any]:
    """The contacts-table row of ``record``."""
    return {"workspace_id": workspace_id, "given_name": record.given_name,
            "family_name": record.family_name, "display_name": record.display_name,
            "company": record.company or None, "notes": record.notes or None,
            "timezone": record.timezone or None, "postal_address": record.postal_address or None,
            "attributes": record.attributes or None, "created_at": now, "updated_at": None}


def insert_contacts(session: Session, workspace_id: int, records: Sequence[ContactData],
                    now: datetime) -> list[int]:
    """Insert ``records`` with their emails, phones and tags in a few batched statements;
    returns the new ids in the order of ``records``. Emails must not be taken already."""
    if not records:
        return []
    ids = allocate_ids(session, CONTACTS, len(records))
    if ids is None:
        result = session.execute(
            insert(CONTACTS).returning(CONTACTS.c.id, sort_by_parameter_order=True),
            [contact_values(workspace_id, r, now) for r in records])
        ids = [int(i) for i in result.scalars()]
    else:  # a plain executemany: several times faster than INSERT ... RETURNING per row
        bulk_insert(session, CONTACTS, [{"id": i, **contact_values(workspace_id, r, now)}
                                        for i, r in zip(ids, records, strict=True)])
    add_children(session, workspace_id, list(zip(ids, records, strict=True)))
    return ids


def add_children(session: Session, workspace_id: int,
                 pairs: Iterable[tuple[int, ContactData]],
                 returning: bool = False) -> dict[str, list[int]]:
    """Insert the emails, phones and tags of each (contact id, record); with ``returning``,
    the new rows' ids (what an undo must remove)."""
    emails: list[dict[str, Any]] = []
    phones: list[dict[str, Any]] = []
    tags: list[dict[str, Any]] = []
    for contact_id, record in pairs:
        emails.extend({"workspace_id": workspace_id, "contact_id": contact_id, "address": a,
                       "label": lb} for a, lb in record.emails)
        phones.extend({"workspace_id": workspace_id, "contact_id": contact_id, "raw": p.raw,
                       "e164": p.e164, "label": p.label} for p in record.phones)
        seen: set[str] = set()
        for tag in record.tags:
            if tag.lower() not in seen:
                seen.add(tag.lower())
                tags.append({"workspace_id": workspace_id, "contact_id": contact_id,
                             "tag": tag})
    added: dict[str, list[int]] = {"emails": [], "phones": [], "tags": []}
    for key, table, rows in (("emails", EMAILS, emails), ("phones", PHONES, phones),
                             ("tags", TAGS, tags)):
        if not rows:
            continue
        if returning:
            result = session.execute(insert(table).returning(table.c.id), rows)
            added[key] = [int(i) for i in result.scalars()]
        else:
            bulk_insert(session, table, rows)
    return added


def delete_contacts(session: Session, workspace_id: int, ids: Sequence[int]) -> int:
    """Delete contacts and everything that hangs off them; returns how many went."""
    gone = 0
    for part in chunks(list(ids)):
        for table in (EMAILS, PHONES, TAGS, SUBSCRIPTIONS):
            session.execute(delete(table).where(table.c.workspace_id == workspace_id,
                                                table.c.contact_id.in_(part)))
        result = session.execute(delete(CONTACTS).where(CONTACTS.c.workspace_id == workspace_id,
                                                        CONTACTS.c.id.in_(part)))
        gone += int(result.rowcount or 0)  # type: ignore[attr-defined]
    return gone


def email_owners(session: Session, addresses: Iterable[str] | None = None) -> dict[str, int]:
    """address (lower case) -> contact id, for ``addresses`` or the whole workspace."""
    query = select(ContactEmail.address, ContactEmail.contact_id)
    if addresses is None:
        return {a.lower(): c for a, c in session.execute(query)}
    found: dict[str, int] = {}
    wanted = sorted({a.lower() for a in addresses})
    for part in chunks(wanted):
        found.update({a.lower(): c for a, c in session.execute(
            query.where(func.lower(ContactEmail.address).in_(part)))})
    return found


def phone_owners(session: Session) -> dict[str, int]:
    """E.164 number -> contact id (the first contact that has it)."""
    owners: dict[str, int] = {}
    for number, contact in session.execute(
            select(ContactPhone.e164, ContactPhone.contact_id)
            .where(ContactPhone.e164.is_not(None)).order_by(ContactPhone.id)):
        if number:
            owners.setdefault(number, contact)
    return owners


def snapshot(row: ContactRow) -> dict[str, Any]:
    """The fields of a contact, as an undo restores them."""
    data = {name: getattr(row, name) for name in FIELDS}
    data["id"] = row.id
    data["updated_at"] = row.updated_at.isoformat() if row.updated_at else None
    return data


def restore(session: Session, workspace_id: int, images: Sequence[Mapping[str, Any]]) -> int:
    """Put back the fields of contacts from :func:`snapshot` images (those still there)."""
    restored = 0
    for part in chunks(list(images)):
        present = set(session.scalars(select(ContactRow.id).where(
            ContactRow.id.in_([int(i["id"]) for i in part]))))
        for image in part:
            if int(image["id"]) not in present:
                continue
            values = {name: image.get(name) for name in FIELDS}
            values["updated_at"] = datetime.fromisoformat(image["updated_at"]) \
                if image.get("updated_at") else None
            session.execute(update(CONTACTS).where(CONTACTS.c.id == int(image["id"]),
                                                   CONTACTS.c.workspace_id == workspace_id)
                            .values(**values))
            restored += 1
    return restored


def views(session: Session, ids: Sequence[int]) -> list[dict[str, Any]]:
    """Whole contacts (fields, emails, phones, tags, list memberships) in the order of ids."""
    out: dict[int, dict[str, Any]] = {}
    for part in chunks(list(ids)):
        for row in session.scalars(select(ContactRow).where(ContactRow.id.in_(part))):
            view = {name: getattr(row, name) for name in FIELDS}
            view.update(id=row.id, emails=[], phones=[], tags=[], lists=[],
                        created_at=row.created_at)
            out[row.id] = view
        for email in session.scalars(select(ContactEmail).where(
                ContactEmail.contact_id.in_(part)).order_by(ContactEmail.id)):
            out[email.contact_id]["emails"].append((email.address, email.label))
        for phone in session.scalars(select(ContactPhone).where(
                ContactPhone.contact_id.in_(part)).order_by(ContactPhone.id)):
            out[phone.contact_id]["phones"].append(
                {"raw": phone.raw, "e164": phone.e164, "label": phone.label})
        for tag in session.scalars(select(ContactTag).where(
                ContactTag.contact_id.in_(part)).order_by(ContactTag.id)):
            out[tag.contact_id]["tags"].append(tag.tag)
        for sub, slug in session.execute(
                select(Subscription, MailingListRow.slug)
                .join(MailingListRow, MailingListRow.id == Subscription.list_id)
                .where(Subscription.contact_id.in_(part)).order_by(MailingListRow.slug)):
            out[sub.contact_id]["lists"].append(
                {"list": slug, "list_id": sub.list_id, "state": sub.state, "source": sub.source,
                 "changed_at": sub.changed_at, "consent_at": sub.consent_at})
    return [out[i] for i in ids if i in out]


def listing(session: Session, text: str, offset: int, limit: int) \
        -> tuple[list[ContactRow], int | None]:
    """One page of contacts: those matching ``text`` (see :func:`search`), or everyone by name.
    Up to ``limit + 1`` rows, so the caller knows whether another page follows; the total when
    there is no search (a search's total would cost the whole fuzzy pass)."""
    if text.strip():
        return search(session, text, limit=limit + 1, offset=offset), None
    rows = list(session.scalars(select(ContactRow).order_by(
        ContactRow.display_name, ContactRow.id).offset(offset).limit(limit + 1)))
    return rows, int(session.scalar(select(func.count()).select_from(ContactRow)) or 0)


def search(session: Session, text: str, limit: int = 20, offset: int = 0) -> list[ContactRow]:
    """Contacts whose name, company, email or phone contains ``text``; fuzzy names after.
    ``offset`` skips that many (a page further on)."""
    needle = text.strip().lower()
    if not needle:
        return []
    digits = "".join(ch for ch in needle if ch.isdigit())
    like = f"%{needle}%"
    query = select(ContactRow).where(or_(
        func.lower(ContactRow.display_name).like(like),
        func.lower(ContactRow.company).like(like),
        ContactRow.id.in_(select(ContactEmail.contact_id).where(
            func.lower(ContactEmail.address).like(like))),
        *([ContactRow.id.in_(select(ContactPhone.contact_id).where(
            ContactPhone.e164.like(f"%{digits}%")))] if len(digits) >= 4 else []),
    )).order_by(ContactRow.display_name, ContactRow.id).offset(offset).limit(limit)
    found = list(session.scalars(query))
    if found or len(needle) < 3:
        return found
    if offset and session.scalar(query.offset(0).limit(1)) is not None:
        return []  # past the last page of plain matches: no fuzzy ones after them
    from rapidfuzz import fuzz, process

    names = {i: n for i, n in session.execute(  # in id order: equal scores page stably
        select(ContactRow.id, ContactRow.display_name).order_by(ContactRow.id))}
    best = process.extract(needle, names, scorer=fuzz.WRatio, limit=offset + limit,
                           score_cutoff=80, processor=str.lower)
    ids = [key for _, _, key in best][offset:]
    rows = {r.id: r for r in session.scalars(select(ContactRow).where(ContactRow.id.in_(ids)))}
    return [rows[i] for i in ids if i in rows]


def find_person(session: Session, who: str) -> list[ContactRow]:
    """The contacts ``who`` (an address or a name) most likely means: exact first, then fuzzy."""
    who = who.strip()
    if "@" in who:
        try:
            address = normalise_email(who)
        except InvalidValue:
            return []
        owner = email_owners(session, [address]).get(address)
        row = session.get(ContactRow, owner) if owner else None
        return [row] if row else []
    exact = list(session.scalars(select(ContactRow).where(
        func.lower(ContactRow.display_name) == who.lower())))
    if exact:
        return exact
    from rapidfuzz import fuzz, process

    names = {i: n for i, n in session.execute(  # in id order: equal scores page stably
        select(ContactRow.id, ContactRow.display_name).order_by(ContactRow.id))}
    best = process.extract(who.lower(), names, scorer=fuzz.WRatio, limit=5, score_cutoff=86,
                           processor=str.lower)
    if not best:
        return []
    top = best[0][1]
    ids = [key for _, score, key in best if score >= top - 3]
    return [r for r in (session.get(ContactRow, i) for i in ids) if r is not None]


def primary_email(session: Session, contact_id: int) -> str | None:
    """The contact's first address."""
    return session.scalar(select(ContactEmail.address).where(
        ContactEmail.contact_id == contact_id).order_by(ContactEmail.id).limit(1))


# -- effects ----------------------------------------------------------------------------------
class CreateContactEffect:
    """contacts.create: one new contact; undo removes it (unless it has since opted out)."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Insert the contact the payload describes."""
        record = ContactData.from_payload(dict(payload["contact"]))
        taken = email_owners(session, [a for a, _ in record.emails])
        if taken:
            address = next(iter(taken))
            raise BadInput(f"{address} already belongs to contact #{taken[address]}",
                           hint=f"See it with `righthand contacts show {taken[address]}`.")
        [contact_id] = insert_contacts(session, workspace_id, [record], now)
        return EffectResult(result={"contact_id": contact_id},
                            undo={"contact_id": contact_id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Delete the contact again."""
        contact_id = int(undo["contact_id"])
        if session.scalar(select(Subscription.id).where(
                Subscription.contact_id == contact_id, Subscription.state == "unsubscribed")):
            raise CannotUndo("the contact has since unsubscribed from a list; deleting it would "
                             "forget that", hint="Keep the contact; edit it instead.")
        delete_contacts(session, workspace_id, [contact_id])
        return f"Removed the contact {payload['contact'].get('display_name', '')} again."


def remove_emails(session: Session, contact_id: int, addresses: Iterable[str]
                  ) -> list[dict[str, Any]]:
    """Delete these addresses of the contact; returns what went (address, label)."""
    removed: list[dict[str, Any]] = []
    for address in addresses:
        found = session.scalars(select(ContactEmail).where(
            ContactEmail.contact_id == contact_id,
            func.lower(ContactEmail.address) == str(address).strip().lower())).first()
        if found is not None:
            removed.append({"address": found.address, "label": found.label})
            session.delete(found)
    return removed


def remove_phones(session: Session, contact_id: int, numbers: Iterable[str]
                  ) -> list[dict[str, Any]]:
    """Delete these numbers (E.164 or as entered) of the contact; returns what went."""
    removed: list[dict[str, Any]] = []
    for number in numbers:
        found = session.scalars(select(ContactPhone).where(
            ContactPhone.contact_id == contact_id,
            or_(ContactPhone.e164 == str(number), ContactPhone.raw == str(number)))
            .order_by(ContactPhone.id)).first()
        if found is not None:
            removed.append({"raw": found.raw, "e164": found.e164, "label": found.label})
            session.delete(found)
    return removed


def _put_back(session: Session, workspace_id: int, contact_id: int,
              undo: Mapping[str, Any]) -> None:
    """Restore the emails and phones an update removed."""
    emails = list(undo.get("removed_emails") or [])
    taken = email_owners(session, [e["address"] for e in emails])
    if taken:
        raise CannotUndo(f"{next(iter(taken))} belongs to contact #{next(iter(taken.values()))}"
                         " now", hint="Merge the two contacts instead.")
    for email in emails:
        session.add(ContactEmail(workspace_id=workspace_id, contact_id=contact_id,
                                 address=email["address"], label=email.get("label")))
    for phone in undo.get("removed_phones") or []:
        session.add(ContactPhone(workspace_id=workspace_id, contact_id=contact_id,
                                 raw=phone["raw"], e164=phone.get("e164"),
                                 label=phone.get("label")))


class UpdateContactEffect:
    """contacts.update: change fields, add emails/phones/tags, remove emails/phones/tags; undo
    restores."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Apply the changes in the payload."""
        row = session.get(ContactRow, int(payload["contact_id"]))
        if row is None:
            raise NotFound(f"contact #{payload['contact_id']} no longer exists")
        before = snapshot(row)
        for name, value in dict(payload.get("set") or {}).items():
            if name not in FIELDS:
                raise BadInput(f"{name} is not a contact field")
            setattr(row, name, value)
        attributes = dict(row.attributes or {})
        for key, value in dict(payload.get("attributes") or {}).items():
            if value is None:
                attributes.pop(key, None)
            else:
                attributes[key] = value
        row.attributes = attributes or None
        row.updated_at = now
        gone_emails = remove_emails(session, row.id, payload.get("remove_emails") or [])
        gone_phones = remove_phones(session, row.id, payload.get("remove_phones") or [])
        session.flush()
        extra = ContactData.from_payload({"emails": payload.get("add_emails") or [],
                                          "phones": payload.get("add_phones") or [],
                                          "tags": payload.get("add_tags") or []})
        taken = email_owners(session, [a for a, _ in extra.emails])
        if taken:
            raise BadInput(f"{next(iter(taken))} already belongs to another contact",
                           hint="Merge the two contacts with `righthand contacts merge`.")
        have = {t.lower() for t in session.scalars(select(ContactTag.tag).where(
            ContactTag.contact_id == row.id))}
        extra.tags = [t for t in extra.tags if t.lower() not in have]
        session.flush()
        added = add_children(session, workspace_id, [(row.id, extra)], returning=True)
        removed: list[str] = []
        for tag in payload.get("remove_tags") or []:
            found = session.scalars(select(ContactTag).where(
                ContactTag.contact_id == row.id,
                func.lower(ContactTag.tag) == str(tag).lower())).first()
            if found is not None:
                removed.append(found.tag)
                session.delete(found)
        session.flush()
        return EffectResult(result={"contact_id": row.id},
                            undo={"before": before, "added": added, "removed_tags": removed,
                                  "removed_emails": gone_emails,
                                  "removed_phones": gone_phones})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Restore the fields, drop what was added, put back removed tags."""
        restore(session, workspace_id, [undo["before"]])
        added = undo.get("added") or {}
        for key, table in (("emails", EMAILS), ("phones", PHONES), ("tags", TAGS)):
            if added.get(key):
                session.execute(delete(table).where(table.c.id.in_(added[key]),
                                                    table.c.workspace_id == workspace_id))
        for tag in undo.get("removed_tags") or []:
            session.add(ContactTag(workspace_id=workspace_id,
                                   contact_id=int(payload["contact_id"]), tag=tag))
        session.flush()
        _put_back(session, workspace_id, int(payload["contact_id"]), undo)
        return f"Put contact #{payload['contact_id']} back as it was."
