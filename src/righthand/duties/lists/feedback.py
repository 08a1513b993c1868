"""Bounces (RFC 3464 delivery status notifications) and complaints (RFC 5965 abuse reports)
read from the mailbox, feeding the suppression list.

A hard bounce (``Action: failed`` with a 5.x.x status) and a complaint (``Feedback-Type:
abuse`` or ``fraud``) suppress the address; a soft bounce (4.x.x, or ``delayed``) is counted and
nothing else. The message is data from outside, parsed with the stdlib ``email`` package and
never trusted beyond naming addresses.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from email import message_from_bytes, policy
from email.message import Message
from email.utils import getaddresses

from sqlalchemy.orm import Session

from righthand.duties.lists.normalise import InvalidValue, normalise_email
from righthand.duties.lists.suppression import suppress
from righthand.duties.lists.unsubscribe_tokens import peek_token
from righthand.errors import Bug

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_COMPLAINTS = {"abuse", "fraud"}


@dataclass
class Bounce:
    """One recipient's delivery status."""

    address: str
    status: str
    action: str
    diagnostic: str = ""

    @property
    def hard(self) -> bool:
        """A permanent failure (5.x.x)."""
        return self.action == "failed" and self.status.startswith("5")


@dataclass
class FeedbackResult:
    """What one message from the mailbox told us, and what was done about it."""

    kind: str  # dsn, arf, none
    hard_bounces: list[str] = field(default_factory=list)
    soft_bounces: list[str] = field(default_factory=list)
    complaints: list[str] = field(default_factory=list)
    suppressed: list[str] = field(default_factory=list)  # newly suppressed
    details: list[Bounce] = field(default_factory=list)
    note: str = ""

    @property
    def soft_count(self) -> int:
        """Soft bounces in this message."""
        return len(self.soft_bounces)


def _report_parts(message: Message, report_type: str) -> list[Message]:
    if message.get_content_type() != "multipart/report":
        return []
    declared = message.get_param("report-type")
    if not isinstance(declared, str) or declared.lower() != report_type:
        return []
    return [p for p in message.walk() if p is not message]


def _address(field_value: str) -> str | None:
    """'rfc822; jo@example.com' or '<jo@example.com>' -> the normalised address."""
    value = field_value.split(";", 1)[-1].strip() if ";" in field_value else field_value
    pairs = getaddresses([value])
    raw = pairs[0][1] if pairs and pairs[0][1] else value.strip("<> ")
    try:
        return normalise_email(raw)
    except InvalidValue:
        return None


def _status_groups(part: Message) -> list[Message]:
    """The header blocks of a message/delivery-status part (per-message, per-recipient)."""
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, Message)]
    raw = payload if isinstance(payload, str) else part.get_payload(decode=True)
    text = raw.decode("utf-8", errors="replace") if isinstance(raw, bytes) else \
        raw if isinstance(raw, str) else ""
    return [message_from_bytes(block.strip().encode("utf-8"), policy=policy.compat32)
            for block in re.split(r"\r?\n\s*\r?\n", text) if block.strip()]


def _original_headers(parts: list[Message]) -> Message | None:
    for part in parts:
        kind = part.get_content_type()
        if kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                return inner[0]
        if kind == "text/rfc822-headers":
            raw = part.get_payload(decode=True) or b""
            return message_from_bytes(raw if isinstance(raw, bytes) else b"",
                                      policy=policy.compat32)
    return None


def parse_dsn(message: Message) -> list[Bounce]:
    """The per-recipient statuses of a delivery status notification."""
    bounces: list[Bounce] = []
    for part in _report_parts(message, "delivery-status"):
        if part.get_content_type() not in {"message/delivery-status",
                                           "message/global-delivery-status"}:
            continue
        for group in _status_groups(part):
            recipient = group.get("Final-Recipient") or group.get("Original-Recipient")
            if not recipient:
                continue
            address = _address(str(recipient))
            action = str(group.get("Action", "")).strip().lower()
            match = _STATUS.search(str(group.get("Status", "")))
            if address is None or not match:
                continue
            bounces.append(Bounce(address, match.group(0), action,
                                  str(group.get("Diagnostic-Code", "")).strip()[:300]))
    return bounces


def parse_arf(message: Message) -> tuple[str, list[str]]:
    """(feedback type, complained-about addresses) of an abuse report."""
    parts = _report_parts(message, "feedback-report")
    report = next((p for p in parts if p.get_content_type() == "message/feedback-report"), None)
    if report is None:
        return "", []
    groups = _status_groups(report)
    fields = groups[0] if groups else Message()
    kind = str(fields.get("Feedback-Type", "")).strip().lower()
    found: list[str] = []
    for name in ("Original-Rcpt-To", "Removal-Recipient"):
        for value in fields.get_all(name) or []:
            address = _address(str(value))
            if address and address not in found:
                found.append(address)
    original = _original_headers(parts)
    if not found and original is not None:
        token = _token_in(original.get("List-Unsubscribe", ""))
        if token and token[2]:
            found.append(token[2])
        else:
            for _, raw in getaddresses([str(v) for v in original.get_all("To") or []]):
                address = _address(raw) if raw else None
                if address and address not in found:
                    found.append(address)
    return kind, found


def _token_in(header: str) -> tuple[int, int | None, str] | None:
    match = re.search(r"/([A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)>", str(header))
    return peek_token(match.group(1)) if match else None


def process_feedback(session: Session, raw_message: bytes, now: datetime) -> FeedbackResult:
    """Read one message from the mailbox; suppress hard-bounced and complained-about
    addresses of this workspace. Returns what the message said and what changed."""
    workspace_id = session.info.get("workspace_id")
    if workspace_id is None:
        raise Bug("process_feedback needs a session opened for one workspace")
    message = message_from_bytes(raw_message, policy=policy.compat32)
    bounces = parse_dsn(message)
    if bounces:
        result = FeedbackResult("dsn", details=bounces)
        for bounce in bounces:
            if bounce.hard:
                result.hard_bounces.append(bounce.address)
                _, new = suppress(session, int(workspace_id), bounce.address, "hard_bounce",
                                  f"bounce {bounce.status}: {bounce.diagnostic}"[:300], now)
                if new:
                    result.suppressed.append(bounce.address)
            elif bounce.action in {"failed", "delayed"}:
                result.soft_bounces.append(bounce.address)
        return result
    kind, addresses = parse_arf(message)
    if kind:
        result = FeedbackResult("arf", note=f"feedback type {kind}")
        if kind in _COMPLAINTS:
            for address in addresses:
                result.complaints.append(address)
                _, new = suppress(session, int(workspace_id), address, "complaint",
                                  f"complaint ({kind}) reported by the mailbox provider", now)
                if new:
                    result.suppressed.append(address)
        return result
    return FeedbackResult("none", note="not a delivery status notification or abuse report")
