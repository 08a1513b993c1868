"""Delivering ``via == "sms"`` outbox entries: a text to the client's own phone.

The same protocol as mail (see :mod:`righthand.service.dispatcher`): the entry is claimed
(``sending``) and committed before the carrier is asked, and marked ``sent`` right after the
carrier's 201. A lost answer makes the entry **uncertain** -- never sent again automatically;
a dispatcher that died in between leaves it ``sending`` and recovery marks it uncertain too.
The carrier being down (5xx, no connection) retries with backoff; a refused account (401/403)
or a missing account SID keeps the text waiting until the client fixes the settings; a refused
message (other 4xx) fails with the carrier's words. Each outcome is recorded as the health of
the ``sms`` connection, so the client reads it in plain words (status, Today, the digest).

Gate at the boundary: the number a text goes to must be the client's own phone as the
workspace knows it *now* (the phone line's "ring your own phone", or the profile's mobile);
an entry naming any other number is refused, whatever its payload says.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import select

from righthand.errors import (
    BadCredentials,
    ClientMustAct,
    DatabaseUnavailable,
    DeliveryUncertain,
    NotConfigured,
    RetryLater,
)
from righthand.service import health
from righthand.store.tables import ActionRow, OutboxRow, PhoneLine, Workspace

if TYPE_CHECKING:
    from righthand.service.dispatcher import Dispatcher, DispatchReport

CONNECTOR = "sms"
_WHERE = "Settings > Connections > Phone (or `righthand calls line`)"


class Receipt(Protocol):
    """What a sender returns."""

    @property
    def sid(self) -> str:
        """The carrier's id of the text."""
        ...

    @property
    def status(self) -> str:
        """queued, sent, ..."""
        ...


class Sender(Protocol):
    """A carrier account (``righthand.connectors.sms.SmsSender``)."""

    def send(self, to: str, from_number: str, body: str,
             idempotency_key: str | None = None) -> Receipt:
        """Send one text."""
        ...


MakeSender = Callable[[str, str], Sender]  # (account SID, auth token) -> sender


def _line_ready(line: PhoneLine | None) -> PhoneLine:
    if line is None or not line.number:
        raise NotConfigured("no phone line is set up to send texts from",
                            hint=f"Add your carrier number in {_WHERE}.")
    if not line.account_sid or not line.auth_token:
        raise NotConfigured("the carrier's account SID or auth token is missing, so texts "
                            "cannot be sent", hint=f"Fill both in under {_WHERE}.")
    return line


def deliver(dispatcher: Dispatcher, entry_id: int, report: DispatchReport,
            make_sender: MakeSender) -> None:
    """Send one claimed text, exactly once (or say why not)."""
    from righthand.duties.screening.store import client_phone

    d = dispatcher
    now = d.clock()
    workspace_id = d._workspace_of(entry_id)
    try:
        with d.db.unit(workspace_id) as session:
            line = _line_ready(session.scalars(select(PhoneLine)).first())
            if not d._claim(session, entry_id, now):
                return
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            ws = session.get(Workspace, workspace_id)
            if entry is None or row is None or ws is None:
                return
            own = client_phone(session, dict(ws.profile or {}))
            to = str((row.payload or {}).get("to") or "")
            if not own or to != own:  # rolls the claim back with the unit
                raise ClientMustAct(f"the text would go to {to or 'nobody'}, which is not your "
                                    "own phone number; it was not sent",
                                    hint=f"Set your own phone under {_WHERE}.")
            sender = make_sender(str(line.account_sid), str(line.auth_token))
            job = (to, line.number, str(row.payload.get("body") or ""), entry.idempotency_key)
    except NotConfigured as exc:  # nothing handed over: kept until the settings are complete
        health.note(d.db, workspace_id, CONNECTOR, exc, now)
        d._postpone(entry_id, exc)
        report.retrying.append(entry_id)
        return
    except ClientMustAct as exc:
        health.note(d.db, workspace_id, CONNECTOR, exc, now)
        d._fail(entry_id, exc, report)
        return
    # The claim is committed: from here to the next commit the entry is 'sending'.
    try:
        sent = sender.send(*job)
    except DeliveryUncertain as exc:
        d._mark_uncertain(entry_id, exc)
        report.uncertain.append(entry_id)
        return
    except BadCredentials as exc:  # refused before anything was sent: waits for new ones
        health.note(d.db, workspace_id, CONNECTOR, exc, d.clock())
        d._postpone(entry_id, exc)
        report.retrying.append(entry_id)
        return
    except RetryLater as exc:
        health.note(d.db, workspace_id, CONNECTOR, exc, d.clock())
        d._retry_or_fail(entry_id, exc, report)
        return
    except ClientMustAct as exc:
        health.note(d.db, workspace_id, CONNECTOR, exc, d.clock())
        d._fail(entry_id, exc, report)
        return
    result: dict[str, object] = {"sid": sent.sid, "status": sent.status, "to": job[0]}
    try:
        with d.db.unit(workspace_id) as session:
            entry = session.get(OutboxRow, entry_id)
            row = session.get(ActionRow, entry.action_id) if entry else None
            if entry is not None and row is not None and entry.status == "sending":
                d._finish(session, entry, row, "sent", result, d.clock())
            health.record_ok(session, workspace_id, CONNECTOR, d.clock())
    except DatabaseUnavailable:
        d._unrecorded[entry_id] = (workspace_id, result)  # recorded once the database is back
        raise
    report.delivered.append(entry_id)
