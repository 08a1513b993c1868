"""The client's rules as stored rows: add (from a sentence), list, remove, and preview which
recent messages a rule would match."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.screening.parse import MailFacts
from righthand.duties.screening.rules import Rule, SenderInfo, matches, parse_rule
from righthand.duties.screening.store import load_context
from righthand.store.tables import MailMessage, ScreeningRule

PREVIEW_OVER = 200  # recent messages a preview looks at


@dataclass(frozen=True)
class Preview:
    """Recent messages a rule would match."""

    looked_at: int
    matched: list[MailMessage]

    def lines(self, limit: int = 10) -> list[str]:
        """One line per matched message."""
        return [f"#{m.id} {m.from_name or m.from_address} <{m.from_address}>: {m.subject}"
                for m in self.matched[:limit]]


def add(session: Session, workspace_id: int, text: str, now: datetime,
        assistant_name: str = "Jane", actor: str = "client") -> tuple[ScreeningRule, Rule]:
    """Understand ``text`` and store it as an active rule."""
    rule = parse_rule(text, assistant_name)
    row = ScreeningRule(workspace_id=workspace_id, text=text.strip(), match=dict(rule.match),
                        effect=dict(rule.effect), active=True, created_at=now, created_by=actor)
    session.add(row)
    session.flush()
    return row, Rule(row.match, row.effect, row.text, row.id)


def rules(session: Session, include_inactive: bool = False) -> list[ScreeningRule]:
    """The workspace's rules, oldest first."""
    query = select(ScreeningRule).order_by(ScreeningRule.id)
    if not include_inactive:
        query = query.where(ScreeningRule.active.is_(True))
    return list(session.scalars(query))


def remove(session: Session, rule_id: int) -> ScreeningRule | None:
    """Switch a rule off (kept, so the audit trail of why mail was filed still reads)."""
    row = session.get(ScreeningRule, rule_id)
    if row is None or not row.active:
        return None
    row.active = False
    return row


def as_rule(row: ScreeningRule) -> Rule:
    """The rule a row holds."""
    return Rule(row.match, row.effect, row.text, row.id)


def preview(session: Session, rule: Rule, over: int = PREVIEW_OVER) -> Preview:
    """Which of the ``over`` most recent stored messages ``rule`` matches."""
    ctx = load_context(session)
    recent = list(session.scalars(select(MailMessage).where(MailMessage.state != "quarantined")
                                  .order_by(MailMessage.id.desc()).limit(over)))
    hits = []
    for row in recent:
        facts = MailFacts.from_json(row.facts)
        known = ctx.contacts.get(facts.from_address)
        sender = SenderInfo(company=known.company, name=known.name) if known else None
        if matches(rule, facts, sender, priority=row.priority):
            hits.append(row)
    return Preview(len(recent), hits)
