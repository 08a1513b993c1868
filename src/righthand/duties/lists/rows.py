"""One CSV row to one contact, following the column plan of :mod:`columns`."""

from __future__ import annotations

import re
from collections.abc import Sequence

from righthand.duties.lists.columns import Target
from righthand.duties.lists.csv_io import unescape_cell
from righthand.duties.lists.normalise import (
    InvalidValue,
    check_timezone,
    clean,
    display_name_in,
    email_label,
    normalise_email,
    parse_phone,
    phone_label,
    split_emails,
    split_tags,
)
from righthand.duties.lists.records import (
    ADDRESS_PARTS,
    SUBSCRIPTION_STATES,
    ContactData,
    Phone,
    format_address,
)

_MULTI = re.compile(r"\s*(?::::|;)\s*")
_JUNK = {"0/0/00", "00/00/0000", "0/0/0000"}  # Outlook's empty dates


def parse_lists(cell: str) -> list[tuple[str, str]]:
    """'newsletter:confirmed; buyers' -> [('newsletter', 'confirmed'), ('buyers', '')]."""
    found: list[tuple[str, str]] = []
    for part in re.split(r"\s*[;,|]\s*", cell):
        slug, _, state = part.strip().partition(":")
        slug, state = slug.strip().lower(), state.strip().lower()
        if not slug:
            continue
        if state and state not in SUBSCRIPTION_STATES:
            raise InvalidValue(f"list state {state!r} for {slug!r} is not one of "
                               f"{', '.join(SUBSCRIPTION_STATES)}")
        found.append((slug, state))
    return found


def build_record(line: int, cells: Sequence[str], targets: Sequence[Target],
                 region: str | None) -> ContactData:
    """The contact in ``cells``; InvalidValue (with the reason) when the row cannot be kept."""
    if len(cells) > len(targets) and any(c.strip() for c in cells[len(targets):]):
        raise InvalidValue(f"the row has {len(cells)} cells but the header has {len(targets)} "
                           "columns (a separator inside an unquoted value?)")
    record = ContactData(line=line)
    addresses: dict[str | None, dict[str, list[str]]] = {}
    labels: dict[tuple[str, str | None], str] = {}
    emails: list[tuple[str, Target]] = []
    phones: list[tuple[str, Target]] = []
    notes: list[str] = []
    for index, target in enumerate(targets):
        if index >= len(cells):
            break
        value = unescape_cell(cells[index]).strip()
        if not value or value in _JUNK:
            continue
        field = target.field
        if field == "email":
            emails.append((value, target))
        elif field == "phone":
            phones.append((value, target))
        elif field in {"email_label", "phone_label"}:
            labels[(field, target.group)] = value
        elif field == "name":
            record.display_name = record.display_name or clean(value)
        elif field == "given_name":
            record.given_name = clean(value)
        elif field == "family_name":
            record.family_name = clean(value)
        elif field == "middle_name":
            record.attributes["middle_name"] = clean(value)
        elif field == "company":
            record.company = record.company or clean(value)
        elif field == "job_title":
            record.attributes["job_title"] = clean(value)
        elif field == "notes":
            notes.append(value)
        elif field == "tags":
            record.tags.extend(t for t in split_tags(value)
                               if t.lower() not in {x.lower() for x in record.tags})
        elif field == "timezone":
            record.timezone = check_timezone(value)
        elif field == "lists":
            record.lists.extend(parse_lists(value))
        elif field == "attr":
            key = target.arg or "attribute"
            old = record.attributes.get(key)
            record.attributes[key] = f"{old}\n{value}" if old else value
        elif field in ADDRESS_PARTS or field == "address":
            addresses.setdefault(target.group, {}).setdefault(field, []).append(value)
    for value, target in emails:
        label = target.arg or email_label(labels.get(("email_label", target.group)))
        if not record.display_name and not (record.given_name or record.family_name):
            record.display_name = display_name_in(value)
        for address in split_emails(value):
            normalised = normalise_email(address)
            if normalised not in {a for a, _ in record.emails}:
                record.emails.append((normalised, label))
    for value, target in phones:
        label = target.arg or phone_label(labels.get(("phone_label", target.group)))
        for raw in _MULTI.split(value):
            if raw.strip():
                entered, e164 = parse_phone(raw, region)
                if not any(p.raw == entered or (e164 and p.e164 == e164)
                           for p in record.phones):
                    record.phones.append(Phone(entered, e164, label))
    if notes:
        record.notes = "\n\n".join(notes)
    if addresses:
        _place_addresses(record, addresses)
    record.finish()
    return record


def _place_addresses(record: ContactData,
                     groups: dict[str | None, dict[str, list[str]]]) -> None:
    """The work (or first) address becomes the postal address; others become attributes."""
    built: dict[str | None, dict[str, str]] = {}
    for group, parts in groups.items():
        address = {k: "\n".join(v) for k, v in parts.items() if k in ADDRESS_PARTS}
        if not address and "address" in parts:
            address = {"street": "\n".join(parts["address"])}
        if any(address.values()):
            built[group] = address
    if not built:
        return
    order = sorted(built, key=lambda g: (g not in {"work", None}, list(groups).index(g)))
    main = order[0]
    record.postal_address = {k: built[main].get(k, "") for k in ADDRESS_PARTS}
    for group in order[1:]:
        record.attributes[f"{group or 'other'} address"] = format_address(built[group])
