"""The client's own identities on each channel, and mail from the assistant to the client.

* **Email.** The assistant's address is set with ``righthand channels set-address``. A client
  address is obeyed only once *verified*: ``righthand channels add-email ADDR`` sends a
  six-digit code to that address through the outbox and ``righthand channels confirm-email
  ADDR CODE`` proves the client reads it (the code is stored hashed; 5 wrong tries void it).
  Even then a message is obeyed only when the receiving server's topmost
  Authentication-Results says ``dmarc=pass`` or ``dkim=pass`` for the From domain -- unless the
  client explicitly marked the address ``--trust-unauthenticated`` (a local server that adds
  no verdict). Everything else is screened as ordinary mail.
* **Phone.** ``righthand channels add-phone NUMBER`` stores the caller ID with an Argon2id
  hash of a PIN; a call is obeyed after caller ID *and* PIN match (5 wrong PINs lock it).
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.errors import BadInput, NotFound
from righthand.service import audit
from righthand.store.tables import ActionRow, ChannelIdentity, OutboxRow, Workspace

MAX_FAILURES = 5
ASSISTANT_DUTY = "assistant"  # mail from the assistant to its own client (no duty of the job)


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _check(stored: str | None, given: str) -> bool:
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return bool(_hasher().verify(stored, given))
    except (VerificationError, InvalidHashError):
        return False


def normal_email(address: str) -> str:
    """``address`` checked and lower-cased."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise BadInput(f"{address!r} is not an email address: {exc}",
                       hint="For example pat@example.com.") from None


def normal_phone(number: str) -> str:
    """``number`` in E.164 (+15551234567)."""
    import phonenumbers

    try:
        parsed = phonenumbers.parse(number.strip(), None)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_valid_number(parsed):
        raise BadInput(f"{number!r} is not a phone number in international form",
                       hint="Write it with the country code, e.g. +1 617 555 0100.")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def identity(session: Session, kind: str, value: str) -> ChannelIdentity | None:
    """The stored identity, if any."""
    return session.scalars(select(ChannelIdentity).where(
        ChannelIdentity.kind == kind, ChannelIdentity.value == value)).first()


def assistant_address(ws: Workspace) -> str | None:
    """The address the client writes to for the assistant (None: the email channel is off)."""
    found = (ws.profile or {}).get("assistant_email")
    return str(found).lower() if found else None


def set_assistant_address(session: Session, ws: Workspace, address: str, now: datetime) -> str:
    """Set the assistant's own address."""
    ws.profile = {**(ws.profile or {}), "assistant_email": normal_email(address)}
    audit.append(session, ws.id, "client", "channel.address_set", "email",
                 {"address": ws.profile["assistant_email"]}, at=now)
    return str(ws.profile["assistant_email"])


def add_email(session: Session, ws: Workspace, address: str, now: datetime,
              trust_unauthenticated: bool = False) -> tuple[ChannelIdentity, str]:
    """Register a client address (unverified) and mail it a code; returns the code too."""
    value = normal_email(address)
    row = identity(session, "email", value)
    if row is None:
        row = ChannelIdentity(workspace_id=ws.id, kind="email", value=value, created_at=now,
                              failures=0)
        session.add(row)
    code = f"{secrets.randbelow(10**6):06d}"
    row.secret_hash, row.verified_at, row.failures = _hasher().hash(code), None, 0
    row.trust_unauthenticated = trust_unauthenticated
    session.flush()
    name = ws.assistant_name
    send_to_client(session, ws, value, f"Your confirmation code for {name}: {code}",
                   f"Hello,\n\nTo let {name} take requests from this address, run\n\n"
                   f"    righthand channels confirm-email {value} {code}\n\n"
                   "If you did not ask for this, ignore this message.\n", {}, now,
                   f"Confirmation code to {value}")
    audit.append(session, ws.id, "client", "channel.email_added", value,
                 {"trust_unauthenticated": trust_unauthenticated}, at=now)
    return row, code


def confirm_email(session: Session, ws: Workspace, address: str, code: str,
                  now: datetime) -> ChannelIdentity | None:
    """Verify a client address with the code mailed to it; None when the code is wrong (the
    failure is counted, so commit before telling the client)."""
    row = identity(session, "email", normal_email(address))
    if row is None:
        raise NotFound(f"{address} is not registered",
                       hint=f"Run `righthand channels add-email {address}` first.")
    if row.verified_at is not None:
        return row
    if row.failures >= MAX_FAILURES or not _check(row.secret_hash, code.strip()):
        row.failures += 1
        return None
    row.verified_at, row.secret_hash, row.failures = now, None, 0
    audit.append(session, ws.id, "client", "channel.email_verified", row.value, {}, at=now)
    return row


def add_phone(session: Session, ws: Workspace, number: str, pin: str,
              now: datetime) -> ChannelIdentity:
    """Register the client's own phone number with a PIN (stored hashed)."""
    if not pin.isdigit() or not 4 <= len(pin) <= 10:
        raise BadInput("a PIN is 4 to 10 digits", hint="Choose digits you can key in on a call.")
    value = normal_phone(number)
    row = identity(session, "phone", value)
    if row is None:
        row = ChannelIdentity(workspace_id=ws.id, kind="phone", value=value, created_at=now)
        session.add(row)
    row.secret_hash, row.verified_at, row.failures = _hasher().hash(pin), now, 0
    session.flush()
    audit.append(session, ws.id, "client", "channel.phone_added", value, {}, at=now)
    return row


def check_pin(session: Session, number: str, pin: str) -> bool:
    """True when ``number`` is the client's and ``pin`` matches (counts failures)."""
    try:
        value = normal_phone(number)
    except BadInput:
        return False
    row = identity(session, "phone", value)
    if row is None or row.failures >= MAX_FAILURES:
        return False
    if _check(row.secret_hash, pin.strip()):
        row.failures = 0
        return True
    row.failures += 1
    return False


def verified_emails(session: Session) -> dict[str, ChannelIdentity]:
    """The client's verified addresses."""
    return {r.value: r for r in session.scalars(select(ChannelIdentity).where(
        ChannelIdentity.kind == "email", ChannelIdentity.verified_at.is_not(None)))}


def send_to_client(session: Session, ws: Workspace, address: str, subject: str, body: str,
                   headers: dict[str, str], now: datetime, summary: str) -> ActionRow:
    """Mail from the assistant to its own client (an answer, a confirmation code), through the
    outbox. It reaches no one but the client, so no duty's autonomy applies; it is recorded
    and audited like every action."""
    from righthand.domain.actions import Action

    action = Action(duty=ASSISTANT_DUTY, kind="assistant.reply", summary=summary,
                    payload={"recipients": [address], "to": [{"name": "", "address": address}],
                             "subject": subject, "body": body, "headers": headers})
    row = ActionRow(workspace_id=ws.id, duty=action.duty, kind=action.kind, payload=action.data,
                    payload_hash=action.payload_hash, summary=summary,
                    initiative=str(action.initiative), undoable=False, requested_by="assistant",
                    decision="allow", decision_code="to_client",
                    decision_reason="A message to the client's own verified address.",
                    state="queued", created_at=now, updated_at=now)
    session.add(row)
    session.flush()
    session.add(OutboxRow(workspace_id=ws.id, action_id=row.id,
                          idempotency_key=f"rh-{ws.id}-{row.id}-{row.payload_hash[:16]}",
                          via="mail", status="pending", attempts=0, not_before=now,
                          created_at=now))
    audit.append(session, ws.id, "assistant", "action.decided", f"action {row.id}",
                 {"duty": row.duty, "kind": row.kind, "summary": summary, "decision": "allow",
                  "code": "to_client", "payload_hash": row.payload_hash}, at=now)
    session.flush()
    return row
