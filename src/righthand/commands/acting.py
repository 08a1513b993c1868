"""Proposing actions from a CLI command: through the gate, delivered at once when allowed,
and explained in one line whatever the gate decided."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from righthand.commands import common

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.domain.actions import Action
    from righthand.store.tables import Workspace


@dataclass
class Acted:
    """One proposed action after the gate (and, when allowed, after delivery)."""

    id: int
    summary: str
    decision: str
    reason: str
    state: str
    approval_id: int | None
    result: dict[str, Any] | None
    error: str | None = None

    def explain(self) -> str:
        """What happened, and what the client can do next, in a line or two."""
        if self.state == "done":
            return f"Done (action #{self.id}; `righthand undo {self.id}` reverses it)."
        if self.decision == "ask":
            return (f"Waiting for your approval (#{self.approval_id}): {self.reason} Approve "
                    f"with `righthand approvals approve {self.approval_id}`.")
        if self.decision == "deny":
            return f"Not done: {self.reason}"
        if self.state == "failed":
            return f"It failed: {self.error or 'see `righthand outbox list`'}."
        return "Queued; the worker delivers it (`righthand worker`)."


def act(application: App, build: Callable[[Session, Workspace], Sequence[Action]],
        actor: str = "client") -> list[Acted]:
    """Build actions in a unit of work, propose each, deliver the allowed ones, report."""
    from righthand.service import executor, workspaces
    from righthand.store.tables import ActionRow, OutboxRow

    now = application.clock()
    acted: list[Acted] = []
    with common.workspace(application) as (session, ws):
        workspace_id = ws.id
        actions = build(session, ws)
        job = workspaces.job_description(session, ws)
        for action in actions:
            proposed = executor.propose(session, ws.id, action, job, application.catalog, now,
                                        actor, application.approval_ttl)
            acted.append(Acted(proposed.row.id, proposed.row.summary, proposed.decision.name,
                               proposed.decision.reason, proposed.row.state,
                               proposed.approval_id, None))
    allowed = [a.id for a in acted if a.decision == "allow"]
    if allowed:
        application.dispatcher().run_once(only=allowed)
    with application.db.unit(workspace_id, write=False) as session:
        for item in acted:
            row = session.get(ActionRow, item.id)
            if row is not None:
                item.state, item.result = row.state, row.result
            if item.state == "failed":
                from sqlalchemy import select

                item.error = session.scalar(select(OutboxRow.last_error).where(
                    OutboxRow.action_id == item.id))
    return acted


def outcome(acted: Acted) -> dict[str, Any]:
    """The action's result, without the undo record."""
    return dict((acted.result or {}).get("result") or {})
