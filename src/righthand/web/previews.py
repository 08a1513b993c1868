"""What an action will do, shown before the client decides: the email exactly as it will be
sent, the purchase order, the event -- or, for kinds nobody described yet, every field.

Mail actions are built with the same function the dispatcher uses (``service.messages.build``),
so the headers, body and attachments shown are the ones that will leave. Duties can register a
richer preview for their kinds with :func:`register`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from righthand.errors import RighthandError
from righthand.policy.duties import DutyCatalog
from righthand.service import messages
from righthand.store.tables import ActionRow
from righthand.web.sanitize import sanitize_mail_html

DEFAULT_SENDER = "assistant@righthand.local"
MULTILINE_KEYS = frozenset({"body", "text", "notes", "html", "message", "description"})
# Keys the gate reads or that other fields must agree with: changing them alone would make the
# action say one thing and do another, so they are not offered for editing.
FIXED_KEYS = frozenset({"recipients", "to", "cc", "bcc", "amount", "attachments", "headers"})


@dataclass(frozen=True)
class Attachment:
    """One attached file, as it will be sent."""

    index: int
    filename: str
    content_type: str
    size: int


@dataclass(frozen=True)
class EmailPreview:
    """An email exactly as it will be sent."""

    headers: list[tuple[str, str]]
    body_text: str
    body_html: str | None
    attachments: list[Attachment]


@dataclass(frozen=True)
class EditableField:
    """A payload field the client may change before approving."""

    name: str
    value: str
    multiline: bool


@dataclass(frozen=True)
class Preview:
    """What will happen, in the form the approvals page shows."""

    kind: str  # email | event | fields
    email: EmailPreview | None = None
    event: dict[str, str] | None = None
    fields: list[tuple[str, str]] = field(default_factory=list)
    editable: list[EditableField] = field(default_factory=list)
    external: bool = False  # reaches someone outside Righthand (never bulk-approved)


@dataclass(frozen=True)
class Sender:
    """Who mail goes out as (the dispatcher's rule: the client's name, the configured address)."""

    name: str
    address: str


Renderer = Callable[[ActionRow, Sender, datetime], Preview]
_RENDERERS: dict[str, Renderer] = {}


def register(kind: str, renderer: Renderer) -> None:
    """Show actions of ``kind`` with ``renderer`` (for duties with richer previews)."""
    _RENDERERS[kind] = renderer


def editable_fields(payload: Mapping[str, Any]) -> list[EditableField]:
    """The plain text and number fields of a payload, which an edit may change."""
    out = []
    for key, value in payload.items():
        if key in FIXED_KEYS or key.startswith("_") or isinstance(value, bool):
            continue
        if isinstance(value, str | int | float):
            text = str(value)
            out.append(EditableField(key, text, key in MULTILINE_KEYS or "\n" in text))
    return out


def coerce_changes(payload: Mapping[str, Any], submitted: Mapping[str, str]) -> dict[str, Any]:
    """The fields that really changed, converted back to the type the payload had."""
    allowed = {f.name for f in editable_fields(payload)}
    changes: dict[str, Any] = {}
    for key, text in submitted.items():
        if key not in allowed:
            continue
        original = payload[key]
        value: Any = text.replace("\r\n", "\n")
        if isinstance(original, int):
            value = int(text)
        elif isinstance(original, float):
            value = float(text)
        if value != original:
            changes[key] = value
    return changes


def _email(row: ActionRow, sender: Sender, now: datetime) -> EmailPreview | None:
    try:
        msg = messages.build(row.payload, sender_name=sender.name, sender_address=sender.address,
                             idempotency_key=f"preview-{row.id}", now=now)
    except (RighthandError, KeyError, TypeError, ValueError):
        return None
    shown = ("From", "To", "Cc", "Subject")
    headers = [(name, str(msg[name])) for name in shown if msg[name] is not None]
    headers += [(name, str(value)) for name, value in msg.items()
                if name not in shown and name not in {"Date", "Message-ID", "X-Righthand-Action",
                                                      "MIME-Version", "Content-Type",
                                                      "Content-Transfer-Encoding"}]
    plain = msg.get_body(preferencelist=("plain",))
    html = msg.get_body(preferencelist=("html",))
    body_text = str(plain.get_content()) if plain is not None else ""
    body_html = sanitize_mail_html(str(html.get_content())).html if html is not None else None
    files = []
    for index, part in enumerate(msg.iter_attachments()):
        data = part.get_payload(decode=True)
        files.append(Attachment(index, part.get_filename() or f"attachment-{index + 1}",
                                part.get_content_type(),
                                len(data) if isinstance(data, bytes) else 0))
    return EmailPreview(headers, body_text, body_html, files)


def email_preview(row: ActionRow, sender: Sender, now: datetime) -> EmailPreview | None:
    """The email ``row`` will send, built as the dispatcher builds it (None if it cannot be)."""
    return _email(row, sender, now)


def _event(payload: Mapping[str, Any]) -> dict[str, str] | None:
    start = payload.get("starts_at") or payload.get("start")
    if not isinstance(start, str) or not (payload.get("summary") or payload.get("title")):
        return None
    shown = {"What": payload.get("summary") or payload.get("title"), "Starts": start,
             "Ends": payload.get("ends_at") or payload.get("end"),
             "Where": payload.get("location"),
             "Who": ", ".join(str(a.get("email", a)) if isinstance(a, dict) else str(a)
                              for a in payload.get("attendees") or [])}
    return {k: str(v) for k, v in shown.items() if v}


def _field_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def preview(row: ActionRow, catalog: DutyCatalog, sender: Sender, now: datetime) -> Preview:
    """How the approvals page shows ``row``."""
    manifest = catalog.duty_for_kind(row.kind)
    spec = manifest.kind(row.kind) if manifest else None
    external = spec is None or spec.external
    renderer = _RENDERERS.get(row.kind)
    if renderer is not None:
        return renderer(row, sender, now)
    editable = editable_fields(row.payload)
    fields = [(key, _field_text(value)) for key, value in row.payload.items()
              if key != "attachments"]
    if spec is not None and spec.via == "mail":
        email = _email(row, sender, now)
        if email is not None:
            return Preview("email", email=email, editable=editable, external=external)
    event = _event(row.payload)
    if event is not None:
        return Preview("event", event=event, fields=fields, editable=editable, external=external)
    return Preview("fields", fields=fields, editable=editable, external=external)


def attachment_bytes(row: ActionRow, sender: Sender, now: datetime,
                     index: int) -> tuple[str, str, bytes] | None:
    """Filename, content type and bytes of attachment ``index`` of a mail action, taken from
    the message as it will be sent (so the numbering matches the preview)."""
    try:
        msg = messages.build(row.payload, sender_name=sender.name, sender_address=sender.address,
                             idempotency_key=f"preview-{row.id}", now=now)
    except (RighthandError, KeyError, TypeError, ValueError):
        return None
    for number, part in enumerate(msg.iter_attachments()):
        if number == index:
            data = part.get_payload(decode=True)
            return (part.get_filename() or f"attachment-{index + 1}", part.get_content_type(),
                    data if isinstance(data, bytes) else b"")
    return None
