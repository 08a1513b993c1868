"""Intent handlers of screening.email: the email digest and the client's rules."""

from __future__ import annotations

from righthand.duties.plugin import Reply, Request
from righthand.duties.screening import digest, rulebook
from righthand.duties.screening.rules import RuleNotUnderstood
from righthand.duties.screening.store import load_context, office, pending_ids, screen_one

SCREEN_ON_ASK = 50  # unscreened messages screened before answering


def email_summary(request: Request) -> Reply:
    """"Anything important in my email?" -- screens what is waiting, then sums up."""
    session = request.session
    actions = []
    waiting = pending_ids(session, limit=SCREEN_ON_ASK)
    if waiting:
        ctx = load_context(session)
        where = office(session, request.workspace.id)
        for message_row_id in waiting:
            done = screen_one(session, message_row_id, ctx, where, request.now, request.model)
            if done is not None:
                actions.extend(done[1])
    session.flush()
    text = digest.summary(session, request.now, request.workspace.assistant_name)
    return Reply(text, actions=actions, data={"screened": len(waiting)})


def rule(request: Request) -> Reply:
    """Add a rule from plain words (with a preview), or list the rules."""
    session = request.session
    if request.slots.get("op") == "list":
        rows = rulebook.rules(session)
        if not rows:
            return Reply("You have no screening rules yet. Say for example \"treat anything "
                         "from acme.com as urgent\".")
        return Reply("Your screening rules:\n" + "\n".join(
            f"#{r.id} \"{r.text}\" -- {rulebook.as_rule(r).describe()}" for r in rows))
    text = str(request.slots.get("text") or request.text)
    try:
        row, parsed = rulebook.add(session, request.workspace.id, text, request.now,
                                   request.workspace.assistant_name, request.requested_by)
    except RuleNotUnderstood as exc:
        return Reply(str(exc))
    shown = rulebook.preview(session, parsed)
    lines = [f"Rule #{row.id} saved: {parsed.describe()}."]
    if shown.matched:
        lines.append(f"Of your {shown.looked_at} most recent messages it matches "
                     f"{len(shown.matched)}:")
        lines.extend(shown.lines())
    else:
        lines.append(f"None of your {shown.looked_at} most recent messages match it yet.")
    lines.append(f"Remove it with `righthand mail rules remove {row.id}`.")
    return Reply("\n".join(lines), data={"rule_id": row.id})
