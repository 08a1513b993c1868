"""`righthand users` (web console accounts, memberships, API tokens) and `righthand serve`."""

from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from righthand.commands import common
from righthand.errors import BadInput

app = typer.Typer(help="Web console accounts: users, memberships, API tokens.",
                  no_args_is_help=True)
ADMIN_ACTOR = "admin:cli"


def _password(generate: bool, from_stdin: bool) -> tuple[str, bool]:
    """The new password and whether it was generated (and so must be shown)."""
    if generate:
        return secrets.token_urlsafe(12), True
    if from_stdin:
        value = sys.stdin.readline().rstrip("\n")
        if not value:
            raise BadInput("no password on standard input")
        return value, False
    return typer.prompt("Password", hide_input=True, confirmation_prompt=True), False


@app.command("add")
def add(username: str,
        workspace: Annotated[str | None, typer.Option(
            "--workspace", "-w", help="Make them a member of this workspace.")] = None,
        role: Annotated[str, typer.Option(help="owner (the client) or staff.")] = "owner",
        display_name: Annotated[str, typer.Option(help="Name shown in the console.")] = "",
        admin: Annotated[bool, typer.Option("--admin", help="Installation admin.")] = False,
        generate_password: Annotated[bool, typer.Option(
            "--generate-password", help="Make up a password and print it.")] = False,
        password_stdin: Annotated[bool, typer.Option(
            "--password-stdin", help="Read the password from standard input.")] = False,
        exist_ok: Annotated[bool, typer.Option(
            "--exist-ok", help="If the user exists, set this password and membership.")] = False,
        quiet: Annotated[bool, typer.Option("--quiet", "-q",
                                            help="Print only a generated password.")] = False,
        ) -> None:
    """Create a user who can sign in to the web console."""
    from righthand.service import workspaces
    from righthand.web import accounts

    password, generated = _password(generate_password, password_stdin)
    application = common.build_app()
    now = application.clock()
    with application.db.unit(None) as session:
        user = accounts.find(session, username)
        if user is not None and not exist_ok:
            raise BadInput(f"a user called {user.username!r} already exists",
                           hint="Use --exist-ok to reset them, or `righthand users passwd`.")
        if user is None:
            user = accounts.create(session, username, password, now, display_name=display_name,
                                   is_admin=admin)
        else:
            accounts.set_password(session, user, password, now)
            user.is_active = True
            user.is_admin = user.is_admin or admin
            if display_name:
                user.display_name = display_name
        if workspace is not None:
            ws = workspaces.resolve(session, workspace)
            accounts.add_member(session, user, ws, role, now, ADMIN_ACTOR)
        name = user.username
    if quiet:
        if generated:
            typer.echo(password)
        return
    where = f" ({role} of {workspace})" if workspace else ""
    typer.echo(f"User {name}{where} can sign in" +
               (f" with the password: {password}" if generated else "."))


@app.command("passwd")
def passwd(username: str,
           generate_password: Annotated[bool, typer.Option("--generate-password")] = False,
           password_stdin: Annotated[bool, typer.Option("--password-stdin")] = False) -> None:
    """Set a user's password (signs out their browsers)."""
    from righthand.web import accounts

    password, generated = _password(generate_password, password_stdin)
    application = common.build_app()
    with application.db.unit(None) as session:
        accounts.set_password(session, accounts.get(session, username), password,
                              application.clock())
    typer.echo(f"Password changed{': ' + password if generated else ''}.")


@app.command("grant")
def grant(username: str,
          workspace: Annotated[str, typer.Option("--workspace", "-w")],
          role: Annotated[str, typer.Option(help="owner or staff.")] = "staff") -> None:
    """Make a user a member of a workspace (or change their role there)."""
    from righthand.service import workspaces
    from righthand.web import accounts

    application = common.build_app()
    with application.db.unit(None) as session:
        user = accounts.get(session, username)
        ws = workspaces.resolve(session, workspace)
        accounts.add_member(session, user, ws, role, application.clock(), ADMIN_ACTOR)
    typer.echo(f"{username} is {role} of {workspace}.")


@app.command("revoke")
def revoke(username: str, workspace: Annotated[str, typer.Option("--workspace", "-w")]) -> None:
    """Take a user out of a workspace (their tokens for it stop working)."""
    from righthand.service import workspaces
    from righthand.web import accounts

    application = common.build_app()
    with application.db.unit(None) as session:
        accounts.remove_member(session, accounts.get(session, username),
                               workspaces.resolve(session, workspace), application.clock(),
                               ADMIN_ACTOR)
    typer.echo(f"{username} is no longer a member of {workspace}.")


@app.command("disable")
def disable(username: str) -> None:
    """Stop a user from signing in (sessions end, tokens stop working)."""
    from righthand.web import accounts, sessions

    application = common.build_app()
    with application.db.unit(None) as session:
        user = accounts.get(session, username)
        user.is_active = False
        sessions.end_all(session, user.id)
    typer.echo(f"{username} can no longer sign in.")


@app.command("list")
def list_users() -> None:
    """Users and their workspaces."""
    from sqlalchemy import select

    from righthand.store.tables import User
    from righthand.web import accounts

    application = common.build_app()
    with application.db.unit(None, write=False) as session:
        users = list(session.scalars(select(User).order_by(User.username)))
        if not users:
            typer.echo("No users yet: `righthand users add NAME --workspace WS`.")
        for user in users:
            where = ", ".join(f"{m.slug} ({m.role})" for m in
                              accounts.memberships(session, user.id)) or "no workspace"
            flags = (" [admin]" if user.is_admin else "") + \
                ("" if user.is_active else " [disabled]") + (" [2fa]" if user.totp_secret else "")
            typer.echo(f"{user.username}{flags}: {where}")


@app.command("token")
def token(username: str, workspace: Annotated[str, typer.Option("--workspace", "-w")],
          scope: Annotated[list[str], typer.Option(
              "--scope", help="read, ask, approve, job; repeatable.")],
          name: Annotated[str, typer.Option(help="What the token is for.")] = "cli") -> None:
    """Issue an API token (printed once; only its hash is kept)."""
    from sqlalchemy import select

    from righthand.service import workspaces
    from righthand.store.tables import WorkspaceMember
    from righthand.web import accounts, tokens

    application = common.build_app()
    with application.db.unit(None) as session:
        user = accounts.get(session, username)
        ws = workspaces.resolve(session, workspace)
        role = session.scalar(select(WorkspaceMember.role).where(
            WorkspaceMember.user_id == user.id, WorkspaceMember.workspace_id == ws.id))
        if role is None:
            raise BadInput(f"{username} is not a member of {workspace}",
                           hint=f"`righthand users grant {username} --workspace {workspace}`.")
        raw, _row = tokens.issue(session, user, ws, role, name, scope, application.clock(),
                                 ADMIN_ACTOR)
    typer.echo(raw)


def serve(host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
          port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
          workers: Annotated[int, typer.Option(help="Worker processes.")] = 1,
          proxy_headers: Annotated[bool, typer.Option(
              "--proxy-headers", help="Behind a TLS proxy: trust its X-Forwarded-* headers.")]
          = False,
          forwarded_allow_ips: Annotated[str, typer.Option(
              help="Proxies whose forwarded headers are trusted.")] = "127.0.0.1",
          log_level: Annotated[str, typer.Option(help="uvicorn log level.")] = "info") -> None:
    """Run the web console and the JSON API (sign in with a `righthand users` account)."""
    from righthand.web.serve import run

    run(host, port, workers, proxy_headers=proxy_headers,
        forwarded_allow_ips=forwarded_allow_ips, log_level=log_level)
