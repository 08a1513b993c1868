"""``righthand mailings``: email campaigns (create, preview, dry run, test, send, watch,
pause, retry) and printed mailings (letters and Avery 5160 labels)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import common
from righthand.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.domain.actions import Action
    from righthand.store.tables import Mailing, Workspace

app = typer.Typer(help="Email campaigns and printed mailings to a list or segment.",
                  no_args_is_help=True)
Opt = typer.Option
Name = Annotated[str, typer.Argument(help="The mailing's name (close enough will do).")]


def _read(path: Path | None) -> str | None:
    if path is None:
        return None
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"cannot read {path}: {exc}",
                       hint="Give a UTF-8 text file with the template.") from None


def _find(session: Session, name: str) -> Mailing:
    from righthand.duties.mailings import store

    return store.find(session, name)


def _business(ws: Workspace) -> str:
    return str((ws.profile or {}).get("business_name") or "")


def _propose(application: App, session: Session, ws: Workspace, action: Action) -> tuple[int, str]:
    """Put ``action`` through the gate; returns (action id, what happened in words)."""
    from righthand.service import executor, workspaces

    job = workspaces.job_description(session, ws)
    proposed = executor.propose(session, ws.id, action, job, application.catalog,
                                application.clock(), "client", application.approval_ttl)
    decision = proposed.decision
    if decision.name == "ask":
        return proposed.row.id, (f"Waiting for your approval (#{proposed.approval_id}): "
                                 f"{decision.reason} Approve with `righthand approvals approve "
                                 f"{proposed.approval_id}`.")
    if decision.name == "deny":
        return proposed.row.id, f"Refused: {decision.reason}"
    return proposed.row.id, ""


def _deliver(application: App, action_id: int) -> str:
    from righthand.store.tables import ActionRow

    application.dispatcher().run_once(only=[action_id])
    with application.db.unit(None, write=False) as session:
        row = session.get(ActionRow, action_id)
        return row.state if row is not None else "missing"


# -- drafts -------------------------------------------------------------------------------------
@app.command("create")
def create(name: str,
           list_: Annotated[str, Opt("--list", help="The list's slug or name.")],
           subject: Annotated[str, Opt(help="Subject (a template: {{ first_name }} ...).")],
           text: Annotated[Path, Opt(help="Plain-text template file.")],
           html: Annotated[Path | None, Opt(help="HTML template file.")] = None,
           segment: Annotated[str | None, Opt(help="Send only to this segment.")] = None,
           per_second: Annotated[float | None, Opt(help="Throttle: messages per second.")] =
           None) -> None:
    """Create a draft mailing."""
    from righthand.duties.mailings import store

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        mailing = store.create(session, ws.id, name=name, list_name=list_, subject=subject,
                               text=_read(text) or "", html=_read(html), segment=segment,
                               per_second=per_second, now=application.clock())
        _audit(application, session, ws, "mailing.created", mailing.name, {"id": mailing.id})
    typer.echo(f"Draft \"{name}\" created. Next: `righthand mailings preview \"{name}\"`, "
               f"`dry-run`, `test-send`, then `send`.")


@app.command("edit")
def edit(name: Name,
         subject: Annotated[str | None, Opt(help="New subject template.")] = None,
         text: Annotated[Path | None, Opt(help="New plain-text template file.")] = None,
         html: Annotated[Path | None, Opt(help="New HTML template file.")] = None,
         list_: Annotated[str | None, Opt("--list", help="Another list.")] = None,
         segment: Annotated[str | None, Opt(help="A segment ('' for the whole list).")] = None,
         per_second: Annotated[float | None, Opt(help="Throttle: messages per second.")] =
         None) -> None:
    """Change a draft (a send approved before the change is then refused)."""
    from righthand.duties.mailings import store

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        mailing = _find(session, name)
        store.edit(session, mailing, subject=subject, text=_read(text), html=_read(html),
                   list_name=list_, segment=segment, per_second=per_second)
        _audit(application, session, ws, "mailing.edited", mailing.name, {"id": mailing.id})
    typer.echo(f"Updated \"{mailing.name}\".")


@app.command("list")
def list_mailings() -> None:
    """Every mailing with its state."""
    from sqlalchemy import select

    from righthand.service.campaign_control import effective_status
    from righthand.store.tables import Mailing

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = list(session.scalars(select(Mailing).order_by(Mailing.id)))
        if not rows:
            typer.echo("No mailings yet: `righthand mailings create NAME --list ...`.")
        for row in rows:
            typer.echo(f"{row.name} [{effective_status(session, row)}]  subject: {row.subject}")


def _audit(application: App, session: Session, ws: Workspace, event: str, subject: str,
           data: dict[str, Any]) -> None:
    from righthand.service import audit

    audit.append(session, ws.id, "client", event, subject, data, at=application.clock())


# -- looking before sending ---------------------------------------------------------------------
@app.command("preview")
def preview(name: Name,
            to: Annotated[str | None, Opt("--to", help="Render it for this address.")] = None,
            html: Annotated[bool, Opt("--html", help="Show the HTML part too.")] = False) -> None:
    """Show the message one recipient (default: the first) would get."""
    from righthand.duties.mailings import preview as previews

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        mailing = _find(session, name)
        person, rendered = previews.preview(session, mailing, to, _business(ws))
    typer.echo(f"To: {person.address}\nSubject: {rendered.subject}\n\n{rendered.text}")
    if html and rendered.html:
        typer.echo(f"--- HTML ---\n{rendered.html}")


@app.command("dry-run")
def dry_run(name: Name, as_json: Annotated[bool, Opt("--json")] = False) -> None:
    """Render every recipient's message and report problems; sends nothing."""
    from righthand.duties.mailings import preview as previews

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        report = previews.dry_run(session, _find(session, name), _business(ws))
    typer.echo(json.dumps(report.as_json()) if as_json else report.summary())
    if not report.ok:
        raise typer.Exit(1)


@app.command("test-send")
def test_send(name: Name,
              to: Annotated[str | None, Opt("--to", help="Default: your profile email.")] = None,
              as_: Annotated[str | None, Opt("--as", help="Render as this recipient.")] = None,
              ) -> None:
    """Send one test message to yourself (through the gate, like any email)."""
    from righthand.duties.mailings.proposals import test_send_action

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        action = test_send_action(session, _find(session, name), ws, to, as_)
        action_id, said = _propose(application, session, ws, action)
    if said:
        typer.echo(said)
        return
    state = _deliver(application, action_id)
    typer.echo(f"Test sent to {action.payload['recipients'][0]}." if state == "done" else
               f"Test queued (action #{action_id}, {state}); the worker delivers it.")


# -- sending ------------------------------------------------------------------------------------
@app.command("send")
def send(name: Name,
         connections: Annotated[int, Opt(help="SMTP connections in parallel.")] = 2) -> None:
    """Dry-run the mailing, then propose ONE action for the whole campaign."""
    from righthand.duties.mailings import preview as previews
    from righthand.duties.mailings import proposals

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        mailing = _find(session, name)
        waiting = proposals.open_campaign_action(session, mailing)
        if waiting is not None:
            raise BadInput(f"\"{mailing.name}\" is already {waiting.state.replace('_', ' ')} "
                           f"(action #{waiting.id})",
                           hint="See `righthand approvals` or `righthand mailings status`.")
        report = previews.dry_run(session, mailing, _business(ws))
        typer.echo(report.summary())
        action = proposals.campaign_action(session, mailing, report, connections)
        action_id, said = _propose(application, session, ws, action)
    if said:
        typer.echo(said)
        return
    state = _deliver(application, action_id)
    typer.echo(f"Sending (action #{action_id}, {state}). Follow it with `righthand mailings "
               f"status \"{mailing.name}\"`.")


@app.command("status")
def status(name: Name, as_json: Annotated[bool, Opt("--json")] = False) -> None:
    """How the mailing is doing: recipients per state."""
    from righthand.duties.mailings import proposals, store
    from righthand.service.campaign_control import effective_status

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        mailing = _find(session, name)
        counts = store.counts(session, mailing.id)
        state = effective_status(session, mailing)
        text = proposals.status_text(session, mailing)
    if as_json:
        typer.echo(json.dumps({"mailing": mailing.name, "status": state, **counts}))
    else:
        typer.echo(text)


def _control(name: str, operation: str) -> None:
    from righthand.service import campaign_control

    application = common.build_app()
    with common.workspace(application) as (session, _ws):
        mailing = _find(session, name)
        said = getattr(campaign_control, operation)(session, mailing, application.clock())
        action_id = mailing.action_id
    typer.echo(said)
    if operation in {"resume", "retry", "resend_uncertain"} and action_id is not None:
        application.dispatcher().run_once(only=[action_id])


@app.command("pause")
def pause(name: Name) -> None:
    """Hold a scheduled or running campaign."""
    _control(name, "pause")


@app.command("resume")
def resume(name: Name) -> None:
    """Carry on with a paused campaign."""
    _control(name, "resume")


@app.command("cancel")
def cancel(name: Name) -> None:
    """Stop a campaign for good (recipients not yet reached are skipped)."""
    _control(name, "cancel")


@app.command("retry")
def retry(name: Name) -> None:
    """Try the failed recipients again."""
    _control(name, "retry")


@app.command("resend-uncertain")
def resend_uncertain(name: Name) -> None:
    """Send the uncertain recipients again (same Message-ID)."""
    _control(name, "resend_uncertain")


@app.command("mark-sent")
def mark_sent(name: Name) -> None:
    """Record the uncertain recipients as delivered."""
    _control(name, "mark_sent")


# -- print --------------------------------------------------------------------------------------
@app.command("print")
def print_mailing(name: Name,
                  letters: Annotated[Path | None, Opt(help="Write merged letters here (PDF).")]
                  = None,
                  labels: Annotated[Path | None, Opt(help="Write Avery 5160 labels here (PDF).")]
                  = None,
                  offset: Annotated[int, Opt(help="Labels already used on the first sheet.")]
                  = 0,
                  sort: Annotated[str | None, Opt(help="'postal' sorts by postal code.")] = None,
                  ) -> None:
    """Merged letters (with your letterhead) and address labels, as PDF files."""
    from righthand.duties.mailings.proposals import print_action

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        action = print_action(_find(session, name),
                              letters=str(letters.resolve()) if letters else None,
                              labels=str(labels.resolve()) if labels else None,
                              offset=offset, sort=sort)
        action_id, said = _propose(application, session, ws, action)
    if said:
        typer.echo(said)
        return
    state = _deliver(application, action_id)
    if state != "done":
        typer.echo(f"Not printed (action #{action_id} is {state}); see `righthand outbox list`.")
        raise typer.Exit(1)
    typer.echo("Written: " + ", ".join(str(p) for p in (letters, labels) if p) + ".")
