"""Mailing lists, segments and the suppression list. Reads come from ``duties.lists``
(subscription counts and members, segment descriptions and matches); saving a segment and
adding to or removing from the suppression list are ``lists.maintain`` Actions."""

from __future__ import annotations

from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from righthand.domain.actions import Action
from righthand.duties.lists import segments, subscriptions
from righthand.duties.lists.normalise import InvalidValue, normalise_email
from righthand.duties.lists.suppression import REASONS
from righthand.errors import BadInput, NotFound
from righthand.store.tables import MailingListRow, Segment, Suppression
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import render
from righthand.web.routing import page_router

router = page_router()


def _page(request: Request, ctx: Context,
          notices: list[acting.Outcome] | None = None) -> HTMLResponse:
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
    return render(request, "lists.html", ctx=ctx, active="contacts",
                  title="Lists, segments, suppression", lists=lists, saved=saved,
                  blocked=blocked, reasons=REASONS, refusal=refusal, notices=notices or [])


@router.get("/lists", response_class=HTMLResponse)
def lists_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """Lists with their counts, saved segments, and the suppression list."""
    return _page(request, ctx)


@router.get("/lists/{list_id}", response_class=HTMLResponse)
def list_page(request: Request, ctx: PageContext, list_id: int) -> HTMLResponse:
    """One list's members with their consent record."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "lists")
        row = session.get(MailingListRow, list_id)
        if row is None:
            raise NotFound(f"there is no list #{list_id} in this workspace")
        people = [] if refusal else subscriptions.members(session, list_id, limit=500)
        session.expunge(row)
    return render(request, "list.html", ctx=ctx, active="contacts", title=row.name,
                  mailing_list=row, people=people, refusal=refusal)


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
