"""Importing deals: prepare (read and check the file, record the import job and its report of
invalid rows), propose (one ``sales.import_deals`` action through the gate); applying it on
delivery and undoing it is :mod:`import_effect`.

The report has the shape of the contacts import (``import_jobs``): total, created, updated,
skipped and invalid counts, the invalid rows as CSV with a reason column, and notes.
Modes as for contacts: ``add`` creates new deals and fills gaps in known ones, ``update`` also
overwrites known deals' fields with the file's values, ``skip`` leaves known deals alone.
A deal is known by its CRM id ("hubspot:123") or else by its exact title (any case).
Pipelines the file names that do not exist are created -- from the matching template when
the stage names fit one (HubSpot's and Pipedrive's defaults are known), else from the file's
own stages in the order they first appear.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime
from pathlib import PurePath
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.lists import csv_io
from righthand.duties.sales import pipelines
from righthand.duties.sales.import_read import DealRecord, read
from righthand.duties.sales.pipelines import Pipeline
from righthand.duties.sales.templates import (
    slug,
)
from righthand.errors import BadInput
from righthand.store.tables import (
    DealRow,
    ImportJob,
)

MODES = ("add", "update", "skip")
MAX_BYTES = 50 * 1024 * 1024
KIND = "sales.import_deals"


def _plan_pipelines(session: Session, records: list[DealRecord], chosen: str | None,
                    invalid: list[list[str]], cells: dict[int, list[str]]) -> \
        tuple[list[DealRecord], dict[str, list[str]]]:
    """Check each record's pipeline and stage; return kept records and pipelines to create."""
    existing = pipelines.all_pipelines(session)
    to_create: dict[str, list[str]] = {}
    kept: list[DealRecord] = []
    for record in records:
        name = chosen or record.pipeline
        pipeline = existing_pipeline(existing, name) if name else None
        if name and pipeline is None:
            stages = to_create.setdefault(name, [])
            if record.stage and record.stage not in stages:
                stages.append(record.stage)
            kept.append(record)
            continue
        pipeline = pipeline or next((p for p in existing if p.is_default), None)
        if pipeline is None or not record.stage:
            kept.append(record)
            continue
        if pipelines.find_stage(pipeline, record.stage) is None and \
                record.stage.strip().lower() not in {"closed won", "closed lost", "won", "lost"}:
            invalid.append([str(record.line), f"{pipeline.name} has no stage {record.stage!r} "
                            f"(its stages: {', '.join(s.name for s in pipeline.stages)})",
                            *cells.get(record.line, [])])
            continue
        kept.append(record)
    return kept, to_create


def existing_pipeline(found: list[Pipeline], name: str) -> Pipeline | None:
    """The pipeline called ``name`` (key or name), if there is one."""
    wanted = slug(name)
    return next((p for p in found if wanted in {p.key, slug(p.name)}), None)


def prepare(session: Session, workspace_id: int, data: bytes, filename: str, now: datetime, *,
            mode: str = "update", pipeline: str | None = None, encoding: str | None = None,
            delimiter: str | None = None) -> ImportJob:
    """Read and check a deals file and record the import job (status ``prepared``)."""
    if mode not in MODES:
        raise BadInput(f"the import mode is add, update or skip, not {mode!r}",
                       hint="add: new deals, fill gaps in known ones; update: also overwrite "
                            "known deals' fields; skip: leave known ones alone.")
    if len(data) > MAX_BYTES:
        raise BadInput(f"the file is larger than {MAX_BYTES // 2**20} MB",
                       hint="Split it into smaller files and import them one by one.")
    if pipeline:
        pipelines.ensure(session, workspace_id, now)
        pipeline = pipelines.find(session, pipeline).name
    else:
        pipelines.ensure(session, workspace_id, now)
    result = read(data, encoding, delimiter)
    table_cells = _cells_by_line(data, encoding, delimiter)
    records, to_create = _plan_pipelines(session, result.records, pipeline, result.invalid,
                                         table_cells)
    known = sum(1 for r in records if known_deal(session, r, result.format) is not None)
    report: dict[str, Any] = {
        "format": result.format, "encoding": result.encoding, "delimiter": result.delimiter,
        "columns": result.columns, "sha256": hashlib.sha256(data).hexdigest(),
        "size": len(data), "pipeline": pipeline,
        "not_imported": [h for h, f in result.columns.items() if not f],
        "new_pipelines": to_create, "preview": {"new": len(records) - known, "known": known},
        "invalid_reasons": [[row[0], row[1]] for row in result.invalid[:50]],
        "rows": [r.to_json() for r in records]}
    invalid_text = None
    if result.invalid:
        out = io.StringIO()
        csv_io.write_csv(["row", "reason", *result.header],
                         sorted(result.invalid, key=lambda r: int(str(r[0]))), out)
        invalid_text = out.getvalue()
    job = ImportJob(workspace_id=workspace_id, kind="deals-csv",
                    filename=PurePath(filename).name[:500], mode=mode, status="prepared",
                    total=len(records) + len(result.invalid), invalid=len(result.invalid),
                    report=report, invalid_rows=invalid_text, started_at=now)
    session.add(job)
    session.flush()
    return job


def _cells_by_line(data: bytes, encoding: str | None, delimiter: str | None) \
        -> dict[int, list[str]]:
    table = csv_io.read_table(data, encoding, delimiter)
    return dict(table.rows)


def external_id(record: DealRecord, fmt: str) -> str | None:
    """Where the record came from: "hubspot:101" (None without an id column)."""
    if not record.external_id:
        return None
    source = fmt if fmt in {"hubspot", "pipedrive"} else "csv"
    return f"{source}:{record.external_id}"[:200]


def known_deal(session: Session, record: DealRecord, fmt: str) -> int | None:
    """The deal this record updates: same CRM id, else the same title."""
    external = external_id(record, fmt)
    if external:
        found = session.scalar(select(DealRow.id).where(DealRow.external_id == external))
        if found is not None:
            return int(found)
    return session.scalar(select(DealRow.id).where(
        func.lower(DealRow.title) == record.title.strip().lower()).limit(1))


def import_action(job: ImportJob) -> Action:
    """The sales.import_deals action for a prepared job: what the gate and the client see."""
    report = job.report
    preview = report.get("preview", {})
    valid = job.total - job.invalid
    payload: dict[str, Any] = {
        "import_job_id": job.id, "file": job.filename, "format": report.get("format"),
        "sha256": report.get("sha256"), "size": report.get("size"), "mode": job.mode,
        "rows": valid, "invalid": job.invalid, "new": preview.get("new", 0),
        "known": preview.get("known", 0), "mapping": report.get("columns", {}),
        "new_pipelines": sorted(report.get("new_pipelines") or {})}
    left_out = f"; {job.invalid} invalid rows left out" if job.invalid else ""
    summary = (f"Import {valid:,} deals from {job.filename} ({preview.get('new', 0):,} new, "
               f"{preview.get('known', 0):,} known; mode {job.mode}{left_out})")
    return Action(duty="sales.track", kind=KIND, payload=payload, summary=summary,
                  undoable=True)


def job_for(session: Session, job_id: int) -> ImportJob:
    """A deals import of this workspace."""
    job = session.get(ImportJob, job_id)
    if job is None or job.kind != "deals-csv":
        raise BadInput(f"there is no deals import #{job_id}",
                       hint="See the imports with `righthand deals imports`.")
    return job
