"""When and how the client gets the briefing: time of day, channels, address, weekly day.

The daily and weekly claims are conditional UPDATEs, so however many workers run the job at
once, one briefing goes out per day (and one review per week)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, time
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from righthand.errors import BadInput
from righthand.store.tables import BriefingSettingsRow, Workspace

CHANNELS = ("email", "web")
DAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


@dataclass(frozen=True)
class BriefingSettings:
    """The client's choices (defaults until changed)."""

    send_at: time = time(7, 30)
    channels: tuple[str, ...] = CHANNELS
    email_to: str | None = None
    weekly_day: int = 4
    sections_off: frozenset[str] = frozenset()

    def describe(self) -> str:
        """One line for the CLI."""
        to = self.email_to or "your profile address"
        off = f"; sections off: {', '.join(sorted(self.sections_off))}" \
            if self.sections_off else ""
        return (f"daily at {self.send_at:%H:%M} by {' and '.join(self.channels) or 'nothing'} "
                f"(email to {to}); weekly review on {DAYS[self.weekly_day].title()}s{off}")


def _row(session: Session) -> BriefingSettingsRow | None:
    return session.scalars(select(BriefingSettingsRow)).first()


def load(session: Session) -> BriefingSettings:
    """The workspace's settings, or the defaults."""
    row = _row(session)
    if row is None:
        return BriefingSettings()
    hour, minute = (int(p) for p in row.send_at.split(":"))
    return BriefingSettings(send_at=time(hour, minute), channels=tuple(row.channels or ()),
                            email_to=row.email_to, weekly_day=row.weekly_day,
                            sections_off=frozenset(row.sections_off or ()))


def parse_time(text: str) -> time:
    """'07:30', '7:30', '7am', '6.45 pm'."""
    match = re.fullmatch(r"\s*(\d{1,2})(?:[:.](\d{2}))?\s*([ap]\.?m\.?)?\s*", text, re.I)
    if not match:
        raise BadInput(f"{text!r} is not a time of day", hint="For example 07:30 or 7am.")
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    if match.group(3):
        if not 1 <= hour <= 12:
            raise BadInput(f"{text!r} is not a time of day")
        hour = hour % 12 + (12 if match.group(3).lower().startswith("p") else 0)
    if hour > 23 or minute > 59:
        raise BadInput(f"{text!r} is not a time of day")
    return time(hour, minute)


def save(session: Session, workspace_id: int, **changes: Any) -> BriefingSettings:
    """Change some settings (validated); returns the new settings."""
    row = _row(session)
    if row is None:
        row = BriefingSettingsRow(workspace_id=workspace_id, send_at="07:30",
                                  channels=list(CHANNELS), weekly_day=4, sections_off=[])
        session.add(row)
    if changes.get("send_at") is not None:
        row.send_at = parse_time(str(changes["send_at"])).strftime("%H:%M")
    if changes.get("channels") is not None:
        chosen = [c.strip().lower() for c in changes["channels"] if c.strip()]
        unknown = [c for c in chosen if c not in CHANNELS]
        if unknown:
            raise BadInput(f"unknown channel {unknown[0]!r}", hint="Channels: email, web.")
        row.channels = list(dict.fromkeys(chosen))
    if changes.get("email_to") is not None:
        address = str(changes["email_to"]).strip()
        if address:
            try:
                address = validate_email(address, check_deliverability=False).normalized
            except EmailNotValidError as exc:
                raise BadInput(f"{address!r} is not an email address: {exc}") from None
        row.email_to = address or None
    if changes.get("weekly_day") is not None:
        day = str(changes["weekly_day"]).strip().lower()
        match = [i for i, name in enumerate(DAYS) if name.startswith(day[:3])]
        if len(day) < 3 or not match:
            raise BadInput(f"{changes['weekly_day']!r} is not a day of the week")
        row.weekly_day = match[0]
    if changes.get("sections_off") is not None:
        row.sections_off = sorted({s.strip() for s in changes["sections_off"] if s.strip()})
    session.flush()
    return load(session)


def recipient(ws: Workspace, settings: BriefingSettings) -> str | None:
    """Where the emailed briefing goes: the chosen address, else the profile's."""
    return settings.email_to or (ws.profile or {}).get("email") or None


def taken(session: Session, today: date, weekly: bool = False) -> bool:
    """Whether today's (or this week's) briefing is already taken: a read, for work done
    ahead of the claim (only :func:`claim` decides who sends)."""
    row = _row(session)
    last = None if row is None else row.last_weekly_on if weekly else row.last_daily_on
    return last is not None and last >= today


def claim(session: Session, workspace_id: int, today: date, weekly: bool = False) -> bool:
    """Take today's (or this week's) briefing; False when it was already taken."""
    if _row(session) is None:
        save(session, workspace_id)
    column = BriefingSettingsRow.last_weekly_on if weekly else BriefingSettingsRow.last_daily_on
    won = session.execute(
        update(BriefingSettingsRow)
        .where(or_(column.is_(None), column < today))
        .values({column.key: today})
        .execution_options(synchronize_session=False))
    return bool(won.rowcount == 1)  # type: ignore[attr-defined]
