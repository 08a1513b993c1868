"""Segments (saved filters on tags, fields and attributes) and the one query every mailing
uses to know whom it may reach: :func:`recipients`.

A filter is JSON: ``{"match": "all" | "any", "conditions": [{"field": ..., "op": ...,
"value": ...}]}`` with fields ``tag``, ``email``, ``phone``, ``name``, ``company``, ``timezone``,
``locality``, ``region``, ``postal_code``, ``country`` and ``attr`` (with ``key``), and ops
``eq ne contains starts in exists missing`` (``has``/``lacks`` for tags). ``email`` and
``phone`` hold when any of the person's addresses or numbers does.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, false, func, not_, or_, select, true
from sqlalchemy.orm import Session

from righthand.duties.plugin import EffectResult
from righthand.errors import BadInput, NotFound
from righthand.store.tables import (
    ContactEmail,
    ContactPhone,
    ContactRow,
    ContactTag,
    Mailing,
    MailingListRow,
    Segment,
    Subscription,
    Suppression,
)

OPS = ("eq", "ne", "contains", "starts", "in", "exists", "missing", "has", "lacks")
POSTAL = {"locality", "region", "postal_code", "country"}
_ALIASES = {"city": "locality", "town": "locality", "state": "region", "zip": "postal_code",
            "postcode": "postal_code", "tz": "timezone", "tags": "tag", "organisation":
            "company", "organization": "company", "display_name": "name"}
_PLAIN = {"tag", "email", "phone", "name", "company", "timezone"} | POSTAL
# An address suppressed for these reasons speaks for the person: none of their addresses is
# used. A hard bounce only rules out that one address.
PERSON_REASONS = {"unsubscribed", "complaint", "manual"}
_EXPR = re.compile(r"^\s*(?P<neg>!)?(?P<key>[\w. :-]+?)\s*(?P<op>!=|=|~|\^|\?|:)\s*"
                   r"(?P<value>.*)$", re.S)


def parse_condition(text: str) -> dict[str, Any]:
    """'tag=vip', 'tag!=lead', 'city=Boston', 'attr.source~fair', 'company?', '!notes?',
    'country=US|CA' -> one condition."""
    match = _EXPR.match(text)
    if not match:
        raise BadInput(f"cannot read the condition {text!r}",
                       hint="Write key=value, key!=value, key~part, key^start, key? (has a "
                            "value) or !key? (has none); e.g. tag=vip or city=Boston.")
    key, op, value = match.group("key").strip(), match.group("op"), match.group("value").strip()
    negate = bool(match.group("neg"))
    field, attr = _field(key)
    if op == "?":
        return _cond(field, attr, "missing" if negate else "exists", None)
    if not value:
        raise BadInput(f"the condition {text!r} has no value",
                       hint="Use key? to mean 'has any value'.")
    if field == "tag":
        kind = "lacks" if (op == "!=") != negate else "has"
        return _cond(field, None, kind, value)
    name = {"=": "eq", ":": "eq", "!=": "ne", "~": "contains", "^": "starts"}[op]
    if name == "eq" and "|" in value:
        return _cond(field, attr, "in", [v.strip() for v in value.split("|") if v.strip()])
    if negate and name == "eq":
        name = "ne"
    return _cond(field, attr, name, value)


def _field(key: str) -> tuple[str, str | None]:
    lowered = key.lower()
    if lowered.startswith(("attr.", "attr:")):
        return "attr", key[5:]
    lowered = _ALIASES.get(lowered, lowered)
    if lowered in _PLAIN:
        return lowered, None
    return "attr", key


def _cond(field: str, attr: str | None, op: str, value: Any) -> dict[str, Any]:
    cond: dict[str, Any] = {"field": field, "op": op}
    if attr is not None:
        cond["key"] = attr
    if value is not None:
        cond["value"] = value
    return cond


def build_filter(conditions: Sequence[str], match: str = "all") -> dict[str, Any]:
    """A filter from CLI conditions."""
    if match not in {"all", "any"}:
        raise BadInput("match is 'all' or 'any'")
    if not conditions:
        raise BadInput("a segment needs at least one condition",
                       hint="For example --where tag=vip --where city=Boston.")
    return {"match": match, "conditions": [parse_condition(c) for c in conditions]}


def describe(filter_: Mapping[str, Any]) -> str:
    """A filter in words."""
    words = {"eq": "is", "ne": "is not", "contains": "contains", "starts": "starts with",
             "in": "is one of", "exists": "is set", "missing": "is not set",
             "has": "has tag", "lacks": "lacks tag"}
    parts = []
    for cond in filter_.get("conditions", []):
        name = cond.get("key") if cond["field"] == "attr" else cond["field"]
        value = cond.get("value")
        shown = "|".join(value) if isinstance(value, list) else value
        if cond["field"] == "tag":
            parts.append(f"{words[cond['op']]} {shown!r}")
        else:
            parts.append(f"{name} {words[cond['op']]}" + (f" {shown!r}" if value else ""))
    return f" {'and' if filter_.get('match', 'all') == 'all' else 'or'} ".join(parts)


def _text_op(expr: Any, op: str, value: Any) -> ColumnElement[bool]:
    lowered = func.lower(expr)
    if op == "eq":
        return lowered == str(value).lower()
    if op == "ne":
        return or_(expr.is_(None), lowered != str(value).lower())
    if op == "contains":
        return lowered.contains(str(value).lower(), autoescape=True)
    if op == "starts":
        return lowered.startswith(str(value).lower(), autoescape=True)
    if op == "in":
        return lowered.in_([str(v).lower() for v in value])
    if op == "exists":
        return and_(expr.is_not(None), expr != "")
    if op == "missing":
        return or_(expr.is_(None), expr == "")
    raise BadInput(f"{op!r} does not apply to this field")


def clause(filter_: Mapping[str, Any]) -> ColumnElement[bool]:
    """The SQL condition on ContactRow that a filter means."""
    parts: list[ColumnElement[bool]] = []
    for cond in filter_.get("conditions", []):
        field, op, value = cond.get("field"), cond.get("op"), cond.get("value")
        if op not in OPS:
            raise BadInput(f"unknown operation {op!r} in a segment")
        if field == "tag":
            tagged = select(ContactTag.contact_id).where(
                func.lower(ContactTag.tag) == str(value).lower())
            parts.append(ContactRow.id.not_in(tagged) if op == "lacks"
                         else ContactRow.id.in_(tagged))
        elif field in {"email", "phone"}:
            held: Any = ContactEmail.address if field == "email" else \
                func.coalesce(ContactPhone.e164, ContactPhone.raw)
            positive = {"ne": "eq", "missing": "exists"}.get(str(op), str(op))
            inner = _text_op(held, positive, value)
            owners = select(ContactEmail.contact_id if field == "email"
                            else ContactPhone.contact_id).where(inner)
            parts.append(not_(ContactRow.id.in_(owners)) if op in {"ne", "missing"}
                         else ContactRow.id.in_(owners))
        elif field in {"name", "company", "timezone"}:
            plain: Any = {"name": ContactRow.display_name, "company": ContactRow.company,
                          "timezone": ContactRow.timezone}[field]
            parts.append(_text_op(plain, op, value))
        elif field in POSTAL:
            parts.append(_text_op(ContactRow.postal_address[field].as_string(), op, value))
        elif field == "attr" and cond.get("key"):
            parts.append(_text_op(ContactRow.attributes[str(cond["key"])].as_string(), op,
                                  value))
        else:
            raise BadInput(f"unknown field {field!r} in a segment")
    if not parts:
        return true()
    if filter_.get("match") == "any":
        return or_(false(), *parts)
    return and_(true(), *parts)


@dataclass(frozen=True)
class Recipient:
    """One deliverable address of a confirmed, unsuppressed subscriber."""

    contact_id: int
    address: str
    display_name: str
    given_name: str
    family_name: str
    company: str | None
    attributes: dict[str, Any]


def recipients(session: Session, list_id: int, segment_id: int | None = None) -> list[Recipient]:
    """Whom a mailing to ``list_id`` (narrowed to ``segment_id``) may reach: confirmed
    subscribers, never anyone on the suppression list; one address per person (their first
    that has not hard-bounced), in contact order."""
    if session.get(MailingListRow, list_id) is None:
        raise NotFound(f"there is no list #{list_id}", hint="See `righthand lists show`.")
    query = (select(ContactRow.id, ContactRow.display_name, ContactRow.given_name,
                    ContactRow.family_name, ContactRow.company, ContactRow.attributes)
             .join(Subscription, Subscription.contact_id == ContactRow.id)
             .where(Subscription.list_id == list_id, Subscription.state == "confirmed"))
    if segment_id is not None:
        segment = session.get(Segment, segment_id)
        if segment is None:
            raise NotFound(f"there is no segment #{segment_id}",
                           hint="See `righthand lists segments list`.")
        if segment.list_id is not None and segment.list_id != list_id:
            raise BadInput(f"the segment {segment.name!r} belongs to another list",
                           hint="Use a segment of this list, or one saved without a list.")
        query = query.where(clause(segment.filter))
    people = session.execute(query.order_by(ContactRow.id)).all()
    ids = select(Subscription.contact_id).where(Subscription.list_id == list_id,
                                                Subscription.state == "confirmed")
    addresses: dict[int, list[str]] = {}
    for contact_id, address in session.execute(
            select(ContactEmail.contact_id, ContactEmail.address)
            .where(ContactEmail.contact_id.in_(ids)).order_by(ContactEmail.id)):
        addresses.setdefault(contact_id, []).append(address.lower())
    blocked: dict[str, str] = {address: reason for address, reason in session.execute(
        select(func.lower(Suppression.address), Suppression.reason).where(
            func.lower(Suppression.address).in_(
                select(func.lower(ContactEmail.address)).where(
                    ContactEmail.contact_id.in_(ids)))))}
    found: list[Recipient] = []
    seen: set[str] = set()
    for contact_id, name, given, family, company, attributes in people:
        mine = addresses.get(contact_id, [])
        if any(blocked.get(a, "") in PERSON_REASONS for a in mine):
            continue
        usable = [a for a in mine if a not in blocked and a not in seen]
        if usable:
            seen.add(usable[0])
            found.append(Recipient(contact_id, usable[0], name, given, family, company,
                                   dict(attributes or {})))
    return found


def matching(session: Session, filter_: Mapping[str, Any], limit: int | None = None) \
        -> list[tuple[int, str]]:
    """(id, name) of every contact a filter selects, whatever their lists."""
    query = select(ContactRow.id, ContactRow.display_name).where(clause(filter_)) \
        .order_by(func.lower(ContactRow.display_name))
    return [(i, n) for i, n in session.execute(query.limit(limit) if limit else query)]


def find_segment(session: Session, name: str) -> Segment:
    """The segment called ``name`` (case-insensitive), or NotFound."""
    row = session.scalars(select(Segment).where(
        func.lower(Segment.name) == name.strip().lower())).first()
    if row is None:
        names = ", ".join(s.name for s in session.scalars(select(Segment)))
        raise NotFound(f"there is no segment called {name!r}",
                       hint=f"Segments: {names or 'none yet'}.")
    return row


class SaveSegmentEffect:
    """segments.save: create a segment or replace its filter; undo restores the old one."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Save the segment."""
        clause(payload["filter"])  # refuse a filter that cannot be evaluated
        name = str(payload["name"])
        row = session.scalars(select(Segment).where(
            func.lower(Segment.name) == name.lower())).first()
        before = None
        if row is None:
            row = Segment(workspace_id=workspace_id, name=name)
            session.add(row)
        else:
            before = {"filter": row.filter, "list_id": row.list_id}
        row.filter = dict(payload["filter"])
        row.list_id = payload.get("list_id")
        session.flush()
        return EffectResult(result={"segment_id": row.id},
                            undo={"segment_id": row.id, "before": before})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Delete the new segment, or put its old filter back."""
        row = session.get(Segment, int(undo["segment_id"]))
        if row is None:
            return f"The segment {payload['name']} was already gone."
        if undo.get("before") is None:
            check_unused(session, row)
            session.delete(row)
            return f"Removed the segment {payload['name']} again."
        row.filter = dict(undo["before"]["filter"])
        row.list_id = undo["before"]["list_id"]
        return f"Put the segment {payload['name']} back as it was."


class DeleteSegmentEffect:
    """segments.delete: delete a segment no mailing uses; undo recreates it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Delete the segment."""
        row = session.get(Segment, int(payload["segment_id"]))
        if row is None:
            raise NotFound(f"the segment {payload.get('name')!r} no longer exists")
        check_unused(session, row)
        image = {"id": row.id, "name": row.name, "list_id": row.list_id, "filter": row.filter}
        session.delete(row)
        return EffectResult(result={"deleted": image["id"]}, undo={"row": image})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Recreate the segment with its id."""
        image = undo["row"]
        session.add(Segment(workspace_id=workspace_id, id=int(image["id"]), name=image["name"],
                            list_id=image["list_id"], filter=image["filter"]))
        return f"The segment {image['name']} is back."


def check_unused(session: Session, row: Segment) -> None:
    """BadInput when a mailing uses the segment (it cannot be deleted then)."""
    used = session.scalars(select(Mailing.name).where(Mailing.segment_id == row.id)).first()
    if used:
        raise BadInput(f"the segment {row.name!r} is used by the mailing {used!r}",
                       hint="Change or delete that mailing first.")
