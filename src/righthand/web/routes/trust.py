"""Trust: per-duty figures and their weekly history, incidents, and the audit log with filters
and the verification of its hash chain."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query, Request
from fastapi.responses import HTMLResponse

from righthand.service import audit, ledger
from righthand.web import queries, trust_chart
from righthand.web.auth import PageContext, get_app
from righthand.web.render import is_htmx, render
from righthand.web.routing import page_router

router = page_router()
PAGE = 50


@router.get("/trust", response_class=HTMLResponse)
def trust_page(request: Request, ctx: PageContext,
               event: Annotated[str, Query(max_length=64)] = "",
               actor: Annotated[str, Query(max_length=200)] = "",
               before: Annotated[int | None, Query(ge=1)] = None) -> HTMLResponse:
    """Figures, charts, incidents and the audit log."""
    app = get_app(request)
    now = app.clock()
    with app.db.unit(ctx.workspace_id, write=False) as session:
        figures = [f for f in ledger.trust_table(session, app.catalog) if f.volume or f.incidents]
        weekly = queries.weekly_outcomes(session, now, ctx.timezone)
        incidents = queries.incidents(session)
        entries = queries.audit_entries(session, event=event or None, actor=actor or None,
                                        before=before, limit=PAGE)
        events = queries.audit_events(session)
    older = entries[-1].seq if len(entries) == PAGE else None
    titles = {d: m.title for d, m in app.catalog.items()}
    charts = trust_chart.build(weekly, figures, titles, app.thresholds())
    return render(request, "trust.html", ctx=ctx, active="trust", title="Trust",
                  figures=figures, weeks=charts.bars, peak=charts.peak, rates=charts.rates,
                  advisor_rule=charts.rule,
                  incidents=incidents,
                  entries=entries, events=events, filters={"event": event, "actor": actor},
                  older=older, titles=titles, groups=list(queries.CHART_GROUPS))


@router.get("/trust/verify", response_class=HTMLResponse)
def verify(request: Request, ctx: PageContext) -> HTMLResponse:
    """Walk the hash chain now and say whether it is intact."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        result = audit.verify(session, ctx.workspace_id)
    if is_htmx(request):
        return render(request, "trust_verify.html", ctx=ctx, result=result)
    return render(request, "trust_verify_page.html", ctx=ctx, active="trust",
                  title="Audit verification", result=result)
