"""Ad copy from a structured brief (the CLI's ``righthand copy write``), through the same
handler and the same gate as "Jane, write ad copy for...", and the brand voice's bookkeeping."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from righthand.domain.copy import Brief, Voice
from righthand.service import assistant, audit, workspaces

if TYPE_CHECKING:
    from righthand.bootstrap import App


def write(app: App, brief: Brief, channel: str, count: int = 3, workspace: str | None = None,
          actor: str = "client") -> assistant.Answer:
    """Draft copy for ``brief``; the ``copy.draft`` action meets the gate like any other."""
    slots: dict[str, Any] = {"brief": brief.as_json(), "channel": channel, "count": count}
    text = f"Write {channel} copy for {brief.offer}"
    now = app.clock()
    with app.db.unit(None) as session:
        ws = workspaces.resolve(session, workspace)
        session.info["workspace_id"] = ws.id
        audit.append(session, ws.id, actor, "request.received", "copy.write",
                     {"text": text, "slots": slots}, at=now)
        answer = assistant._answer(app, session, ws, text, "copy.write", slots, actor)
        answer.confidence = 1.0
    allowed = [a.id for a in answer.actions if a.decision == "allow"]
    if allowed:
        report = app.dispatcher().run_once(only=allowed)
        assistant._note_delivery(app, ws.id, answer, report.delivered, report.retrying)
    return answer


def learn(app: App, before: str, after: str, channel: str = "",
          workspace: str | None = None) -> Voice:
    """Record one edit of drafted copy; returns the voice learned so far."""
    from righthand.duties.copywriting import effects, handlers

    with app.db.unit(None) as session:
        ws = workspaces.resolve(session, workspace)
        session.info["workspace_id"] = ws.id
        effects.record_edit(session, ws.id, channel, before, after, app.clock())
        session.flush()
        return handlers.voice(session)


def voice(app: App, workspace: str | None = None) -> Voice:
    """The brand voice learned so far."""
    from righthand.duties.copywriting import handlers

    with app.db.unit(None, write=False) as session:
        ws = workspaces.resolve(session, workspace)
        session.info["workspace_id"] = ws.id
        return handlers.voice(session)
