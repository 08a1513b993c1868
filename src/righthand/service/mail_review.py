"""The client reviews screening: re-categorise a message (a correction the classifier learns
from, and a re-filing through the gate), manage rules (audited)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from righthand.domain.actions import Initiative
from righthand.duties.screening import learning, rulebook
from righthand.duties.screening.actions import (
    INBOX_CATEGORIES,
    LABELS,
    MessageRef,
    file_action,
    keyword,
)
from righthand.duties.screening.parse import MailFacts
from righthand.duties.screening.rules import CATEGORIES, RuleNotUnderstood
from righthand.duties.screening.screen import Verdict
from righthand.duties.screening.store import office, ref_of
from righthand.errors import BadInput, NotFound
from righthand.service import audit, executor, workspaces
from righthand.store.tables import MailMessage, Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App


def recategorise(app: App, session: Session, ws: Workspace, message_row_id: int,
                 category: str, actor: str = "client") -> tuple[str, int | None]:
    """Correct a message's category: learn from it and propose re-filing it."""
    wanted = category.strip().lower().replace(" ", "_").replace("-", "_")
    aliases = {"scheduling": "scheduling_request", "receipt": "transactional",
               "promotion": "newsletter", "junk": "spam", "reply": "needs_reply"}
    wanted = aliases.get(wanted, wanted)
    if wanted not in CATEGORIES:
        raise BadInput(f"{category!r} is not a category", hint="Categories: "
                       + ", ".join(CATEGORIES))
    row = session.get(MailMessage, message_row_id)
    if row is None or row.state == "quarantined":
        raise NotFound(f"there is no screened message #{message_row_id} in this workspace",
                       hint="See them with `righthand mail inbox`.")
    now = app.clock()
    before = row.category
    correction = learning.correct(session, row, wanted, "recategorise", now)
    audit.append(session, ws.id, actor, "mail.recategorised", f"message {row.id}",
                 {"from": before, "to": wanted, "model_guess": correction.model_guess}, at=now)
    verdict = Verdict(wanted, priority="high" if wanted == "vip" else "normal")
    facts = MailFacts.from_json(row.facts)
    where = office(session, ws.id)
    ref: MessageRef = ref_of(row)
    action = file_action(verdict, facts, ref, where, initiative=Initiative.REACTIVE)
    changes: dict[str, object] = {}
    if before and before != wanted:
        changes["remove_labels"] = [keyword(LABELS.get(before, before))]
    if action.data.get("move_to") is None and wanted in INBOX_CATEGORIES \
            and row.folder != "INBOX":
        changes["move_to"] = "INBOX"  # back where the client reads it
    if changes:
        action = action.edited(changes)
    proposed = executor.propose(session, ws.id, action, workspaces.job_description(session, ws),
                                app.catalog, now, actor, app.approval_ttl)
    said = (f"#{row.id} is now {wanted.replace('_', ' ')} (was "
            f"{(before or 'unscreened').replace('_', ' ')}). {proposed.row.summary}: "
            f"{proposed.decision.name}.")
    return said, proposed.row.id if proposed.decision.name == "allow" else None


def add_rule(app: App, session: Session, ws: Workspace, text: str,
             actor: str = "client") -> tuple[str, rulebook.Preview]:
    """Store a rule from a sentence (audited) and preview it."""
    now = app.clock()
    try:
        row, rule = rulebook.add(session, ws.id, text, now, ws.assistant_name, actor)
    except RuleNotUnderstood as exc:
        raise BadInput(str(exc), hint="See `righthand mail rules add --help`.") from None
    audit.append(session, ws.id, actor, "mail.rule_added", f"rule {row.id}",
                 {"text": row.text, "match": row.match, "effect": row.effect}, at=now)
    return f"Rule #{row.id}: {rule.describe()}.", rulebook.preview(session, rule)


def remove_rule(app: App, session: Session, ws: Workspace, rule_id: int,
                actor: str = "client") -> str:
    """Switch a rule off (audited)."""
    row = rulebook.remove(session, rule_id)
    if row is None:
        raise NotFound(f"there is no active rule #{rule_id}",
                       hint="See them with `righthand mail rules list`.")
    audit.append(session, ws.id, actor, "mail.rule_removed", f"rule {rule_id}",
                 {"text": row.text}, at=app.clock())
    return f"Rule #{rule_id} (\"{row.text}\") is off."
