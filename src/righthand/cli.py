"""The ``righthand`` command. Heavy imports happen inside commands, so a cold start is quick."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import briefing as briefing_commands
from righthand.commands import calendar, channels, chat, common, contacts, copy, mailings, supplies
from righthand.commands import calls as calls_commands
from righthand.commands import deals as deals_commands
from righthand.commands import failures as cli_failures
from righthand.commands import lists as lists_commands
from righthand.commands import mail as mail_commands
from righthand.commands import ops as ops_commands
from righthand.commands import remind as remind_commands
from righthand.commands import status as status_commands
from righthand.commands import users as users_commands
from righthand.errors import BadInput, RighthandError

if TYPE_CHECKING:

    from righthand.bootstrap import App

app = typer.Typer(name="righthand", no_args_is_help=True, add_completion=False,
                  help="Righthand, your virtual office assistant. Delegation is phased and earned.")
phase_app = typer.Typer(help="Show or change the phase of the relationship.")
duties_app = typer.Typer(help="The job description: each duty's autonomy, initiative, limits.")
approvals_app = typer.Typer(help="Actions waiting for your yes.")
audit_app = typer.Typer(help="The hash-chained audit log.")
trust_app = typer.Typer(help="Per-duty trust figures and the advisor's proposals.")
outbox_app = typer.Typer(help="Actions on their way out.")
app.add_typer(phase_app, name="phase")
app.add_typer(duties_app, name="duties")
app.add_typer(approvals_app, name="approvals")
app.add_typer(audit_app, name="audit")
app.add_typer(trust_app, name="trust")
app.add_typer(outbox_app, name="outbox")

_state = common.state
WorkspaceOpt = Annotated[str | None, typer.Option("--workspace", "-w", envvar="RIGHTHAND_WORKSPACE",
                                                  help="Workspace to work in (default: current).")]


@app.callback()
def _root(workspace: WorkspaceOpt = None) -> None:
    _state["workspace"] = workspace


_console = common.console
_build = common.build_app
_workspace = common.workspace

# Command groups of the duties (one module each in righthand/commands/).
app.add_typer(deals_commands.app, name="deals")
app.add_typer(briefing_commands.app, name="briefing")
app.command(name="remind")(remind_commands.remind)
app.add_typer(calendar.app, name="calendar")
app.add_typer(calendar.schedule_app, name="schedule")
app.add_typer(mailings.app, name="mailings")
app.add_typer(supplies.app, name="supplies")
app.add_typer(contacts.app, name="contacts")
app.add_typer(lists_commands.app, name="lists")
app.add_typer(lists_commands.suppression_app, name="suppression")
app.add_typer(mail_commands.app, name="mail")
app.add_typer(calls_commands.app, name="calls")
app.add_typer(users_commands.app, name="users")
app.command("serve")(users_commands.serve)
app.command("status")(status_commands.status)
app.command("chat")(chat.chat)
app.add_typer(channels.app, name="channels")
app.command("mcp")(channels.mcp_command)
app.add_typer(copy.app, name="copy")
# Operating the installation (backup, restore, export, deletion, secrets).
app.command("backup")(ops_commands.backup)
app.command("restore")(ops_commands.restore)
app.add_typer(ops_commands.workspaces_app, name="workspaces")
app.add_typer(ops_commands.secrets_app, name="secrets")
app.add_typer(ops_commands.installation_app, name="installation")


# -- setting up ---------------------------------------------------------------------------------
@app.command()
def init(client: Annotated[str, typer.Option(prompt="Your name", help="The client's name.")],
         assistant: Annotated[str, typer.Option(help="The assistant's name.")] = "Jane",
         timezone: Annotated[str, typer.Option(help="IANA time zone, e.g. Europe/London.")] =
         "UTC",
         phase: Annotated[str, typer.Option(help="Starting phase: I, II or III.")] = "I",
         name: Annotated[str | None, typer.Option(help="Workspace name (letters, digits, -).")]
         = None) -> None:
    """Create a workspace for a client, starting in a phase of your choice."""
    import re

    from righthand.policy.duties import Phase
    from righthand.service import workspaces

    chosen = _phase(phase)
    slug = name or re.sub(r"[^a-z0-9]+", "-", client.lower()).strip("-")[:60] or "office"
    application = _build(create_schema=True)
    with application.db.unit(None) as session:
        ws = workspaces.create(session, slug=slug, client_name=client, assistant_name=assistant,
                               timezone=timezone, phase=chosen, catalog=application.catalog,
                               now=application.clock())
        workspaces.set_current(session, ws.slug)
    typer.echo(f"Workspace '{slug}' is ready: {assistant} works for {client} in Phase "
               f"{Phase(chosen).roman} ({Phase(chosen).label}).")


@app.command()
def demo() -> None:
    """Create (or reset) the demo workspace: an estate agent's office, around today."""
    from righthand.service import demo as demo_data
    from righthand.service import workspaces

    application = _build(create_schema=True)
    with application.db.unit(None) as session:
        ws = demo_data.seed(session, application.catalog, application.clock())
        workspaces.set_current(session, ws.slug)
    from righthand.service import demo_mail

    demo_mail.seed(application, ws.id, ws.slug, application.clock())  # a local demo mailbox
    typer.echo(f"Demo workspace ready: {ws.assistant_name} works for {ws.client_name} "
               f"(Harbour & Pine Realty), Phase I. Data in {application.settings.data_dir}.\n"
               "Try:\n  righthand ask \"What's on my calendar today, Jane?\"\n"
               "  righthand ask \"Add Sue Park, sue@example.com, to the newsletter list\"\n"
               "  righthand phase set III\n"
               "  righthand ask \"Anything important in my email?\"  (Phase II and up)")


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    from righthand.config import load_settings
    from righthand.store.db import make_engine
    from righthand.store.db import migrate as run_migrations

    run_migrations(make_engine(load_settings().database_url))
    typer.echo("The database schema is up to date.")


# -- talking to the assistant -------------------------------------------------------------------
@app.command()
def ask(text: Annotated[str, typer.Argument(help="What you want, in your own words.")],
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """One request to the assistant."""
    from righthand.service.assistant import ask as handle

    answer = handle(_build(), text, _state["workspace"])
    if as_json:
        typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
    else:
        typer.echo(answer.answer)


@app.command()
def understand(text: str,
               now: Annotated[str | None, typer.Option(help="ISO date-time for 'now'.")] = None,
               tz: Annotated[str, typer.Option(help="The client's IANA zone.")] = "UTC",
               as_json: Annotated[bool, typer.Option("--json")] = True) -> None:
    """Show how a request is understood (touches no workspace)."""
    from datetime import UTC

    from righthand.conversation.engine import OfflineUnderstander
    from righthand.service.workspaces import check_timezone

    check_timezone(tz)
    moment = _parse_now(now) if now else datetime.now(UTC)
    result = OfflineUnderstander().understand(text, moment, tz)
    typer.echo(json.dumps(result.as_json(), ensure_ascii=False) if as_json else result.intent)


def _parse_now(text: str) -> datetime:
    from datetime import UTC

    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise BadInput(f"--now must be an ISO date-time, not {text!r}",
                       hint="For example 2026-11-26T09:00:00+00:00.") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command()
def undo(action: Annotated[int, typer.Argument(help="The action's number.")]) -> None:
    """Reverse an action, where the world allows it."""
    from righthand.service.undo import undo as run_undo

    application = _build()
    with _workspace(application) as (session, _ws):
        message = run_undo(session, application.registry, action, application.clock())
    typer.echo(message)


# -- the job description ------------------------------------------------------------------------
def _phase(text: str) -> Any:
    from righthand.policy.duties import Phase

    try:
        return Phase.parse(text)
    except ValueError as exc:
        raise BadInput(str(exc), hint="Use I, II or III.") from None


@phase_app.callback(invoke_without_command=True)
def phase_default(ctx: typer.Context) -> None:
    """Show the phase when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        phase_show()


@phase_app.command("show")
def phase_show() -> None:
    """The current phase and what it means."""
    from righthand.policy.duties import Phase

    application = _build()
    with _workspace(application, write=False) as (_session, ws):
        if ws.phase is None:
            typer.echo("A custom job description (no phase preset).")
            return
        current = Phase(ws.phase)
        typer.echo(f"Phase {current.roman}: {current.label}.")
        if current < Phase.III:
            nxt = Phase(current + 1)
            typer.echo(f"Next: Phase {nxt.roman} ({nxt.label}): `righthand phase set "
                       f"{nxt.roman}`.")


@phase_app.command("set")
def phase_set(phase: str) -> None:
    """Switch the job description to a phase preset (any phase; phases may be skipped)."""
    from righthand.service import workspaces

    chosen = _phase(phase)
    application = _build()
    with _workspace(application) as (session, ws):
        workspaces.set_phase(session, ws, chosen, application.catalog, application.clock())
    typer.echo(f"Now in Phase {chosen.roman}: {chosen.label}. See `righthand duties`.")


@duties_app.callback(invoke_without_command=True)
def duties_default(ctx: typer.Context) -> None:
    """Show the job description when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        duties_show()


@duties_app.command("show")
def duties_show() -> None:
    """The job description as a table."""
    from rich.table import Table

    from righthand.service import workspaces

    application = _build()
    with _workspace(application, write=False) as (session, ws):
        job = workspaces.job_description(session, ws)
    table = Table(title=f"Job description of {ws.assistant_name} for {ws.client_name}")
    for column in ("duty", "title", "phase", "autonomy", "initiative", "limits"):
        table.add_column(column)
    for duty, manifest in sorted(application.catalog.items(), key=lambda i: i[1].phase):
        setting = job.setting(duty)
        table.add_row(duty, manifest.title, manifest.phase.roman, str(setting.autonomy),
                      str(setting.initiative) if setting.enabled else "-",
                      setting.limits.describe())
    _console().print(table)


@duties_app.command("set")
def duties_set(
    duty: str,
    autonomy: Annotated[str | None, typer.Option(help="off, ask, notify or auto.")] = None,
    initiative: Annotated[str | None, typer.Option(help="reactive or proactive.")] = None,
    limit: Annotated[list[str] | None, typer.Option(
        help="name=value[:ask|:deny], e.g. spend_per_order=200:deny. Repeatable.")] = None,
) -> None:
    """Change one duty's line of the job description (audited)."""
    from dataclasses import replace

    from righthand.domain.actions import Initiative
    from righthand.policy.autonomy import Autonomy
    from righthand.policy.limits import parse_limit_assignment
    from righthand.service import workspaces

    application = _build()
    with _workspace(application) as (session, ws):
        if duty not in application.catalog:
            raise BadInput(f"there is no duty called {duty!r}",
                           hint="Duties: " + ", ".join(application.catalog))
        setting = workspaces.job_description(session, ws).setting(duty)
        try:
            if autonomy is not None:
                setting = replace(setting, autonomy=Autonomy(autonomy.lower()))
            if initiative is not None:
                setting = replace(setting, initiative=Initiative(initiative.lower()))
            limits = setting.limits
            for text in limit or []:
                name, value, mode = parse_limit_assignment(text)
                limits = limits.with_limit(name, value, mode)
        except ValueError as exc:
            raise BadInput(str(exc), hint="Autonomy is off|ask|notify|auto; initiative is "
                                          "reactive|proactive; limits as name=value[:mode].") \
                from None
        setting = replace(setting, limits=limits)
        workspaces.set_duty(session, ws, duty, setting, application.catalog, application.clock())
    typer.echo(f"{duty}: {setting.autonomy}, {setting.initiative}, limits "
               f"{setting.limits.describe()}.")


# -- approvals ----------------------------------------------------------------------------------
@approvals_app.callback(invoke_without_command=True)
def approvals_default(ctx: typer.Context) -> None:
    """List pending approvals when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        approvals_list()


@approvals_app.command("list")
def approvals_list() -> None:
    """Pending approvals, with exactly what each would do."""
    from righthand.service import approvals

    application = _build()
    with _workspace(application) as (session, _ws):
        waiting = approvals.pending(session, application.clock())
        if not waiting:
            typer.echo("Nothing is waiting for your approval.")
            return
        for item in waiting:
            typer.echo(f"#{item.approval.id}  {item.action.summary}\n"
                       f"     why asked: {item.approval.reason}\n"
                       f"     payload: {json.dumps(item.action.payload, ensure_ascii=False)}\n"
                       f"     expires: {item.approval.expires_at:%Y-%m-%d %H:%M} UTC")


def _approve_and_deliver(application: App, approval_id: int, changes: dict[str, Any] | None) \
        -> str:
    from righthand.service import approvals, workspaces

    with _workspace(application) as (session, ws):
        job = workspaces.job_description(session, ws)
        if changes:
            proposed = approvals.edit(session, approval_id, changes, job, application.catalog,
                                      application.clock(), application.approval_ttl)
            action_id = proposed.row.id
        else:
            action_id = approvals.approve(session, approval_id, job, application.catalog,
                                          application.clock()).id
    report = application.dispatcher().run_once(only=[action_id])
    if report.delivered:
        return f"Approved; done (action #{action_id})."
    return f"Approved; queued for delivery (action #{action_id}). The worker will retry."


@approvals_app.command("approve")
def approvals_approve(approval: int) -> None:
    """Approve exactly what was shown."""
    typer.echo(_approve_and_deliver(_build(), approval, None))


@approvals_app.command("edit")
def approvals_edit(approval: int, set_: Annotated[list[str], typer.Option(
        "--set", help="field=value; repeatable.")]) -> None:
    """Edit the action (a new version, decided again) and approve it."""
    changes: dict[str, Any] = {}
    for item in set_:
        if "=" not in item:
            raise BadInput(f"--set takes field=value, not {item!r}")
        key, value = item.split("=", 1)
        changes[key.strip()] = value.replace("\\n", "\n")
    typer.echo(_approve_and_deliver(_build(), approval, changes))


@approvals_app.command("reject")
def approvals_reject(approval: int,
                     note: Annotated[str | None, typer.Option(help="Why (teaches me).")] = None,
                     ) -> None:
    """Say no."""
    from righthand.service import approvals

    application = _build()
    with _workspace(application) as (session, _ws):
        approvals.reject(session, approval, application.clock(), note=note)
    typer.echo(f"Rejected #{approval}.")


# -- trust --------------------------------------------------------------------------------------
@trust_app.callback(invoke_without_command=True)
def trust_default(ctx: typer.Context) -> None:
    """Show trust figures and advice when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        trust_show()


@trust_app.command("show")
def trust_show() -> None:
    """Per-duty figures and the advisor's proposals."""
    from rich.table import Table

    from righthand.service import ledger, workspaces

    application = _build()
    with _workspace(application, write=False) as (session, ws):
        rows = ledger.trust_table(session, application.catalog)
        advice = ledger.advice(session, workspaces.job_description(session, ws),
                               application.catalog, application.clock(),
                               application.thresholds())
    table = Table(title="Trust, per duty")
    for column in ("duty", "volume", "accepted", "edited", "rejected", "incidents",
                   "last incident"):
        table.add_column(column)

    def pct(value: float | None) -> str:
        return "-" if value is None else f"{value:.0%}"

    for fig in rows:
        if not fig.volume and not fig.incidents:
            continue
        table.add_row(fig.duty, str(fig.volume), pct(fig.acceptance_rate), pct(fig.edit_rate),
                      str(fig.rejected), str(fig.incidents),
                      f"{fig.last_incident_at:%Y-%m-%d}" if fig.last_incident_at else "never")
    console = _console()
    if table.row_count:
        console.print(table)
    else:
        console.print("No outcomes recorded yet.")
    for proposal in advice:
        console.print(f"Advice for {proposal.duty}: {proposal.evidence} {proposal.question} "
                      f"(`righthand trust accept {proposal.duty}`)")


@trust_app.command("accept")
def trust_accept(duty: str,
                 yes: Annotated[bool, typer.Option("--yes", help="Don't ask again.")] = False,
                 ) -> None:
    """Apply the advisor's proposal for DUTY, after your yes."""
    from dataclasses import replace

    from righthand.service import ledger, workspaces

    application = _build()
    with _workspace(application) as (session, ws):
        job = workspaces.job_description(session, ws)
        proposals = ledger.advice(session, job, application.catalog, application.clock(),
                                  application.thresholds())
        proposal = next((p for p in proposals if p.duty == duty), None)
        if proposal is None:
            raise BadInput(f"the advisor has no proposal for {duty} now",
                           hint="See `righthand trust`.")
        if not yes and not typer.confirm(f"{proposal.question} ({proposal.current} -> "
                                         f"{proposal.proposed})"):
            typer.echo("Nothing changed.")
            return
        setting = replace(job.setting(duty), autonomy=proposal.proposed)
        workspaces.set_duty(session, ws, duty, setting, application.catalog, application.clock(),
                            actor="client (advisor proposal)")
    typer.echo(f"{duty} is now {proposal.proposed}.")


# -- audit --------------------------------------------------------------------------------------
@audit_app.command("list")
def audit_list(limit: Annotated[int, typer.Option(help="How many entries.")] = 30,
               event: Annotated[str | None, typer.Option(help="Event prefix filter.")] = None,
               ) -> None:
    """The newest audit entries."""
    from righthand.service import audit

    application = _build()
    with _workspace(application, write=False) as (session, ws):
        for entry in reversed(audit.recent(session, ws.id, limit, event)):
            typer.echo(f"{entry.seq:>6} {entry.at:%Y-%m-%d %H:%M:%S} {entry.actor:<12} "
                       f"{entry.event:<20} {entry.subject}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; name the first broken link."""
    from righthand.service import audit

    application = _build()
    with _workspace(application, write=False) as (session, ws):
        result = audit.verify(session, ws.id)
    if result.ok:
        typer.echo(f"The audit chain is intact: {result.entries} entries verified.")
        return
    typer.echo(f"The audit chain is BROKEN at entry {result.first_broken_seq}: {result.problem}. "
               f"{result.entries} entries before it verify.", err=True)
    raise typer.Exit(3)


# -- outbox and worker --------------------------------------------------------------------------
@outbox_app.command("list")
def outbox_list(all_: Annotated[bool, typer.Option("--all", help="Include sent.")] = False,
                ) -> None:
    """Entries not yet settled (or all)."""
    from sqlalchemy import select

    from righthand.store.tables import ActionRow, OutboxRow

    application = _build()
    with _workspace(application, write=False) as (session, _ws):
        query = select(OutboxRow, ActionRow.summary).join(
            ActionRow, ActionRow.id == OutboxRow.action_id).order_by(OutboxRow.id)
        if not all_:
            query = query.where(OutboxRow.status != "sent")
        rows = session.execute(query).all()
    if not rows:
        typer.echo("The outbox is empty.")
    for entry, summary in rows:
        error = f" -- {entry.last_error}" if entry.last_error else ""
        typer.echo(f"#{entry.id} [{entry.status}] {summary} (attempts {entry.attempts}){error}")


@outbox_app.command("dispatch")
def outbox_dispatch() -> None:
    """Deliver what is due now, once."""
    report = _build().dispatcher().run_once()
    typer.echo(f"Delivered {len(report.delivered)}, retrying {len(report.retrying)}, failed "
               f"{len(report.failed)}, uncertain {len(report.uncertain)}.")


def _settle(entry: int, how: str) -> None:
    from righthand.service import outbox

    application = _build()
    with _workspace(application) as (session, _ws):
        typer.echo(outbox.settle(session, entry, how, application.clock()))


@outbox_app.command("resend")
def outbox_resend(entry: int) -> None:
    """Send an uncertain or failed entry again."""
    _settle(entry, "resend")


@outbox_app.command("mark-sent")
def outbox_mark_sent(entry: int) -> None:
    """Record that an uncertain entry did arrive."""
    _settle(entry, "mark-sent")


@app.command()
def worker(threads: Annotated[int, typer.Option(help="Huey worker threads.")] = 2,
           scheduler: Annotated[bool, typer.Option(
               help="Also start periodic jobs (any number of workers may; each run is claimed "
                    "once).")] = True) -> None:
    """Run background work: outbox delivery and every periodic job."""
    from righthand.service.jobs import run_worker

    run_worker(_build(), workers=threads, periodic=scheduler)


def main(argv: list[str] | None = None) -> int:
    """Entry point: run the CLI; errors become one line that says what to do next."""
    try:
        code = app(args=argv, standalone_mode=False)
        if isinstance(code, int) and code:  # click returns (not raises) typer.Exit(code) here
            return code
    except typer.Exit as exc:
        return int(exc.exit_code or 0)
    except typer.Abort:
        typer.echo("Aborted.", err=True)
        return 1
    except RighthandError as exc:
        typer.echo(f"righthand: {exc.one_line()}", err=True)
        return 2 if isinstance(exc, BadInput) else 1
    except Exception as exc:  # usage mistakes, then true bugs
        if cli_failures.usage_mistake(exc):
            exc.show()  # type: ignore[attr-defined]
            return int(exc.exit_code)  # type: ignore[attr-defined]
        return cli_failures.report_bug(exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
