"""``righthand deals`` (continued): adding and importing deals, and editing pipelines."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import common
from righthand.commands.deals import _check, _propose, app
from righthand.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.store.tables import ImportJob


@app.command("add")
def add(title: Annotated[str, typer.Argument(help="The deal's title, e.g. 'Park purchase'.")],
        stage: Annotated[str | None, typer.Option(help="Stage (default: the first).")] = None,
        pipeline: Annotated[str | None, typer.Option(help="Pipeline (default: yours).")] = None,
        amount: Annotated[str | None, typer.Option(help="Amount, e.g. 450000.")] = None,
        currency: Annotated[str | None, typer.Option(help="ISO code, e.g. USD.")] = None,
        close: Annotated[str | None, typer.Option(help="Expected close: 'Dec 14', ISO.")]
        = None,
        contact: Annotated[list[str] | None, typer.Option(
            help="NAME or NAME:role (buyer, seller, lender...). Repeatable.")] = None,
        ) -> None:
    """Add a deal."""
    from decimal import Decimal, InvalidOperation
    from zoneinfo import ZoneInfo

    from sqlalchemy import func, select

    from righthand.domain.when import find_when
    from righthand.duties.sales import pipelines
    from righthand.duties.sales.creating import create_action
    from righthand.store.tables import ContactRow

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        now = application.clock()
        chosen = pipelines.find(session, pipeline) if pipeline else \
            pipelines.default(session, ws.id, now)
        target = pipelines.find_stage(chosen, stage) if stage else \
            next(s for s in chosen.stages if s.is_open)
        if target is None:
            raise BadInput(f"{chosen.name} has no stage {stage!r}",
                           hint="Stages: " + ", ".join(s.name for s in chosen.stages))
        try:
            value = Decimal(amount.replace(",", "").lstrip("$€£")) if amount else None
        except InvalidOperation:
            raise BadInput(f"{amount!r} is not an amount", hint="For example 450000.") from None
        today = now.astimezone(ZoneInfo(ws.timezone)).date()
        when = find_when(close, today) if close else None
        if close and when is None:
            raise BadInput(f"{close!r} is not a date I understand")
        people = []
        for item in contact or []:
            name, _, role = item.partition(":")
            found = session.scalars(select(ContactRow).where(
                func.lower(ContactRow.display_name) == name.strip().lower())).all()
            if len(found) != 1:
                raise BadInput(f"{name!r} is {'not a contact' if not found else 'ambiguous'}",
                               hint="Use the contact's full name as in `righthand contacts`.")
            people.append((found[0].id, found[0].display_name, role.strip()))
        action = create_action(chosen, target, title, amount=value,
                               currency=currency.upper() if currency else None,
                               expected_close=when.day if when else None, people=people)
    _propose([action], application)


@app.command("import")
def import_deals(
        file: Annotated[Path, typer.Argument(help="A CSV export (HubSpot, Pipedrive, or plain).",
                                             exists=True, dir_okay=False, readable=True)],
        mode: Annotated[str, typer.Option(help="update (default), add or skip.")] = "update",
        pipeline: Annotated[str | None, typer.Option(
            help="Put every deal in this pipeline (default: the file's).")] = None,
        encoding: Annotated[str | None, typer.Option(help="Default: detected.")] = None,
        delimiter: Annotated[str | None, typer.Option(help="Default: detected.")] = None,
        dry_run: Annotated[bool, typer.Option("--dry-run", help="Check and report only.")]
        = False) -> None:
    """Import deals from a CRM's CSV export; the report names every row left out and why."""
    from righthand.duties.sales import import_apply

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        job = import_apply.prepare(session, ws.id, file.read_bytes(), file.name,
                                   application.clock(), mode=mode, pipeline=pipeline,
                                   encoding=encoding, delimiter=delimiter)
        if dry_run:
            job.status = "checked"
        action = import_apply.import_action(job)
        job_id = job.id
        for line in report_lines(job):
            typer.echo(line)
    if dry_run:
        typer.echo("Dry run: nothing imported.")
        return
    _propose([action], application)
    with common.workspace(application, write=False) as (session, _ws):
        done = import_apply.job_for(session, job_id)
        if done.status == "done":
            for line in report_lines(done)[-3:]:
                typer.echo(line)


def report_lines(job: ImportJob) -> list[str]:
    """The import report in words (the same shape as the contacts import's)."""
    report = job.report
    names = {"hubspot": "a HubSpot export", "pipedrive": "a Pipedrive export",
             "csv": "a CSV file"}
    delimiter = {"\t": "tab", ",": "comma", ";": "semicolon", "|": "pipe"}.get(
        report.get("delimiter", ","), report.get("delimiter"))
    lines = [f"Import #{job.id}: {job.filename} is {names.get(report.get('format', ''), 'CSV')}"
             f" ({report.get('encoding')}, {delimiter}-separated): {job.total:,} rows, "
             f"{job.invalid:,} invalid."]
    if report.get("not_imported"):
        lines.append("Columns not imported: " + ", ".join(report["not_imported"][:12]) + ".")
    for name, stages in (report.get("new_pipelines") or {}).items():
        lines.append(f"New pipeline {name!r}" + (f" with stages {', '.join(stages)}"
                                                  if stages else "") + ".")
    for row, reason in report.get("invalid_reasons", [])[:10]:
        lines.append(f"  row {row}: {reason}")
    if job.invalid:
        lines.append(f"The invalid rows, with the reason for each: `righthand deals "
                     f"import-report {job.id} --invalid-csv FILE`.")
    result = report.get("result")
    if result:
        lines.append(f"Created {result['created']:,}, updated {result['updated']:,}, skipped "
                     f"{result['skipped']:,}, invalid {job.invalid:,}.")
        missing = result.get("contacts_not_found_count", 0)
        lines.append(f"{missing} people in the file are not among your contacts (not linked): "
                     + ", ".join(result.get("contacts_not_found", [])[:5]) + "."
                     if missing else "Every person in the file was linked to a contact.")
    else:
        preview = report.get("preview", {})
        lines.append(f"Ready: {preview.get('new', 0):,} new deals, {preview.get('known', 0):,} "
                     f"already known (mode {job.mode}).")
    return lines


@app.command("import-report")
def import_report(job: Annotated[int, typer.Argument(help="The import's number.")],
                  invalid_csv: Annotated[Path | None, typer.Option(
                      help="Write the invalid rows (with reasons) to this CSV file.")] = None,
                  ) -> None:
    """An import's report; the rows it left out, as CSV."""
    from righthand.duties.sales import import_apply

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        found = import_apply.job_for(session, job)
        for line in report_lines(found):
            typer.echo(line)
        if invalid_csv is not None:
            if not found.invalid_rows:
                typer.echo("No invalid rows.")
                return
            invalid_csv.write_text(found.invalid_rows, encoding="utf-8-sig")
            typer.echo(f"{found.invalid} invalid rows written to {invalid_csv}.")


@app.command("pipelines")
def list_pipelines() -> None:
    """Pipelines and their stages: probability and when a deal counts as stalled."""
    from righthand.duties.sales import pipelines
    from righthand.duties.sales.words import plural

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        pipelines.ensure(session, ws.id, application.clock())
        for found in pipelines.all_pipelines(session):
            typer.echo(f"{found.name} ({found.key}){' — default' if found.is_default else ''}")
            for stage in found.stages:
                stall = f"stalled after {stage.stalled_after_days} days" \
                    if stage.stalled_after_days else "never stalls"
                kind = f" [{stage.outcome}]" if stage.outcome != "open" else ""
                count = plural(pipelines.deals_in_stage(session, stage.id), "deal")
                typer.echo(f"  {stage.position + 1}. {stage.name}{kind}: {stage.probability}%, "
                           f"{stall}; {count}")


def _audit(session: Session, workspace_id: int, what: str, data: dict[str, Any],
           application: App) -> None:
    from righthand.service import audit

    audit.append(session, workspace_id, "client", "pipeline.changed", what, data,
                 at=application.clock())


@app.command("stage")
def edit_stage(pipeline: Annotated[str, typer.Argument(help="The pipeline.")],
               stage: Annotated[str, typer.Argument(help="The stage.")],
               probability: Annotated[int | None, typer.Option(help="Default %.")] = None,
               stalled_after: Annotated[int | None, typer.Option(help="Days.")] = None,
               no_stall: Annotated[bool, typer.Option("--no-stall")] = False,
               rename: Annotated[str | None, typer.Option(help="New name.")] = None) -> None:
    """Change a stage's default probability, stall threshold or name (audited)."""
    from righthand.duties.sales import pipelines

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        pipelines.ensure(session, ws.id, application.clock())
        found = pipelines.find(session, pipeline)
        row = pipelines.edit_stage(session, found, stage, probability=probability,
                                   stalled_after_days=stalled_after, clear_stalled=no_stall,
                                   name=rename)
        _audit(session, ws.id, f"{found.key}/{row.key}",
               {"probability": row.probability, "stalled_after_days": row.stalled_after_days,
                "name": row.name}, application)
        stall = f"stalled after {row.stalled_after_days} days" if row.stalled_after_days \
            else "never stalls"
        typer.echo(f"{found.name} / {row.name}: {row.probability}%, {stall}.")


@app.command("stage-add")
def add_stage(pipeline: Annotated[str, typer.Argument(help="The pipeline.")],
              name: Annotated[str, typer.Argument(help="The new stage's name.")],
              after: Annotated[str | None, typer.Option(help="Put it after this stage.")] = None,
              probability: Annotated[int, typer.Option(help="Default %.")] = 50,
              stalled_after: Annotated[int, typer.Option(help="Days.")] = 14) -> None:
    """Add a stage to a pipeline (audited)."""
    from righthand.duties.sales import pipelines

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        found = pipelines.find(session, pipeline)
        row = pipelines.add_stage(session, ws.id, found, name, after=after,
                                  probability=probability, stalled_after_days=stalled_after)
        _audit(session, ws.id, f"{found.key}/{row.key}", {"added": row.name}, application)
        typer.echo(f"Added {row.name} to {found.name}.")


@app.command("pipeline-add")
def add_pipeline(template: Annotated[str, typer.Argument(help="residential or b2b.")],
                 name: Annotated[str | None, typer.Option(help="Its name.")] = None) -> None:
    """Add a pipeline from a shipped template (audited)."""
    from righthand.duties.sales import pipelines
    from righthand.duties.sales.templates import SHIPPED

    if template not in SHIPPED:
        raise BadInput(f"there is no template {template!r}", hint="Templates: "
                       + ", ".join(SHIPPED))
    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        pipelines.ensure(session, ws.id, application.clock())
        row = pipelines.create_from_template(session, ws.id, SHIPPED[template],
                                             application.clock(), key=name or template,
                                             name=name)
        _audit(session, ws.id, row.key, {"template": template}, application)
        typer.echo(f"Added the pipeline {row.name}.")
