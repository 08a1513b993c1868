"""``righthand calendar`` and ``righthand schedule``: the client's own view and tools.

These are the client's commands (like ``approvals``), not the assistant's: they read and
import whatever the job description says. Changes the assistant proposes still go through
``righthand ask`` and the gate. ``calendar agenda`` takes a quick path that imports nothing
heavy (see :mod:`righthand.commands.calendar_quick`).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from righthand.commands import common

app = typer.Typer(help="The calendar: agenda, free time, import, export, subscriptions, sync.")
schedule_app = typer.Typer(help="Scheduling: availability rules and requests in progress.")

DayArg = Annotated[str | None, typer.Argument(help="A day: 2026-12-03, today, tomorrow, friday...")]
DaysOpt = Annotated[int, typer.Option("--days", "-n", help="How many days.")]


def _day(text: str | None, today: date) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        from righthand.conversation.calendar_words import day_in
        from righthand.errors import BadInput

        found = day_in(text, today)
        if found is None:
            raise BadInput(f"{text!r} is not a day I understand",
                           hint="Use 2026-12-03, today, tomorrow or a weekday.") from None
        return found[0]


@app.command("agenda")
def agenda(day: DayArg = None, days: DaysOpt = 1) -> None:
    """What's on: one day (default today) or several."""
    from datetime import UTC, datetime

    from righthand.config import load_settings

    now = datetime.now(UTC)
    settings = load_settings()
    wanted = day if day is None or day[:1].isdigit() else None
    if day is None or wanted is not None:
        from righthand.commands.calendar_quick import agenda as quick

        text = quick(settings.database_url, common.state["workspace"],
                     date.fromisoformat(wanted) if wanted else None, max(1, days), now)
        if text is not None:
            typer.echo(text)
            return
    _full_agenda(day, days)


def _full_agenda(day: str | None, days: int) -> None:
    from zoneinfo import ZoneInfo

    from righthand.duties.calendar.answers import agenda as answer
    from righthand.duties.plugin import Request
    from righthand.service import workspaces

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        first = _day(day, today) or today
        reply = answer(Request(text="", intent="calendar.agenda",
                               slots={"date": first.isoformat(), "days": max(1, days)},
                               now=application.clock(), workspace=workspaces.info(ws),
                               session=session))
    typer.echo(reply.text)


@app.command("free")
def free(day: DayArg = None, days: DaysOpt = 7) -> None:
    """Free time in working hours (default: the next seven days)."""
    from zoneinfo import ZoneInfo

    from righthand.duties.calendar.answers import free_time
    from righthand.duties.plugin import Request
    from righthand.service import workspaces

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        first = _day(day, today) or today
        reply = free_time(Request(text="", intent="calendar.free_time",
                                  slots={"date": first.isoformat(), "days": days},
                                  now=application.clock(), workspace=workspaces.info(ws),
                                  session=session))
    typer.echo(reply.text)


def _calendar(session: Any, workspace_id: int, name: str, busy: bool = True) -> Any:
    from sqlalchemy import func, select

    from righthand.store.tables import CalendarRow

    row = session.scalars(select(CalendarRow).where(
        func.lower(CalendarRow.name) == name.lower())).first()
    if row is None:
        row = CalendarRow(workspace_id=workspace_id, name=name, busy=busy)
        session.add(row)
        session.flush()
    return row


@app.command("import")
def import_(path: Annotated[Path, typer.Argument(help="An .ics file or a vdir folder.")],
            calendar: Annotated[str, typer.Option(help="Calendar to import into.")] = "Work",
            ) -> None:
    """Import events from an .ics file or a vdir (one .ics per event)."""
    from righthand.service import calendar_files

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        cal = _calendar(session, ws.id, calendar)
        report = calendar_files.import_path(session, ws, cal.id, path, application.clock())
    typer.echo(f"Imported into {calendar}: {report.created} new, {report.updated} updated, "
               f"{report.skipped} without events, {len(report.errors)} unreadable.")
    for error in report.errors[:5]:
        typer.echo(f"  {error}", err=True)


@app.command("export")
def export(output: Annotated[Path | None, typer.Option("--output", "-o",
                                                       help="File (default: stdout).")] = None,
           calendar: Annotated[str | None, typer.Option(help="Only this calendar.")] = None,
           ) -> None:
    """Export events as one .ics file (RFC 5545), recurrences and exceptions intact."""
    from righthand.service import calendar_files

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        text = calendar_files.export(session, calendar)
    if output is None:
        typer.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8", newline="")
        typer.echo(f"Wrote {output}.")


@app.command("subscribe")
def subscribe(url: str, name: Annotated[str | None, typer.Option(help="Calendar name.")] = None,
              every: Annotated[int, typer.Option(help="Refresh every N minutes.")] = 360,
              busy: Annotated[bool, typer.Option(help="Counts as busy.")] = False) -> None:
    """Subscribe to a published calendar (https:// or webcal://; public addresses only)."""
    from righthand.service import calendar_sync

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        cal_id = calendar_sync.add_subscription(session, ws.id, url, name, every, busy)
    report = calendar_sync.refresh_subscriptions(application, only=cal_id)
    typer.echo(f"Subscribed ({report.one_line()}).")


@app.command("sync")
def sync() -> None:
    """Two-way CalDAV sync now (each workspace's own server from Settings → Connections, else
    RIGHTHAND_CALDAV_URL), and due subscriptions."""
    from righthand.service import calendar_sync

    application = common.build_app()
    report = application.dispatcher().sync_calendars()
    report.merge(calendar_sync.refresh_subscriptions(application))
    typer.echo(report.one_line())
    for conflict in report.conflicts:
        typer.echo(f"  conflict: {conflict}")


@app.command("calendars")
def calendars(add: Annotated[str | None, typer.Option(help="Add (or change) a calendar.")] = None,
              color: Annotated[str | None, typer.Option(help="#rrggbb")] = None,
              busy: Annotated[bool | None, typer.Option(help="Counts as busy.")] = None) -> None:
    """The calendars, their colours and whether they count as busy."""
    from sqlalchemy import select

    from righthand.store.tables import CalendarRow, CalendarSource

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        if add:
            row = _calendar(session, ws.id, add)
            if color:
                row.color = color
            if busy is not None:
                row.busy = busy
        sources = {s.calendar_id: s for s in session.scalars(select(CalendarSource))}
        for row in session.scalars(select(CalendarRow).order_by(CalendarRow.id)):
            source = sources.get(row.id)
            where = f" [{source.kind}: {source.url}]" if source else ""
            typer.echo(f"{row.name:<20} {row.color}  {'busy' if row.busy else 'free'}{where}")


@app.command("conflicts")
def conflicts() -> None:
    """Sync conflicts: which version was kept; the other is kept here, whole."""
    from sqlalchemy import select

    from righthand.store.tables import CalendarConflict

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = session.scalars(select(CalendarConflict).where(
            CalendarConflict.resolved_at.is_(None)).order_by(CalendarConflict.id)).all()
        for row in rows:
            typer.echo(f"#{row.id} {row.uid}: kept the {row.kept} version; {row.reason}")
    if not rows:
        typer.echo("No sync conflicts.")


@schedule_app.command("rules")
def rules(set_: Annotated[list[str] | None, typer.Option(
        "--set", help="key=value, e.g. hours.mon=09:00-12:00,13:00-17:00 or "
                      "buffer_before_minutes=15. Repeatable.")] = None) -> None:
    """Show or change availability: hours, overrides, holidays, notice, buffers, limits."""
    import json

    from righthand.duties.appointments import rules as stored

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        changes: dict[str, Any] = {}
        current = stored.load(session).to_json()
        for item in set_ or []:
            key, _, value = item.partition("=")
            head, _, sub = key.partition(".")
            if sub:
                changes.setdefault(head, dict(current.get(head) or {}))[sub] = value
            elif head in {"holidays", "blocked"}:
                changes[head] = json.loads(value) if value.startswith("[") else \
                    [v for v in value.split(",") if v]
            else:
                changes[head] = value
        result = stored.save(session, ws.id, changes, application.clock()) if changes else \
            stored.load(session)
    typer.echo(json.dumps(result.to_json(), indent=2))


@schedule_app.command("list")
def schedule_list() -> None:
    """Scheduling requests: offered times and bookings."""
    from sqlalchemy import select

    from righthand.store.tables import AppointmentRequest

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = session.scalars(select(AppointmentRequest).order_by(AppointmentRequest.id)).all()
        for row in rows:
            offered = (row.slots or {}).get("offered") or []
            options = "; ".join(f"{n}) {s[0][:16]}" for n, s in enumerate(offered, 1))
            typer.echo(f"#{row.id} [{row.state}] {row.summary} {options}")
    if not rows:
        typer.echo("No scheduling requests.")


@schedule_app.command("book")
def schedule_book(request: int, option: int) -> None:
    """Book the option the attendees chose (through the gate, like any action)."""
    from righthand.service.assistant import ask

    answer = ask(common.build_app(), f"book option {option} for request {request}",
                 common.state["workspace"])
    typer.echo(answer.answer)
