"""The JSON API of contacts and mailing lists (read-only, scope ``read``).

The same reads as the Contacts and Lists pages (``duties.lists``: ``contacts.search``,
``contacts.views``, ``subscriptions.counts`` and ``members``) and the same rule for staff:
they see contacts while a duty that reads contacts is on, lists while one that reads lists is.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from righthand.duties.lists import contacts, subscriptions
from righthand.errors import NotFound
from righthand.store.tables import MailingListRow
from righthand.web import operations
from righthand.web.api.common import ERRORS, Limit, Offset, area, next_offset
from righthand.web.auth import WorkspaceQuery
from righthand.web.routing import api_router

router = api_router(responses=ERRORS)


class EmailOut(BaseModel):
    """One of a contact's addresses."""

    address: str
    label: str | None


class PhoneOut(BaseModel):
    """One of a contact's numbers: as entered, and E.164 when it could be read."""

    raw: str
    e164: str | None
    label: str | None


class MembershipOut(BaseModel):
    """A contact's state on one list, with where the consent came from."""

    list_id: int
    list_slug: str = Field(description="The list's short name")
    state: str = Field(description="unconfirmed, confirmed or unsubscribed")
    source: str
    changed_at: datetime
    consent_at: datetime | None


class ContactOut(BaseModel):
    """A contact with their addresses, numbers, tags and lists."""

    id: int
    display_name: str
    given_name: str
    family_name: str
    company: str | None
    notes: str | None
    timezone: str | None
    postal_address: dict[str, Any] | None
    attributes: dict[str, Any] | None
    emails: list[EmailOut]
    phones: list[PhoneOut]
    tags: list[str]
    lists: list[MembershipOut]
    created_at: datetime


class ContactsOut(BaseModel):
    """A page of contacts by name (or of those a search finds); ``next`` is the ``offset`` of
    the next page, null on the last."""

    contacts: list[ContactOut]
    total: int | None = Field(description="How many contacts there are (null for a search)")
    next: int | None


class ListOut(BaseModel):
    """A mailing list with how many people are in each state."""

    id: int
    slug: str
    name: str
    opt_in: str = Field(description="single or double")
    counts: dict[str, int] = Field(description="state -> how many")
    total: int


class MemberOut(BaseModel):
    """One person on a list, with the consent record."""

    contact_id: int
    name: str
    state: str
    source: str
    changed_at: datetime
    consent_at: datetime | None


class MembersOut(BaseModel):
    """A page of a list's members by name; ``next`` is the ``offset`` of the next page."""

    mailing_list: ListOut
    members: list[MemberOut]
    next: int | None


def _contact_out(view: dict[str, Any]) -> ContactOut:
    return ContactOut(
        id=view["id"], display_name=view["display_name"], given_name=view["given_name"],
        family_name=view["family_name"], company=view["company"], notes=view["notes"],
        timezone=view["timezone"], postal_address=view["postal_address"],
        attributes=view["attributes"],
        emails=[EmailOut(address=a, label=label) for a, label in view["emails"]],
        phones=[PhoneOut(**p) for p in view["phones"]], tags=view["tags"],
        lists=[MembershipOut(list_slug=m["list"], **{k: v for k, v in m.items() if k != "list"})
               for m in view["lists"]], created_at=view["created_at"])


@router.get("/contacts", response_model=ContactsOut, tags=["contacts"])
def contact_list(request: Request, workspace: WorkspaceQuery = None,
                 q: Annotated[str, Query(max_length=200,
                                         description="Name, company, email or phone")] = "",
                 limit: Limit = 50, offset: Offset = 0) -> ContactsOut:
    """Contacts by name, a page at a time, or those whose name, company, email or phone
    contains ``q`` (close spellings of a name after)."""
    with area(request, workspace, "contacts") as (_ctx, session):
        rows, total = contacts.listing(session, q, offset, limit)
        views = contacts.views(session, [r.id for r in rows[:limit]])
        return ContactsOut(contacts=[_contact_out(v) for v in views], total=total,
                           next=next_offset(offset, limit, len(rows)))


@router.get("/contacts/{contact_id}", response_model=ContactOut, tags=["contacts"])
def contact_get(request: Request, contact_id: int,
                workspace: WorkspaceQuery = None) -> ContactOut:
    """One contact with their addresses, numbers, tags and lists."""
    with area(request, workspace, "contacts") as (_ctx, session):
        found = contacts.views(session, [contact_id])
        if not found:
            raise NotFound(f"there is no contact #{contact_id} in this workspace")
        return _contact_out(found[0])


def _list_out(row: MailingListRow, counts: dict[str, int]) -> ListOut:
    return ListOut(id=row.id, slug=row.slug, name=row.name, opt_in=row.opt_in,
                   counts=counts, total=sum(counts.values()))


@router.get("/lists", response_model=list[ListOut], tags=["lists"])
def list_lists(request: Request, workspace: WorkspaceQuery = None) -> list[ListOut]:
    """Every mailing list by name, with how many people are in each state."""
    with area(request, workspace, "lists") as (_ctx, session):
        counts = subscriptions.counts(session)
        return [_list_out(row, counts.get(row.id, {})) for row in session.scalars(
            select(MailingListRow).order_by(MailingListRow.name, MailingListRow.id))]


@router.get("/lists/{list_id}/members", response_model=MembersOut, tags=["lists"])
def list_members(request: Request, list_id: int, workspace: WorkspaceQuery = None,
                 state: Annotated[str | None, Query(
                     pattern="^(unconfirmed|confirmed|unsubscribed)$")] = None,
                 limit: Limit = 50, offset: Offset = 0) -> MembersOut:
    """A list's members by name (every state unless ``state``), with their consent record."""
    with area(request, workspace, "lists") as (_ctx, session):
        row = operations.found(session, MailingListRow, list_id, "list")
        found = subscriptions.members(session, list_id, state, limit=limit + 1, offset=offset)
        counts = subscriptions.counts(session).get(list_id, {})
        return MembersOut(mailing_list=_list_out(row, counts),
                          members=[MemberOut(**vars(m)) for m in found[:limit]],
                          next=next_offset(offset, limit, len(found)))
