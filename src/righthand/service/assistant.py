"""One request, start to finish: understand, check read access, run the duty's handler, put
every proposed action through the executor (and so the gate), and answer in words."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from righthand.conversation.understanding import Understanding
from righthand.duties.plugin import Reply, Request
from righthand.policy.access import ReadRefusal, check_read
from righthand.policy.autonomy import Autonomy
from righthand.service import (
    approvals,
    audit,
    conversation,
    executor,
    language_model,
    model_understanding,
    workspaces,
)
from righthand.store.tables import Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App


@dataclass
class ActionReport:
    """One proposed action as the client sees it."""

    id: int
    duty: str
    kind: str
    decision: str
    reason: str
    summary: str
    state: str
    approval_id: int | None = None
    payload: dict[str, Any] = field(default_factory=dict, repr=False)


@dataclass
class Answer:
    """The assistant's answer to one request."""

    answer: str
    intent: str
    slots: dict[str, Any]
    confidence: float
    actions: list[ActionReport] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The ``righthand ask --json`` form."""
        return {"answer": self.answer, "intent": self.intent, "slots": self.slots,
                "confidence": self.confidence,
                "actions": [{k: v for k, v in asdict(a).items()
                             if k in {"id", "duty", "kind", "decision", "reason", "state",
                                      "approval_id", "summary"}} for a in self.actions]}


def ask(app: App, text: str, workspace: str | None = None, actor: str = "client",
        channel: str | None = None, intent: str | None = None) -> Answer:
    """Answer ``text`` for the client of ``workspace`` (default: the current one). With a
    ``channel`` ("cli", "email:ADDR", ...) the conversation's memory completes follow-ups and
    answers to clarifying questions (service/conversation.py). ``intent`` (a public intent
    name) takes the request as that intent, its slots found in ``text`` (MCP tools)."""
    now = app.clock()
    with app.db.unit(None) as session:
        ws = workspaces.resolve(session, workspace)
        session.info["workspace_id"] = ws.id
        understood = app.understander.understand(text, now, ws.timezone, ws.assistant_name)
        if intent is not None and intent != understood.intent:
            understood = _as_intent(intent, text, now, ws.timezone)
        memory: dict[str, Any] = {}
        if channel is not None:
            memory = conversation.load(session, channel, now)
            understood, text = conversation.recall(
                memory, text, understood,
                lambda said: app.understander.understand(said, now, ws.timezone,
                                                         ws.assistant_name))
        if intent is None:  # unsure even with the conversation's memory: the optional model
            understood = model_understanding.refine(app, session, ws, text, understood)
        audit.append(session, ws.id, actor, "request.received", understood.handler,
                     {"text": text, "slots": understood.slots}, at=now)
        answer = _answer(app, session, ws, text, understood.handler, understood.slots, actor)
        answer.confidence = understood.confidence
        if channel is not None:
            conversation.save(session, ws.id, channel,
                              conversation.remember(memory, understood, answer, ws.timezone),
                              now)
    allowed = [a.id for a in answer.actions if a.decision == "allow"]
    if allowed:
        report = app.dispatcher().run_once(only=allowed)
        _note_delivery(app, ws.id, answer, report.delivered, report.retrying)
    return answer


def _as_intent(intent: str, text: str, now: datetime, tz: str) -> Understanding:
    """``text`` understood as ``intent`` (the caller chose the intent, e.g. an MCP tool)."""
    from zoneinfo import ZoneInfo

    from righthand.conversation import engine, slots

    today = now.astimezone(ZoneInfo(tz)).date()
    route, found = engine.fill(intent, text, today)
    public = engine.PUBLIC.get(route, route)
    filled = slots.contract(public, found, text, today, tz)
    return Understanding(public, filled, 1.0, route if route != public else "")


def _answer(app: App, session: Session, ws: Workspace, text: str, intent: str,
            slots: dict[str, Any], actor: str) -> Answer:
    now = app.clock()
    job = workspaces.job_description(session, ws)
    builtin = _builtin(app, session, ws, intent, job)
    if builtin is not None:
        return Answer(builtin, intent, slots, 0.0)
    route = app.registry.routes.get(intent)
    if route is None:
        return Answer(f"I understood that as {intent}, but I can't do that yet.", intent, slots,
                      0.0)
    manifest = app.catalog[route.duty]
    grant = check_read(route.duty, manifest.read_scopes, job, app.catalog)
    if isinstance(grant, ReadRefusal):
        audit.append(session, ws.id, "assistant", "request.refused", intent,
                     {"duty": route.duty, "reason": grant.reason}, at=now)
        return Answer(grant.reason, intent, slots, 0.0)
    reply: Reply = route.handler(Request(text=text, intent=intent, slots=slots, now=now,
                                         workspace=workspaces.info(ws), session=session,
                                         requested_by=actor,
                                         model=language_model.for_workspace(app, session, ws.id)))
    answer = Answer(reply.text, intent, slots, 0.0, data=reply.data)
    lines = [reply.text] if reply.text else []
    for action in reply.actions:
        proposed = executor.propose(session, ws.id, action, job, app.catalog, now, actor,
                                    app.approval_ttl)
        decision = proposed.decision
        answer.actions.append(ActionReport(
            id=proposed.row.id, duty=proposed.row.duty, kind=proposed.row.kind,
            decision=decision.name, reason=decision.reason, summary=proposed.row.summary,
            state=proposed.row.state, approval_id=proposed.approval_id,
            payload=dict(proposed.row.payload or {})))
        if decision.name == "ask":
            lines.append(f"It is waiting for your approval (#{proposed.approval_id}): "
                         f"{decision.reason} Approve with `righthand approvals approve "
                         f"{proposed.approval_id}`.")
        elif decision.name == "deny":
            lines.append(f"I can't do that: {decision.reason}")
    answer.answer = "\n\n".join(lines)
    return answer


def _note_delivery(app: App, workspace_id: int, answer: Answer, delivered: list[int],
                   retrying: list[int]) -> None:
    with app.db.unit(workspace_id, write=False) as session:
        from righthand.store.tables import ActionRow

        for report in answer.actions:
            row = session.get(ActionRow, report.id)
            if row is not None:
                report.state = row.state
    done = [a for a in answer.actions if a.state == "done"]
    waiting = [a for a in answer.actions if a.decision == "allow" and a.state == "queued"]
    if done:
        answer.answer += "\n\nDone." if len(done) == len(answer.actions) else \
            f"\n\nDone: {', '.join(a.summary for a in done)}."
    if waiting:
        answer.answer += ("\n\nIt is queued; the worker delivers it (`righthand worker`) and "
                          "retries if the server is unavailable.")


def _builtin(app: App, session: Session, ws: Workspace, intent: str, job: Any) -> str | None:
    name = ws.assistant_name
    if intent == "assistant.approvals":
        waiting = approvals.pending(session, app.clock())
        if not waiting:
            return "Nothing is waiting for your approval."
        lines = [f"#{p.approval.id} {p.action.summary}" for p in waiting[:10]]
        return f"{len(waiting)} waiting for your approval:\n" + "\n".join(lines)
    if intent == "assistant.phase":
        on = [app.catalog[d].title for d, s in job.duties.items()
              if s.autonomy is not Autonomy.OFF and d in app.catalog]
        phase = f"Phase {['I', 'II', 'III'][ws.phase - 1]}" if ws.phase else "a custom job"
        return (f"We're in {phase}. I look after: {', '.join(on) or 'nothing yet'}. "
                "See `righthand duties` for the details, or `righthand phase set II` to hand me "
                "more.")
    if intent == "assistant.help":
        return (f"I'm {name}, your assistant. Ask me things like \"What's on my calendar "
                "today?\", \"Add Sue Park, sue@example.com, to the newsletter list\" or "
                "\"Email Bob that I'm running ten minutes late\".")
    if intent == "smalltalk":
        return f"Hello! {name} here. What can I do for you?"
    if intent == "out_of_scope":
        return ("That's not something I can do. I can keep your contacts and mailing lists, "
                "order supplies, send mailings and email, and -- as you hand them to me -- run "
                "your calendar and track your deals. Try `righthand ask help`.")
    return None
