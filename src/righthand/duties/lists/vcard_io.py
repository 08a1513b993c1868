"""vCard 3.0 and 4.0 (and the 2.1 that old phones still write): read with vobject, one card at
a time so that one broken card never hides the others; written as vCard 3.0, which every
address book imports."""

from __future__ import annotations

import quopri
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from righthand.duties.lists.normalise import (
    InvalidValue,
    check_timezone,
    clean,
    email_label,
    normalise_email,
    parse_phone,
    phone_label,
)
from righthand.duties.lists.records import ContactData, Phone, format_address
from righthand.errors import BadInput

_BEGIN = re.compile(r"^BEGIN:VCARD\s*$", re.I)
_END = re.compile(r"^END:VCARD\s*$", re.I)
_APPLE_LABEL = re.compile(r"^_\$!<(.*)>!\$_$")
_SKIPPED = {"photo", "logo", "sound", "key"}
_QP = re.compile(r";\s*(?:ENCODING=)?QUOTED-PRINTABLE\b", re.I)
_CHARSET = re.compile(r";\s*CHARSET=([\w-]+)", re.I)


@dataclass
class Card:
    """The text of one card and the line it starts on."""

    line: int
    text: str


@dataclass
class VCardRead:
    """What reading a vCard file gave: contacts, unreadable cards, notes for the report."""

    records: list[ContactData] = field(default_factory=list)
    invalid: list[tuple[Card, str]] = field(default_factory=list)
    skipped_properties: dict[str, int] = field(default_factory=dict)


def split_cards(text: str) -> Iterator[Card]:
    """Every BEGIN:VCARD ... END:VCARD block (nested or unterminated cards end at the next)."""
    current: list[str] | None = None
    start = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if _BEGIN.match(line):
            if current:
                yield Card(start, "\r\n".join(current) + "\r\nEND:VCARD\r\n")
            current, start = [line], number
        elif current is not None:
            current.append(line)
            if _END.match(line):
                yield Card(start, "\r\n".join(current) + "\r\n")
                current = None
    if current:
        yield Card(start, "\r\n".join(current) + "\r\nEND:VCARD\r\n")


def _unquote_printable(text: str) -> str:
    """vCard 2.1's QUOTED-PRINTABLE values (with their CHARSET) as plain text lines."""
    if "QUOTED-PRINTABLE" not in text.upper():
        return text
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        head, sep, value = line.partition(":")
        if sep and _QP.search(head):
            while value.endswith("=") and index + 1 < len(lines):
                index += 1
                value = value[:-1] + lines[index]
            found = _CHARSET.search(head)
            raw = quopri.decodestring(value.encode("ascii", errors="replace"))
            try:
                decoded = raw.decode(found.group(1) if found else "utf-8")
            except (LookupError, UnicodeDecodeError):
                decoded = raw.decode("cp1252", errors="replace")
            head = _CHARSET.sub("", _QP.sub("", head))
            decoded = decoded.replace("\\", "\\\\").replace(",", "\\,")
            if head.split(";")[0].split(".")[-1].upper() not in {"N", "ADR", "ORG"}:
                decoded = decoded.replace(";", "\\;")
            line = f"{head}:" + decoded.replace("\r\n", "\n").replace("\n", "\\n")
        out.append(line)
        index += 1
    return "\r\n".join(out) + "\r\n"


def read_vcards(text: str, region: str | None) -> VCardRead:
    """Parse every card in ``text``; BadInput when there is not a single card in it."""
    import vobject

    result = VCardRead()
    cards = list(split_cards(text))
    if not cards:
        raise BadInput("the file holds no vCards (no BEGIN:VCARD line)",
                       hint="Export the contacts as vCard (.vcf) or CSV and import that.")
    for index, card in enumerate(cards, start=1):
        try:
            component = vobject.readOne(_unquote_printable(card.text), allowQP=True)
            record = _record(component, index, region, result.skipped_properties)
        except InvalidValue as exc:
            result.invalid.append((card, str(exc)))
        except Exception as exc:  # vobject raises many kinds of errors on broken input
            result.invalid.append((card, f"the card cannot be read: {str(exc)[:200]}"))
        else:
            record.line = index
            result.records.append(record)
    return result


def _params(line: Any, name: str = "TYPE") -> str:
    values: list[str] = []
    for key, found in (line.params or {}).items():
        if key.upper() == name:
            values.extend(str(v) for v in found)
    if name == "TYPE":
        values.extend(str(v) for v in getattr(line, "singletonparams", []) or [])  # 2.1: TEL;CELL
    return ",".join(values)


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v)
    return str(value or "")


def _record(card: Any, index: int, region: str | None,
            skipped: dict[str, int]) -> ContactData:
    record = ContactData(line=index)
    groups: dict[str, str] = {}
    for line in card.lines():
        if line.name.upper() == "X-ABLABEL" and line.group:
            match = _APPLE_LABEL.match(str(line.value))
            groups[line.group.lower()] = (match.group(1) if match else str(line.value)).lower()
    addresses: list[tuple[str, dict[str, str]]] = []
    for line in card.lines():
        name = line.name.lower()
        value = line.value
        label_text = _params(line) + "," + groups.get((line.group or "").lower(), "")
        if name == "fn":
            record.display_name = clean(_text(value))
        elif name == "n":
            record.family_name = clean(_text(value.family))
            record.given_name = clean(_text(value.given))
            for key, part in (("middle_name", value.additional), ("name_prefix", value.prefix),
                              ("name_suffix", value.suffix)):
                if _text(part).strip():
                    record.attributes[key] = clean(_text(part))
        elif name == "email":
            address = normalise_email(_text(value))
            if address not in {a for a, _ in record.emails}:
                record.emails.append((address, email_label(label_text)))
        elif name == "tel":
            raw = _text(value).strip()
            raw = re.sub(r"^tel:", "", raw, flags=re.I).replace(";ext=", " ext. ")
            if raw:
                entered, e164 = parse_phone(raw, region)
                record.phones.append(Phone(entered, e164, phone_label(label_text)))
        elif name == "org":
            parts = value if isinstance(value, list) else [value]
            record.company = clean(str(parts[0])) if parts and parts[0] else record.company
            if len(parts) > 1 and any(parts[1:]):
                record.attributes["department"] = ", ".join(str(p) for p in parts[1:] if p)
        elif name == "adr":
            addresses.append((label_text.lower(), {
                "street": "\n".join(p for p in (_text(value.box), _text(value.extended),
                                                _text(value.street)) if p.strip()),
                "locality": _text(value.city), "region": _text(value.region),
                "postal_code": _text(value.code), "country": _text(value.country)}))
        elif name == "note":
            record.notes = f"{record.notes}\n\n{_text(value)}" if record.notes else _text(value)
        elif name == "categories":
            for tag in (value if isinstance(value, list) else str(value).split(",")):
                if str(tag).strip() and str(tag).strip() not in record.tags:
                    record.tags.append(clean(str(tag)))
        elif name == "tz":
            _zone(record, _text(value))
        elif name in {"title", "role", "nickname", "bday", "anniversary", "url"}:
            key = {"title": "job_title", "bday": "birthday"}.get(name, name)
            old = record.attributes.get(key)
            record.attributes[key] = f"{old}\n{_text(value)}" if old else _text(value)
        elif name in _SKIPPED:
            skipped[name] = skipped.get(name, 0) + 1
    if addresses:
        addresses.sort(key=lambda item: "work" not in item[0])
        record.postal_address = addresses[0][1]
        for number, (_, other) in enumerate(addresses[1:], start=2):
            record.attributes[f"address {number}"] = format_address(other)
    record.finish()
    return record


def _zone(record: ContactData, value: str) -> None:
    value = value.strip()
    if not value:
        return
    try:
        record.timezone = check_timezone(value.removeprefix("tz:"))
    except InvalidValue:
        record.attributes["utc_offset"] = value  # 3.0 gives offsets, not zones: keep it


# -- writing -----------------------------------------------------------------------------------
def _escape(value: str, structured: bool = False) -> str:
    value = value.replace("\\", "\\\\").replace("\r\n", "\n").replace("\n", "\\n")
    value = value.replace(",", "\\,")
    return value.replace(";", "\\;") if structured or ";" in value else value


def _fold(line: str) -> str:
    """Fold at 75 octets without splitting a UTF-8 character (RFC 6350 3.2)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line + "\r\n"
    pieces: list[str] = []
    current = ""
    size = 0
    limit = 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append(current)
            current, size, limit = "", 0, 74  # continuation lines start with a space
        current += char
        size += width
    pieces.append(current)
    return "\r\n ".join(pieces) + "\r\n"


def write_vcard(contact: dict[str, Any]) -> str:
    """One contact (the export view of :mod:`exporter`) as a vCard 3.0."""
    lines = ["BEGIN:VCARD", "VERSION:3.0", f"FN:{_escape(contact['display_name'])}",
             "N:" + ";".join(_escape(contact.get(k) or "", True) for k in
                             ("family_name", "given_name")) + ";;;"]
    if contact.get("company"):
        lines.append(f"ORG:{_escape(contact['company'], True)}")
    attributes = contact.get("attributes") or {}
    if attributes.get("job_title"):
        lines.append(f"TITLE:{_escape(str(attributes['job_title']))}")
    for address, label in contact.get("emails", []):
        kind = f",{label.upper()}" if label in {"work", "home"} else ""
        lines.append(f"EMAIL;TYPE=INTERNET{kind}:{address}")
    for phone in contact.get("phones", []):
        label = {"mobile": "CELL", "work": "WORK", "home": "HOME", "fax": "FAX",
                 "pager": "PAGER"}.get(phone.get("label") or "", "VOICE")
        lines.append(f"TEL;TYPE={label}:{_escape(phone.get('e164') or phone['raw'])}")
    postal = contact.get("postal_address")
    if postal:
        parts = ["", "", postal.get("street", ""), postal.get("locality", ""),
                 postal.get("region", ""), postal.get("postal_code", ""),
                 postal.get("country", "")]
        lines.append("ADR;TYPE=WORK:" + ";".join(_escape(p or "", True) for p in parts))
    if contact.get("tags"):
        lines.append("CATEGORIES:" + ",".join(_escape(t) for t in contact["tags"]))
    if contact.get("timezone"):
        lines.append(f"TZ;VALUE=text:{contact['timezone']}")
    if attributes.get("birthday"):
        lines.append(f"BDAY:{_escape(str(attributes['birthday']))}")
    if contact.get("notes"):
        lines.append(f"NOTE:{_escape(contact['notes'])}")
    lines.append("END:VCARD")
    return "".join(_fold(line) for line in lines)
