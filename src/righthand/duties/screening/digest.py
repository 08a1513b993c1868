"""The answer to "Anything important in my email?": what needs the client, then what was
filed away, from the screened messages of the last days."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.screening.actions import LABELS
from righthand.store.tables import MailFolderState, MailMessage

WINDOW = timedelta(days=2)
_ATTENTION = ("vip", "needs_reply", "scheduling_request")
_ORDER = {"high": 0, "normal": 1, "low": 2}


def _line(row: MailMessage) -> str:
    who = row.from_name or row.from_address
    reasons = (row.reasons or {}).get("reasons") or []
    deal = next((r for r in reasons if " is part of " in r), "")
    extra = f" -- {deal.rstrip('.')}" if deal else ""
    label = LABELS.get(row.category or "", row.category or "")
    flag = " [urgent]" if row.priority == "high" else ""
    return f"- {who}: \"{row.subject}\" ({label}){flag}{extra} (#{row.id})"


def summary(session: Session, now: datetime, assistant_name: str) -> str:
    """The digest text."""
    since = now - WINDOW
    rows = list(session.scalars(select(MailMessage).where(
        MailMessage.fetched_at >= since, MailMessage.state == "screened")))
    waiting = session.scalars(select(MailMessage.id).where(MailMessage.state == "new")).all()
    quarantined = session.scalars(select(MailMessage.id).where(
        MailMessage.state == "quarantined", MailMessage.fetched_at >= since)).all()
    last_sync = session.scalars(select(MailFolderState.synced_at)
                                .order_by(MailFolderState.synced_at.desc())).first()
    if not rows and not waiting:
        if last_sync is None:
            return ("I haven't read your mailbox yet. Connect it with `righthand mail connect`, "
                    "then `righthand mail poll` (or keep `righthand worker` running).")
        return "Nothing new in your email in the last two days."
    important = sorted((r for r in rows if r.category in _ATTENTION or r.priority == "high"),
                       key=lambda r: (_ORDER.get(r.priority or "normal", 1), -r.id))
    lines: list[str] = []
    if important:
        lines.append(f"{len(important)} message{'s' if len(important) != 1 else ''} "
                     "for you:")
        lines.extend(_line(r) for r in important[:12])
    else:
        lines.append("Nothing that needs you in the last two days.")
    rest = Counter(r.category for r in rows if r not in important)
    if rest:
        parts = [f"{n} {LABELS.get(c or '', c or '').lower()}" for c, n in rest.most_common()]
        lines.append("Also: " + ", ".join(parts) + ".")
    phishing = [r for r in rows if r.category == "phishing"]
    if phishing:
        lines.append(f"Careful: {len(phishing)} suspected phishing "
                     f"message{'s' if len(phishing) != 1 else ''} "
                     f"(\"{phishing[0].subject}\") -- I moved "
                     f"{'them' if len(phishing) != 1 else 'it'} out of your inbox; don't click "
                     "its links.")
    if quarantined:
        lines.append(f"{len(quarantined)} message(s) could not be read; see `righthand mail "
                     "quarantine`.")
    if waiting:
        lines.append(f"{len(waiting)} more arrived and are being screened.")
    return "\n".join(lines)
