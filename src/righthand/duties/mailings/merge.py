"""Merge fields: what a template can say about its recipient.

``first_name``, ``last_name``, ``name``, ``email``, ``company``, ``address`` (postal: street,
locality, region, postal_code, country), ``attributes.KEY`` (the contact's free-form fields),
plus ``unsubscribe_url`` and ``business_name``. Blank fields are *empty* (see templates.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from righthand.duties.mailings.templates import Attributes, empty

FIELDS = ("first_name", "last_name", "name", "email", "company", "address", "attributes",
          "unsubscribe_url", "business_name")
ADDRESS_PARTS = ("street", "locality", "region", "postal_code", "country")


@dataclass(frozen=True)
class Person:
    """A recipient's fields as stored (a contact, or just an address)."""

    address: str
    contact_id: int | None = None
    given_name: str = ""
    family_name: str = ""
    display_name: str = ""
    company: str | None = None
    attributes: Mapping[str, Any] | None = None
    postal_address: Mapping[str, Any] | None = None


def _value(name: str, raw: object) -> Any:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return empty(name)
    return raw.strip() if isinstance(raw, str) else raw


def context(person: Person, *, unsubscribe_url: str = "", business_name: str = "",
            ) -> dict[str, Any]:
    """The merge context of one recipient."""
    given = person.given_name or ""
    family = person.family_name or ""
    display = person.display_name or " ".join(p for p in (given, family) if p)
    postal = dict(person.postal_address or {})
    address = Attributes({part: _value(f"address.{part}", postal.get(part))
                          for part in ADDRESS_PARTS})
    return {
        "first_name": _value("first_name", given),
        "last_name": _value("last_name", family),
        "name": _value("name", display),
        "email": person.address,
        "company": _value("company", person.company),
        "address": address,
        "attributes": Attributes({str(k): _value(f"attributes.{k}", v)
                                  for k, v in (person.attributes or {}).items()}),
        "unsubscribe_url": _value("unsubscribe_url", unsubscribe_url),
        "business_name": _value("business_name", business_name),
    }


def sample_person(address: str = "someone@example.com") -> Person:
    """A stand-in recipient for previews of a list with nobody on it yet."""
    return Person(address=address, given_name="Alex", family_name="Sample",
                  display_name="Alex Sample", company="Sample & Co")
