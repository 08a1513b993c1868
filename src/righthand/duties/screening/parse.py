"""Parsing real-world mail with the standard library (``email``, ``policy.default``).

MIME multipart, HTML-only bodies, non-UTF-8 and mislabelled charsets, RFC 2047 headers,
attachments, quoted and forwarded text. A message that cannot be read raises
:class:`Malformed` with a reason; the poller quarantines it and carries on.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.header import decode_header, make_header
from email.message import EmailMessage, Message
from email.utils import getaddresses, parsedate_to_datetime
from typing import Any

from righthand.domain.storable import storable
from righthand.duties.screening import html as html_text
from righthand.duties.screening.quotes import split_reply

MAX_SIZE = 40 * 1024 * 1024
MAX_TEXT = 20_000  # characters of body text kept per message
_HEADERS_KEPT = ("list-id", "list-unsubscribe", "list-unsubscribe-post", "precedence",
                 "auto-submitted", "authentication-results", "received-spf", "return-path",
                 "x-mailer", "x-auto-response-suppress", "feedback-id")


class Malformed(ValueError):
    """The bytes are not a message Righthand can read; ``reason`` says why."""


@dataclass
class Attachment:
    """One attached file, described (never opened)."""

    filename: str
    content_type: str
    size: int


@dataclass
class MailFacts:
    """Everything screening reads from one message (stored as JSON on its row)."""

    message_id: str | None
    from_address: str
    from_name: str
    subject: str
    date: str | None = None  # ISO 8601, UTC
    reply_to: list[str] = field(default_factory=list)
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    in_reply_to: str | None = None
    text: str = ""  # the new part (quotes and forwarded text removed)
    quoted: str = ""
    forwarded: bool = False
    html_only: bool = False
    hidden_text: str = ""
    links: list[list[str]] = field(default_factory=list)  # [href, link text]
    attachments: list[Attachment] = field(default_factory=list)
    has_calendar: bool = False
    headers: dict[str, list[str]] = field(default_factory=dict)
    defects: list[str] = field(default_factory=list)
    size: int = 0

    def header(self, name: str) -> str:
        """The first kept value of header ``name`` ('' when absent)."""
        values = self.headers.get(name.lower())
        return values[0] if values else ""

    @property
    def from_domain(self) -> str:
        """The domain of the From address."""
        return self.from_address.rpartition("@")[2]

    @property
    def sent_at(self) -> datetime | None:
        """The Date header as an aware UTC datetime."""
        return datetime.fromisoformat(self.date) if self.date else None

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> MailFacts:
        """Read the stored form back."""
        values = dict(data)
        values["attachments"] = [Attachment(**a) for a in values.get("attachments") or []]
        known = cls.__dataclass_fields__
        return cls(**{k: v for k, v in values.items() if k in known})


def message_key(message_id: str | None, raw: bytes) -> str:
    """The identity of a message in a workspace: its Message-ID, else its bytes (hashed)."""
    if message_id:
        return "m:" + hashlib.sha256(message_id.strip().encode("utf-8", "replace")).hexdigest()
    return "b:" + hashlib.sha256(raw).hexdigest()


def parse(raw: bytes) -> MailFacts:
    """Read ``raw`` (RFC 5322 bytes) into :class:`MailFacts`, or raise :class:`Malformed`."""
    if not raw or not raw.strip():
        raise Malformed("the message is empty")
    if len(raw) > MAX_SIZE:
        raise Malformed(f"the message is {len(raw) // 1_048_576} MB, over the "
                        f"{MAX_SIZE // 1_048_576} MB Righthand reads")
    try:
        msg = message_from_bytes(raw, policy=policy.default)
    except Exception as exc:  # the parser is lenient; anything it raises is a broken message
        raise Malformed(f"the message cannot be parsed: {type(exc).__name__}: {exc}") from exc
    table = _table(msg)
    if not table or not any(_header(table, h) for h in ("from", "date", "subject",
                                                        "message-id")):
        raise Malformed("the message has no From, Date, Subject or Message-ID header: it does "
                        "not look like an email")
    try:
        return _facts(msg, raw)
    except Malformed:
        raise
    except Exception as exc:  # a part the library chokes on: quarantine, never crash the loop
        raise Malformed(f"the message body cannot be read: {type(exc).__name__}: {exc}") from exc


def _facts(msg: Message, raw: bytes) -> MailFacts:
    # Headers are read raw and decoded here: policy.default's rich header objects cost more
    # than the rest of screening together, and screening needs only their text.
    table = _table(msg)
    sender = _addresses(table, "from")
    from_name, from_address = sender[0] if sender else ("", "")
    body, html_body, attachments, calendar = _walk(msg)
    hidden, links = "", []
    html_only = not body.strip() and bool(html_body)
    if html_body:
        converted = html_text.to_text(html_body)
        hidden, links = converted.hidden, [[h, t] for h, t in converted.links]
        if html_only:
            body = converted.text
    split = split_reply(body[: MAX_TEXT * 3])
    defects = sorted({type(d).__name__ for part in msg.walk() for d in part.defects})
    return MailFacts(
        message_id=normalise_message_id(_header(table, "message-id")),
        from_address=from_address.lower(), from_name=from_name,
        subject=_header(table, "subject"), date=_date(_header(table, "date")),
        reply_to=[a for _, a in _addresses(table, "reply-to")],
        to=[a for _, a in _addresses(table, "to")],
        cc=[a for _, a in _addresses(table, "cc")],
        in_reply_to=normalise_message_id(_header(table, "in-reply-to")),
        text=split.new[:MAX_TEXT], quoted=split.quoted[:MAX_TEXT], forwarded=split.forwarded,
        html_only=html_only, hidden_text=hidden[:MAX_TEXT], links=links[:100],
        attachments=attachments, has_calendar=calendar,
        headers={name: [_clean(_decode_words(v)) for v in table[name][:5]]
                 for name in _HEADERS_KEPT if table.get(name)},
        defects=defects, size=len(raw))


def _walk(msg: Message) -> tuple[str, str, list[Attachment], bool]:
    plain: list[str] = []
    html: list[str] = []
    attachments: list[Attachment] = []
    calendar = False
    for part in msg.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = _filename(part)
        if ctype == "text/calendar":
            calendar = True
        if disposition == "attachment" or (filename and not ctype.startswith("text/")):
            payload = part.get_payload(decode=True)
            attachments.append(Attachment(filename or "(unnamed)", ctype,
                                          len(payload) if isinstance(payload, bytes) else 0))
            continue
        if ctype == "text/plain" or ctype.startswith("multipart/"):
            plain.append(_text_of(part))  # a multipart whose boundary never came: its text
        elif ctype == "text/html":
            html.append(_text_of(part))
    return "\n".join(plain), "\n".join(html), attachments, calendar


def _text_of(part: Message) -> str:
    """A text part as str, whatever its charset claims (falls back to detection)."""
    return storable(_decoded_text(part))


def _decoded_text(part: Message) -> str:
    if isinstance(part, EmailMessage):
        try:
            content = part.get_content()
            if isinstance(content, str):
                return content
        except (LookupError, UnicodeError, AssertionError, ValueError):
            pass
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes):
        return str(part.get_payload() or "")
    charset = part.get_content_charset() or "utf-8"
    try:
        return payload.decode(charset)
    except (LookupError, UnicodeDecodeError):
        from charset_normalizer import from_bytes

        best = from_bytes(payload).best()
        return str(best) if best is not None else payload.decode("latin-1")


def _filename(part: Message) -> str:
    try:
        name = part.get_filename()
    except Exception:
        return "(unreadable name)"
    return _decode_words(name) if name else ""


def _table(msg: Message) -> dict[str, list[str]]:
    """Raw header values by lower-case name, in order."""
    table: dict[str, list[str]] = {}
    for name, value in msg.raw_items():
        table.setdefault(name.lower(), []).append(storable(_unescape(str(value))))
    return table


def _unescape(text: str) -> str:
    """Raw 8-bit header bytes (surrogate-escaped by the parser) as UTF-8, else Latin-1."""
    if text.isascii() or not any("\udc80" <= ch <= "\udcff" for ch in text):
        return text
    data = text.encode("utf-8", "surrogateescape")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _header(table: dict[str, list[str]], name: str) -> str:
    """A header as text, RFC 2047 words decoded; never raises on a malformed one."""
    values = table.get(name)
    return _clean(_decode_words(values[0])) if values else ""


def _decode_words(text: str) -> str:
    if "=?" not in text:
        return storable(text)
    try:
        return storable(str(make_header(decode_header(text))))
    except Exception:
        return storable(text)


def _clean(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _addresses(table: dict[str, list[str]], name: str) -> list[tuple[str, str]]:
    try:
        pairs = getaddresses(table.get(name, []))
    except Exception:
        return []
    return [(_clean(_decode_words(n)), a.strip()) for n, a in pairs if "@" in a]


def normalise_message_id(text: str) -> str | None:
    """The ``<id@host>`` part of a Message-ID header (None when empty)."""
    found = re.search(r"<[^<>\s]+>", text)
    if found:
        return found.group(0)
    return text.strip() or None


def _date(text: str) -> str | None:
    if not text:
        return None
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if moment is None:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat()
