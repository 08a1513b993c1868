"""The voice webhook's work: verify the carrier, decide, log the call, answer in TwiML.

Called by ``web/twilio_hooks.py``. A request is accepted only when its X-Twilio-Signature is
the HMAC of the workspace line's auth token over the URL and parameters, and only once (a
replayed request -- same signature, same body -- is refused). The screening duty being off
makes the line a plain phone: every call rings through.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from righthand.connectors import twilio
from righthand.duties.screening import call_corrections, calls
from righthand.service import audit
from righthand.store.tables import CallRow, JobDuty, PhoneLine, WebhookMark, Workspace

DUTY = "screening.calls"
REPLAY_WINDOW = timedelta(days=2)


class Refused(Exception):
    """The request is not the carrier's, or was already answered."""


@dataclass(frozen=True)
class Hook:
    """One verified webhook request."""

    workspace_id: int
    params: dict[str, str]
    base: str  # the URL prefix of this workspace's hooks


def verify(session: Session, ws: Workspace, url: str, params: Mapping[str, str],
           signature: str | None, now: datetime) -> None:
    """Raise :class:`Refused` unless the request is signed by the line and new."""
    line = session.scalars(select(PhoneLine)).first()
    if line is None or not line.auth_token:
        raise Refused("no phone line is set up for this workspace")
    if not twilio.verify_signature(url, params, signature, line.auth_token):
        raise Refused("bad signature")
    digest = hashlib.sha256("\n".join([signature or "", url, *sorted(
        f"{k}={v}" for k, v in params.items())]).encode()).hexdigest()
    session.execute(delete(WebhookMark).where(WebhookMark.seen_at < now - REPLAY_WINDOW))
    try:
        with session.begin_nested():
            session.add(WebhookMark(workspace_id=ws.id, digest=digest, seen_at=now))
            session.flush()
    except IntegrityError as exc:
        raise Refused("replayed request") from exc


def _duty_on(session: Session) -> bool:
    row = session.scalars(select(JobDuty).where(JobDuty.duty == DUTY)).first()
    return row is not None and row.autonomy != "off"


def _greeting(ws: Workspace, line: PhoneLine | None) -> str:
    if line is not None and line.greeting:
        return line.greeting
    return (f"Hello, you've reached the office of {ws.client_name}. This is "
            f"{ws.assistant_name}, {ws.client_name.split()[0]}'s assistant. "
            f"{ws.client_name.split()[0]} can't come to the phone right now. Please leave your "
            f"name, number and a short message after the tone.")


def _take_message(ws: Workspace, line: PhoneLine | None, base: str, prompt: str = "") -> str:
    return twilio.response(twilio.say(prompt or _greeting(ws, line)),
                           twilio.record(f"{base}/recording", f"{base}/transcription"),
                           twilio.say("I didn't get a message. Goodbye."), twilio.hangup())


def inbound(session: Session, ws: Workspace, params: Mapping[str, str], base: str,
            now: datetime) -> str:
    """A new call: decide, log it, answer."""
    sid = params.get("CallSid", "")
    caller = calls.identify(session, params.get("From", ""))
    line = session.scalars(select(PhoneLine)).first()
    if not _duty_on(session):
        decision = calls.Decision("ring", "call screening is off")
    else:
        decision = calls.decide(session, caller, now, ws.timezone, params.get("StirVerstat"))
    if decision.action == "ring" and not (line and line.ring_to):
        decision = calls.Decision("voicemail", decision.reason + "; no number to ring")
    row = session.scalars(select(CallRow).where(CallRow.call_sid == sid)).first()
    if row is None:
        row = CallRow(workspace_id=ws.id, call_sid=sid, from_number=caller.number,
                      contact_id=caller.contact_id, caller_name=caller.name,
                      decision=decision.action, reason=decision.reason, started_at=now,
                      status="blocked" if decision.action == "block" else "answered")
        session.add(row)
        if decision.action == "block":
            row.category, _ = calls.categorise(row)
        session.flush()
    audit.append(session, ws.id, "assistant", "call.screened", caller.number,
                 {"call_sid": sid, "decision": decision.action, "reason": decision.reason},
                 at=now)
    if decision.action == "block":
        return twilio.response(twilio.reject())
    if decision.action == "ring" and line is not None and line.ring_to:
        return twilio.response(twilio.dial(line.ring_to, action=f"{base}/dialed"))
    if decision.action == "ask":
        first = ws.client_name.split()[0]
        prompt = (f"Hello, this is {ws.assistant_name}, {first}'s assistant. May I ask who's "
                  f"calling and what it's about?")
        return twilio.response(twilio.gather_speech(prompt, f"{base}/gather"),
                               twilio.say("Sorry, I didn't catch that."),
                               twilio.redirect(f"{base}/message"))
    return _take_message(ws, line, base)


def _call(session: Session, params: Mapping[str, str]) -> CallRow | None:
    return session.scalars(select(CallRow).where(
        CallRow.call_sid == params.get("CallSid", ""))).first()


def gathered(session: Session, ws: Workspace, params: Mapping[str, str], base: str,
             now: datetime) -> str:
    """The caller said who they are and why: note it, then take a message."""
    row = _call(session, params)
    said = (params.get("SpeechResult") or "").strip()[:1000]
    if row is not None and said:
        row.purpose = said
        row.category, _ = calls.categorise(
            row, vouched=call_corrections.vouched(session, row.from_number))
    if row is not None and row.category == "spam":
        row.status = "blocked"
        return twilio.response(twilio.say("Thank you. We're not interested. Goodbye."),
                               twilio.hangup())
    line = session.scalars(select(PhoneLine)).first()
    first = ws.client_name.split()[0]
    return _take_message(ws, line, base, f"Thank you. {first} can't take the call right now. "
                                         f"Please leave a message after the tone.")


def message(session: Session, ws: Workspace, base: str) -> str:
    """Take a message (the fallback of a question nobody answered)."""
    return _take_message(ws, session.scalars(select(PhoneLine)).first(), base)


def recorded(session: Session, ws: Workspace, params: Mapping[str, str], now: datetime) -> str:
    """The carrier's recording callback: keep the voicemail's address and length."""
    row = _call(session, params)
    if row is not None:
        row.recording_url = (params.get("RecordingUrl") or "")[:2000] or None
        duration = params.get("RecordingDuration") or ""
        # A voicemail lasts seconds to hours; anything else from the form is noise, not a length.
        row.recording_seconds = (int(duration) if duration.isascii() and duration.isdigit()
                                 and len(duration) <= 6 else None)
        row.status = "voicemail"
        row.category, _ = calls.categorise(row, _tags(session, row),
                                           call_corrections.vouched(session, row.from_number))
    return twilio.response(twilio.say("Thank you. Your message has been taken. Goodbye."),
                           twilio.hangup())


def transcribed(session: Session, ws: Workspace, params: Mapping[str, str],
                now: datetime) -> None:
    """The carrier's transcription callback: keep the text, screen the voicemail again."""
    row = _call(session, params)
    if row is None:
        return
    if (params.get("TranscriptionStatus") or "completed") == "completed":
        row.transcription = (params.get("TranscriptionText") or "")[:5000]
    row.recording_url = row.recording_url or params.get("RecordingUrl") or None
    row.category, _ = calls.categorise(row, _tags(session, row),
                                       call_corrections.vouched(session, row.from_number))


def dialed(session: Session, ws: Workspace, params: Mapping[str, str], base: str) -> str:
    """After <Dial>: if nobody answered, take a message."""
    row = _call(session, params)
    status = params.get("DialCallStatus", "")
    if row is not None:
        row.status = "answered" if status == "completed" else "missed"
    if status in {"completed", "answered"}:
        return twilio.response(twilio.hangup())
    return _take_message(ws, session.scalars(select(PhoneLine)).first(), base)


def _tags(session: Session, row: CallRow) -> frozenset[str]:
    if row.contact_id is None:
        return frozenset()
    return calls.identify(session, row.from_number).tags
