"""The JSON API of mailings (read-only, scope ``read``): each campaign's state, its send log's
counts and its schedule -- what the Mailings pages show (``duties.mailings.store``,
``service.campaign_control.effective_status``, ``proposals.status_text``). Staff see them
while a duty that reads mailings is on. Templates are given as written (never rendered); the
HTML template is not given at all."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.mailings import proposals, store
from righthand.service import campaign_control
from righthand.store.tables import Mailing, MailingListRow, MailingRecipient
from righthand.web import operations
from righthand.web.api.common import ERRORS, area
from righthand.web.auth import WorkspaceQuery
from righthand.web.routing import api_router

router = api_router(responses=ERRORS)


class SendCounts(BaseModel):
    """How many recipients are in each send state."""

    pending: int = 0
    sending: int = 0
    sent: int = 0
    failed: int = 0
    uncertain: int = 0
    skipped: int = 0
    total: int = 0


class MailingOut(BaseModel):
    """A campaign: draft -> scheduled -> sending -> paused | cancelled -> finished."""

    id: int
    name: str
    status: str = Field(description="draft, scheduled, sending, paused, cancelled or "
                                    "finished (an approved draft waiting to start counts as "
                                    "scheduled)")
    subject: str = Field(description="The subject template, as written")
    list_id: int | None
    list_slug: str | None = Field(description="The list's short name")
    segment_id: int | None
    per_second: float | None = Field(description="Pace (messages per second), if set")
    counts: SendCounts
    created_at: datetime
    scheduled_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None


class MailingDetail(MailingOut):
    """A campaign with its text template and how it is doing, in words."""

    body_text: str = Field(description="The text template, as written (not rendered)")
    has_html: bool
    status_text: str
    waiting_action_id: int | None = Field(
        description="A send waiting for approval or delivery (see /api/approvals)")


def _counts(found: dict[str, int]) -> SendCounts:
    figures = {state: int(found.get(state, 0)) for state in store.SEND_STATES}
    return SendCounts(**figures, total=sum(figures.values()))


def _out(session: Session, m: Mailing, lists: dict[int, str],
         counts: dict[str, int]) -> dict[str, object]:
    return {"id": m.id, "name": m.name, "status": campaign_control.effective_status(session, m),
            "subject": m.subject, "list_id": m.list_id,
            "list_slug": lists.get(m.list_id) if m.list_id else None, "segment_id": m.segment_id,
            "per_second": float(m.per_second) if m.per_second is not None else None,
            "counts": _counts(counts), "created_at": m.created_at,
            "scheduled_at": m.scheduled_at, "started_at": m.started_at,
            "finished_at": m.finished_at}


def _list_slugs(session: Session) -> dict[int, str]:
    return {list_id: slug for list_id, slug in
            session.execute(select(MailingListRow.id, MailingListRow.slug))}


@router.get("/mailings", response_model=list[MailingOut], tags=["mailings"])
def mailing_list(request: Request, workspace: WorkspaceQuery = None) -> list[MailingOut]:
    """Every mailing, newest first, with its state, counts and schedule."""
    with area(request, workspace, "mailings") as (_ctx, session):
        counts: dict[int, dict[str, int]] = {}
        for mailing_id, state, number in session.execute(
                select(MailingRecipient.mailing_id, MailingRecipient.status, func.count())
                .group_by(MailingRecipient.mailing_id, MailingRecipient.status)):
            counts.setdefault(mailing_id, {})[state] = int(number)
        lists = _list_slugs(session)
        return [MailingOut.model_validate(_out(session, m, lists, counts.get(m.id, {})))
                for m in session.scalars(select(Mailing).order_by(Mailing.created_at.desc(),
                                                                  Mailing.id.desc()))]


@router.get("/mailings/{mailing_id}", response_model=MailingDetail, tags=["mailings"])
def mailing_get(request: Request, mailing_id: int,
                workspace: WorkspaceQuery = None) -> MailingDetail:
    """One mailing: state, counts, schedule, its text template and how it is doing."""
    with area(request, workspace, "mailings") as (_ctx, session):
        m = operations.found(session, Mailing, mailing_id, "mailing")
        waiting = proposals.open_campaign_action(session, m)
        return MailingDetail.model_validate({
            **_out(session, m, _list_slugs(session), store.counts(session, m.id)),
            "body_text": m.body_text, "has_html": bool(m.body_html),
            "status_text": proposals.status_text(session, m),
            "waiting_action_id": waiting.id if waiting is not None else None})
