"""Helpers for mailbox and screening tests: messages, accounts, rows."""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any

from sqlalchemy import func, select

from righthand.bootstrap import App
from righthand.connectors.ports import MailboxConfig
from righthand.service import mail_accounts
from righthand.store.tables import (
    ActionRow,
    AuditEntry,
    ContactEmail,
    ContactRow,
    ContactTag,
    MailAccount,
    MailMessage,
)


def message(sender: str = "Someone <someone@example.org>", subject: str = "Hello",
            body: str = "Just a note.", *, message_id: str | None = None,
            headers: dict[str, str] | None = None, html: str | None = None,
            at: Any = None) -> EmailMessage:
    """A well-formed message."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Pat Lee <pat@harbourpine.example>"
    msg["Subject"] = subject
    if at is not None:
        msg["Date"] = format_datetime(at)
    msg["Message-ID"] = message_id or make_msgid(domain="test.example")
    for name, value in (headers or {}).items():
        msg[name] = value
    msg.set_content(body)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def newsletter(n: int) -> EmailMessage:
    """A list message (screened as a newsletter, filed into Newsletters)."""
    return message("Weekly <news@weekly.example>", f"Issue {n}", f"Issue {n} of our weekly.",
                   headers={"List-Id": "<weekly.example>",
                            "List-Unsubscribe": "<https://weekly.example/u>"})


def connect(app: App, workspace_id: int, config: MailboxConfig,
            address: str = "pat@harbourpine.example", **folders: Any) -> None:
    """Store ``config`` as the workspace's account."""
    with app.db.unit(workspace_id) as session:
        mail_accounts.save(session, workspace_id, mail_accounts.AccountSettings(
            kind=config.kind, imap_host=config.host, imap_port=config.port,
            imap_security=config.security, username=config.username, password=config.password,
            maildir_path=config.maildir_path, address=address,
            idle_seconds=int(config.idle_seconds)), app.clock())
        if folders:
            row = session.scalars(select(MailAccount)).one()
            row.folders = {**(row.folders or {}), **folders}


def add_contact(app: App, workspace_id: int, name: str, address: str,
                tags: tuple[str, ...] = ()) -> int:
    """A known contact."""
    given, _, family = name.partition(" ")
    with app.db.unit(workspace_id) as session:
        contact = ContactRow(workspace_id=workspace_id, given_name=given, family_name=family,
                             display_name=name, created_at=app.clock())
        session.add(contact)
        session.flush()
        session.add(ContactEmail(workspace_id=workspace_id, contact_id=contact.id,
                                 address=address))
        for tag in tags:
            session.add(ContactTag(workspace_id=workspace_id, contact_id=contact.id, tag=tag))
        return contact.id


def rows(app: App, workspace_id: int) -> list[MailMessage]:
    """The workspace's stored messages, in arrival order."""
    with app.db.unit(workspace_id, write=False) as session:
        return list(session.scalars(select(MailMessage).order_by(MailMessage.id)))


def actions(app: App, workspace_id: int, kind: str | None = None) -> list[ActionRow]:
    """The workspace's actions (of one kind)."""
    with app.db.unit(workspace_id, write=False) as session:
        query = select(ActionRow).order_by(ActionRow.id)
        if kind:
            query = query.where(ActionRow.kind == kind)
        return list(session.scalars(query))


def audit_count(app: App, workspace_id: int, event: str) -> dict[str, int]:
    """How many audit entries of ``event`` each subject has."""
    with app.db.unit(workspace_id, write=False) as session:
        found = session.execute(select(AuditEntry.subject, func.count()).where(
            AuditEntry.event == event).group_by(AuditEntry.subject)).all()
    return {subject: int(n) for subject, n in found}
