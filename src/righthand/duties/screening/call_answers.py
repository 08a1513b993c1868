"""'Who called while I was out?': the call log, screened, in the client's words."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.plugin import Reply, Request
from righthand.store.tables import CallRow

_ORDER = {"vip": 0, "needs_reply": 1, "scheduling": 2, "fyi": 3, "spam": 4}
_WHAT = {"ring": "rang through", "message": "left no message", "voicemail": "voicemail",
         "ask": "asked who and why", "block": "blocked"}


def _who(call: CallRow) -> str:
    if call.caller_name:
        return f"{call.caller_name} ({call.from_number})" if call.from_number else \
            call.caller_name
    return call.from_number or "no caller ID"


def _line(call: CallRow, zone: str) -> str:
    at = call.started_at.astimezone(ZoneInfo(zone)).strftime("%a %-I:%M %p")
    parts = [f"{at} — {_who(call)}"]
    if call.purpose:
        parts.append(f"said: “{call.purpose[:200]}”")
    if call.transcription:
        parts.append(f"voicemail: “{call.transcription[:300]}”")
    elif call.recording_url:
        parts.append(f"voicemail ({call.recording_seconds or 0} s, not transcribed yet)")
    elif call.status == "missed":
        parts.append("rang through, not answered")
    elif call.decision == "ring":
        parts.append("rang through")
    if call.category in {"vip", "needs_reply", "scheduling"}:
        parts.append({"vip": "[VIP]", "needs_reply": "[call back]",
                      "scheduling": "[scheduling]"}[call.category])
    return "; ".join(parts)


def call_log(session: Session, since: datetime, until: datetime, zone: str,
             include_blocked: bool = False) -> str:
    """The calls in ``[since, until)``, most important first, blocked ones counted."""
    calls = session.scalars(select(CallRow).where(
        CallRow.started_at >= since, CallRow.started_at < until)
        .order_by(CallRow.started_at)).all()
    shown = [c for c in calls if include_blocked or c.category != "spam"]
    hidden = len(calls) - len(shown)
    if not shown:
        text = "Nobody called."
    else:
        shown.sort(key=lambda c: (_ORDER.get(c.category or "fyi", 3), c.started_at))
        text = f"{len(shown)} call{'s' if len(shown) != 1 else ''}:\n" + "\n".join(
            f"• {_line(call, zone)}" for call in shown)
    if hidden:
        text += f"\n({hidden} spam call{'s' if hidden != 1 else ''} screened out.)"
    return text


def calls_summary(request: Request) -> Reply:
    """'Who called while I was out?' (slot ``since``: a datetime; default the last 12 hours)."""
    since = request.slots.get("since")
    if not isinstance(since, datetime):
        hours = request.slots.get("hours")
        since = request.now - timedelta(hours=int(hours) if hours else 12)
    text = call_log(request.session, since, request.now, request.workspace.timezone)
    return Reply(text, data={"since": since.isoformat()})
