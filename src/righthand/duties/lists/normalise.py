"""Normalising what people type: email addresses, phone numbers, names, tags, time zones.

The heavy libraries (email-validator, phonenumbers) are imported on first use, so that loading
the duty plugin keeps `righthand ask` quick.
"""

from __future__ import annotations

import re
from functools import cache
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

# Column widths of the contact tables (PostgreSQL enforces them; SQLite would not).
MAX_NAME = 200
MAX_DISPLAY = 400
MAX_COMPANY = 200
MAX_PHONE = 100
MAX_LABEL = 50
MAX_TAG = 100
MAX_ZONE = 64

_PARTICLES = {"van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le",
              "ter", "ten", "bin", "al", "el", "st", "st.", "mac", "dos", "das"}
_SPACES = re.compile(r"\s+")
_PHONE_LABELS = {"home": "home", "work": "work", "business": "work", "office": "work",
                 "company": "work", "main": "work", "mobile": "mobile", "cell": "mobile",
                 "cellular": "mobile", "iphone": "mobile", "fax": "fax", "pager": "pager",
                 "other": "other", "car": "car", "voice": None, "pref": None, "text": None,
                 "internet": None, "x400": None}


class InvalidValue(ValueError):
    """A value that cannot be stored as given; the message says why, for the import report."""


def clean(value: str | None) -> str:
    """Trim and collapse inner runs of white space (but keep line breaks out of it)."""
    if not value:
        return ""
    return _SPACES.sub(" ", value.replace("\x00", "")).strip()


_ATEXT = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_PLAIN_ADDRESS = re.compile(rf"^({_ATEXT}(?:\.{_ATEXT})*)@([A-Za-z0-9.-]+)$")


def normalise_email(text: str) -> str:
    """The canonical form of an address (IDNA domain, NFC, lower case), or InvalidValue.

    Never looks anything up in the DNS: bulk imports must stay fast and offline. A plain ASCII
    address has its local part checked here and its domain checked by email-validator once
    per domain; anything else goes to email-validator whole.
    """
    candidate = text.strip().strip("<>").strip()
    if candidate.lower().startswith("mailto:"):
        candidate = candidate[7:]
    if not candidate:
        raise InvalidValue("the email address is empty")
    plain = _PLAIN_ADDRESS.match(candidate)
    if plain and len(plain.group(1)) <= 64 and len(candidate) <= 254:
        problem, domain = _domain(plain.group(2).lower())
        if problem:
            raise InvalidValue(f"email {candidate[:80]!r} is not valid: {problem}")
        return f"{plain.group(1).lower()}@{domain}"
    return _validate(candidate)


@cache
def _domain(domain: str) -> tuple[str | None, str]:
    try:
        return None, _validate(f"a@{domain}").partition("@")[2]
    except InvalidValue as exc:
        return str(exc).partition(": ")[2], domain


def _validate(candidate: str) -> str:
    from email_validator import EmailNotValidError, validate_email

    try:
        checked = validate_email(candidate, check_deliverability=False,
                                 allow_smtputf8=True, globally_deliverable=True)
    except EmailNotValidError as exc:
        raise InvalidValue(f"email {candidate[:80]!r} is not valid: {exc}") from None
    # Local parts are case-sensitive in theory and never in practice; one form per person.
    return str(checked.normalized).lower()


def split_emails(cell: str) -> list[str]:
    """One cell may hold several addresses ('a@x.org; b@y.org', Google's ' ::: ')."""
    from email.utils import getaddresses

    cell = cell.strip()
    if not cell:
        return []
    if cell.count("@") <= 1:
        return [_address_part(cell)]
    parts = re.split(r"\s*(?::::|;|\n)\s*", cell)
    found: list[str] = []
    for part in parts:
        if part.count("@") > 1:
            found.extend(addr for _, addr in getaddresses([part]) if addr)
        elif part.strip():
            found.append(_address_part(part))
    return found


def _address_part(text: str) -> str:
    """'Jo Bloggs <jo@example.com>' -> 'jo@example.com'; anything else unchanged."""
    match = re.search(r"<([^<>]+@[^<>]+)>", text)
    return match.group(1) if match else text.strip()


def display_name_in(cell: str) -> str:
    """The display-name part of 'Jo Bloggs <jo@example.com>', if any."""
    match = re.match(r'^\s*"?([^"<]+?)"?\s*<[^<>]+@[^<>]+>\s*$', cell)
    return match.group(1).strip() if match else ""


def parse_phone(raw: str, region: str | None) -> tuple[str, str | None]:
    """(as entered, E.164 or None). A number that cannot be read is kept as entered."""
    import phonenumbers

    entered = clean(raw)
    if entered.lower().startswith("tel:"):
        entered = entered[4:]
    if len(entered) > MAX_PHONE:
        raise InvalidValue(f"phone number longer than {MAX_PHONE} characters")
    if sum(ch.isdigit() for ch in entered) < 3:
        return entered, None
    try:
        number = phonenumbers.parse(entered, region)
    except phonenumbers.NumberParseException:
        return entered, None
    # Not is_valid_number_for_region: +1 and +39 (and others) are shared by several countries,
    # and a Canadian number in a US workspace is as valid as any.
    if not phonenumbers.is_valid_number(number):
        return entered, None  # e.g. a French 06... read as American: keep it as entered
    return entered, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def phone_label(text: str | None) -> str | None:
    """'* Mobile', 'CELL', 'work,voice' -> 'mobile', 'mobile', 'work'."""
    if not text:
        return None
    for word in re.split(r"[\s,;*/]+", text.lower()):
        if word in _PHONE_LABELS:
            label = _PHONE_LABELS[word]
            if label:
                return label
    word = clean(text.lstrip("* ")).lower()
    return word[:MAX_LABEL] or None


def email_label(text: str | None) -> str | None:
    """'* Work', 'INTERNET,HOME', 'pref' -> 'work', 'home', None."""
    if not text:
        return None
    words = [w for w in re.split(r"[\s,;*/]+", text.lower()) if w]
    for word in words:
        if word in {"home", "personal", "private"}:
            return "home"
        if word in {"work", "business", "office"}:
            return "work"
        if word == "other":
            return "other"
    rest = [w for w in words if w not in {"internet", "pref", "x400", "smtp", "type"}]
    return " ".join(rest)[:MAX_LABEL] or None


def split_name(full: str) -> tuple[str, str]:
    """'Jo Bloggs' -> ('Jo', 'Bloggs'); 'Bloggs, Jo' -> ('Jo', 'Bloggs');
    'Anna van der Berg' -> ('Anna', 'van der Berg')."""
    full = clean(full)
    if not full:
        return "", ""
    if full.count(",") == 1:
        family, given = (p.strip() for p in full.split(","))
        if given and family and " " not in family.strip():
            return given, family
    words = full.split(" ")
    if len(words) == 1:
        return words[0], ""
    cut = len(words) - 1
    while cut > 1 and words[cut - 1].lower() in _PARTICLES:
        cut -= 1
    return " ".join(words[:cut]), " ".join(words[cut:])


def split_tags(cell: str) -> list[str]:
    """Tags from 'a; b, c', Google's '* myContacts ::: Friends', Outlook's 'A;B'."""
    tags: list[str] = []
    for part in re.split(r"\s*(?::::|;|,|\|)\s*", cell):
        tag = clean(part).lstrip("* ").strip()
        if not tag or tag.lower() in {"mycontacts", "starred"}:
            continue
        if tag.lower() not in {t.lower() for t in tags}:
            tags.append(tag)
    return tags


def check_timezone(zone: str) -> str:
    """The IANA zone name as given, or InvalidValue."""
    zone = zone.strip()
    if len(zone) > MAX_ZONE:
        raise InvalidValue(f"time zone longer than {MAX_ZONE} characters")
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidValue(f"{zone[:80]!r} is not an IANA time zone (e.g. Europe/London)") \
            from None
    return zone


@cache
def _zone_countries() -> dict[str, str]:
    try:
        text = resources.files("tzdata").joinpath("zoneinfo", "zone.tab").read_text("utf-8")
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return {}
    found: dict[str, str] = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            fields = line.split("\t")
            if len(fields) >= 3:
                found[fields[2]] = fields[0]
    return found


def default_region(timezone: str | None, profile: dict[str, Any] | None = None) -> str | None:
    """Where numbers without a country code are assumed to be: the client's own phone's
    country, else the country of the workspace's time zone (zone.tab), else none."""
    phone = str((profile or {}).get("phone") or "")
    if phone.startswith("+"):
        import phonenumbers

        try:
            region = phonenumbers.region_code_for_number(phonenumbers.parse(phone, None))
        except phonenumbers.NumberParseException:
            region = None
        if region and region != "ZZ":
            return str(region)
    if timezone:
        return _zone_countries().get(timezone)
    return None


def check_length(what: str, value: str, limit: int) -> str:
    """``value``, or InvalidValue when it is longer than its column."""
    if len(value) > limit:
        raise InvalidValue(f"{what} is longer than {limit} characters ({len(value)})")
    return value
