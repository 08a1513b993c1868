"""Pipelines and stages as data: created from templates, edited by the client, read by all.

A workspace gets the residential pipeline the first time anything asks for its pipelines;
the client may add the B2B one (or any template), rename stages, change a stage's default
probability or its "stalled after N days" threshold, and add stages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.sales.templates import RESIDENTIAL, PipelineTemplate, slug
from righthand.errors import BadInput, NotFound
from righthand.store.tables import DealRow, PipelineRow, StageRow

# What people call a stage, for the shipped templates' keys.
STAGE_ALIASES = {"contract": "under_contract", "in_contract": "under_contract",
                 "pending": "under_contract", "escrow": "under_contract",
                 "in_escrow": "under_contract", "loan": "financing", "mortgage": "financing",
                 "finance": "financing", "showings": "showing", "viewing": "showing",
                 "viewings": "showing", "offers": "offer", "inspections": "inspection",
                 "appraisals": "appraisal", "close": "closing", "lead_in": "lead",
                 "new": "lead"}


@dataclass(frozen=True)
class Stage:
    """One stage as the duty reads it."""

    id: int
    key: str
    name: str
    position: int
    probability: int
    stalled_after_days: int | None
    outcome: str = "open"

    @property
    def is_open(self) -> bool:
        """True for a stage a deal is still working through."""
        return self.outcome == "open"


@dataclass(frozen=True)
class Pipeline:
    """A pipeline and its stages in order."""

    id: int
    key: str
    name: str
    is_default: bool
    stages: tuple[Stage, ...]

    def stage(self, key: str) -> Stage | None:
        """The stage with ``key`` (or that name)."""
        wanted = slug(key)
        return next((s for s in self.stages if s.key == wanted or slug(s.name) == wanted), None)

    def stage_by_id(self, stage_id: int) -> Stage | None:
        """The stage with this id."""
        return next((s for s in self.stages if s.id == stage_id), None)

    @property
    def won_stage(self) -> Stage | None:
        """Where won deals go."""
        return next((s for s in self.stages if s.outcome == "won"), None)

    @property
    def lost_stage(self) -> Stage | None:
        """Where lost deals go, when the pipeline has such a stage (imported ones may)."""
        return next((s for s in self.stages if s.outcome == "lost"), None)

    def between(self, first: Stage, last: Stage) -> list[Stage]:
        """Open stages strictly between ``first`` and ``last``."""
        return [s for s in self.stages if first.position < s.position < last.position
                and s.is_open]


def _stage(row: StageRow) -> Stage:
    return Stage(id=row.id, key=row.key, name=row.name, position=row.position,
                 probability=row.probability, stalled_after_days=row.stalled_after_days,
                 outcome=row.outcome)


def create_from_template(session: Session, workspace_id: int, template: PipelineTemplate,
                         now: datetime, *, key: str | None = None, name: str | None = None,
                         default: bool = False) -> PipelineRow:
    """A new pipeline with the template's stages."""
    key = slug(key or template.key)
    if session.scalars(select(PipelineRow).where(PipelineRow.key == key)).first():
        raise BadInput(f"there is already a pipeline called {key!r}",
                       hint="Pick another name with --name.")
    position = session.scalar(select(func.count()).select_from(PipelineRow)) or 0
    row = PipelineRow(workspace_id=workspace_id, key=key, name=name or template.name,
                      template=template.key, position=position, is_default=default,
                      archived=False, created_at=now)
    session.add(row)
    session.flush()
    for index, stage in enumerate(template.stages):
        session.add(StageRow(workspace_id=workspace_id, pipeline_id=row.id, key=stage.key,
                             name=stage.name, position=index, probability=stage.probability,
                             stalled_after_days=stage.stalled_after_days,
                             outcome=stage.outcome))
    session.flush()
    return row


def ensure(session: Session, workspace_id: int, now: datetime) -> None:
    """Give a workspace without pipelines the residential one (its default)."""
    if session.scalars(select(PipelineRow.id).limit(1)).first() is None:
        create_from_template(session, workspace_id, RESIDENTIAL, now, default=True)


def all_pipelines(session: Session, include_archived: bool = False) -> list[Pipeline]:
    """Every pipeline with its stages, default first."""
    query = select(PipelineRow).order_by(PipelineRow.is_default.desc(), PipelineRow.position,
                                         PipelineRow.id)
    if not include_archived:
        query = query.where(PipelineRow.archived.is_(False))
    rows = session.scalars(query).all()
    stages: dict[int, list[Stage]] = {}
    for stage in session.scalars(select(StageRow).order_by(StageRow.position, StageRow.id)):
        stages.setdefault(stage.pipeline_id, []).append(_stage(stage))
    return [Pipeline(id=r.id, key=r.key, name=r.name, is_default=r.is_default,
                     stages=tuple(stages.get(r.id, []))) for r in rows]


def by_id(session: Session, pipeline_id: int) -> Pipeline:
    """One pipeline (archived ones too)."""
    for pipeline in all_pipelines(session, include_archived=True):
        if pipeline.id == pipeline_id:
            return pipeline
    raise NotFound(f"there is no pipeline #{pipeline_id}")


def default(session: Session, workspace_id: int, now: datetime) -> Pipeline:
    """The workspace's default pipeline (created when there is none)."""
    ensure(session, workspace_id, now)
    found = all_pipelines(session)
    return next((p for p in found if p.is_default), found[0])


def find(session: Session, text: str) -> Pipeline:
    """The pipeline named ``text`` (key or name, forgiving case and spelling)."""
    found = all_pipelines(session)
    wanted = slug(text)
    for pipeline in found:
        if wanted in {pipeline.key, slug(pipeline.name)}:
            return pipeline
    scored = sorted(((fuzz.ratio(wanted, slug(p.name)), p) for p in found), key=lambda x: -x[0])
    if scored and scored[0][0] >= 80:
        return scored[0][1]
    raise NotFound(f"there is no pipeline called {text!r}",
                   hint="Pipelines: " + ", ".join(p.key for p in found))


def find_stage(pipeline: Pipeline, text: str) -> Stage | None:
    """The stage ``text`` names in ``pipeline``: key, name, a common alias, or near spelling."""
    wanted = slug(text)
    if not wanted:
        return None
    exact = pipeline.stage(wanted) or pipeline.stage(STAGE_ALIASES.get(wanted, ""))
    if exact is not None:
        return exact
    if wanted in {"won", "closed_won", "win", "sold", "done"}:
        return pipeline.won_stage
    best: tuple[float, Stage | None] = (0.0, None)
    for stage in pipeline.stages:
        score = max(fuzz.ratio(wanted, stage.key), fuzz.ratio(wanted, slug(stage.name)))
        if len(wanted) >= 4 and (stage.key.startswith(wanted) or wanted.startswith(stage.key)):
            score = max(score, 90.0)
        if score > best[0]:
            best = (score, stage)
    return best[1] if best[0] >= 85 else None


def edit_stage(session: Session, pipeline: Pipeline, stage_text: str, *,
               probability: int | None = None, stalled_after_days: int | None = None,
               clear_stalled: bool = False, name: str | None = None) -> StageRow:
    """Change one stage's default probability, stall threshold or name."""
    stage = find_stage(pipeline, stage_text)
    if stage is None:
        raise NotFound(f"{pipeline.name} has no stage {stage_text!r}",
                       hint="Stages: " + ", ".join(s.name for s in pipeline.stages))
    row = session.get(StageRow, stage.id)
    if row is None:
        raise NotFound(f"stage {stage_text!r} is gone")
    if probability is not None:
        if not 0 <= probability <= 100:
            raise BadInput("a probability is a percentage from 0 to 100")
        row.probability = probability
    if stalled_after_days is not None:
        if stalled_after_days < 1:
            raise BadInput("'stalled after' is a number of days, at least 1",
                           hint="Use --no-stall to never call deals in this stage stalled.")
        row.stalled_after_days = stalled_after_days
    if clear_stalled:
        row.stalled_after_days = None
    if name:
        row.name = name.strip()[:200]
    session.flush()
    return row


def add_stage(session: Session, workspace_id: int, pipeline: Pipeline, name: str, *,
              after: str | None = None, probability: int = 50,
              stalled_after_days: int | None = 14) -> StageRow:
    """A new open stage, after ``after`` (default: after the last open stage)."""
    key = slug(name)
    if not key:
        raise BadInput("a stage needs a name")
    if pipeline.stage(key) is not None:
        raise BadInput(f"{pipeline.name} already has a stage {name!r}")
    if after:
        anchor = find_stage(pipeline, after)
        if anchor is None:
            raise NotFound(f"{pipeline.name} has no stage {after!r}")
        position = anchor.position + 1
    else:
        open_positions = [s.position for s in pipeline.stages if s.is_open]
        position = (max(open_positions) + 1) if open_positions else 0
    for row in session.scalars(select(StageRow).where(StageRow.pipeline_id == pipeline.id,
                                                      StageRow.position >= position)):
        row.position += 1
    row = StageRow(workspace_id=workspace_id, pipeline_id=pipeline.id, key=key,
                   name=name.strip()[:200], position=position, probability=probability,
                   stalled_after_days=stalled_after_days, outcome="open")
    session.add(row)
    session.flush()
    return row


def deals_in_stage(session: Session, stage_id: int) -> int:
    """How many deals sit in a stage."""
    return session.scalar(select(func.count()).select_from(DealRow)
                          .where(DealRow.stage_id == stage_id)) or 0
