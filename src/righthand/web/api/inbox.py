"""The JSON API of the inbox (read-only, scope ``read``): screened mail, newest first, and one
message with its text and why it was filed where it was -- what the Inbox pages show. Staff
see it while a duty that reads the mailbox is on.

A message's HTML body is never given as received: only as ``sanitize_mail_html`` leaves it
(no script, style, handler or form; remote images held back unless ``images=true``), the
same HTML the message page shows."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import Query, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from righthand.duties.screening.parse import MailFacts
from righthand.store.tables import MailMessage
from righthand.web import operations
from righthand.web.api.common import ERRORS, Before, Limit, area
from righthand.web.auth import WorkspaceQuery
from righthand.web.routes.inbox import clean_html
from righthand.web.routing import api_router

router = api_router(responses=ERRORS)

# The list's columns only: a message's raw bytes and parsed facts stay in the database.
_SUMMARY = (MailMessage.id, MailMessage.category, MailMessage.priority, MailMessage.state,
            MailMessage.from_name, MailMessage.from_address, MailMessage.subject,
            MailMessage.sent_at, MailMessage.fetched_at, MailMessage.screened_at,
            MailMessage.filed_to)


class MessageOut(BaseModel):
    """A message as the inbox lists it."""

    id: int
    category: str | None = Field(description="Where screening put it (null: not yet "
                                             "screened)")
    priority: str | None = Field(description="high, normal or low")
    state: str = Field(description="new, screened or quarantined")
    from_name: str
    from_address: str
    subject: str
    sent_at: datetime | None = Field(description="Its Date header")
    received_at: datetime = Field(description="When Righthand fetched it")
    screened_at: datetime | None
    filed_to: str | None = Field(description="The folder it was moved to, if any")


class MessagesOut(BaseModel):
    """A page of messages, newest first; pass ``next`` as ``before`` for older ones."""

    messages: list[MessageOut]
    next: int | None


class AttachmentOut(BaseModel):
    """An attached file, described (never opened)."""

    filename: str
    content_type: str
    size: int


class MessageDetail(MessageOut):
    """One message: its text, its sanitised HTML, and why it was filed where it was."""

    to: list[str]
    cc: list[str]
    reply_to: list[str]
    text: str = Field(description="The new text (quotes and forwarded text removed)")
    quoted: str
    attachments: list[AttachmentOut]
    reasons: list[str] = Field(description="Why screening filed it there")
    corrected_category: str | None
    quarantine_reason: str | None
    html: str | None = Field(description="The HTML body after the sanitiser (never as "
                                         "received); null when there is none")
    blocked_images: int = Field(description="Remote images held back from ``html``")


def _summary(row: Any) -> dict[str, object]:
    """A message row (or a row of ``_SUMMARY``) as the list shows it."""
    return {"id": row.id, "category": row.category, "priority": row.priority,
            "state": row.state, "from_name": row.from_name, "from_address": row.from_address,
            "subject": row.subject, "sent_at": row.sent_at, "received_at": row.fetched_at,
            "screened_at": row.screened_at, "filed_to": row.filed_to}


@router.get("/inbox", response_model=MessagesOut, tags=["inbox"])
def inbox(request: Request, workspace: WorkspaceQuery = None,
          category: Annotated[str, Query(max_length=32, description="A category, or 'new' "
                                                                    "for unscreened")] = "",
          limit: Limit = 50, before: Before = None) -> MessagesOut:
    """Screened mail, newest first (quarantined messages left out), by category."""
    with area(request, workspace, "mailbox") as (_ctx, session):
        query = select(*_SUMMARY).where(MailMessage.state != "quarantined") \
            .order_by(MailMessage.id.desc()).limit(limit + 1)
        if category == "new":
            query = query.where(MailMessage.category.is_(None))
        elif category:
            query = query.where(MailMessage.category == category)
        if before is not None:
            query = query.where(MailMessage.id < before)
        rows = session.execute(query).all()
    shown = [MessageOut.model_validate(_summary(r)) for r in rows[:limit]]
    return MessagesOut(messages=shown, next=shown[-1].id if len(rows) > limit else None)


@router.get("/inbox/messages/{message_id}", response_model=MessageDetail, tags=["inbox"])
def message(request: Request, message_id: int, workspace: WorkspaceQuery = None,
            images: Annotated[bool, Query(description="Keep remote images in ``html`` (they "
                                                      "tell the sender it was read)")] = False
            ) -> MessageDetail:
    """One message: who, what, its text, its sanitised HTML, and why it was filed there."""
    with area(request, workspace, "mailbox") as (_ctx, session):
        row = operations.found(session, MailMessage, message_id, "message")
        session.expunge(row)
    facts = MailFacts.from_json(row.facts) if row.facts else None
    clean = clean_html(row.raw, images)
    return MessageDetail.model_validate({
        **_summary(row), "to": facts.to if facts else [], "cc": facts.cc if facts else [],
        "reply_to": facts.reply_to if facts else [], "text": facts.text if facts else "",
        "quoted": facts.quoted if facts else "",
        "attachments": [vars(a) for a in facts.attachments] if facts else [],
        "reasons": [str(r) for r in (row.reasons or {}).get("reasons", [])],
        "corrected_category": row.corrected_category,
        "quarantine_reason": row.quarantine_reason,
        "html": clean.html if clean else None,
        "blocked_images": clean.blocked_images if clean else 0})
