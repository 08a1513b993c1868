"""Mailing lists, segments and the suppression list. Reads come from ``duties.lists``
(subscription counts and members, segment descriptions and matches); creating a list,
subscribing and unsubscribing people, saving and deleting a segment and adding to or removing
from the suppression list are ``lists.maintain`` Actions, with the duty's own checks (a
suppressed address or someone who unsubscribed is never added)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Annotated

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists import handlers, segments, subscriptions
from righthand.duties.lists.asking import take_off
from righthand.duties.lists.normalise import InvalidValue, normalise_email
from righthand.duties.lists.suppression import REASONS
from righthand.errors import BadInput
from righthand.store.tables import ContactRow, MailingListRow, Segment, Suppression
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import render
from righthand.web.routes.contacts import Pager, Problem, guard, list_row, proposed
from righthand.web.routing import page_router

router = page_router()
MEMBERS_PAGE = 100
PageNumber = Annotated[int, Query(ge=1, le=1_000_000)]


def _page(request: Request, ctx: Context, notices: list[acting.Outcome] | None = None,
          draft: Mapping[str, str] | None = None, problem: Problem | None = None,
          status: int = 200) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "lists")
        lists, saved, blocked = [], [], []
        if refusal is None:
            counts = subscriptions.counts(session)
            lists = [(row, counts.get(row.id, {})) for row in session.scalars(
                select(MailingListRow).order_by(MailingListRow.name))]
            names = {row.id: row.name for row, _ in lists}
            saved = [(s, segments.describe(s.filter), names.get(s.list_id or 0),
                      len(segments.matching(session, s.filter)))
                     for s in session.scalars(select(Segment).order_by(Segment.name))]
            blocked = list(session.scalars(select(Suppression)
                                           .order_by(Suppression.created_at.desc()).limit(200)))
    return render(request, "lists.html", ctx=ctx, status=status, active="contacts",
                  title="Lists, segments, suppression", lists=lists, saved=saved,
                  blocked=blocked, reasons=REASONS, refusal=refusal, notices=notices or [],
                  draft=draft or {}, problem=problem, opt_ins=subscriptions.OPT_INS)


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """Lists with their counts, saved segments, and the suppression list."""
    return _page(request, ctx)


def slug_for(name: str) -> str:
    """The short name of a list called ``name``: 'Spring Open House' -> 'spring-open-house'."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:100].strip("-")


def create_list_action(session: Session, form: Mapping[str, str]) -> Action:
    """The lists.create action of the form, as ``righthand lists create`` builds it; BadInput
    for a name that is not usable or already taken."""
    name = form["name"].strip()
    slug = form["slug"].strip().lower() or slug_for(name)
    action = subscriptions.create_list_action(slug, name, form["opt_in"])
    taken = subscriptions.find_list(session, slug) or subscriptions.find_list(session, name)
    if taken is not None:
        raise BadInput(f"there is already a list called {taken.name!r} ({taken.slug})",
                       hint="Choose another name, or use that list.")
    return action


@router.post("/lists", response_class=HTMLResponse)
def create_list(request: Request, ctx: PageContext,
                name: Annotated[str, Form(max_length=200)] = "",
                slug: Annotated[str, Form(max_length=100)] = "",
                opt_in: Annotated[str, Form(max_length=8)] = "single") -> HTMLResponse:
    """Create a mailing list (double opt-in lists wait for each person's confirmation)."""
    app = get_app(request)
    draft = {"name": name, "slug": slug, "opt_in": opt_in}
    try:
        with app.db.unit(ctx.workspace_id, write=False) as session:
            guard(session, app, ctx, "lists")
            action = create_list_action(session, draft)
    except BadInput as exc:
        return _page(request, ctx, draft=draft, problem=Problem.of(exc), status=400)
    return _page(request, ctx, acting.propose(app, ctx, [action]))


def _list_page(request: Request, ctx: Context, list_id: int, page: int = 1,
               notices: list[acting.Outcome] | None = None,
               draft: Mapping[str, str] | None = None, problem: Problem | None = None
               ) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "lists")
        row = list_row(session, list_id)
        offset = (page - 1) * MEMBERS_PAGE
        found = [] if refusal else subscriptions.members(
            session, list_id, limit=MEMBERS_PAGE + 1, offset=offset)
        total = sum(subscriptions.counts(session).get(list_id, {}).values()) if not refusal \
            else 0
        session.expunge(row)
    people = found[:MEMBERS_PAGE]
    pager = Pager(page, MEMBERS_PAGE, len(people), len(found) > MEMBERS_PAGE, total)
    return render(request, "list.html", ctx=ctx, active="contacts", title=row.name,
                  mailing_list=row, people=people, pager=pager, refusal=refusal,
                  notices=notices or [], draft=draft or {}, problem=problem)


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_page(request: Request, ctx: PageContext, list_id: int,
              page: PageNumber = 1) -> HTMLResponse:
    """One list's members with their consent record, a page at a time."""
    return _list_page(request, ctx, list_id, page)


@router.post("/lists/{list_id}/subscribe", response_class=HTMLResponse)
def list_subscribe(request: Request, ctx: PageContext, list_id: int,
                   email: Annotated[str, Form(max_length=320)] = "",
                   name: Annotated[str, Form(max_length=400)] = "") -> HTMLResponse:
    """Add someone (a known contact by address, or a new one) to this list."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        mailing_list = list_row(session, list_id)
        guard(session, app, ctx, "lists")
        reply = handlers.add_to(session, mailing_list, email.strip(), name.strip(), ctx.actor)
    done, said = proposed(app, ctx, reply)
    return _list_page(request, ctx, list_id, notices=done,
                      draft={"email": email, "name": name} if said else None,
                      problem=Problem(said) if said else None)


@router.post("/lists/{list_id}/unsubscribe", response_class=HTMLResponse)
def list_unsubscribe(request: Request, ctx: PageContext, list_id: int,
                     contact_id: Annotated[int, Form()],
                     page: Annotated[int, Form(ge=1, le=1_000_000)] = 1) -> HTMLResponse:
    """Take someone off this list (their record stays: nobody adds them back without their
    own consent)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        mailing_list = list_row(session, list_id)
        guard(session, app, ctx, "lists")
        person = operations.found(session, ContactRow, contact_id, "contact")
        reply = take_off(session, person, mailing_list, ctx.actor)
    done, said = proposed(app, ctx, reply)
    return _list_page(request, ctx, list_id, page, done,
                      problem=Problem(said) if said else None)


@router.post("/lists/segments", response_class=HTMLResponse)
def save_segment(request: Request, ctx: PageContext,
                 name: Annotated[str, Form(min_length=1, max_length=200)],
                 conditions: Annotated[str, Form(min_length=1, max_length=2000)],
                 match: Annotated[str, Form(max_length=3)] = "all") -> HTMLResponse:
    """Save a segment: one condition per line (tag=vip, city=Boston, ...)."""
    filter_ = segments.build_filter([line.strip() for line in conditions.splitlines()
                                     if line.strip()], match)
    action = Action(duty="lists.maintain", kind="segments.save",
                    payload={"name": name.strip(), "filter": filter_, "list_id": None,
                             "list": None},
                    summary=f"Save the segment {name.strip()!r}: {segments.describe(filter_)}",
                    undoable=True)
    return _page(request, ctx, acting.propose(get_app(request), ctx, [action]))


@router.post("/lists/segments/delete", response_class=HTMLResponse)
def delete_segment(request: Request, ctx: PageContext,
                   segment_id: Annotated[int, Form()]) -> HTMLResponse:
    """Delete a saved segment no mailing uses (a segments.delete Action; undoable)."""
    app = get_app(request)
    try:
        with app.db.unit(ctx.workspace_id, write=False) as session:
            row = operations.found(session, Segment, segment_id, "segment")
            guard(session, app, ctx, "lists")
            segments.check_unused(session, row)
            action = Action(duty="lists.maintain", kind="segments.delete",
                            payload={"segment_id": row.id, "name": row.name},
                            summary=f"Delete the segment {row.name!r}", undoable=True)
    except BadInput as exc:
        return _page(request, ctx, problem=Problem.of(exc), status=400)
    return _page(request, ctx, acting.propose(app, ctx, [action]))


def _address(text: str) -> str:
    try:
        return normalise_email(text)
    except InvalidValue as exc:
        raise BadInput(str(exc), hint="Correct the address and try again.") from None


@router.post("/lists/suppression", response_class=HTMLResponse)
def suppress(request: Request, ctx: PageContext,
             address: Annotated[str, Form(min_length=3, max_length=320)],
             reason: Annotated[str, Form(max_length=32)] = "manual",
             note: Annotated[str, Form(max_length=300)] = "") -> HTMLResponse:
    """Stop every mailing to an address."""
    if reason not in REASONS:
        raise BadInput(f"{reason!r} is not a reason", hint="Use one of: " + ", ".join(REASONS))
    clean = _address(address)
    action = Action(duty="lists.maintain", kind="suppression.add",
                    payload={"address": clean, "reason": reason,
                             "source": note.strip() or f"added by {ctx.actor}"},
                    summary=f"Stop every mailing to {clean} ({reason})", undoable=True)
    return _page(request, ctx, acting.propose(get_app(request), ctx, [action]))


@router.post("/lists/suppression/remove", response_class=HTMLResponse)
def unsuppress(request: Request, ctx: PageContext,
               address: Annotated[str, Form(min_length=3, max_length=320)]) -> HTMLResponse:
    """Let mailings reach a suppressed address again."""
    app = get_app(request)
    clean = address.strip().lower()
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = session.scalar(select(Suppression).where(Suppression.address == clean))
        if row is None:
            raise BadInput(f"{clean} is not on the suppression list")
        reason = row.reason
    action = Action(duty="lists.maintain", kind="suppression.remove",
                    payload={"address": clean, "reason": reason},
                    summary=f"Let mailings reach {clean} again (was {reason})", undoable=True)
    return _page(request, ctx, acting.propose(app, ctx, [action]))
