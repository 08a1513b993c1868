"""'Where are we on the Jones closing?' -- a deal's state in a few plain sentences: stage and
days in it, expected close, last contact, next step and when it is due, who we are waiting
on, what is at risk, and what is coming up."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.duties.sales import health, timeline
from righthand.duties.sales.records import DealView
from righthand.duties.sales.timeline import Activity
from righthand.duties.sales.words import (
    clock,
    day_phrase,
    join_and,
    long_date,
    lower_first,
    money,
    plural,
    relative_days,
    sentence,
)


def deal_name(deal: DealView, with_amount: bool = True) -> str:
    """'the Jones closing (22 Birch Lane, $615,000)'."""
    title, _, detail = deal.title.partition(":")
    name = title.strip()
    extra = [detail.strip()] if detail.strip() else []
    if with_amount and deal.amount is not None:
        extra.append(money(deal.amount, deal.currency))
    prefix = "" if name.lower().startswith("the ") else "the "
    return f"{prefix}{name}" + (f" ({', '.join(extra)})" if extra else "")


def _quote(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[:limit - 1].rsplit(" ", 1)[0] + "…"
    return f"“{text.rstrip('.')}”"


def describe_touch(activity: Activity, with_who: bool = True) -> str:
    """'a call with Alice Jones: “...”' (without the name when it was just said)."""
    who = activity.contact if with_who else None
    quote = _quote(activity.summary)
    if activity.kind == "email_in":
        return f"an email from {who}, {quote}" if who else f"their email, {quote}"
    if activity.kind == "email_out":
        return f"your email to {who}, {quote}" if who else f"your email, {quote}"
    if activity.kind == "call":
        return f"a call with {who}: {quote}" if who else f"a call: {quote}"
    if activity.kind == "event":
        if who and who.split()[-1].lower() not in activity.summary.lower():
            return f"a meeting with {who}, {quote}"
        return f"a meeting, {quote}"
    return f"a note: {quote}"


def _stage_sentence(deal: DealView, today: date) -> str:
    name = deal_name(deal)
    if deal.status == "won":
        when = f" on {long_date(deal.closed_at.date())}" if deal.closed_at else ""
        return f"{name[0].upper()}{name[1:]} was won{when}."
    if deal.status == "lost":
        when = f" on {long_date(deal.closed_at.date())}" if deal.closed_at else ""
        why = f": {lower_first(deal.lost_reason.rstrip('.'))}" if deal.lost_reason else ""
        return f"{name[0].upper()}{name[1:]} was lost{when}{why}."
    days = deal.days_in_stage(today)
    limit = deal.stage.stalled_after_days
    text = f"{name[0].upper()}{name[1:]} is at {deal.stage.name}"
    if days is not None:
        if limit is not None and days > limit:
            text = (f"{name[0].upper()}{name[1:]} has been at {deal.stage.name} for "
                    f"{plural(days, 'day')} — stalled (that stage counts as stalled after "
                    f"{limit})")
        elif limit is not None and days >= max(1, limit - 1):
            text += f", day {days} of it — it counts as stalled after {limit}"
        else:
            text += f", {plural(days, 'day')} in"
    text += "."
    close = deal.expected_close
    if close is not None:
        if close < today:
            text += f" Its expected close date ({long_date(close)}) has passed."
        else:
            later = f", {relative_days(close, today)}" if (close - today).days > 1 else ""
            text += f" It's expected to close {day_phrase(close, today)}{later}."
    return text


def _next_step(deal: DealView, today: date) -> str:
    if not deal.next_step:
        return "There is no next step set — what should it be?"
    step = lower_first(deal.next_step.rstrip("."))
    if deal.next_step_due is None:
        return f"Next step: {step} (no date set)."
    due = deal.next_step_due
    if due < today:
        return f"Next step: {step} — it was due {day_phrase(due, today)} and is overdue."
    return f"Next step: {step}, due {day_phrase(due, today)}."


def _waiting(awaited: list[health.Awaited], deal: DealView, today: date) -> str | None:
    if not awaited:
        return None
    roles = {p.name: p.describe() for p in deal.parties}
    parts = []
    for wait in awaited:
        who = roles.get(wait.contact, wait.contact)
        late = wait.late_by(today)
        when = (f"asked {day_phrase(wait.asked_on, today)}; it was expected "
                f"{day_phrase(wait.due, today)}" if late else
                f"asked {day_phrase(wait.asked_on, today)}, expected by "
                f"{day_phrase(wait.due, today)}")
        parts.append(f"{who} for a reply to {_quote(wait.subject)} ({when})")
    return f"We're waiting on {join_and(parts)}."


def describe(session: Session, deal: DealView, now: datetime, zone: str) -> str:
    """The answer to "Where are we on <deal>?"."""
    today = now.astimezone(ZoneInfo(zone)).date()
    lines = [_stage_sentence(deal, today)]
    if not deal.is_open:
        touch = timeline.last_touch(session, deal.id, now)
        if touch is not None:
            on = touch.at.astimezone(ZoneInfo(zone)).date()
            lines.append(sentence(f"Last contact was {day_phrase(on, today)}: "
                                  f"{describe_touch(touch)}"))
        return " ".join(lines)
    touch = timeline.last_touch(session, deal.id, now)
    if touch is not None:
        touched_on = touch.at.astimezone(ZoneInfo(zone)).date()
        lines.append(sentence(f"Last contact was {day_phrase(touched_on, today)}: "
                              f"{describe_touch(touch)}"))
    else:
        lines.append("Nothing is on its timeline yet.")
    lines.append(_next_step(deal, today))
    awaited = health.awaiting(session, deal, zone)
    waiting = _waiting(awaited, deal, today)
    if waiting:
        lines.append(waiting)
    said = {"stalled", "nearly_stalled", "close_passed", "no_next_step", "next_step_overdue",
            "reply_overdue"}
    other = [r.text for r in health.assess(deal, today, awaited,
                                           touch.at.astimezone(ZoneInfo(zone)).date()
                                           if touch else None) if r.kind not in said]
    if other:
        lines.append(sentence("Also: " + join_and(other)))
    coming = timeline.upcoming_events(session, deal, now)
    if coming:
        event = coming[0]
        on = event.starts_at.astimezone(ZoneInfo(zone)).date()
        at = "" if event.all_day else f" at {clock(event.starts_at, zone)}"
        lines.append(f"Coming up: {event.summary}, {day_phrase(on, today)}{at}.")
    return "\n".join(lines)


def one_line(deal: DealView, today: date) -> str:
    """'Jones closing: 22 Birch Lane — Inspection (9 days), $615,000, close in 18 days'."""
    days = deal.days_in_stage(today)
    parts = [deal.stage.name + (f" ({plural(days, 'day')})" if days is not None else "")]
    if deal.status != "open":
        parts = [deal.status]
    if deal.amount is not None:
        parts.append(money(deal.amount, deal.currency))
    if deal.is_open and deal.expected_close is not None:
        parts.append(f"close {relative_days(deal.expected_close, today)}")
    return f"{deal.title} — {', '.join(parts)}"
