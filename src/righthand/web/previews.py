"""What an action will do, shown before the client decides: the email exactly as it will be
sent, the purchase order, the event -- or, for kinds nobody described yet, their fields in plain
words (ids, hashes and other internal values left out).

Mail actions are built with the same function the dispatcher uses (``service.messages.build``),
so the headers, body and attachments shown are the ones that will leave. Duties can register a
richer preview for their kinds with :func:`register`.

What an edit may change is decided here, structurally: never a key the gate judged
(:data:`FIXED_KEYS`), an id, a hash, a count or another internal value (:func:`internal`), the
name that goes with an id (``list`` beside ``list_id``), nor anything in a payload bound to a
content hash (the approval is for that content; a changed copy would say one thing and do
another). A kind may narrow that further with ``register(kind, renderer, editable=...)``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from righthand.errors import RighthandError
from righthand.policy.duties import DutyCatalog
from righthand.service import messages
from righthand.store.tables import ActionRow
from righthand.web.sanitize import sanitize_mail_html

DEFAULT_SENDER = "assistant@righthand.local"
MULTILINE_KEYS = frozenset({"body", "text", "notes", "html", "message", "description"})
# Keys the gate reads, that other fields must agree with, or that record where the request came
# from: changing them alone would make the action say one thing and do another, so they are not
# offered for editing.
FIXED_KEYS = frozenset({"recipients", "to", "cc", "bcc", "amount", "currency", "attachments",
                        "headers", "source", "requested_by"})
# Values only Righthand reads (ids, hashes, counts, pacing, schedule): never edited; shown only
# in words (a count is shown, an id or a hash never as it is).
HIDDEN_SUFFIXES = ("_id", "_ids", "_hash")
INTERNAL_SUFFIXES = (*HIDDEN_SUFFIXES, "_count")
INTERNAL_KEYS = frozenset({"per_second", "connections", "not_before", "rendered_for", "undo_of"})
# Plain words for the keys the duties' payloads use; any other key is its name, spaced out.
LABELS: dict[str, str] = {
    "po_number": "Purchase order", "move_to": "Move to", "add_flags": "Add flags",
    "remove_flags": "Remove flags", "add_labels": "Add labels", "remove_labels": "Remove labels",
    "email": "Email address", "address": "Address", "list": "List", "segment": "Segment",
    "mailing": "Mailing", "starts_at": "Starts", "ends_at": "Ends", "due": "Due",
    "lines": "Lines", "stage": "Stage", "next_step": "Next step", "sort": "Order",
    "recipient_count": "Recipients",
}


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
    label: str = ""


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


# A renderer gets the action row; it may read the database through the row's own session
# (``sqlalchemy.orm.object_session(row)``), which is the page's, scoped to the workspace.
Renderer = Callable[[ActionRow, Sender, datetime], Preview]
_RENDERERS: dict[str, Renderer] = {}
_EDITABLE: dict[str, frozenset[str]] = {}


def register(kind: str, renderer: Renderer, editable: Collection[str] | None = None) -> None:
    """Show actions of ``kind`` with ``renderer`` (for duties with richer previews); with
    ``editable``, offer only those keys for editing (within what :func:`editable_fields`
    allows anyway)."""
    _RENDERERS[kind] = renderer
    if editable is None:
        _EDITABLE.pop(kind, None)
    else:
        _EDITABLE[kind] = frozenset(editable)


def internal(key: str) -> bool:
    """True for a key only Righthand reads: an id, a hash, a count, pacing, a private key."""
    return key.startswith("_") or key.endswith(INTERNAL_SUFFIXES) or key in INTERNAL_KEYS


def label(key: str) -> str:
    """A payload key in plain words."""
    return LABELS.get(key) or key.replace("_", " ").strip().capitalize()


def _names_an_id(key: str, payload: Mapping[str, Any]) -> bool:
    """True for the name or number that goes with an id (``list`` or ``list_name`` beside
    ``list_id``, ``po_number`` beside ``po_id``): changing it would not change the record."""
    bases = (k.removesuffix("_id") for k in payload if k.endswith("_id") and k != key)
    return any(key == base or key.startswith(f"{base}_") for base in bases)


def _offered(key: str, value: Any, payload: Mapping[str, Any]) -> bool:
    if key in FIXED_KEYS or internal(key) or _names_an_id(key, payload):
        return False  # judged by the gate, internal, or the name that goes with an id
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def editable_fields(payload: Mapping[str, Any], kind: str | None = None) -> list[EditableField]:
    """The plain text and number fields of a payload that an edit may change: none in a payload
    bound to a content hash, and only the allowed ones when ``kind`` registered a list."""
    if any(str(key).endswith("_hash") for key in payload):
        return []
    allowed = _EDITABLE.get(kind) if kind is not None else None
    out = []
    for key, value in payload.items():
        if not _offered(key, value, payload) or (allowed is not None and key not in allowed):
            continue
        text = str(value)
        out.append(EditableField(key, text, key in MULTILINE_KEYS or "\n" in text, label(key)))
    return out


def coerce_changes(payload: Mapping[str, Any], submitted: Mapping[str, str],
                   kind: str | None = None) -> dict[str, Any]:
    """The fields that really changed, converted back to the type the payload had (keys not
    offered by :func:`editable_fields` are ignored)."""
    allowed = {f.name for f in editable_fields(payload, kind)}
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
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, list) and all(isinstance(v, str | int | float) for v in value):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict) and all(isinstance(v, str | int | float | None)
                                       for v in value.values()):
        return "\n".join(f"{label(str(k))}: {v}" for k, v in value.items()
                         if v not in (None, "") and not _hidden(str(k)))
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)


def plain_fields(payload: Mapping[str, Any]) -> list[tuple[str, str]]:
    """A payload in plain words: each field labelled, internal values left out (an id with no
    name beside it is shown as a number, so that nothing the action does is hidden)."""
    out = []
    for key, value in payload.items():
        if key == "attachments" or value is None or value in ("", []):
            continue
        if _bare_id(key, value, payload):
            out.append((label(key.removesuffix("_id")), f"#{value}"))
        elif not _hidden(key) and (text := _field_text(value)):
            out.append((label(key), text))
    return out


def _hidden(key: str) -> bool:
    return key.startswith("_") or key.endswith(HIDDEN_SUFFIXES) or key in INTERNAL_KEYS


def _bare_id(key: str, value: Any, payload: Mapping[str, Any]) -> bool:
    """True for ``thing_id`` when no other key names the thing (``thing``, ``thing_number``)."""
    base = key.removesuffix("_id")
    if base == key or not isinstance(value, int) or isinstance(value, bool):
        return False
    return not any(k != key and (k == base or k.startswith(f"{base}_")) for k in payload)


def _checked(shown: Preview, payload: Mapping[str, Any], kind: str, external: bool) -> Preview:
    """A renderer's preview with only allowed edits offered and the catalog's word on whether
    it reaches outside."""
    allowed = {f.name for f in editable_fields(payload, kind)}
    return replace(shown, editable=[f for f in shown.editable if f.name in allowed],
                   external=external)


def preview(row: ActionRow, catalog: DutyCatalog, sender: Sender, now: datetime) -> Preview:
    """How the approvals page shows ``row``."""
    manifest = catalog.duty_for_kind(row.kind)
    spec = manifest.kind(row.kind) if manifest else None
    external = spec is None or spec.external
    renderer = _RENDERERS.get(row.kind)
    if renderer is not None:
        return _checked(renderer(row, sender, now), row.payload, row.kind, external)
    editable = editable_fields(row.payload, row.kind)
    fields = plain_fields(row.payload)
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
