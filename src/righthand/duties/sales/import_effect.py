"""The sales.import_deals effect: apply a prepared import in one transaction, and undo it
(created deals removed unless changed since, updated ones restored, new pipelines dropped when
empty). See :mod:`import_apply` for preparing the import and its report."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from righthand.duties.plugin import EffectResult
from righthand.duties.sales import pipelines, timeline
from righthand.duties.sales.import_apply import existing_pipeline, external_id, job_for, known_deal
from righthand.duties.sales.import_read import DealRecord
from righthand.duties.sales.pipelines import Pipeline, Stage
from righthand.duties.sales.templates import (
    PipelineTemplate,
    StageTemplate,
    matching_template,
    slug,
)
from righthand.duties.sales.updates import restore, snapshot
from righthand.errors import BadInput, CannotUndo
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    DealContactRow,
    DealRow,
    DealTag,
    ImportJob,
    PipelineRow,
    Workspace,
)


class _Run:
    """One application of a prepared import."""

    def __init__(self, session: Session, workspace_id: int, job: ImportJob,
                 now: datetime) -> None:
        self.session, self.workspace_id, self.job, self.now = session, workspace_id, job, now
        ws = session.get(Workspace, workspace_id)
        self.currency = ws.currency if ws else "USD"
        self.today = now.astimezone(ZoneInfo(ws.timezone if ws else "UTC")).date()
        self.fmt = str(job.report.get("format"))
        self.created: list[int] = []
        self.updated: dict[int, dict[str, Any]] = {}
        self.skipped = 0
        self.new_pipelines: list[int] = []
        self.missing_people: list[str] = []
        self.by_name: dict[str, Pipeline] = {}

    def pipeline(self, record: DealRecord) -> Pipeline:
        name = self.job.report.get("pipeline") or record.pipeline
        if not name:
            return pipelines.default(self.session, self.workspace_id, self.now)
        if name in self.by_name:
            return self.by_name[name]
        found = existing_pipeline(pipelines.all_pipelines(self.session), name)
        if found is None:
            stage_names = (self.job.report.get("new_pipelines") or {}).get(name, [])
            template = matching_template(stage_names) or _from_file(name, stage_names)
            row = pipelines.create_from_template(self.session, self.workspace_id, template,
                                                 self.now, key=slug(name), name=name)
            self.new_pipelines.append(row.id)
            found = pipelines.by_id(self.session, row.id)
        self.by_name[name] = found
        return found

    def stage(self, pipeline: Pipeline, record: DealRecord) -> Stage:
        if record.stage:
            stage = pipelines.find_stage(pipeline, record.stage)
            if stage is not None:
                return stage
        if record.status == "won" and pipeline.won_stage:
            return pipeline.won_stage
        if record.status == "lost" and pipeline.lost_stage:
            return pipeline.lost_stage
        return next(s for s in pipeline.stages if s.is_open)

    def apply(self, record: DealRecord) -> None:
        pipeline = self.pipeline(record)
        stage = self.stage(pipeline, record)
        known = known_deal(self.session, record, self.fmt)
        row = self.session.get(DealRow, known) if known is not None else None
        if row is not None and self.job.mode == "skip":
            self.skipped += 1
            return
        if row is None:
            row = DealRow(workspace_id=self.workspace_id, title=record.title,
                          pipeline_id=pipeline.id, stage_id=stage.id, status=record.status,
                          currency=record.currency or self.currency, created_at=self.now)
            self._fill(row, record, pipeline, stage, overwrite=True)
            self.session.add(row)
            self.session.flush()
            self.created.append(row.id)
            timeline.add(self.session, self.workspace_id, row.id, kind="created", at=self.now,
                         summary=f"Imported from {self.job.filename}", source="import",
                         source_ref=f"import:{self.job.id}")
        else:
            before = snapshot(row) | {"pipeline_id": row.pipeline_id, "owner": row.owner,
                                      "company": row.company, "currency": row.currency,
                                      "external_id": row.external_id, "notes": row.notes}
            self._fill(row, record, pipeline, stage, overwrite=self.job.mode == "update")
            if snapshot(row) == {k: before[k] for k in snapshot(row)} and \
                    all(getattr(row, k) == before[k] for k in ("owner", "company", "notes")):
                self.skipped += 1  # nothing new for it in the file
            else:
                self.updated[row.id] = before
                row.updated_at = self.now
        self._people(row, record)

    def _fill(self, row: DealRow, record: DealRecord, pipeline: Pipeline, stage: Stage,
              overwrite: bool) -> None:
        def put(name: str, value: Any) -> None:
            if value is not None and (overwrite or getattr(row, name) in (None, "")):
                setattr(row, name, value)

        if row.id is None or (overwrite and row.stage_id != stage.id):
            row.pipeline_id, row.stage_id = pipeline.id, stage.id
            row.stage_since = date.fromisoformat(record.stage_since) if record.stage_since \
                else self.today
        if overwrite:
            row.status = record.status
        put("amount", Decimal(record.amount) if record.amount else None)
        put("currency", record.currency)
        put("expected_close", date.fromisoformat(record.expected_close)
            if record.expected_close else None)
        put("owner", record.owner)
        put("company", record.company)
        put("probability", record.probability)
        put("next_step", record.next_step)
        put("next_step_due", date.fromisoformat(record.next_step_due)
            if record.next_step_due else None)
        put("lost_reason", record.lost_reason)
        put("notes", record.notes)
        put("external_id", external_id(record, self.fmt))
        if record.status != "open" and record.closed_on:
            put("closed_at", datetime.combine(date.fromisoformat(record.closed_on), time(12),
                                              UTC))
        elif record.status != "open":
            put("closed_at", self.now)

    def _people(self, row: DealRow, record: DealRecord) -> None:
        linked = set(self.session.scalars(select(DealContactRow.contact_id)
                                          .where(DealContactRow.deal_id == row.id)))
        for person in record.contacts:
            contact_id = _contact(self.session, person)
            if contact_id is None:
                if person not in self.missing_people:
                    self.missing_people.append(person)
                continue
            if contact_id not in linked:
                self.session.add(DealContactRow(workspace_id=self.workspace_id, deal_id=row.id,
                                                contact_id=contact_id, role=""))
                linked.add(contact_id)
        present = set(self.session.scalars(select(DealTag.tag).where(DealTag.deal_id == row.id)))
        for tag in record.tags:
            if tag[:100] not in present:
                self.session.add(DealTag(workspace_id=self.workspace_id, deal_id=row.id,
                                         tag=tag[:100]))
                present.add(tag[:100])
        self.session.flush()


def _from_file(name: str, stage_names: list[str]) -> PipelineTemplate:
    """A pipeline made of the file's own stages, probabilities rising along them."""
    opened = [s for s in stage_names if s.strip().lower() not in
              {"closed won", "won", "closed lost", "lost"}] or ["Open"]
    count = len(opened)
    stages = [StageTemplate(slug(s) or f"stage_{i}", s.strip()[:200],
                            round(10 + 80 * i / max(1, count - 1)) if count > 1 else 50, 14)
              for i, s in enumerate(opened)]
    stages.append(StageTemplate("won", "Won", 100, None, "won"))
    return PipelineTemplate(slug(name), name, tuple(stages))


def _contact(session: Session, person: str) -> int | None:
    text = person.strip()
    if "@" in text:
        return session.scalar(select(ContactEmail.contact_id).where(
            func.lower(ContactEmail.address) == text.lower()))
    found = session.scalars(select(ContactRow.id).where(
        func.lower(ContactRow.display_name) == text.lower()).limit(2)).all()
    return found[0] if len(found) == 1 else None


class ImportDealsEffect:
    """sales.import_deals: apply a prepared import; undo removes what it created."""

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
        run = _Run(session, workspace_id, job, now)
        for record in (DealRecord.from_json(r) for r in job.report.get("rows", [])):
            run.apply(record)
        result: dict[str, Any] = {
            "created": len(run.created), "updated": len(run.updated), "skipped": run.skipped,
            "pipelines_created": len(run.new_pipelines),
            "contacts_not_found": run.missing_people[:20],
            "contacts_not_found_count": len(run.missing_people)}
        report = {k: v for k, v in job.report.items() if k != "rows"}
        report.update(result=result, undo={
            "created": run.created, "pipelines": run.new_pipelines,
            "updated": {str(k): v for k, v in run.updated.items()}})
        job.report = report
        job.created, job.updated, job.skipped = len(run.created), len(run.updated), run.skipped
        job.status, job.finished_at = "done", now
        session.flush()
        return EffectResult(result={"import_job_id": job.id, "invalid": job.invalid,
                                    **{k: v for k, v in result.items()
                                       if not k.startswith("contacts_not_found")}},
                            undo={"import_job_id": job.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Remove the deals the import created (unless changed since), restore updated ones."""
        job = job_for(session, int(undo["import_job_id"]))
        data = job.report.get("undo") or {}
        since = job.finished_at or now
        removed, kept = 0, []
        for deal_id in data.get("created", []):
            row = session.get(DealRow, int(deal_id))
            if row is None:
                continue
            if row.updated_at is not None and row.updated_at > since:
                kept.append(row.title)
                continue
            session.delete(row)
            removed += 1
        session.flush()
        restored = 0
        for deal_id, before in (data.get("updated") or {}).items():
            row = session.get(DealRow, int(deal_id))
            if row is None or (row.updated_at is not None and row.updated_at > since):
                continue
            restore(row, before)
            for name in ("pipeline_id", "owner", "company", "currency", "external_id", "notes"):
                setattr(row, name, before.get(name))
            restored += 1
        for pipeline_id in data.get("pipelines", []):
            if not session.scalar(select(func.count()).select_from(DealRow)
                                  .where(DealRow.pipeline_id == int(pipeline_id))):
                session.execute(delete(PipelineRow).where(PipelineRow.id == int(pipeline_id)))
        if kept and not removed and not restored:
            raise CannotUndo(f"every deal of import #{job.id} has been changed since")
        job.status = "undone"
        session.flush()
        note = f"; kept {len(kept)} changed since ({', '.join(kept[:3])})" if kept else ""
        return f"Undid import #{job.id}: removed {removed} deals, restored {restored}{note}."
