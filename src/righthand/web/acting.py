"""Putting actions a duty page builds through the gate, as the signed-in user.

A page never changes the world itself: it builds ``Action``s with the duty's own functions
(``duties.sales.updates.move``, ...) and hands them here. Each meets the gate in one
transaction (``service.executor.propose``, with ``requested_by=ctx.actor`` so a staff
assistant's work is attributed); the allowed ones are delivered at once, like the CLI does.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from righthand.service import executor, workspaces
from righthand.store.tables import ActionRow
from righthand.web.auth import Context
from righthand.web.operations import workspace_row

if TYPE_CHECKING:
    from righthand.bootstrap import App
    from righthand.domain.actions import Action


@dataclass(frozen=True)
class Outcome:
    """What became of one proposed action, in words for a notice."""

    action_id: int
    decision: str  # allow ask deny
    state: str
    message: str
    approval_id: int | None = None

    @property
    def ok(self) -> bool:
        """False when the action was refused or failed."""
        return self.decision != "deny" and self.state != "failed"


def _describe(decision: str, reason: str, state: str, summary: str,
              approval_id: int | None) -> str:
    if decision == "deny":
        return f"Not done: {reason}"
    if decision == "ask":
        return f"Waiting for the client's approval (#{approval_id}): {summary}. {reason}"
    if state == "done":
        return f"Done: {summary}."
    if state == "failed":
        return f"Failed: {summary}. See the outbox for the reason."
    return f"Queued: {summary}; the worker delivers it shortly."


def propose(app: App, ctx: Context, actions: Sequence[Action] = (), *,
            build: Callable[[Session], Sequence[Action]] | None = None,
            deliver: bool = True) -> list[Outcome]:
    """Propose ``actions`` (or those ``build`` makes inside the same transaction) as this
    user, deliver the allowed ones (unless ``deliver`` is False: the caller delivers them, e.g.
    after the response), and say what became of each."""
    ctx.require("ask")
    decided = []
    with app.db.unit(ctx.workspace_id) as session:
        job = workspaces.job_description(session, workspace_row(session, ctx))
        for action in [*actions, *(build(session) if build else ())]:
            done = executor.propose(session, ctx.workspace_id, action, job, app.catalog,
                                    app.clock(), ctx.actor, app.approval_ttl)
            decided.append((done.row.id, done.decision.name, done.decision.reason,
                            done.approval_id, done.row.summary))
    allowed = [action_id for action_id, name, *_ in decided if name == "allow"]
    if allowed and deliver:
        app.dispatcher().run_once(only=allowed)
    outcomes = []
    with app.db.unit(ctx.workspace_id, write=False) as session:
        for action_id, name, reason, approval_id, summary in decided:
            row = session.get(ActionRow, action_id)
            state = row.state if row is not None else "unknown"
            outcomes.append(Outcome(action_id, name, state,
                                    _describe(name, reason, state, summary, approval_id),
                                    approval_id))
    return outcomes


def deliver(app: App, action_ids: Sequence[int]) -> None:
    """Deliver allowed actions now (for a background task after the response)."""
    if action_ids:
        app.dispatcher().run_once(only=list(action_ids))
