"""Storing call screening rules and the phone line (used by the CLI and the assistant)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from righthand.duties.screening.call_rules import describe, parse
from righthand.errors import BadInput, NotFound
from righthand.store.tables import CallRule, ContactRow, PhoneLine


def add_rule(session: Session, workspace_id: int, text: str, now: datetime,
             region: str = "US") -> CallRule:
    """Read ``text`` as a rule and store it after the others (a named contact is resolved)."""
    parsed = parse(text, region)
    spec = dict(parsed.spec)
    if spec.get("who") == "contact":
        name = str(spec.pop("contact_name"))
        pattern = f"%{name.lower()}%"
        found = session.execute(select(ContactRow.id, ContactRow.display_name).where(or_(
            func.lower(ContactRow.display_name).like(pattern),
            func.lower(ContactRow.given_name) == name.lower()))).all()
        if not found:
            raise BadInput(f"no contact matches {name!r}",
                           hint="Use their number, or add them to your contacts first.")
        if len(found) > 1:
            names = ", ".join(row.display_name for row in found[:5])
            raise BadInput(f"{name!r} matches several contacts: {names}",
                           hint="Use the full name or the number.")
        spec.update(value=found[0].id, contact_name=found[0].display_name)
    last = session.scalar(select(func.max(CallRule.position))) or 0
    rule = CallRule(workspace_id=workspace_id, text=text.strip(), spec=spec,
                    action=parsed.action, position=last + 1, created_at=now)
    session.add(rule)
    session.flush()
    return rule


def rules(session: Session) -> list[tuple[CallRule, str]]:
    """The rules in the order they are tried, each with its description."""
    found = session.scalars(select(CallRule).order_by(CallRule.position, CallRule.id)).all()
    return [(rule, describe(rule.action, rule.spec or {})) for rule in found]


def remove_rule(session: Session, rule_id: int) -> str:
    """Delete one rule; returns its text."""
    rule = session.get(CallRule, rule_id)
    if rule is None:
        raise NotFound(f"no call rule #{rule_id}", hint="See `righthand calls rules list`.")
    text = rule.text
    session.delete(rule)
    return text


def set_line(session: Session, workspace_id: int, number: str, now: datetime, *,
             auth_token: str | None = None, ring_to: str | None = None,
             greeting: str | None = None, region: str = "US",
             account_sid: str | None = None) -> PhoneLine:
    """Create or update the workspace's phone line (numbers stored as E.164)."""
    from righthand.duties.lists.normalise import parse_phone

    def e164(raw: str) -> str:
        _, value = parse_phone(raw, region)
        if value is None:
            raise BadInput(f"not a phone number I can read: {raw!r}",
                           hint="Write it with the country code, e.g. +1 202 555 0147.")
        return value

    line = session.scalars(select(PhoneLine)).first()
    if line is None:
        line = PhoneLine(workspace_id=workspace_id, number=e164(number), updated_at=now)
        session.add(line)
    line.number = e164(number)
    if auth_token is not None:
        line.auth_token = auth_token
    if account_sid is not None:
        sid = account_sid.strip()
        if sid and (len(sid) > 64 or not sid.isalnum()):
            raise BadInput(f"not an account SID: {sid[:70]!r}",
                           hint="Copy the Account SID (letters and digits, like AC0123...) from "
                                "the carrier's console.")
        line.account_sid = sid or None
    if ring_to is not None:
        line.ring_to = e164(ring_to) if ring_to else None
    if greeting is not None:
        line.greeting = greeting or None
    line.updated_at = now
    session.flush()
    return line
