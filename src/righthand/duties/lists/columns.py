"""Which contact field each column of an imported file holds.

Headers of the common exports are recognised by their words (Outlook: "E-mail 2 Address",
"Business Phone", "Home Street"; Google: "Given Name", "E-mail 1 - Value", "Phone 1 - Type",
"Address 1 - City", "Group Membership"; Mailchimp, listmonk and hand-made sheets). A column
nobody recognises is kept as a free-form attribute under its own header: nothing is lost.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from righthand.errors import BadInput

FIELDS = ("given_name", "family_name", "name", "middle_name", "email", "email_label", "phone",
          "phone_label", "company", "job_title", "notes", "tags", "timezone", "street",
          "locality", "region", "postal_code", "country", "address", "lists", "attr", "ignore")
_SYNONYMS = {"first_name": "given_name", "first": "given_name", "given": "given_name",
             "last_name": "family_name", "last": "family_name", "surname": "family_name",
             "family": "family_name", "full_name": "name", "display_name": "name",
             "organization": "company", "organisation": "company", "org": "company",
             "note": "notes", "tag": "tags", "labels": "tags", "city": "locality",
             "town": "locality", "state": "region", "province": "region", "zip": "postal_code",
             "postcode": "postal_code", "zip_code": "postal_code", "tz": "timezone",
             "time_zone": "timezone", "title": "job_title", "skip": "ignore", "mobile": "phone",
             "e-mail": "email", "mail": "email", "attribute": "attr"}
_HELP = ("Fields: given_name, family_name, name, email[:label], phone[:label], company, "
         "job_title, notes, tags, timezone, street, city, region, postal_code, country, lists, "
         "attr:KEY, ignore.")

_LABEL_WORDS = {"home": "home", "personal": "home", "private": "home", "work": "work",
                "business": "work", "office": "work", "company": "work", "main": "work",
                "other": "other", "mobile": "mobile", "cell": "mobile", "cellular": "mobile",
                "fax": "fax", "pager": "pager", "car": "car", "primary": None}
_PHONE_WORDS = {"phone", "telephone", "tel", "mobile", "cell", "cellphone", "cellular", "fax",
                "pager", "phonenumber", "mobilephone", "homephone", "workphone"}
_ADDRESS_WORDS = {"street": "street", "street2": "street", "street3": "street",
                  "address": "street", "line": "street", "line1": "street", "line2": "street",
                  "pobox": "street", "city": "locality", "town": "locality",
                  "locality": "locality", "state": "region", "region": "region",
                  "province": "region", "county": "region", "zip": "postal_code",
                  "zipcode": "postal_code", "postcode": "postal_code",
                  "postalcode": "postal_code", "postal": "postal_code",
                  "country": "country", "countryregion": "country",
                  "formatted": "address", "extended": "street"}
_IGNORED = {"sensitivity", "priority", "private", "initials", "righthand id", "righthand_id",
            "internet free busy", "directory server", "billing information", "mileage",
            "email type", "email display name", "email 2 display name",
            "email 3 display name", "email 2 type", "email 3 type"}
_EXACT = {
    "first name": "given_name", "firstname": "given_name", "given name": "given_name",
    "givenname": "given_name", "first": "given_name", "forename": "given_name",
    "fname": "given_name", "vorname": "given_name", "prenom": "given_name",
    "last name": "family_name", "lastname": "family_name", "family name": "family_name",
    "familyname": "family_name", "surname": "family_name", "last": "family_name",
    "lname": "family_name", "nachname": "family_name",
    "name": "name", "full name": "name", "fullname": "name", "display name": "name",
    "displayname": "name", "contact name": "name", "contact": "name", "nom": "name",
    "middle name": "middle_name", "additional name": "middle_name",
    "company": "company", "company name": "company", "organization": "company",
    "organisation": "company", "organization name": "company", "organization 1 name": "company",
    "org": "company", "employer": "company", "business name": "company", "firm": "company",
    "job title": "job_title", "organization 1 title": "job_title", "position": "job_title",
    "organization title": "job_title", "role": "job_title",
    "notes": "notes", "note": "notes", "comments": "notes", "comment": "notes",
    "description": "notes", "remarks": "notes",
    "tags": "tags", "tag": "tags", "labels": "tags", "group membership": "tags",
    "groups": "tags", "categories": "tags", "category": "tags",
    "timezone": "timezone", "time zone": "timezone", "tz": "timezone",
    "lists": "lists", "list memberships": "lists", "subscriptions": "lists",
    "other emails": "email", "other phones": "phone",
    # the same headers as spreadsheets in other languages write them
    "firma": "company", "empresa": "company", "entreprise": "company", "societe": "company",
    "telefon": "phone", "telefono": "phone", "telephone": "phone", "handy": "phone",
    "mobil": "phone", "portable": "phone", "ort": "locality", "stadt": "locality",
    "ville": "locality", "ciudad": "locality", "plz": "postal_code", "land": "country",
    "pays": "country", "pais": "country", "strasse": "street", "rue": "street",
    "notizen": "notes", "bemerkungen": "notes", "apellido": "family_name",
    "nombre": "given_name",
}


# Attributes that vCards name too: one key whichever way the file came in.
_ATTRIBUTES = {"birthday": "birthday", "date of birth": "birthday", "dob": "birthday",
               "website": "url", "web page": "url", "url": "url", "homepage": "url",
               "nickname": "nickname", "anniversary": "anniversary"}


@dataclass(frozen=True)
class Target:
    """Where a column goes: ``field``, with a label (email/phone), key (attr), or group."""

    field: str
    arg: str | None = None  # label, attribute key, or pairing slot
    group: str | None = None  # address group ('home', 'work', '1') or email/phone slot

    def __str__(self) -> str:
        text = self.field
        if self.arg:
            text += f":{self.arg}"
        if self.group:
            text += f"@{self.group}"
        return text


def _words(header: str) -> list[str]:
    text = unicodedata.normalize("NFKD", header.strip().lower()).replace("_", " ")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).replace("ß", "ss")
    text = text.replace("e-mail", "email").replace("e mail", "email")
    text = text.replace("zip code", "zipcode").replace("post code", "postcode")
    text = text.replace("postal code", "postalcode").replace("po box", "pobox")
    text = text.replace("country/region", "countryregion")
    return [w for w in re.split(r"[^a-z0-9]+", text) if w]


def auto_target(header: str) -> Target:
    """The field a header names, by its words; an unknown header becomes an attribute."""
    words = _words(header)
    joined = " ".join(words)
    if not words:
        return Target("ignore")
    if joined in _IGNORED or joined.startswith("attr "):
        return Target("ignore") if joined in _IGNORED else \
            Target("attr", header.split(":", 1)[-1].strip())
    if header.strip().lower().startswith("attr:"):
        return Target("attr", header.strip()[5:].strip())
    if joined in _EXACT:
        return Target(_EXACT[joined])
    if joined in _ATTRIBUTES:
        return Target("attr", _ATTRIBUTES[joined])
    digits = next((w for w in words if w.isdigit()), None)
    labels = [label for w in words if (label := _LABEL_WORDS.get(w))]
    label = labels[0] if labels else None
    if "email" in words or "mail" in words:
        if "name" in words:
            return Target("ignore")
        if "type" in words or "label" in words:
            return Target("email_label", group=digits) if digits else Target("ignore")
        rest = set(words) - {"email", "mail", "address", "addr", "value", "primary", "main"} \
            - set(_LABEL_WORDS) - {w for w in words if w.isdigit()}
        if not rest:
            return Target("email", label, digits)
    if set(words) & _PHONE_WORDS or (words[-1] == "number" and "phone" in joined):
        if "type" in words or "label" in words:
            return Target("phone_label", group=digits) if digits else Target("ignore")
        kind = next((_LABEL_WORDS.get(w) for w in words if w in {"mobile", "cell", "fax",
                                                                    "pager", "cellphone"}),
                    None)
        if "cellphone" in words or "mobilephone" in words:
            kind = "mobile"
        return Target("phone", kind or label, digits)
    address = _address_target(words, label, digits)
    if address is not None:
        return address
    if "timezone" in words or ("time" in words and "zone" in words):
        return Target("timezone")
    return Target("attr", header.strip())


def _address_target(words: list[str], label: str | None, digits: str | None) -> Target | None:
    if not set(words) & set(_ADDRESS_WORDS):
        return None
    allowed = set(_ADDRESS_WORDS) | set(_LABEL_WORDS) | {"mailing", "postal", "po", "box",
                                                         "type", "label"}
    if any(w not in allowed and not w.isdigit() for w in words):
        return None  # 'IP Address', 'Web Address': not a postal address
    if "type" in words or "label" in words:
        return Target("ignore")
    numbered = digits and "address" in words and "line" not in words
    group = label or (f"address {digits}" if numbered else None)
    specific = [_ADDRESS_WORDS[w] for w in words
                if _ADDRESS_WORDS.get(w) in {"locality", "region", "postal_code", "country"}]
    if specific:
        return Target(specific[0], group=group)
    if "formatted" in words or (group and set(words) <= {"address", *_LABEL_WORDS}
                                | {w for w in words if w.isdigit()}):
        return Target("address", group=group)
    return Target("street", group=group)


def parse_target(text: str) -> Target:
    """A target as written in ``--map 'Header=field[:label]'``."""
    name, _, arg = text.strip().partition(":")
    key = name.strip().lower().replace(" ", "_")
    key = _SYNONYMS.get(key, key)
    if key not in FIELDS:
        raise BadInput(f"{text!r} is not a contact field", hint=_HELP)
    arg = arg.strip()
    if key == "attr" and not arg:
        raise BadInput(f"{text!r}: say which attribute, e.g. attr:city", hint=_HELP)
    if key in {"email", "phone", "attr"}:
        return Target(key, arg or None)
    if key in {"street", "locality", "region", "postal_code", "country"} and arg:
        return Target(key, group=arg)
    return Target(key)


def parse_mapping(specs: Sequence[str]) -> dict[str, Target]:
    """``["E-mail Address=email", "Cell=phone:mobile"]`` -> header -> target."""
    mapping: dict[str, Target] = {}
    for spec in specs:
        header, sep, target = spec.rpartition("=")
        if not sep or not header.strip():
            raise BadInput(f"--map takes 'Column header=field', not {spec!r}",
                           hint="For example --map 'E-mail Address=email'. " + _HELP)
        mapping[header.strip()] = parse_target(target)
    return mapping


def plan(header: Sequence[str], overrides: dict[str, Target]) -> list[Target]:
    """The target of every column: the user's mapping first, then the automatic one."""
    wanted = {k.lower(): v for k, v in overrides.items()}
    present = {h.strip().lower() for h in header}
    missing = [k for k in overrides if k.lower() not in present]
    if missing:
        shown = ", ".join(repr(h) for h in header[:30])
        raise BadInput(f"the file has no column {missing[0]!r}",
                       hint=f"Its columns are: {shown}. Map one of those.")
    targets = [wanted.get(h.strip().lower()) or auto_target(h) for h in header]
    used = {t.field for t in targets}
    if not used & {"email", "phone", "name", "given_name", "family_name", "company"}:
        shown = ", ".join(repr(h) for h in header[:30])
        raise BadInput("none of the file's columns looks like a name, email or phone column "
                       f"(columns: {shown})",
                       hint="Map them with --map 'Column header=email' (or name, phone, ...). "
                            "If the first line holds data rather than column names, add a "
                            "header line.")
    return targets
