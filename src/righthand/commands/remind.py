"""``righthand remind``: "righthand remind call Bob on Friday", and the list of reminders."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from righthand.commands import common, proposing
from righthand.errors import BadInput

if TYPE_CHECKING:
    from righthand.bootstrap import App


def remind(text: Annotated[list[str] | None, typer.Argument(
               help="What and when, e.g. call Bob on Friday.")] = None,
           list_: Annotated[bool, typer.Option("--list", help="Open reminders and follow-ups.")]
           = False,
           done: Annotated[int | None, typer.Option(help="Mark reminder N done.")] = None,
           dismiss: Annotated[int | None, typer.Option(help="Dismiss reminder N.")] = None,
           snooze: Annotated[int | None, typer.Option(help="Snooze reminder N ...")] = None,
           until: Annotated[str | None, typer.Option(help="... until when ('Monday').")]
           = None) -> None:
    """Set a reminder ("call Bob on Friday"), list them, or mark one done."""
    application = common.build_app()
    if done is not None or dismiss is not None or snooze is not None:
        _update(application, done, dismiss, snooze, until)
        return
    if list_ or not text:
        _list(application)
        return
    from righthand.service.assistant import ask

    words = " ".join(text).strip()
    if not words.lower().startswith(("remind me", "follow up", "check in")):
        words = "Remind me " + words
    answer = ask(application, words, common.state["workspace"])
    typer.echo(answer.answer)


def _list(application: App) -> None:
    from zoneinfo import ZoneInfo

    from righthand.duties.briefing import reminders
    from righthand.duties.sales.words import clock, day_phrase

    with common.workspace(application, write=False) as (session, ws):
        rows = reminders.open_reminders(session)
        today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
        if not rows:
            typer.echo("No open reminders.")
            return
        for row, name in rows:
            due = row.due_at.astimezone(ZoneInfo(ws.timezone))
            when = day_phrase(due.date(), today) + (f" {clock(row.due_at, ws.timezone)}"
                                                     if row.has_time else "")
            who = f" ({name})" if name and name not in row.text else ""
            kind = {"reminder": "", "follow_up": " [follow-up]", "awaiting_reply":
                    " [awaiting reply]", "nudge": " [nudge]"}[row.kind]
            typer.echo(f"#{row.id} {when}: {row.text}{who}{kind}")


def _update(application: App, done: int | None, dismiss: int | None, snooze: int | None,
            until: str | None) -> None:
    from zoneinfo import ZoneInfo

    from righthand.domain.when import find_when
    from righthand.duties.briefing import reminders

    with common.workspace(application, write=False) as (session, ws):
        if done is not None:
            action = reminders.update_action(reminders.get(session, done), "done")
        elif dismiss is not None:
            action = reminders.update_action(reminders.get(session, dismiss), "dismiss")
        else:
            assert snooze is not None
            today = application.clock().astimezone(ZoneInfo(ws.timezone)).date()
            when = find_when(until or "tomorrow", today)
            if when is None:
                raise BadInput(f"{until!r} is not a day I understand", hint="Try 'Monday'.")
            due = reminders.due_on(when.day, when.time, ws.timezone)
            action = reminders.update_action(reminders.get(session, snooze), "snooze", due.at)
    for line in proposing.propose(application, [action]):
        typer.echo(line)
