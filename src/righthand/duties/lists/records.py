"""A contact as read from a file or typed in, before it meets the store."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from righthand.duties.lists.normalise import (
    MAX_COMPANY,
    MAX_DISPLAY,
    MAX_LABEL,
    MAX_NAME,
    MAX_TAG,
    InvalidValue,
    check_length,
    split_name,
)

ADDRESS_PARTS = ("street", "locality", "region", "postal_code", "country")
SUBSCRIPTION_STATES = ("unconfirmed", "confirmed", "unsubscribed")


@dataclass
class Phone:
    """A number as entered, and its E.164 form when it could be read."""

    raw: str
    e164: str | None = None
    label: str | None = None


@dataclass
class ContactData:
    """One contact's fields; ``line`` is where it came from (a row or a card number)."""

    line: int = 0
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    company: str | None = None
    emails: list[tuple[str, str | None]] = field(default_factory=list)  # (address, label)
    phones: list[Phone] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    notes: str | None = None
    timezone: str | None = None
    postal_address: dict[str, str] | None = None
    lists: list[tuple[str, str]] = field(default_factory=list)  # (list slug, state)

    def finish(self) -> None:
        """Fill the display name, split a full name, check lengths; InvalidValue if unusable."""
        if self.display_name and not (self.given_name or self.family_name):
            self.given_name, self.family_name = split_name(self.display_name)
        if not self.display_name:
            self.display_name = " ".join(p for p in (self.given_name, self.family_name) if p)
        if not self.display_name:
            self.display_name = self.company or (self.emails[0][0] if self.emails else "") or \
                (self.phones[0].raw if self.phones else "")
        if not (self.display_name or self.emails or self.phones):
            raise InvalidValue("no name, email address or phone number")
        check_length("the given name", self.given_name, MAX_NAME)
        check_length("the family name", self.family_name, MAX_NAME)
        check_length("the name", self.display_name, MAX_DISPLAY)
        if self.company:
            check_length("the company", self.company, MAX_COMPANY)
        for tag in self.tags:
            check_length(f"tag {tag[:20]!r}...", tag, MAX_TAG)
        for _, label in self.emails:
            if label:
                check_length("an email label", label, MAX_LABEL)
        for phone in self.phones:
            if phone.label:
                phone.label = phone.label[:MAX_LABEL]
        if self.postal_address is not None and not any(self.postal_address.values()):
            self.postal_address = None

    # -- the compact stored form (an import keeps its parsed rows until it is applied) -------
    def to_json(self) -> list[Any]:
        """A compact JSON form (lists, not dicts: a 100,000-row import stays small)."""
        return [self.line, self.given_name, self.family_name, self.display_name, self.company,
                [list(e) for e in self.emails], [[p.raw, p.e164, p.label] for p in self.phones],
                self.tags, self.attributes or None, self.notes, self.timezone,
                self.postal_address, [list(m) for m in self.lists] or None]

    @classmethod
    def from_json(cls, data: list[Any]) -> ContactData:
        """The inverse of :meth:`to_json`."""
        (line, given, family, display, company, emails, phones, tags, attributes, notes, zone,
         postal, lists) = data
        return cls(line=line, given_name=given, family_name=family, display_name=display,
                   company=company, emails=[(a, lb) for a, lb in emails],
                   phones=[Phone(r, e, lb) for r, e, lb in phones], tags=list(tags),
                   attributes=dict(attributes or {}), notes=notes, timezone=zone,
                   postal_address=postal, lists=[(s, st) for s, st in (lists or [])])

    def to_payload(self) -> dict[str, Any]:
        """The readable form an action carries (what the client approves)."""
        out: dict[str, Any] = {"given_name": self.given_name, "family_name": self.family_name,
                               "display_name": self.display_name}
        if self.company:
            out["company"] = self.company
        if self.emails:
            out["emails"] = [{"address": a, "label": lb} for a, lb in self.emails]
        if self.phones:
            out["phones"] = [{"raw": p.raw, "e164": p.e164, "label": p.label}
                             for p in self.phones]
        for key in ("tags", "attributes", "notes", "timezone", "postal_address"):
            value = getattr(self, key)
            if value:
                out[key] = value
        return out

    @classmethod
    def from_payload(cls, data: dict[str, Any]) -> ContactData:
        """The inverse of :meth:`to_payload`."""
        return cls(given_name=str(data.get("given_name") or ""),
                   family_name=str(data.get("family_name") or ""),
                   display_name=str(data.get("display_name") or ""),
                   company=data.get("company"),
                   emails=[(str(e["address"]), e.get("label")) for e in data.get("emails", [])],
                   phones=[Phone(str(p["raw"]), p.get("e164"), p.get("label"))
                           for p in data.get("phones", [])],
                   tags=list(data.get("tags") or []),
                   attributes=dict(data.get("attributes") or {}), notes=data.get("notes"),
                   timezone=data.get("timezone"), postal_address=data.get("postal_address"))


def format_address(address: dict[str, Any] | None) -> str:
    """A postal address on one line."""
    if not address:
        return ""
    parts = [str(address.get(k) or "").replace("\n", ", ") for k in ADDRESS_PARTS]
    return ", ".join(p for p in parts if p)
