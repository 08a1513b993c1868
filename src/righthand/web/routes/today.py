"""Today: the agenda, what waits for the client's yes, and what needs attention."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from sqlalchemy import select

from righthand.service import workspaces
from righthand.store.tables import CallRow
from righthand.web import operations, queries
from righthand.web.auth import PageContext, get_app, reading, touched
from righthand.web.render import is_htmx, render
from righthand.web.routing import page_router

router = page_router()


@router.get("", response_model=None)
@router.get("/", response_model=None)
def workspace_home(ctx: PageContext) -> RedirectResponse:
    """A workspace's address leads to its Today page."""
    return RedirectResponse(ctx.url("today"), 303)


@router.get("/today", response_class=HTMLResponse)
async def today(request: Request, workspace: str) -> HTMLResponse:
    """The briefing for today (first version: agenda, approvals waiting, attention).

    The busiest page: sign-in check and every read share one read-only transaction, run on
    the event loop (a few milliseconds of indexed reads: cheaper than a hop through the
    thread pool, which doubled its CPU per request).
    """
    app = get_app(request)
    now = app.clock()
    with reading(request, workspace, pages=True, touch=False) as (ctx, session):
        day = now.astimezone(ZoneInfo(ctx.timezone)).date()
        refusal = {scope: operations.readable(session, app, ctx, scope)
                   for scope in ("calendar", "supplies", "deals")} if not ctx.is_owner \
            else {"calendar": None, "supplies": None, "deals": None}
        events = queries.agenda(session, day, ctx.timezone) if refusal["calendar"] is None \
            else None
        waiting, count = queries.waiting(session, now, limit=5)
        attention = queries.attention(session, now, day, ctx.url(),
                                      {k: v is None for k, v in refusal.items()})
    await touched(request)
    view = queries.Today(day=day, agenda=events, agenda_refusal=refusal["calendar"],
                         waiting=waiting, waiting_count=count, attention=attention)
    return render(request, "today.html", ctx=ctx, active="today", title="Today", view=view)


# Shown by the Today page itself (agenda, approvals, low stock): not repeated.
SHOWN_ABOVE = frozenset({"agenda", "approvals", "supplies"})


@router.get("/today/briefing", response_class=HTMLResponse)
def today_briefing(request: Request, ctx: PageContext) -> HTMLResponse:
    """The rest of the daily briefing (important mail, deals needing attention, follow-ups,
    confirmations) and the last day's calls: the briefing duty's own sections, fetched by the
    Today page after it is shown (they cost more than the page itself)."""
    from righthand.duties.briefing import compose
    from righthand.duties.briefing.sections import build_all

    app = get_app(request)
    now = app.clock()
    with app.db.unit(ctx.workspace_id, write=False) as session:
        ws = operations.workspace_row(session, ctx)
        context = compose.context(session, workspaces.info(ws), now,
                                  workspaces.job_description(session, ws), app.catalog)
        sections = build_all(context, SHOWN_ABOVE)
        calls = [] if operations.readable(session, app, ctx, "calls") else list(
            session.scalars(select(CallRow).where(CallRow.started_at >= now - timedelta(
                hours=24)).order_by(CallRow.started_at.desc()).limit(10)))
    template = "today_briefing.html" if is_htmx(request) else "today_briefing_page.html"
    return render(request, template, ctx=ctx, active="today", title="Today's briefing",
                  sections=sections, calls=calls)
