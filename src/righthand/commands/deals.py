"""``righthand deals``: the sales pipeline (sales.track)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import common, proposing
from righthand.errors import BadInput, NotDelegated

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.duties.sales.records import DealView
    from righthand.store.tables import Workspace

app = typer.Typer(help="Deals and pipelines: where each deal stands, the forecast, updates.",
                  no_args_is_help=False)
DealArg = Annotated[str, typer.Argument(help="The deal: its number, or words like 'Jones'.")]


def _check(application: App, session: Session, ws: Workspace) -> None:
    from righthand.policy.access import ReadRefusal, check_read
    from righthand.service import workspaces

    job = workspaces.job_description(session, ws)
    verdict = check_read("sales.track", frozenset({"deals"}), job, application.catalog)
    if isinstance(verdict, ReadRefusal):
        raise NotDelegated(verdict.reason, hint="`righthand phase set III` hands it over.")


def _deal(application: App, session: Session, ws: Workspace, text: str) -> DealView:
    from righthand.duties.plugin import Reply
    from righthand.duties.sales import handlers, pipelines, records

    pipelines.ensure(session, ws.id, application.clock())
    if text.strip().lstrip("#").isdigit():
        return records.get(session, int(text.strip().lstrip("#")))
    found = handlers.resolve(session, ws.id, text, application.clock())
    if isinstance(found, Reply):
        raise BadInput(found.text, hint="Use the deal's number from `righthand deals list`.")
    return found


@app.callback(invoke_without_command=True)
def deals_default(ctx: typer.Context) -> None:
    """List open deals when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        list_deals()


@app.command("list")
def list_deals(all_: Annotated[bool, typer.Option("--all", help="Won and lost too.")] = False,
               stage: Annotated[str | None, typer.Option(help="Only this stage.")] = None,
               pipeline: Annotated[str | None, typer.Option(help="Only this pipeline.")] = None,
               ) -> None:
    """Deals with their stage, amount, close date and what needs attention."""
    from zoneinfo import ZoneInfo

    from rich.table import Table

    from righthand.duties.sales import health, pipelines, records
    from righthand.duties.sales.words import day_phrase, money

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        pipelines.ensure(session, ws.id, application.clock())
        chosen = pipelines.find(session, pipeline).id if pipeline else None
        deals = records.load(session, status=None if all_ else "open", pipeline_id=chosen)
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        table = Table(title=f"Deals of {ws.client_name}")
        for column in ("#", "deal", "stage", "amount", "close", "next step", "attention"):
            table.add_column(column)
        for deal in deals:
            if stage and pipelines.find_stage(deal.pipeline, stage) != deal.stage:
                continue
            days = deal.days_in_stage(today)
            risks = health.assess(deal, today, health.awaiting(session, deal, ws.timezone))
            step = deal.next_step or "-"
            if deal.next_step and deal.next_step_due:
                step += f" ({day_phrase(deal.next_step_due, today)})"
            table.add_row(str(deal.id), deal.title,
                          deal.stage.name + (f" {days}d" if days is not None and deal.is_open
                                             else "") + ("" if deal.is_open
                                                         else f" [{deal.status}]"),
                          money(deal.amount, deal.currency) if deal.amount else "-",
                          f"{deal.expected_close:%d %b %Y}" if deal.expected_close else "-",
                          step, "; ".join(r.text for r in risks) or "-")
    common.console().print(table if table.row_count else "No deals yet. Import some with "
                           "`righthand deals import FILE` or add one with `righthand deals add`.")


@app.command("show")
def show(deal: DealArg) -> None:
    """Where a deal stands, its people and its latest activity."""
    from righthand.duties.sales import status, timeline

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        timeline.link_events(session, ws.id, application.clock())
        found = _deal(application, session, ws, deal)
        typer.echo(f"#{found.id} {found.title} ({found.pipeline.name})")
        typer.echo(status.describe(session, found, application.clock(), ws.timezone))
        if found.parties:
            typer.echo("People: " + "; ".join(p.describe() for p in found.parties))
        if found.tags:
            typer.echo("Tags: " + ", ".join(found.tags))
        _print_timeline(session, found.id, ws.timezone, limit=5)


def _print_timeline(session: Session, deal_id: int, zone: str, limit: int | None = None,
                    include_unlinked: bool = False) -> None:
    from zoneinfo import ZoneInfo

    from righthand.duties.sales import timeline

    entries = timeline.entries(session, deal_id, include_unlinked=include_unlinked, limit=limit)
    if not entries:
        typer.echo("The timeline is empty.")
        return
    typer.echo("Timeline (newest first):")
    for entry in entries:
        who = f" — {entry.contact}" if entry.contact else ""
        gone = " [unlinked]" if entry.unlinked else ""
        typer.echo(f"  [{entry.id}] {entry.at.astimezone(ZoneInfo(zone)):%d %b %H:%M} "
                   f"{entry.kind:<12} {entry.summary}{who}{gone}")


@app.command("timeline")
def show_timeline(deal: DealArg,
                  all_: Annotated[bool, typer.Option("--all", help="Unlinked entries too.")]
                  = False) -> None:
    """Every email, meeting, call, note and change of a deal; numbers for `deals unlink`."""
    from righthand.duties.sales import timeline

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        timeline.link_events(session, ws.id, application.clock())
        found = _deal(application, session, ws, deal)
        typer.echo(f"#{found.id} {found.title}")
        _print_timeline(session, found.id, ws.timezone, include_unlinked=all_)


@app.command("pipeline")
def pipeline(svg: Annotated[Path | None, typer.Option(help="Also write the funnel as SVG.")]
             = None) -> None:
    """Totals per stage, the weighted forecast for the month and quarter, stalled deals."""
    from zoneinfo import ZoneInfo

    from righthand.duties.briefing import charts
    from righthand.duties.sales import forecast, pipelines, records

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        _check(application, session, ws)
        pipelines.ensure(session, ws.id, application.clock())
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        open_deals = records.load(session)
        summaries = forecast.summarize(open_deals, records.load(session, status="won"), today,
                                       ws.timezone)
        typer.echo(forecast.describe(summaries, today))
        if svg is not None:
            svg.write_text(charts.pipeline_funnel(open_deals), encoding="utf-8")
            typer.echo(f"Funnel written to {svg}.")


def _propose(actions: list[Any], application: App | None = None) -> None:
    for line in proposing.propose(application or common.build_app(), actions):
        typer.echo(line)


@app.command("move")
def move(deal: DealArg, stage: Annotated[str, typer.Argument(help="The stage to move it to.")]
         ) -> None:
    """Move a deal to another stage."""
    from righthand.duties.sales import pipelines, updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        found = _deal(application, session, ws, deal)
        target = pipelines.find_stage(found.pipeline, stage)
        if target is None:
            raise BadInput(f"{found.pipeline.name} has no stage {stage!r}",
                           hint="Stages: " + ", ".join(s.name for s in found.pipeline.stages))
        action = updates.move(found, target)
    _propose([action], application)


@app.command("won")
def won(deal: DealArg) -> None:
    """Mark a deal won."""
    from righthand.duties.sales import updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        action = updates.won(_deal(application, session, ws, deal))
    _propose([action], application)


@app.command("lost")
def lost(deal: DealArg,
         reason: Annotated[str | None, typer.Option(help="Why it was lost.")] = None) -> None:
    """Mark a deal lost, with the reason."""
    from righthand.duties.sales import updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        action = updates.lost(_deal(application, session, ws, deal), reason)
    _propose([action], application)


@app.command("reopen")
def reopen(deal: DealArg) -> None:
    """Reopen a won or lost deal."""
    from righthand.duties.sales import updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        action = updates.reopen(_deal(application, session, ws, deal))
    _propose([action], application)


@app.command("next-step")
def next_step(deal: DealArg, step: Annotated[str, typer.Argument(help="What happens next.")],
              due: Annotated[str | None, typer.Option(help="When: 'Friday', '2026-12-03'.")]
              = None) -> None:
    """Set a deal's next step and when it is due."""
    from zoneinfo import ZoneInfo

    from righthand.domain.when import find_when
    from righthand.duties.sales import updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        when = find_when(due, today) if due else None
        if due and when is None:
            raise BadInput(f"{due!r} is not a day I understand", hint="Try 'Friday' or "
                                                                      "'2026-12-03'.")
        action = updates.next_step(_deal(application, session, ws, deal), step,
                                   when.day if when else None)
    _propose([action], application)


@app.command("note")
def note(deal: DealArg, text: Annotated[str, typer.Argument(help="The note.")]) -> None:
    """Add a note to a deal's timeline."""
    from righthand.duties.sales import updates

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        action = updates.note(_deal(application, session, ws, deal), text)
    _propose([action], application)


@app.command("unlink")
def unlink(entry: Annotated[int, typer.Argument(help="The timeline entry's number.")]) -> None:
    """Take an email, meeting or call that does not belong off a deal's timeline."""
    from righthand.duties.sales import records, updates
    from righthand.store.tables import DealActivityRow

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        _check(application, session, ws)
        row = session.get(DealActivityRow, entry)
        if row is None:
            raise BadInput(f"there is no timeline entry #{entry}",
                           hint="Entry numbers are shown by `righthand deals timeline DEAL`.")
        action = updates.unlink(records.get(session, row.deal_id), row.id, row.summary)
    _propose([action], application)


from righthand.commands import deals_admin  # noqa: E402, F401 - adds add/import/pipelines
