"""The JSON API of the pipeline (read-only, scope ``read``): deals by stage with totals, and
one deal with its timeline -- what the Pipeline pages show (``duties.sales.records``,
``pipelines``, ``timeline``, ``status``). Staff see it while a duty that reads deals is on."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request
from pydantic import BaseModel, Field

from righthand.duties.sales import pipelines, records, status, timeline
from righthand.duties.sales.records import DealView
from righthand.web.api.common import ERRORS, area
from righthand.web.auth import WorkspaceQuery, get_app
from righthand.web.routing import api_router

router = api_router(responses=ERRORS)
TIMELINE = 200


class TotalOut(BaseModel):
    """The deals' amounts in one currency, and weighted by their probability."""

    currency: str
    amount: Decimal
    weighted: Decimal


class StageRef(BaseModel):
    """A stage, by id, key and name."""

    id: int
    key: str
    name: str


class PartyOut(BaseModel):
    """A contact on a deal, with their role."""

    contact_id: int
    name: str
    role: str
    company: str | None
    emails: list[str]


class DealOut(BaseModel):
    """A deal with its stage, figures, next step and people."""

    id: int
    title: str
    pipeline_id: int
    stage: StageRef
    status: str = Field(description="open, won or lost")
    amount: Decimal | None
    currency: str
    probability: int = Field(description="Per cent")
    weighted: Decimal = Field(description="Amount times probability")
    stage_since: date | None
    expected_close: date | None
    next_step: str | None
    next_step_due: date | None
    company: str | None
    owner: str | None
    lost_reason: str | None
    closed_at: datetime | None
    external_id: str | None
    parties: list[PartyOut]
    tags: list[str]


class StageOut(StageRef):
    """One stage of a board with its deals and totals."""

    position: int
    probability: int
    outcome: str = Field(description="open, won or lost")
    deals: list[DealOut]
    totals: list[TotalOut]


class PipelineOut(BaseModel):
    """One pipeline as a board: its open stages (and any other stage holding a deal)."""

    id: int
    key: str
    name: str
    is_default: bool
    stages: list[StageOut]
    totals: list[TotalOut]


class BoardOut(BaseModel):
    """Deals by pipeline and stage, with totals per currency."""

    status: str
    pipelines: list[PipelineOut]
    totals: list[TotalOut]


class ActivityOut(BaseModel):
    """One entry of a deal's timeline."""

    id: int
    kind: str
    at: datetime
    summary: str
    source: str
    contact: str | None


class DealDetail(DealOut):
    """A deal, where it stands in words, and its timeline (newest first, at most 200)."""

    pipeline: str
    situation: str = Field(description="Where the deal stands, in words")
    days_in_stage: int | None
    timeline: list[ActivityOut]


def _totals(deals: list[DealView]) -> list[TotalOut]:
    out = []
    for currency in sorted({d.currency for d in deals}):
        mine = [d for d in deals if d.currency == currency]
        out.append(TotalOut(currency=currency,
                            amount=sum((d.amount or Decimal(0) for d in mine), Decimal(0)),
                            weighted=sum((d.weighted for d in mine), Decimal(0))))
    return out


def _deal(d: DealView) -> dict[str, object]:
    return {"id": d.id, "title": d.title, "pipeline_id": d.pipeline.id,
            "stage": StageRef(id=d.stage.id, key=d.stage.key, name=d.stage.name),
            "status": d.status, "amount": d.amount, "currency": d.currency,
            "probability": d.probability, "weighted": d.weighted, "stage_since": d.stage_since,
            "expected_close": d.expected_close, "next_step": d.next_step,
            "next_step_due": d.next_step_due, "company": d.company, "owner": d.owner,
            "lost_reason": d.lost_reason, "closed_at": d.closed_at,
            "external_id": d.external_id,
            "parties": [PartyOut(contact_id=p.contact_id, name=p.name, role=p.role,
                                 company=p.company, emails=list(p.emails)) for p in d.parties],
            "tags": list(d.tags)}


def _board(pipe: pipelines.Pipeline, deals: list[DealView]) -> PipelineOut:
    stages = []
    for stage in pipe.stages:
        here = [d for d in deals if d.stage.id == stage.id]
        if stage.is_open or here:
            stages.append(StageOut(id=stage.id, key=stage.key, name=stage.name,
                                   position=stage.position, probability=stage.probability,
                                   outcome=stage.outcome,
                                   deals=[DealOut.model_validate(_deal(d)) for d in here],
                                   totals=_totals(here)))
    return PipelineOut(id=pipe.id, key=pipe.key, name=pipe.name, is_default=pipe.is_default,
                       stages=stages, totals=_totals(deals))


@router.get("/deals", response_model=BoardOut, tags=["pipeline"])
def deal_board(request: Request, workspace: WorkspaceQuery = None,
               deal_status: Annotated[str, Query(alias="status",
                                                 pattern="^(open|won|lost|all)$")] = "open"
               ) -> BoardOut:
    """The board: deals (open ones unless ``status``) by pipeline and stage, with totals."""
    with area(request, workspace, "deals") as (_ctx, session):
        deals = records.load(session, status=None if deal_status == "all" else deal_status)
        pipes = pipelines.all_pipelines(session)
    boards = []
    for pipe in sorted(pipes, key=lambda p: (not p.is_default, p.id)):
        mine = [d for d in deals if d.pipeline.id == pipe.id]
        if mine or pipe.is_default:
            boards.append(_board(pipe, mine))
    return BoardOut(status=deal_status, pipelines=boards, totals=_totals(deals))


@router.get("/deals/{deal_id}", response_model=DealDetail, tags=["pipeline"])
def deal_get(request: Request, deal_id: int, workspace: WorkspaceQuery = None) -> DealDetail:
    """One deal, where it stands, and its timeline (newest first)."""
    app = get_app(request)
    now = app.clock()
    with area(request, workspace, "deals") as (ctx, session):
        deal = records.get(session, deal_id)
        entries = timeline.entries(session, deal_id, limit=TIMELINE)
        where = status.describe(session, deal, now, ctx.timezone)
    today = now.astimezone(ZoneInfo(ctx.timezone)).date()
    return DealDetail.model_validate({
        **_deal(deal), "pipeline": deal.pipeline.name, "situation": where,
        "days_in_stage": deal.days_in_stage(today),
        "timeline": [ActivityOut(id=e.id, kind=e.kind, at=e.at, summary=e.summary,
                                 source=e.source, contact=e.contact) for e in entries]})
