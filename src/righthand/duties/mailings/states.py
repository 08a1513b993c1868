"""The life of a mailing, with its allowed transitions.

::

    draft -> scheduled -> sending -> finished
                 |           |   \\-> paused -> scheduled (resume)
                 |           \\-> cancelled
                 \\-> paused | cancelled
    finished -> scheduled     (retry failed or resend uncertain recipients)
    draft -> cancelled

* **draft**: editable; previews, dry runs and test sends; a send is proposed from here.
* **scheduled**: approved (or allowed) and queued; the dispatcher starts it when it is due.
* **sending**: the dispatcher is delivering (or waiting to retry some recipients).
* **paused**: stopped by the client; nothing is sent until resumed.
* **cancelled**: stopped for good; recipients not yet reached are skipped.
* **finished**: every recipient is sent, failed, skipped or uncertain.
"""

from __future__ import annotations

from datetime import datetime

from righthand.errors import BadInput
from righthand.store.tables import Mailing

STATES = ("draft", "scheduled", "sending", "paused", "cancelled", "finished")
TRANSITIONS: dict[str, frozenset[str]] = {
    "draft": frozenset({"scheduled", "cancelled"}),
    "scheduled": frozenset({"sending", "paused", "cancelled"}),
    "sending": frozenset({"paused", "cancelled", "finished"}),
    "paused": frozenset({"scheduled", "cancelled"}),
    "finished": frozenset({"scheduled"}),
    "cancelled": frozenset(),
}
_NEXT_STEP = {
    "draft": "Propose it with `righthand mailings send NAME`.",
    "scheduled": "It starts when due; `righthand mailings pause NAME` holds it.",
    "sending": "Pause it with `righthand mailings pause NAME`, or cancel it.",
    "paused": "Resume it with `righthand mailings resume NAME`, or cancel it.",
    "finished": "See `righthand mailings status NAME`; `retry NAME` resends failed ones.",
    "cancelled": "A cancelled mailing stays cancelled; create a new one to send again.",
}


class IllegalTransition(BadInput):
    """A mailing cannot move from its state to the one asked for."""


def can_move(current: str, target: str) -> bool:
    """True when ``current -> target`` is an allowed transition."""
    return target in TRANSITIONS.get(current, frozenset())


def move(mailing: Mailing, target: str, now: datetime) -> None:
    """Move ``mailing`` to ``target`` or raise :class:`IllegalTransition`."""
    if target not in STATES:
        raise IllegalTransition(f"{target!r} is not a mailing state",
                                hint="States: " + ", ".join(STATES))
    if not can_move(mailing.status, target):
        allowed = ", ".join(sorted(TRANSITIONS.get(mailing.status, ()))) or "nothing"
        raise IllegalTransition(
            f"the mailing {mailing.name!r} is {mailing.status}; it cannot become {target} "
            f"(from {mailing.status} it can become: {allowed})",
            hint=_NEXT_STEP.get(mailing.status, "See `righthand mailings status NAME`."))
    mailing.status = target
    if target == "finished":
        mailing.finished_at = now
    elif target == "scheduled":
        mailing.finished_at = None
