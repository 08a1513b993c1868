"""The contacts.import effect: apply a prepared import in batched statements, and undo it.

Undo data is kept in the import job's report (it can be large: the before-image of every
contact an update changed); the action's own undo record only names the job.

The import stays one transaction (the dispatcher claims, applies and marks it done together:
all of it or none of it). Only its progress counter (``rows_done``) leaves it early, after
each batch, through :class:`importer.Progress` -- committed on a connection of its own where a
second writer may commit (PostgreSQL), kept in this process on SQLite (see ``importer``). A
failed or interrupted import leaves no rows behind, only a counter that the next attempt
starts again from 0.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.orm import Session

from righthand.duties.lists.contacts import (
    CONTACTS,
    EMAILS,
    FIELDS,
    PHONES,
    SUBSCRIPTIONS,
    TAGS,
    add_children,
    chunks,
    delete_contacts,
    email_owners,
    insert_contacts,
    phone_owners,
    restore,
)
from righthand.duties.lists.importer import (
    Progress,
    job_for,
    list_of,
    lists_by_slug,
    match,
    separate_commits,
    stored_rows,
)
from righthand.duties.lists.records import ContactData
from righthand.duties.lists.subscriptions import initial_state
from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput
from righthand.store.bulk import bulk_insert
from righthand.store.tables import MailingListRow, Subscription, Suppression

BATCH = 1000  # records per batch of statements; the progress counter moves once a batch
_OVERWRITE = ("given_name", "family_name", "display_name", "company", "notes", "timezone",
              "postal_address")


def ranges(ids: Sequence[int]) -> list[list[int]]:
    """[1, 2, 3, 7, 8] -> [[1, 3], [7, 8]]: a compact record of many new ids."""
    out: list[list[int]] = []
    for value in sorted(ids):
        if out and value == out[-1][1] + 1:
            out[-1][1] = value
        else:
            out.append([value, value])
    return out


def expand(spans: Sequence[Sequence[int]]) -> list[int]:
    """The inverse of :func:`ranges`."""
    return [v for start, end in spans for v in range(int(start), int(end) + 1)]


class _Run:
    """One application of an import, collecting counts and what an undo needs."""

    def __init__(self, session: Session, workspace_id: int, now: datetime, mode: str,
                 mailing_list: MailingListRow | None, source: str) -> None:
        self.session, self.workspace_id, self.now, self.mode = session, workspace_id, now, mode
        self.mailing_list, self.source = mailing_list, source[:200]
        self.created: list[int] = []
        self.updated: list[dict[str, Any]] = []
        self.skipped = 0
        self.added: dict[str, list[int]] = {"emails": [], "phones": [], "tags": [],
                                            "subscriptions": []}
        self.subs_changed: list[list[Any]] = []
        self.counts = {"subscribed": 0, "not_subscribed_suppressed": 0, "kept_unsubscribed": 0,
                       "unsubscribed": 0, "unknown_lists": 0, "emails_of_others": 0}
        self.emails = email_owners(session)
        self.phones = phone_owners(session)
        self.imaged: set[int] = set()  # contacts whose before-image is kept already
        self.planned: set[tuple[int, int]] = set()
        self.blocked = {a.lower() for a in session.scalars(select(Suppression.address))}
        self.lists: dict[str, MailingListRow] | None = None

    def execute(self, records: Sequence[ContactData]) -> None:
        """Create, update or skip each record of one batch, then subscribe them."""
        new: list[ContactData] = []
        known: dict[int, list[ContactData]] = {}
        for record in records:
            owner = match(record, self.emails, self.phones)
            if owner is None:
                new.append(record)
            else:
                known.setdefault(owner, []).append(record)
        created = insert_contacts(self.session, self.workspace_id, new, self.now)
        self.created.extend(created)
        for contact_id, record in zip(created, new, strict=True):
            for address, _ in record.emails:
                self.emails[address] = contact_id
        touched: list[tuple[int, ContactData]] = list(zip(created, new, strict=True))
        if self.mode == "skip":
            self.skipped += sum(len(v) for v in known.values())
        else:
            self._update(known)
            touched.extend((cid, r) for cid, rs in known.items() for r in rs)
        self._subscribe(touched, set(created))

    # -- known contacts ---------------------------------------------------------------------
    def _update(self, known: dict[int, list[ContactData]]) -> None:
        ids = sorted(known)
        rows: dict[int, dict[str, Any]] = {}
        have: dict[int, dict[str, set[str]]] = {i: {"e164": set(), "raw": set(), "tags": set()}
                                               for i in ids}
        for part in chunks(ids):
            for found in self.session.execute(select(CONTACTS).where(
                    CONTACTS.c.id.in_(part))):
                rows[found.id] = dict(found._mapping)
            for cid, raw, e164 in self.session.execute(
                    select(PHONES.c.contact_id, PHONES.c.raw, PHONES.c.e164)
                    .where(PHONES.c.contact_id.in_(part))):
                have[cid]["raw"].add(raw)
                if e164:
                    have[cid]["e164"].add(e164)
            for cid, tag in self.session.execute(
                    select(TAGS.c.contact_id, TAGS.c.tag).where(TAGS.c.contact_id.in_(part))):
                have[cid]["tags"].add(tag.lower())
        changes: list[dict[str, Any]] = []
        extras: list[tuple[int, ContactData]] = []
        for cid in ids:
            row = rows.get(cid)
            if row is None:
                continue
            before = {name: row[name] for name in FIELDS}
            before.update(id=cid, updated_at=row["updated_at"].isoformat()
                          if row["updated_at"] else None)
            extra = ContactData()
            for record in known[cid]:
                self._merge_fields(row, record)
                for address, label in record.emails:
                    owner = self.emails.get(address)
                    if owner is None:
                        extra.emails.append((address, label))
                        self.emails[address] = cid
                    elif owner != cid:
                        self.counts["emails_of_others"] += 1
                for phone in record.phones:
                    if not (phone.e164 and phone.e164 in have[cid]["e164"]) and \
                            phone.raw not in have[cid]["raw"]:
                        extra.phones.append(phone)
                        have[cid]["raw"].add(phone.raw)
                        if phone.e164:
                            have[cid]["e164"].add(phone.e164)
                for tag in record.tags:
                    if tag.lower() not in have[cid]["tags"]:
                        extra.tags.append(tag)
                        have[cid]["tags"].add(tag.lower())
            fields_changed = any(row[name] != before[name] for name in FIELDS)
            if fields_changed or extra.emails or extra.phones or extra.tags:
                if cid not in self.imaged:  # a contact met again in a later batch
                    self.imaged.add(cid)
                    self.updated.append(before)
                if fields_changed:
                    changes.append({"b_id": cid, "updated_at": self.now,
                                    **{name: row[name] for name in FIELDS}})
                if extra.emails or extra.phones or extra.tags:
                    extras.append((cid, extra))
            else:
                self.skipped += len(known[cid])
        if changes:
            statement = update(CONTACTS).where(
                CONTACTS.c.id == bindparam("b_id"),
                CONTACTS.c.workspace_id == self.workspace_id).values(
                {name: bindparam(name) for name in (*FIELDS, "updated_at")})
            self.session.execute(statement, changes)
        if extras:
            added = add_children(self.session, self.workspace_id, extras, returning=True)
            for key, values in added.items():
                self.added[key].extend(values)

    def _merge_fields(self, row: dict[str, Any], record: ContactData) -> None:
        overwrite = self.mode == "update"
        for name in _OVERWRITE:
            value = getattr(record, name)
            if value and (overwrite or not row[name]):
                row[name] = value
        if record.attributes:
            current = dict(row["attributes"] or {})
            for key, value in record.attributes.items():
                if overwrite or key not in current:
                    current[key] = value
            row["attributes"] = current

    # -- subscriptions ----------------------------------------------------------------------
    def _subscribe(self, touched: list[tuple[int, ContactData]], created: set[int]) -> None:
        wanted = any(r.lists for _, r in touched)
        if self.mailing_list is None and not wanted:
            return
        existing: dict[tuple[int, int], tuple[int, str]] = {}
        addresses: dict[int, list[str]] = {cid: [a for a, _ in r.emails]
                                           for cid, r in touched if cid in created}
        known = sorted({cid for cid, _ in touched if cid not in created})
        for part in chunks(known):  # new contacts have no subscriptions, and we know their mail
            for sub in self.session.execute(select(
                    SUBSCRIPTIONS.c.id, SUBSCRIPTIONS.c.list_id, SUBSCRIPTIONS.c.contact_id,
                    SUBSCRIPTIONS.c.state).where(SUBSCRIPTIONS.c.contact_id.in_(part))):
                existing[(sub.list_id, sub.contact_id)] = (sub.id, sub.state)
            for cid, address in self.session.execute(select(
                    EMAILS.c.contact_id, EMAILS.c.address).where(EMAILS.c.contact_id.in_(part))):
                addresses.setdefault(cid, []).append(address.lower())
        if wanted and self.lists is None:
            self.lists = lists_by_slug(self.session)
        fresh: list[dict[str, Any]] = []
        fresh_known: list[dict[str, Any]] = []

        def want(cid: int, target: MailingListRow, requested: str) -> None:
            key = (target.id, cid)
            if key in self.planned:
                return
            current = existing.get(key)
            if current is None:
                if requested != "unsubscribed" and any(a in self.blocked
                                                       for a in addresses.get(cid, [])):
                    self.counts["not_subscribed_suppressed"] += 1
                    return
                self.planned.add(key)
                row = {"workspace_id": self.workspace_id, "list_id": target.id,
                       "contact_id": cid, "state": requested, "source": self.source,
                       "changed_at": self.now,
                       "consent_at": self.now if requested == "confirmed" else None}
                (fresh if cid in created else fresh_known).append(row)
                self.counts["unsubscribed" if requested == "unsubscribed" else "subscribed"] += 1
                return
            sub_id, state = current
            if state == "unsubscribed":
                self.counts["kept_unsubscribed"] += 1
            elif requested == "unsubscribed" or (requested == "confirmed" and
                                                 state == "unconfirmed" and
                                                 self.mode == "update"):
                self._change(sub_id, requested)
                existing[key] = (sub_id, requested)
                self.counts["unsubscribed" if requested == "unsubscribed" else "subscribed"] += 1

        for cid, record in touched:
            for slug, state in record.lists:
                target = (self.lists or {}).get(slug)
                if target is None:
                    self.counts["unknown_lists"] += 1
                    continue
                want(cid, target, state or initial_state(target))
            if self.mailing_list is not None:
                want(cid, self.mailing_list, initial_state(self.mailing_list))
        if fresh:
            bulk_insert(self.session, SUBSCRIPTIONS, fresh)
        if fresh_known:
            result = self.session.execute(insert(SUBSCRIPTIONS).returning(SUBSCRIPTIONS.c.id),
                                          fresh_known)
            self.added["subscriptions"].extend(int(i) for i in result.scalars())

    def _change(self, sub_id: int, state: str) -> None:
        sub = self.session.get(Subscription, sub_id)
        if sub is None:
            return
        self.subs_changed.append([sub.id, sub.state, sub.source, sub.changed_at.isoformat(),
                                  sub.consent_at.isoformat() if sub.consent_at else None])
        sub.state = state
        sub.source = self.source
        sub.changed_at = self.now
        if state == "confirmed":
            sub.consent_at = self.now

    def result(self) -> dict[str, Any]:
        """The counts of the report."""
        return {"created": len(self.created), "updated": len(self.updated),
                "skipped": self.skipped, **self.counts}

    def undo_data(self) -> dict[str, Any]:
        """Everything an undo needs."""
        return {"created": ranges(self.created), "updated": self.updated,
                "added": self.added, "subscriptions_changed": self.subs_changed}


class ImportEffect:
    """contacts.import: apply a prepared import job; undo deletes the contacts it created
    (except any that have since unsubscribed or been edited) and restores what it changed."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Apply the import job named in the payload."""
        job = job_for(session, int(payload["import_job_id"]))
        if job.status != "prepared":
            raise BadInput(f"import #{job.id} is {job.status}, not waiting to be applied",
                           hint="Import the file again to make a new import.")
        if job.report.get("sha256") != payload.get("sha256") or job.mode != payload.get("mode"):
            raise BadInput(f"import #{job.id} does not match the file that was approved",
                           hint="Import the file again.")
        mailing_list = list_of(session, payload)
        lines = stored_rows(job)
        run = _Run(session, workspace_id, now, job.mode, mailing_list,
                   source=f"import of {job.filename} (#{job.id})")
        bind = session.get_bind()
        engine = bind if isinstance(bind, Engine) else bind.engine
        progress = Progress(engine, workspace_id, job.id, len(lines),
                            commit=separate_commits(session))
        progress(0, force=True)  # a retried import starts its counter again
        for start in range(0, len(lines), BATCH):  # batches keep memory flat
            run.execute([ContactData.from_json(json.loads(line))
                         for line in lines[start:start + BATCH]])
            progress(min(start + BATCH, len(lines)))
        progress(len(lines), force=not separate_commits(session))  # for this process's pages
        job.rows_total, job.rows_done = len(lines), len(lines)
        del lines
        result = run.result()
        report = {k: v for k, v in job.report.items() if k != "rows"}
        report.update(result=result, undo=run.undo_data())
        job.report = report
        job.created, job.updated, job.skipped = result["created"], result["updated"], \
            result["skipped"]
        job.status = "done"
        job.finished_at = now
        session.flush()
        return EffectResult(result={"import_job_id": job.id, "invalid": job.invalid, **result},
                            undo={"import_job_id": job.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Reverse the import as far as later changes allow, and say what was kept."""
        job = job_for(session, int(undo["import_job_id"]))
        data = job.report.get("undo") or {}
        created = expand(data.get("created", []))
        keep: set[int] = set()
        for part in chunks(created):
            keep.update(session.scalars(select(Subscription.contact_id).where(
                Subscription.contact_id.in_(part), Subscription.state == "unsubscribed",
                Subscription.changed_at > (job.finished_at or now))))
            keep.update(session.scalars(select(CONTACTS.c.id).where(
                CONTACTS.c.id.in_(part), CONTACTS.c.updated_at.is_not(None))))
        removed = delete_contacts(session, workspace_id, [c for c in created if c not in keep])
        added = data.get("added", {})
        tables: dict[str, Table] = {"emails": EMAILS, "phones": PHONES, "tags": TAGS,
                                    "subscriptions": SUBSCRIPTIONS}
        for key, table in tables.items():
            for part in chunks(added.get(key, [])):
                session.execute(delete(table).where(table.c.id.in_(part),
                                                    table.c.workspace_id == workspace_id))
        restored = restore(session, workspace_id, data.get("updated", []))
        for sub_id, state, source, changed_at, consent_at in data.get(
                "subscriptions_changed", []):
            sub = session.get(Subscription, int(sub_id))
            if sub is not None and sub.changed_at <= (job.finished_at or now):
                sub.state, sub.source = state, source
                sub.changed_at = datetime.fromisoformat(changed_at)
                sub.consent_at = datetime.fromisoformat(consent_at) if consent_at else None
        job.status = "undone"
        kept = f" Kept {len(keep)} who have since unsubscribed or been edited." if keep else ""
        return (f"Undid import #{job.id} of {job.filename}: removed {removed} contacts it "
                f"created, restored {restored} it changed.{kept}")
