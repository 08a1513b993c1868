"""``righthand mail``: connect the mailbox, poll or watch it, review what screening did."""

from __future__ import annotations

from typing import Annotated

import typer

from righthand.commands import common

app = typer.Typer(help="Your mailbox and email screening.", no_args_is_help=True)
rules_app = typer.Typer(help="Screening rules in plain words.", no_args_is_help=True)
app.add_typer(rules_app, name="rules")


@app.command()
def connect(
    imap_host: Annotated[str | None, typer.Option(help="IMAP server.")] = None,
    imap_port: Annotated[int | None, typer.Option(help="Default 993 (ssl) or 143.")] = None,
    security: Annotated[str, typer.Option(help="ssl, starttls or none.")] = "ssl",
    user: Annotated[str | None, typer.Option(help="IMAP user name.")] = None,
    password: Annotated[str | None, typer.Option(help="IMAP password (asked when omitted).",
                                                 envvar="RIGHTHAND_IMAP_PASSWORD")] = None,
    maildir: Annotated[str | None, typer.Option(help="Use a local Maildir instead.")] = None,
    smtp_host: Annotated[str | None, typer.Option(help="SMTP server.")] = None,
    smtp_port: Annotated[int | None, typer.Option(help="Default 587.")] = None,
    smtp_security: Annotated[str, typer.Option(help="starttls, ssl or none.")] = "starttls",
    smtp_user: Annotated[str | None, typer.Option(help="Default: the IMAP user.")] = None,
    smtp_password: Annotated[str | None, typer.Option(
        help="Default: the IMAP password.", envvar="RIGHTHAND_SMTP_PASSWORD")] = None,
    address: Annotated[str | None, typer.Option(help="Your own address (forwards go here).")]
    = None,
    watch: Annotated[list[str] | None, typer.Option(help="Folder to screen (repeatable).")]
    = None,
    idle_seconds: Annotated[int | None, typer.Option(help="Re-issue IDLE after (s).")] = None,
    test: Annotated[bool, typer.Option(help="Test the connection after saving.")] = True,
) -> None:
    """Store the mailbox settings for this workspace, then test them."""
    from righthand.service import mail_accounts

    if maildir is None and imap_host is None:
        raise typer.BadParameter("give --imap-host (with --user) or --maildir PATH")
    if imap_host and user and password is None:
        password = typer.prompt("IMAP password", hide_input=True)
    wanted = mail_accounts.AccountSettings(
        kind="maildir" if maildir else "imap", imap_host=imap_host, imap_port=imap_port,
        imap_security=security, username=user, password=password, maildir_path=maildir,
        smtp_host=smtp_host, smtp_port=smtp_port, smtp_security=smtp_security,
        smtp_username=smtp_user or (user if smtp_host else None),
        smtp_password=smtp_password or (password if smtp_host else None), address=address,
        watch=tuple(watch) if watch else None, idle_seconds=idle_seconds)
    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row = mail_accounts.save(session, ws.id, wanted, application.clock())
        config, folders = mail_accounts.config(row), mail_accounts.watched(row)
        smtp = (row.smtp_host, row.smtp_port, row.smtp_security, row.smtp_username,
                row.smtp_password)
    typer.echo(f"Saved the mailbox settings ({wanted.kind}).")
    if test:
        _test(config, folders, smtp)


def _test(config: object, folders: list[str], smtp: tuple[object, ...]) -> None:
    from righthand.connectors import mailbox, probe
    from righthand.connectors.ports import MailboxConfig
    from righthand.errors import RighthandError

    assert isinstance(config, MailboxConfig)
    failed = False
    try:
        with mailbox.reader(config).open() as live:
            for folder in folders:
                status = live.status(folder)
                typer.echo(f"  {folder}: {status.exists} messages (UIDVALIDITY "
                           f"{status.uidvalidity}); IDLE "
                           f"{'yes' if 'IDLE' in live.capabilities else 'no: polling'}")
    except RighthandError as exc:
        failed = True
        typer.echo(f"  mailbox: FAILED -- {exc.one_line()}", err=True)
    host, port, security, user, password = smtp
    if host:
        try:
            said = probe.smtp_login(str(host), port if isinstance(port, int) else None,
                                    str(security), user if isinstance(user, str) else None,
                                    password if isinstance(password, str) else None)
            typer.echo(f"  SMTP: ok ({said[:60]})")
        except RighthandError as exc:
            failed = True
            typer.echo(f"  SMTP: FAILED -- {exc.one_line()}", err=True)
    if failed:
        raise typer.Exit(1)


@app.command()
def poll() -> None:
    """Fetch new mail once, screen it, and carry out what is allowed."""
    from righthand.service import mail_poll, workspaces

    application = common.build_app()
    with application.db.unit(None, write=False) as session:
        ws = workspaces.resolve(session, common.state["workspace"])
    typer.echo(mail_poll.poll(application, ws.id).line())


@app.command()
def watch(wait: Annotated[float, typer.Option(help="Longest wait between polls (s).")] = 300.0,
          polls: Annotated[int | None, typer.Option(help="Stop after this many polls.")] = None,
          ) -> None:
    """Keep screening: wait for new mail with IDLE (or poll), until Ctrl-C."""
    from righthand.service import mail_poll, workspaces

    application = common.build_app()
    with application.db.unit(None, write=False) as session:
        ws = workspaces.resolve(session, common.state["workspace"])
    done = [0]

    def report(found: mail_poll.PollReport) -> None:
        done[0] += 1
        typer.echo(found.line())

    try:
        mail_poll.watch(application, ws.id, should_stop=lambda: polls is not None
                        and done[0] >= polls, wait_seconds=wait, on_poll=report)
    except KeyboardInterrupt:
        typer.echo("Stopped watching.")


@app.command()
def inbox(category: Annotated[str | None, typer.Option(help="Only this category.")] = None,
          limit: Annotated[int, typer.Option(help="How many.")] = 30) -> None:
    """Recently screened messages, newest first."""
    from sqlalchemy import select

    from righthand.duties.screening import learning
    from righthand.store.tables import MailMessage

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        query = select(MailMessage).where(MailMessage.state != "quarantined") \
            .order_by(MailMessage.id.desc()).limit(limit)
        if category:
            query = query.where(MailMessage.category == category)
        rows = list(session.scalars(query))
        score = learning.accuracy(session)
    if not rows:
        typer.echo("No screened messages yet (`righthand mail poll`).")
    for row in rows:
        mark = "!" if row.priority == "high" else " "
        typer.echo(f"#{row.id:<5}{mark} {row.category or 'new':<18} {row.folder:<12} "
                   f"{(row.from_name or row.from_address)[:28]:<28} {row.subject[:60]}")
    typer.echo(score.describe())


@app.command()
def show(message: int) -> None:
    """One message: what it says, what screening decided and why."""
    from righthand.duties.screening.parse import MailFacts
    from righthand.store.tables import MailMessage

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        row = session.get(MailMessage, message)
        if row is None:
            raise typer.BadParameter(f"no message #{message}; see `righthand mail inbox`")
        if row.state == "quarantined":
            typer.echo(f"#{row.id} is quarantined: {row.quarantine_reason}")
            return
        facts = MailFacts.from_json(row.facts)
        reasons = (row.reasons or {}).get("reasons", [])
    typer.echo(f"From: {facts.from_name} <{facts.from_address}>\nSubject: {facts.subject}\n"
               f"Date: {facts.date or '?'}\nFolder: {row.folder}\n"
               f"Category: {row.category} ({row.priority} priority)"
               + (f", corrected by you to {row.corrected_category}"
                  if row.corrected_category else "") + "\nWhy: " + " ".join(reasons))
    for item in facts.attachments:
        typer.echo(f"Attachment: {item.filename} ({item.content_type}, {item.size} bytes)")
    typer.echo("\n" + facts.text[:3000])


@app.command()
def recategorise(message: int, category: str) -> None:
    """Correct a message's category: I learn from it and re-file the message."""
    from righthand.duties.screening import learning
    from righthand.service import mail_review

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        said, allowed = mail_review.recategorise(application, session, ws, message, category)
    if allowed is not None:
        application.dispatcher().run_once(only=[allowed])
    typer.echo(said)
    with common.workspace(application, write=False) as (session, _ws):
        typer.echo(learning.accuracy(session).describe())


@app.command()
def quarantine() -> None:
    """Messages that could not be read, with the reason."""
    from sqlalchemy import select

    from righthand.store.tables import MailMessage

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = list(session.scalars(select(MailMessage).where(
            MailMessage.state == "quarantined").order_by(MailMessage.id.desc())))
    if not rows:
        typer.echo("Nothing is quarantined.")
    for row in rows:
        typer.echo(f"#{row.id} {row.folder} UID {row.uid} ({row.size} bytes): "
                   f"{row.quarantine_reason}")


@rules_app.command("list")
def rules_list() -> None:
    """Your rules, as I understood them."""
    from righthand.duties.screening import rulebook

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = rulebook.rules(session)
        if not rows:
            typer.echo("No rules yet. Try: righthand mail rules add \"treat anything from "
                       "acme.com as urgent\"")
        for row in rows:
            typer.echo(f"#{row.id} \"{row.text}\" -- {rulebook.as_rule(row).describe()}")


@rules_app.command("add")
def rules_add(text: str) -> None:
    """Add a rule in plain words, and see which recent messages it matches."""
    from righthand.service import mail_review

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        said, shown = mail_review.add_rule(application, session, ws, text)
        typer.echo(said)
        typer.echo(f"Matches {len(shown.matched)} of the last {shown.looked_at} messages.")
        for line in shown.lines():
            typer.echo("  " + line)


@rules_app.command("remove")
def rules_remove(rule: int) -> None:
    """Switch a rule off."""
    from righthand.service import mail_review

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        typer.echo(mail_review.remove_rule(application, session, ws, rule))


@rules_app.command("preview")
def rules_preview(text_or_id: str) -> None:
    """Which recent messages a rule (new text, or an existing rule's number) would match."""
    from righthand.duties.screening import rulebook
    from righthand.duties.screening.rules import RuleNotUnderstood, parse_rule
    from righthand.errors import BadInput
    from righthand.store.tables import ScreeningRule

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        if text_or_id.isdigit():
            row = session.get(ScreeningRule, int(text_or_id))
            if row is None:
                raise BadInput(f"there is no rule #{text_or_id}")
            rule = rulebook.as_rule(row)
        else:
            try:
                rule = parse_rule(text_or_id, ws.assistant_name)
            except RuleNotUnderstood as exc:
                raise BadInput(str(exc)) from None
        shown = rulebook.preview(session, rule)
    typer.echo(f"{rule.describe()}: matches {len(shown.matched)} of the last "
               f"{shown.looked_at} messages.")
    for line in shown.lines():
        typer.echo("  " + line)
