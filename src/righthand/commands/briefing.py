"""``righthand briefing``: today's briefing (or the weekly review), and its settings."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from righthand.commands import common, proposing
from righthand.errors import NotDelegated

app = typer.Typer(help="Your daily briefing and weekly review (briefing.manage).")


@app.callback(invoke_without_command=True)
def briefing(ctx: typer.Context,
             weekly: Annotated[bool, typer.Option("--weekly", help="The weekly review.")]
             = False,
             html: Annotated[Path | None, typer.Option(help="Also write the HTML version.")]
             = None,
             send: Annotated[bool, typer.Option("--send", help="Email it to you now.")] = False,
             ) -> None:
    """Print today's briefing (what matters today, from the duties that are on)."""
    if ctx.invoked_subcommand is not None:
        return
    from righthand.duties.briefing import jobs, settings
    from righthand.service import workspaces

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        job = workspaces.job_description(session, ws)
        refused = jobs.refusal(job, application.catalog)
        if refused:
            raise NotDelegated(refused, hint="`righthand phase set III` hands it over.")
        made = jobs.build(session, jobs.info(ws), application.clock(), job,
                          application.catalog, review=weekly,
                          thresholds=application.thresholds())
        address = settings.recipient(ws, settings.load(session))
        client = ws.client_name
    typer.echo(made.text.rstrip())
    if html is not None:
        html.write_text(made.html, encoding="utf-8")
        typer.echo(f"\n(HTML written to {html}.)")
    if send:
        if address is None:
            raise NotDelegated("there is no address to email the briefing to",
                               hint="`righthand briefing settings --email you@example.com`.")
        from righthand.domain.actions import Initiative

        for line in proposing.propose(application, [made.mail_action(address, client,
                                                                     Initiative.REACTIVE)]):
            typer.echo(line)


@app.command("settings")
def briefing_settings(
        time: Annotated[str | None, typer.Option("--time", help="When, e.g. 07:30.")] = None,
        channels: Annotated[str | None, typer.Option(help="email,web / web / email.")] = None,
        email: Annotated[str | None, typer.Option(help="Where to email it ('' = profile).")]
        = None,
        weekly_day: Annotated[str | None, typer.Option(help="Day of the weekly review.")]
        = None,
        sections_off: Annotated[str | None, typer.Option(
            help="Sections to leave out, e.g. supplies,mail ('' = none).")] = None) -> None:
    """Show or change when and how the briefing comes (audited)."""
    from righthand.duties.briefing import settings
    from righthand.service import audit

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        changes = {"send_at": time, "email_to": email, "weekly_day": weekly_day,
                   "channels": channels.split(",") if channels is not None else None,
                   "sections_off": sections_off.split(",") if sections_off is not None
                   else None}
        if any(v is not None for v in changes.values()):
            now = settings.save(session, ws.id, **changes)
            audit.append(session, ws.id, "client", "briefing.settings", "briefing",
                         {k: v for k, v in changes.items() if v is not None},
                         at=application.clock())
        else:
            now = settings.load(session)
        typer.echo("Briefing: " + now.describe() + ".")
