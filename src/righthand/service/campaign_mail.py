"""The wire form of campaign messages, composed directly.

The standard library's ``EmailMessage`` spends about a millisecond building and serialising one
message, which for a 10,000-recipient campaign costs more than the SMTP transactions. Campaign
messages all have one shape (text, or text + HTML alternative), so they are composed here as
bytes -- headers RFC 2047-encoded where not ASCII, bodies 7bit or quoted-printable, CRLF line
ends -- and handed to the mail port as a :class:`PreparedMessage`: an ``EmailMessage`` whose
headers answer the port's questions (From, To) and whose serialisation is those bytes.
"""

from __future__ import annotations

import binascii
import hashlib
import re
from collections.abc import Sequence
from email.header import Header
from email.message import EmailMessage
from email.policy import Policy, compat32
from email.utils import formataddr

from righthand.errors import BadInput

_BREAKS = re.compile(r"[\r\n]+")
# What a PreparedMessage answers when asked (the mail port reads From and To; the folder
# stand-in names files by Message-ID); the bytes carry every header.
_ANSWERED = frozenset({"From", "To", "Subject", "Date", "Message-ID"})
_LONG_LINE = 998


class PreparedMessage(EmailMessage):
    """A message whose bytes were composed once; the headers are there to be read."""

    def __init__(self, raw: bytes, headers: Sequence[tuple[str, str]]) -> None:
        super().__init__(policy=compat32)
        for name, value in headers:
            if name in _ANSWERED:
                self[name] = value
        self._raw = raw

    def as_bytes(self, unixfrom: bool = False, policy: Policy | None = None) -> bytes:
        """The composed bytes (CRLF line ends), whatever policy is asked for."""
        return self._raw

    def __bytes__(self) -> bytes:
        return self._raw

    def as_string(self, unixfrom: bool = False, maxheaderlen: int | None = None,
                  policy: Policy | None = None) -> str:
        """The composed message as text (ASCII: every part is encoded)."""
        return self._raw.decode("ascii", "replace")


def one_line(value: str) -> str:
    """A header value on one line (merged data never injects a header)."""
    return _BREAKS.sub(" ", value).strip()


def address_header(name: str, address: str) -> str:
    """``Name <addr>``, the name quoted or RFC 2047-encoded as needed."""
    if not address.isascii() or _BREAKS.search(address) or "@" not in address:
        raise BadInput(f"cannot send to {address!r}: not a plain ASCII email address",
                       hint="Correct the contact's address.")
    return formataddr((one_line(name), address), charset="utf-8")


def _header(name: str, value: str) -> str:
    value = one_line(value)
    if value.isascii() and len(value) + len(name) < _LONG_LINE - 4:
        return value  # long ASCII lines are legal; folding a URL would only risk breaking it
    return Header(value, "us-ascii" if value.isascii() else "utf-8", maxlinelen=76,
                  header_name=name).encode(linesep="\r\n")


def _body(text: str, subtype: str) -> bytes:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.endswith("\n"):
        text += "\n"
    data = text.encode("utf-8")
    plain = text.isascii() and all(len(line) <= _LONG_LINE for line in text.split("\n"))
    if plain:
        head = f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\n" \
               "Content-Transfer-Encoding: 7bit\r\n\r\n"
        return head.encode("ascii") + data.replace(b"\n", b"\r\n")
    encoded = binascii.b2a_qp(data, istext=True).replace(b"\n", b"\r\n")
    head = f"Content-Type: text/{subtype}; charset=\"utf-8\"\r\n" \
           "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
    return head.encode("ascii") + encoded


def compose(*, sender: tuple[str, str], to: tuple[str, str], subject: str, date: str,
            message_id: str, text: str, html: str | None,
            headers: Sequence[tuple[str, str]] = ()) -> PreparedMessage:
    """The message for one recipient, as wire bytes."""
    fields: list[tuple[str, str]] = [
        ("From", address_header(*sender)), ("To", address_header(*to)),
        ("Subject", _header("Subject", subject)), ("Date", date), ("Message-ID", message_id),
        ("MIME-Version", "1.0")]
    fields.extend((name, _header(name, value)) for name, value in headers)
    head = "".join(f"{name}: {value}\r\n" for name, value in fields).encode("ascii")
    if html is None:
        return PreparedMessage(head + _body(text, "plain"), fields)
    plain, rich = _body(text, "plain"), _body(html, "html")
    boundary = "=_rh_" + hashlib.sha256(message_id.encode()).hexdigest()[:28]
    while boundary.encode() in plain or boundary.encode() in rich:
        boundary += "_"
    mark = f"--{boundary}\r\n".encode()
    # The line break before a delimiter belongs to the delimiter: each part keeps its own.
    raw = (head + f"Content-Type: multipart/alternative; boundary=\"{boundary}\"\r\n\r\n"
           .encode() + mark + plain + b"\r\n" + mark + rich + f"\r\n--{boundary}--\r\n"
           .encode())
    return PreparedMessage(raw, fields)
