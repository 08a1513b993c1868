"""Mailings: email campaigns and printed mailings.

Templates (Jinja2) and PDFs (reportlab) are imported only when a mailing is handled, so
``righthand ask`` starts as quickly as before.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from righthand.duties.mailings.manifest import MAILINGS_SEND
from righthand.duties.plugin import DutyPlugin, EffectResult, Reply, Request, Route

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


def send(request: Request) -> Reply:
    """'Send the spring newsletter to the newsletter list'."""
    from righthand.duties.mailings.proposals import send_handler

    return send_handler(request)


def status(request: Request) -> Reply:
    """'How did the spring newsletter do?'."""
    from righthand.duties.mailings.proposals import status_handler

    return status_handler(request)


class Print:
    """The ``mailings.print`` local effect (see printing.PrintEffect)."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Write the letters and labels PDFs."""
        from righthand.duties.mailings.printing import PrintEffect

        return PrintEffect().apply(session, workspace_id, payload, now)

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Printing cannot be taken back."""
        from righthand.duties.mailings.printing import PrintEffect

        return PrintEffect().undo(session, workspace_id, payload, undo, now)


class Control:
    """The ``mailings.resume`` and ``mailings.retry`` local effects: the approved (or allowed)
    control is applied by ``service.campaign_control`` and attributed to whoever asked."""

    def __init__(self, operation: str) -> None:
        self.operation = operation

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Resume the campaign, or put its failed recipients back in line."""
        from righthand.service.campaign_control import apply_control

        return EffectResult(result=apply_control(session, self.operation, payload, now))

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Mail that went out cannot be taken back (pause or cancel the campaign instead)."""
        from righthand.errors import CannotUndo

        raise CannotUndo(f"a {self.operation} of a mailing cannot be undone",
                         hint="Pause or cancel the mailing to stop what is still to go.")


plugin = DutyPlugin(
    name="mailings", manifests=(MAILINGS_SEND,),
    routes=(Route("mailings.send", "mailings.send", send),
            Route("mailings.status", "mailings.send", status)),
    effects={"mailings.print": Print(), "mailings.resume": Control("resume"),
             "mailings.retry": Control("retry")})
