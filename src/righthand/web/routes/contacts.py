"""Contacts: everyone page by page (or those a search finds), adding a contact, one contact's
page with an edit form and its lists, and duplicates to merge. Reads come from
``duties.lists`` (search, views, find_duplicates, check_merge); every change is a
``lists.maintain`` Action through the gate, as the signed-in user. A form that cannot be used
comes back with what was typed and why."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists import contacts, duplicates, handlers, merge
from righthand.duties.lists.asking import take_off
from righthand.duties.lists.normalise import (
    InvalidValue,
    default_region,
    normalise_email,
    parse_phone,
    split_emails,
    split_tags,
)
from righthand.duties.lists.records import ContactData, Phone
from righthand.duties.plugin import Reply
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ContactEmail, ContactRow, MailingListRow
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router

if TYPE_CHECKING:
    from righthand.bootstrap import App

router = page_router()
NAV = [NavItem("contacts", "Contacts", "contacts", order=40)]
PAGE = 50
Text = Annotated[str, Form(max_length=400)]
Long = Annotated[str, Form(max_length=5000)]
Picks = Annotated[list[str] | None, Form(max_length=100)]
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


@dataclass(frozen=True)
class Pager:
    """One page of rows: its number, how many it shows, whether more follow, and the query
    parameters (a search) every page link keeps."""

    number: int
    size: int
    shown: int
    more: bool
    total: int | None = None
    keep: tuple[tuple[str, str], ...] = ()

    @property
    def offset(self) -> int:
        """How many rows come before this page."""
        return (self.number - 1) * self.size

    @property
    def first(self) -> int:
        """The position of this page's first row (1-based)."""
        return self.offset + 1

    @property
    def last(self) -> int:
        """The position of this page's last row."""
        return self.offset + self.shown

    def query(self, number: int) -> str:
        """The query string of page ``number``."""
        return urlencode([(k, v) for k, v in self.keep if v] + [("page", str(number))])


@dataclass(frozen=True)
class Problem:
    """Why a form was not used, for the page that shows it again."""

    message: str
    hint: str | None = None

    @classmethod
    def of(cls, exc: BadInput) -> Problem:
        """The problem a BadInput describes."""
        return cls(exc.message, exc.hint)


def guard(session: Session, app: App, ctx: Context, scope: str = "contacts") -> None:
    """BadInput when this user may not see ``scope`` data (a staff member while no duty that
    reads it is on): what a change would check must not show them the data."""
    refusal = operations.readable(session, app, ctx, scope)
    if refusal:
        raise BadInput(refusal, hint="The client switches the contacts duty on in the job "
                                     "description.")


def proposed(app: App, ctx: Context, reply: Reply) -> tuple[list[acting.Outcome], str | None]:
    """Put a handler's actions through the gate; without any, its words are the answer."""
    if reply.actions:
        return acting.propose(app, ctx, reply.actions), None
    return [], reply.text


def _people(session: Session, q: str, page: int) -> tuple[list[dict[str, Any]], Pager]:
    rows, total = contacts.listing(session, q, (page - 1) * PAGE, PAGE)
    people = contacts.views(session, [r.id for r in rows[:PAGE]])
    return people, Pager(page, PAGE, len(people), len(rows) > PAGE, total, (("q", q),))


def _list_page(request: Request, ctx: Context, q: str = "", page: int = 1,
               notices: list[acting.Outcome] | None = None,
               draft: Mapping[str, str] | None = None, problem: Problem | None = None,
               status: int = 200) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        people: list[dict[str, Any]] = []
        pager = Pager(page, PAGE, 0, False)
        if refusal is None:
            people, pager = _people(session, q, page)
    return render(request, "contacts.html", ctx=ctx, status=status, active="contacts",
                  title="Contacts", people=people, q=q, pager=pager, refusal=refusal,
                  notices=notices or [], draft=draft or {}, problem=problem)


def _contact(session: Session, contact_id: int) -> ContactRow:
    return operations.found(session, ContactRow, contact_id, "contact")


def list_row(session: Session, list_id: int) -> MailingListRow:
    """The workspace's list ``list_id`` (404 for another workspace's)."""
    return operations.found(session, MailingListRow, list_id, "list")


def _contact_page(request: Request, ctx: Context, contact_id: int,
                  notices: list[acting.Outcome] | None = None,
                  draft: Mapping[str, Any] | None = None, problem: Problem | None = None,
                  status: int = 200) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        found = [] if refusal else contacts.views(session, [contact_id])
        lists = [] if refusal else list(session.scalars(
            select(MailingListRow).order_by(MailingListRow.name)))
    if refusal is None and not found:
        raise NotFound(f"there is no contact #{contact_id} in this workspace")
    person = found[0] if found else None
    on = {m["list_id"] for m in person["lists"] if m["state"] != "unsubscribed"} \
        if person else set()
    return render(request, "contact.html", ctx=ctx, status=status, active="contacts",
                  title=person["display_name"] if person else "Contact", person=person,
                  refusal=refusal, notices=notices or [], draft=draft or {},
                  problem=problem, joinable=[r for r in lists if r.id not in on])


@router.get("/contacts", response_class=HTMLResponse)
def contact_list(request: Request, ctx: PageContext,
                 q: Annotated[str, Query(max_length=200)] = "",
                 page: PageNumber = 1) -> HTMLResponse:
    """Everyone, a page at a time, or those matching the search."""
    return _list_page(request, ctx, q, page)


def lines(text: str) -> list[str]:
    """The non-empty entries of a field holding one per line (or separated by ';')."""
    return [part.strip() for part in re.split(r"[\n;]", text) if part.strip()]


def read_phone(text: str, region: str | None) -> Phone:
    """A number as typed, with its E.164 form; InvalidValue when it cannot be read."""
    raw, e164 = parse_phone(text, region)
    if e164 is None:
        raise InvalidValue(f"{text.strip()!r} is not a phone number that can be read; write "
                           "it with its country code, e.g. +1 617 555 0101")
    return Phone(raw, e164, None)


def read_emails(text: str) -> list[str]:
    """Normalised addresses from a field (one or several), without repeats."""
    found: list[str] = []
    for part in lines(text):
        for address in split_emails(part):
            clean = normalise_email(address)
            if clean not in found:
                found.append(clean)
    return found


def check_free(session: Session, addresses: Sequence[str]) -> None:
    """BadInput when one of ``addresses`` already belongs to a contact."""
    taken = contacts.email_owners(session, addresses)
    if taken:
        address, owner = next(iter(taken.items()))
        row = session.get(ContactRow, owner)
        raise BadInput(f"{address} already belongs to {row.display_name if row else 'a contact'}"
                       f" (#{owner})", hint="Open that contact to change it, or merge the two.")


def _region(session: Session, ctx: Context) -> str | None:
    ws = operations.workspace_row(session, ctx)
    return default_region(ws.timezone, ws.profile)


def create_action(session: Session, region: str | None, form: Mapping[str, str]) -> Action:
    """The contacts.create action for the add form, as ``righthand contacts add`` builds it."""
    try:
        record = ContactData(display_name=form["name"].strip(),
                             company=form["company"].strip() or None,
                             emails=[(a, None) for a in read_emails(form["emails"])],
                             phones=[read_phone(p, region) for p in lines(form["phones"])],
                             tags=split_tags(form["tags"]))
        record.finish()
    except InvalidValue as exc:
        raise BadInput(str(exc), hint="Correct it and add the contact again.") from None
    check_free(session, [a for a, _ in record.emails])
    details = ", ".join([a for a, _ in record.emails] + [p.e164 or p.raw for p in record.phones])
    return Action(duty="lists.maintain", kind="contacts.create",
                  payload={"contact": record.to_payload()},
                  summary=f"Add the contact {record.display_name}"
                          + (f" ({details})" if details else ""), undoable=True)


@router.post("/contacts", response_class=HTMLResponse)
def contact_add(request: Request, ctx: PageContext, name: Text = "", company: Text = "",
                emails: Long = "", phones: Long = "", tags: Text = "") -> HTMLResponse:
    """Add one contact (a contacts.create Action)."""
    app = get_app(request)
    draft = {"name": name, "company": company, "emails": emails, "phones": phones,
             "tags": tags}
    try:
        with app.db.unit(ctx.workspace_id, write=False) as session:
            guard(session, app, ctx)
            action = create_action(session, _region(session, ctx), draft)
    except BadInput as exc:
        return _list_page(request, ctx, draft=draft, problem=Problem.of(exc), status=400)
    return _list_page(request, ctx, notices=acting.propose(app, ctx, [action]))


@router.get("/contacts/duplicates", response_class=HTMLResponse)
def duplicate_list(request: Request, ctx: PageContext) -> HTMLResponse:
    """Pairs that are probably one person, with why; merge keeps the one chosen."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        pairs = [] if refusal else duplicates.find_duplicates(session, limit=100)
    return render(request, "duplicates.html", ctx=ctx, active="contacts", title="Duplicates",
                  pairs=pairs, refusal=refusal, notices=[])


@router.post("/contacts/merge", response_class=HTMLResponse)
def merge_pair(request: Request, ctx: PageContext, keep: Annotated[int, Form()],
               other: Annotated[int, Form()]) -> HTMLResponse:
    """Merge ``other`` into ``keep`` (a contacts.merge Action; undoable)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        rows = merge.check_merge(session, keep, [other])
        names = ", ".join(f"{r.display_name} (#{r.id})" for r in rows[1:])
        action = Action(duty="lists.maintain", kind="contacts.merge",
                        payload={"keep": keep, "others": [other],
                                 "names": [r.display_name for r in rows]},
                        summary=f"Merge {names} into {rows[0].display_name} (#{keep})",
                        undoable=True)
    return _list_page(request, ctx, notices=acting.propose(app, ctx, [action]))


@router.get("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_page(request: Request, ctx: PageContext, contact_id: int) -> HTMLResponse:
    """One contact: details, lists, and the edit form."""
    return _contact_page(request, ctx, contact_id)


def _field_changes(row: ContactRow, form: Mapping[str, Any]) -> dict[str, Any]:
    changes: dict[str, Any] = {}
    for key in ("given_name", "family_name", "display_name"):
        value = str(form.get(key, "")).strip()
        if value and value != getattr(row, key):
            changes[key] = value
    for key in ("company", "notes"):
        optional = str(form.get(key, "")).strip() or None
        if optional != getattr(row, key):
            changes[key] = optional
    return changes


def update_action(row: ContactRow, form: Mapping[str, Any],
                  region: str | None = None) -> Action | None:
    """A contacts.update action for what the form changed (None when nothing did). Besides
    the fields, ``add_email``, ``add_phone`` and ``add_tags`` add; the lists ``remove_emails``,
    ``remove_phones`` and ``remove_tags`` remove."""
    try:
        emails = [{"address": a, "label": None}
                  for a in read_emails(str(form.get("add_email", "")))]
        phones = [{"raw": p.raw, "e164": p.e164, "label": None}
                  for p in (read_phone(n, region) for n in lines(str(form.get("add_phone", ""))))]
    except InvalidValue as exc:
        raise BadInput(str(exc), hint="Correct it and save again.") from None
    payload = {"contact_id": row.id, "set": _field_changes(row, form), "attributes": {},
               "add_emails": emails, "add_phones": phones,
               "add_tags": split_tags(str(form.get("add_tags", ""))),
               "remove_tags": list(form.get("remove_tags") or []),
               "remove_emails": list(form.get("remove_emails") or []),
               "remove_phones": list(form.get("remove_phones") or [])}
    if not any(payload[k] for k in payload if k not in {"contact_id", "attributes"}):
        return None
    return Action(duty="lists.maintain", kind="contacts.update", payload=payload,
                  summary=f"Update {row.display_name} (#{row.id})", undoable=True)


@router.post("/contacts/{contact_id}", response_class=HTMLResponse)
def contact_save(request: Request, ctx: PageContext, contact_id: int,
                 display_name: Text = "", given_name: Text = "", family_name: Text = "",
                 company: Text = "", add_email: Text = "", add_phone: Text = "",
                 add_tags: Text = "", notes: Long = "", remove_emails: Picks = None,
                 remove_phones: Picks = None, remove_tags: Picks = None) -> HTMLResponse:
    """Save the edit form as a contacts.update Action."""
    app = get_app(request)
    form = {"display_name": display_name, "given_name": given_name,
            "family_name": family_name, "company": company, "notes": notes,
            "add_email": add_email, "add_phone": add_phone, "add_tags": add_tags,
            "remove_emails": remove_emails or [], "remove_phones": remove_phones or [],
            "remove_tags": remove_tags or []}
    try:
        with app.db.unit(ctx.workspace_id, write=False) as session:
            row = _contact(session, contact_id)
            guard(session, app, ctx)
            action = update_action(row, form, _region(session, ctx))
            if action is None:
                raise BadInput("nothing was changed", hint="Change a field, then save.")
            check_free(session, [e["address"] for e in action.payload["add_emails"]])
    except BadInput as exc:
        return _contact_page(request, ctx, contact_id, draft=form, problem=Problem.of(exc),
                             status=400)
    return _contact_page(request, ctx, contact_id, acting.propose(app, ctx, [action]))


@router.post("/contacts/{contact_id}/subscribe", response_class=HTMLResponse)
def contact_subscribe(request: Request, ctx: PageContext, contact_id: int,
                      list_id: Annotated[int, Form()],
                      email: Annotated[str, Form(max_length=320)] = "") -> HTMLResponse:
    """Put this contact on a list (``lists.subscribe``, with the duty's own checks: not a
    suppressed address, not someone who unsubscribed from it)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        person = _contact(session, contact_id)
        guard(session, app, ctx, "lists")
        mailing_list = list_row(session, list_id)
        mine = list(session.scalars(select(ContactEmail.address).where(
            ContactEmail.contact_id == person.id).order_by(ContactEmail.id)))
        address = email.strip().lower() or (mine[0] if mine else "")
        if address and address not in mine:
            raise BadInput(f"{address} is not one of {person.display_name}'s addresses",
                           hint="Choose one of theirs, or add it to the contact first.")
        reply = handlers.add_to(session, mailing_list, address, person.display_name,
                                ctx.actor)
    done, said = proposed(app, ctx, reply)
    return _contact_page(request, ctx, contact_id, done,
                         problem=Problem(said) if said else None)


@router.post("/contacts/{contact_id}/unsubscribe", response_class=HTMLResponse)
def contact_unsubscribe(request: Request, ctx: PageContext, contact_id: int,
                        list_id: Annotated[int, Form()]) -> HTMLResponse:
    """Take this contact off a list (``lists.unsubscribe``; their record stays, so nobody
    adds them back without their consent)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        person = _contact(session, contact_id)
        guard(session, app, ctx, "lists")
        reply = take_off(session, person, list_row(session, list_id), ctx.actor)
    done, said = proposed(app, ctx, reply)
    return _contact_page(request, ctx, contact_id, done,
                         problem=Problem(said) if said else None)

