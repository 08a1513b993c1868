"""Putting actions made by a CLI command through the gate, and saying what became of them
(shared by the deals, briefing and remind commands)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from righthand.commands import common

if TYPE_CHECKING:
    from righthand.bootstrap import App
    from righthand.domain.actions import Action


def propose(application: App, actions: Sequence[Action], actor: str = "client") -> list[str]:
    """Propose each action (one transaction), deliver the allowed ones, and describe the
    outcome of each in a sentence."""
    from righthand.service import executor, workspaces
    from righthand.store.tables import ActionRow

    if not actions:
        return []
    outcomes = []
    with common.workspace(application) as (session, ws):
        job = workspaces.job_description(session, ws)
        for action in actions:
            done = executor.propose(session, ws.id, action, job, application.catalog,
                                    application.clock(), actor, application.approval_ttl)
            outcomes.append((done.row.id, done.decision.name, done.decision.reason,
                             done.approval_id, done.row.summary))
        workspace_id = ws.id
    allowed = [number for number, decision, *_ in outcomes if decision == "allow"]
    if allowed:
        application.dispatcher().run_once(only=allowed)
    lines = []
    with application.db.unit(workspace_id, write=False) as session:
        for number, decision, reason, approval, summary in outcomes:
            if decision == "deny":
                lines.append(f"I can't do that: {reason}")
            elif decision == "ask":
                lines.append(f"Waiting for your approval (#{approval}): {summary}. {reason} "
                             f"Approve with `righthand approvals approve {approval}`.")
            else:
                row = session.get(ActionRow, number)
                state = row.state if row else "queued"
                if state == "done":
                    undo = f" (`righthand undo {number}` reverses it)" if row and row.undoable \
                        else ""
                    lines.append(f"Done: {summary}{undo}.")
                elif state == "failed":
                    lines.append(f"Failed: {summary} — see `righthand outbox list`.")
                else:
                    lines.append(f"Queued: {summary}; the worker delivers it "
                                 "(`righthand worker`).")
    return lines
