"""``righthand channels``: how the client reaches the assistant by email and phone (see
service/channels.py for what makes an address or a caller the client's own)."""

from __future__ import annotations

from typing import Annotated

import typer

from righthand.commands import common
from righthand.commands.mcp import mcp_command  # registered as `righthand mcp` in cli.py

__all__ = ["app", "mcp_command"]

app = typer.Typer(help="Email and phone channels: your verified addresses, your phone PIN.")


@app.command("set-address")
def set_address(address: Annotated[str, typer.Argument(help="The assistant's own address.")]) \
        -> None:
    """Set the address you write to for the assistant (delivered to the watched mailbox)."""
    from righthand.service import channels

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        saved = channels.set_assistant_address(session, ws, address, application.clock())
    typer.echo(f"Write to {saved} to ask {ws.assistant_name}; only your verified addresses "
               "are obeyed (`righthand channels add-email`).")


@app.command("add-email")
def add_email(address: str,
              trust_unauthenticated: Annotated[bool, typer.Option(
                  "--trust-unauthenticated",
                  help="Obey this address without a DKIM/DMARC pass (only for a server that "
                       "writes no Authentication-Results).")] = False) -> None:
    """Register one of your addresses; a confirmation code is mailed to it."""
    from righthand.service import channels

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row, _ = channels.add_email(session, ws, address, application.clock(),
                                    trust_unauthenticated)
        value = row.value
    application.dispatcher().run_once()
    typer.echo(f"A confirmation code is on its way to {value}. Then run `righthand channels "
               f"confirm-email {value} CODE`.")


@app.command("confirm-email")
def confirm_email(address: str, code: str) -> None:
    """Confirm an address with the code mailed to it."""
    from righthand.errors import BadInput
    from righthand.service import channels

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row = channels.confirm_email(session, ws, address, code, application.clock())
        value = row.value if row is not None else ""
    if row is None:  # raised after the commit, so the failed try is counted
        raise BadInput("that code does not match",
                       hint="Check the latest confirmation mail, or run `righthand channels "
                            f"add-email {address}` for a new code.")
    typer.echo(f"{value} is verified: mail from it to the assistant is obeyed.")


@app.command("add-phone")
def add_phone(number: str,
              pin: Annotated[str, typer.Option(prompt=True, hide_input=True,
                                               confirmation_prompt=True,
                                               help="4 to 10 digits.")]) -> None:
    """Register your own phone number with a PIN for calling the assistant."""
    from righthand.service import channels

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row = channels.add_phone(session, ws, number, pin, application.clock())
        value = row.value
    typer.echo(f"Calls from {value} reach {ws.assistant_name} after your PIN.")


@app.command("list")
def show() -> None:
    """Your addresses and numbers, and whether each is verified."""
    from sqlalchemy import select

    from righthand.service import channels
    from righthand.store.tables import ChannelIdentity

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        typer.echo(f"Assistant's address: {channels.assistant_address(ws) or 'not set'}")
        for row in session.scalars(select(ChannelIdentity).order_by(ChannelIdentity.id)):
            state = "verified" if row.verified_at else "waiting for its code"
            extra = " (trusted without DKIM/DMARC)" if row.trust_unauthenticated else ""
            typer.echo(f"{row.kind:6} {row.value}  {state}{extra}")
