"""``righthand calls``: the phone line, call screening rules, the call log."""

from __future__ import annotations

from typing import Annotated

import typer

from righthand.commands import common

app = typer.Typer(help="Your phone line and call screening.", no_args_is_help=True)
rules_app = typer.Typer(help="Call screening rules in plain words.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@app.command()
def line(number: Annotated[str, typer.Argument(help="The line's number (E.164).")],
         auth_token: Annotated[str | None, typer.Option(
             help="The carrier's auth token (verifies webhooks).",
             envvar="RIGHTHAND_TWILIO_AUTH_TOKEN")] = None,
         ring_to: Annotated[str | None, typer.Option(help="Your own phone, rung through.")]
         = None,
         greeting: Annotated[str | None, typer.Option(help="Voicemail greeting.")] = None,
         account_sid: Annotated[str | None, typer.Option(
             help="The carrier's account SID (texts urgent mail to your own phone).",
             envvar="RIGHTHAND_TWILIO_ACCOUNT_SID")] = None) -> None:
    """Set up the phone line; point the carrier's voice webhook at the URL shown."""
    from righthand.duties.screening import call_book

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row = call_book.set_line(session, ws.id, number, application.clock(),
                                 auth_token=auth_token, ring_to=ring_to, greeting=greeting,
                                 account_sid=account_sid)
        slug, shown = ws.slug, row.number
    typer.echo(f"Phone line {shown} saved. Voice webhook (POST): "
               f"https://YOUR-HOST/hooks/twilio/{slug}/voice")


@rules_app.command("add")
def rules_add(text: Annotated[str, typer.Argument(
        help="e.g. 'after 6 pm everyone but family goes to voicemail'")]) -> None:
    """Add a rule (tried after the existing ones)."""
    from righthand.duties.screening import call_book
    from righthand.duties.screening.call_rules import describe

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        rule = call_book.add_rule(session, ws.id, text, application.clock())
        typer.echo(f"#{rule.id} {describe(rule.action, rule.spec)}")


@rules_app.command("list")
def rules_list() -> None:
    """The rules, in the order they are tried."""
    from righthand.duties.screening import call_book

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        found = call_book.rules(session)
        if not found:
            typer.echo("No call rules: contacts ring through, unknown callers are asked who "
                       "and why, calls with no caller ID go to voicemail.")
        for rule, words in found:
            typer.echo(f"#{rule.id} {words}  ({rule.text})")


@rules_app.command("remove")
def rules_remove(rule_id: Annotated[int, typer.Argument(help="The rule's number.")]) -> None:
    """Delete a rule."""
    from righthand.duties.screening import call_book

    application = common.build_app()
    with common.workspace(application) as (session, _ws):
        text = call_book.remove_rule(session, rule_id)
    typer.echo(f"Removed: {text}")


@app.command("log")
def log(hours: Annotated[int, typer.Option(help="How far back.")] = 24) -> None:
    """Who called, what they said, and what screening did."""
    from datetime import timedelta

    from righthand.duties.screening.call_answers import call_log

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        now = application.clock()
        typer.echo(call_log(session, now - timedelta(hours=hours), now, ws.timezone,
                            include_blocked=True))
