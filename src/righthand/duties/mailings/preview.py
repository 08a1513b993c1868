"""Previews and dry runs: render a mailing for one recipient, or for all of them, sending
nothing. A dry run is the default until the client approves a send."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.mailings import merge, store
from righthand.duties.mailings.merge import Person
from righthand.duties.mailings.templates import Rendered, Renderer, TemplateProblem
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    Mailing,
    MailingListRow,
    Subscription,
    Suppression,
)

PLACEHOLDER_UNSUBSCRIBE = "https://unsubscribe.invalid/preview"


@dataclass
class DryRun:
    """What sending the mailing now would do, message by message, without sending."""

    mailing: str
    list_name: str
    content_hash: str
    would_send: int = 0
    skipped: Counter[str] = field(default_factory=Counter)
    problems: dict[str, list[str]] = field(default_factory=dict)  # message -> addresses
    first: tuple[Person, Rendered] | None = None

    @property
    def failing(self) -> int:
        """Recipients whose message does not render."""
        return sum(len(v) for v in self.problems.values())

    @property
    def ok(self) -> bool:
        """True when every recipient's message renders and someone would receive it."""
        return not self.problems and self.would_send > 0

    def summary(self) -> str:
        """A few lines for the client."""
        lines = [f"Dry run of \"{self.mailing}\" to {self.list_name}: {self.would_send} "
                 f"message(s) would be sent; nothing was sent."]
        for reason, count in sorted(self.skipped.items()):
            lines.append(f"  skipped: {count} ({reason})")
        for message, addresses in self.problems.items():
            shown = ", ".join(addresses[:3]) + (" ..." if len(addresses) > 3 else "")
            lines.append(f"  PROBLEM for {len(addresses)} recipient(s) ({shown}): {message}")
        if self.problems:
            lines.append("Fix the template (`righthand mailings edit`) and run the dry run again.")
        elif self.would_send == 0:
            lines.append("Nobody would receive it: the list has no confirmed subscribers.")
        return "\n".join(lines)

    def as_json(self) -> dict[str, Any]:
        """The machine-readable form."""
        return {"mailing": self.mailing, "would_send": self.would_send,
                "skipped": dict(self.skipped), "failing": self.failing,
                "problems": {k: v[:20] for k, v in self.problems.items()},
                "content_hash": self.content_hash}


def context_for(person: Person, business_name: str = "",
                unsubscribe_url: str = PLACEHOLDER_UNSUBSCRIBE) -> dict[str, Any]:
    """The merge context used by previews (the link is a placeholder)."""
    return merge.context(person, unsubscribe_url=unsubscribe_url, business_name=business_name)


def preview(session: Session, mailing: Mailing, address: str | None = None,
            business_name: str = "") -> tuple[Person, Rendered]:
    """The message ``address`` (default: the first recipient) would get."""
    renderer = Renderer(store.templates_of(mailing))
    if address:
        wanted = address.strip().lower()
        email = session.scalars(select(ContactEmail).where(
            func.lower(ContactEmail.address) == wanted)).first()
        contact = session.get(ContactRow, email.contact_id) if email else None
        person = store.person_of(contact, wanted)
    else:
        found = store.targets(session, mailing.list_id, mailing.segment_id) \
            if mailing.list_id else []
        person = store.people(session, found[:1])[0] if found else merge.sample_person()
    return person, renderer.render(context_for(person, business_name))


def dry_run(session: Session, mailing: Mailing, business_name: str = "") -> DryRun:
    """Render every recipient's message; count who would be skipped and why."""
    templates = store.templates_of(mailing)
    mailing_list = session.get(MailingListRow, mailing.list_id) if mailing.list_id else None
    report = DryRun(mailing.name, mailing_list.name if mailing_list else "(no list)",
                    templates.content_hash)
    renderer = Renderer(templates)  # a syntax error is raised here, for the whole mailing
    found = store.targets(session, mailing.list_id, mailing.segment_id) \
        if mailing.list_id else []
    for reason, count in _excluded(session, mailing, {t.contact_id for t in found}).items():
        report.skipped[reason] += count
    for start in range(0, len(found), 500):
        for person in store.people(session, found[start:start + 500]):
            try:
                rendered = renderer.render(context_for(person, business_name))
            except TemplateProblem as exc:
                report.problems.setdefault(exc.message, []).append(person.address)
                continue
            report.would_send += 1
            if report.first is None:
                report.first = (person, rendered)
    return report


def _excluded(session: Session, mailing: Mailing, reached: set[int | None]) -> Counter[str]:
    """List members the mailing will not reach, by reason."""
    if mailing.list_id is None:
        return Counter()
    suppressed: dict[str, str] = dict(session.execute(select(func.lower(Suppression.address),
                                             Suppression.reason)).all())
    rows = session.execute(
        select(Subscription.contact_id, Subscription.state, func.lower(ContactEmail.address))
        .join(ContactEmail, ContactEmail.contact_id == Subscription.contact_id)
        .where(Subscription.list_id == mailing.list_id)
        .order_by(Subscription.contact_id, ContactEmail.id)).all()
    seen: set[int] = set()
    excluded: Counter[str] = Counter()
    for contact_id, state, address in rows:
        if contact_id in reached or contact_id in seen:
            continue
        seen.add(contact_id)
        reason = store.reason_from(suppressed.get(address), state, mailing.list_id)
        excluded[reason or "not in the segment"] += 1
    return excluded
