"""Pipeline: a board by stage with totals, moving a deal (drag, or the keyboard's "move to"),
and each deal's page with its timeline. Every change is a ``sales.update_deal`` Action built by
``duties.sales.updates`` and put through the gate as the signed-in user."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response

from righthand.domain.actions import Action
from righthand.duties.briefing import charts
from righthand.duties.sales import pipelines, records, status, timeline, updates
from righthand.duties.sales.records import DealView
from righthand.duties.sales.words import money
from righthand.errors import BadInput
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router

router = page_router()
NAV = [NavItem("pipeline", "Pipeline", "pipeline", order=70)]


@dataclass(frozen=True)
class Column:
    """One stage of the board with its deals and totals."""

    stage: pipelines.Stage
    deals: list[DealView]
    amount: str
    weighted: str


@dataclass(frozen=True)
class Board:
    """One pipeline as a board."""

    pipeline: pipelines.Pipeline
    columns: list[Column]
    total: str


def _sum(deals: list[DealView], weighted: bool) -> str:
    currencies = sorted({d.currency for d in deals}) or ["USD"]
    parts = []
    for currency in currencies:
        mine = [d for d in deals if d.currency == currency]
        value = sum(((d.weighted if weighted else d.amount or Decimal(0)) for d in mine),
                    Decimal(0))
        parts.append(money(value, currency))
    return " + ".join(parts)


def _boards(deals: list[DealView], all_pipes: list[pipelines.Pipeline]) -> list[Board]:
    boards = []
    for pipe in sorted(all_pipes, key=lambda p: (not p.is_default, p.id)):
        mine = [d for d in deals if d.pipeline.id == pipe.id]
        if not mine and not pipe.is_default:
            continue
        columns = [Column(stage, here, _sum(here, False), _sum(here, True))
                   for stage in pipe.stages if stage.is_open
                   for here in [[d for d in mine if d.stage.id == stage.id]]]
        boards.append(Board(pipe, columns, _sum(mine, False)))
    return boards


def _board_page(request: Request, ctx: Context, notices: list[acting.Outcome] | None = None
                ) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "deals")
        boards = [] if refusal else _boards(records.load(session),
                                            pipelines.all_pipelines(session))
    return render(request, "pipeline.html", ctx=ctx, active="pipeline", title="Pipeline",
                  boards=boards, refusal=refusal, notices=notices or [])


def _deal_page(request: Request, ctx: Context, deal_id: int,
               notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    now = app.clock()
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "deals")
        if refusal:
            return render(request, "deal.html", ctx=ctx, active="pipeline", title="Deal",
                          refusal=refusal, deal=None, notices=[])
        deal = records.get(session, deal_id)
        entries = timeline.entries(session, deal_id, limit=200)
        where = status.describe(session, deal, now, ctx.timezone)
    today = now.astimezone(ZoneInfo(ctx.timezone)).date()
    return render(request, "deal.html", ctx=ctx, active="pipeline", title=deal.title,
                  deal=deal, entries=entries, where=where, refusal=None,
                  amount=money(deal.amount, deal.currency) if deal.amount is not None else "",
                  days=deal.days_in_stage(today), notices=notices or [])


@router.get("/pipeline", response_class=HTMLResponse)
def board(request: Request, ctx: PageContext) -> HTMLResponse:
    """The board: open deals by stage, with totals."""
    return _board_page(request, ctx)


@router.get("/pipeline/funnel.svg", response_model=None)
def funnel(request: Request, ctx: PageContext) -> Response:
    """The briefing's funnel picture (served as an image: the page's CSP allows no inline
    styles, and an image runs nothing)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "deals")
        svg = charts.pipeline_funnel([] if refusal else records.load(session))
    return Response(svg, media_type="image/svg+xml", headers={"Cache-Control": "no-store"})


def _change(request: Request, ctx: Context, deal_id: int, build: str, value: str = "",
            extra: str = "") -> list[acting.Outcome]:
    """Build one ``sales.update_deal`` action with the duty's own functions; propose it."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        deal = records.get(session, deal_id)
        action: Action
        if build == "move":
            target = deal.pipeline.stage(value) or pipelines.find_stage(deal.pipeline, value)
            if target is None:
                raise BadInput(f"{deal.pipeline.name} has no stage {value!r}",
                               hint="Stages: " + ", ".join(s.name for s in deal.pipeline.stages))
            if target.id == deal.stage.id and deal.is_open:
                raise BadInput(f"{deal.title} is already in {target.name}",
                               hint="Choose another stage.")
            action = updates.move(deal, target)
        elif build == "note":
            if not value.strip():
                raise BadInput("the note is empty", hint="Write the note, then save it.")
            action = updates.note(deal, value.strip())
        elif build == "next_step":
            if not value.strip():
                raise BadInput("the next step is empty", hint="Say what happens next.")
            try:
                due = date.fromisoformat(extra) if extra else None
            except ValueError:
                raise BadInput(f"{extra!r} is not a date", hint="Use YYYY-MM-DD.") from None
            action = updates.next_step(deal, value.strip(), due)
        elif build == "won":
            action = updates.won(deal)
        elif build == "lost":
            action = updates.lost(deal, value.strip() or None)
        elif build == "reopen":
            action = updates.reopen(deal)
        else:
            raise BadInput(f"{build!r} is not a change a deal can have",
                           hint="Choose won, lost or reopen.")
    return acting.propose(app, ctx, [action])


@router.post("/pipeline/deals/{deal_id}/move", response_class=HTMLResponse)
def move(request: Request, ctx: PageContext, deal_id: int,
         stage: Annotated[str, Form(min_length=1, max_length=100)],
         back: Annotated[str, Form(max_length=8)] = "board") -> HTMLResponse:
    """Move a deal to another stage (the drag and the "move to" button both post here)."""
    done = _change(request, ctx, deal_id, "move", stage)
    if back == "deal":
        return _deal_page(request, ctx, deal_id, done)
    return _board_page(request, ctx, done)


@router.get("/pipeline/deals/{deal_id}", response_class=HTMLResponse)
def deal_page(request: Request, ctx: PageContext, deal_id: int) -> HTMLResponse:
    """One deal: where it stands, its people, its timeline, and what can be changed."""
    return _deal_page(request, ctx, deal_id)


@router.post("/pipeline/deals/{deal_id}/note", response_class=HTMLResponse)
def add_note(request: Request, ctx: PageContext, deal_id: int,
             note: Annotated[str, Form(min_length=1, max_length=2000)]) -> HTMLResponse:
    """Add a note to the deal's timeline."""
    return _deal_page(request, ctx, deal_id, _change(request, ctx, deal_id, "note", note))


@router.post("/pipeline/deals/{deal_id}/next-step", response_class=HTMLResponse)
def set_next_step(request: Request, ctx: PageContext, deal_id: int,
                  step: Annotated[str, Form(min_length=1, max_length=500)],
                  due: Annotated[str, Form(max_length=10)] = "") -> HTMLResponse:
    """Set the deal's next step and when it is due."""
    return _deal_page(request, ctx, deal_id,
                      _change(request, ctx, deal_id, "next_step", step, due))


@router.post("/pipeline/deals/{deal_id}/outcome", response_class=HTMLResponse)
def set_outcome(request: Request, ctx: PageContext, deal_id: int,
                outcome: Annotated[str, Form(max_length=8)],
                reason: Annotated[str, Form(max_length=500)] = "") -> HTMLResponse:
    """Mark the deal won or lost (with the reason), or reopen it."""
    return _deal_page(request, ctx, deal_id,
                      _change(request, ctx, deal_id, outcome, reason))
