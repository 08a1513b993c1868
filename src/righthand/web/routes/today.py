"""Today: the agenda, what waits for the client's yes, and what needs attention."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse

from righthand.web import operations, queries
from righthand.web.auth import PageContext, get_app, reading
from righthand.web.render import render
from righthand.web.routing import page_router

router = page_router()


@router.get("", response_model=None)
@router.get("/", response_model=None)
def workspace_home(ctx: PageContext) -> RedirectResponse:
    """A workspace's address leads to its Today page."""
    return RedirectResponse(ctx.url("today"), 303)


@router.get("/today", response_class=HTMLResponse)
def today(request: Request, workspace: str) -> HTMLResponse:
    """The briefing for today (first version: agenda, approvals waiting, attention).

    The busiest page: sign-in check and every read share one read-only transaction.
    """
    app = get_app(request)
    now = app.clock()
    with reading(request, workspace, pages=True) as (ctx, session):
        day = now.astimezone(ZoneInfo(ctx.timezone)).date()
        refusal = {scope: operations.readable(session, app, ctx, scope)
                   for scope in ("calendar", "supplies", "deals")} if not ctx.is_owner \
            else {"calendar": None, "supplies": None, "deals": None}
        events = queries.agenda(session, day, ctx.timezone) if refusal["calendar"] is None \
            else None
        waiting, count = queries.waiting(session, now, limit=5)
        attention = queries.attention(session, now, day, ctx.url(),
                                      {k: v is None for k, v in refusal.items()})
    view = queries.Today(day=day, agenda=events, agenda_refusal=refusal["calendar"],
                         waiting=waiting, waiting_count=count, attention=attention)
    return render(request, "today.html", ctx=ctx, active="today", title="Today", view=view)
