"""Helpers for mailing tests: a list with subscribers, a draft mailing, its send proposed and
approved, its send log read back, and the campaign's messages a server received."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

from sqlalchemy import select

from righthand.bootstrap import App
from righthand.duties.mailings import preview, proposals, store
from righthand.service import approvals, executor, workspaces
from righthand.service.dispatcher import Dispatcher
from righthand.store.tables import (
    ContactEmail,
    ContactRow,
    Mailing,
    MailingListRow,
    MailingRecipient,
    OutboxRow,
    Subscription,
    Workspace,
)
from tests.support.smtp import Recorder

TEXT = ("Hi {{ first_name | default(\"there\") }},\n\n{% if company %}Greetings to everyone at "
        "{{ company }}.\n{% endif %}Spring is here.\n\nUnsubscribe: {{ unsubscribe_url }}\n")
HTML = "<p>Hi {{ first_name | default(\"there\") }}</p><p>{{ name | default(\"friend\") }}</p>"
SUBJECT = "Spring news for {{ first_name | default(\"you\") }}"


def make_list(app: App, ws_id: int, slug: str = "newsletter", name: str = "Newsletter") -> int:
    """A mailing list; returns its id."""
    with app.db.unit(ws_id) as session:
        row = MailingListRow(workspace_id=ws_id, slug=slug, name=name)
        session.add(row)
        session.flush()
        return row.id


def add_subscribers(app: App, ws_id: int, list_id: int, count: int, prefix: str = "reader",
                    state: str = "confirmed", **fields: Any) -> list[str]:
    """``count`` contacts on the list (given name Reader{i}); returns their addresses."""
    now = app.clock()
    addresses = [f"{prefix}{i:04d}@example.com" for i in range(count)]
    with app.db.unit(ws_id) as session:
        for i, address in enumerate(addresses):
            contact = ContactRow(workspace_id=ws_id, given_name=fields.get("given", f"Reader{i}"),
                                 family_name=fields.get("family", "Known"),
                                 display_name=fields.get("display", f"Reader{i} Known"),
                                 company=fields.get("company"), created_at=now,
                                 postal_address=fields.get("postal"),
                                 attributes=fields.get("attributes"))
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=ws_id, contact_id=contact.id, address=address))
            session.add(Subscription(workspace_id=ws_id, list_id=list_id, contact_id=contact.id,
                                     state=state, source="test", changed_at=now))
    return addresses


def create_mailing(app: App, ws_id: int, name: str = "Spring newsletter",
                   list_name: str = "newsletter", subject: str = SUBJECT, text: str = TEXT,
                   html: str | None = HTML, per_second: float | None = None) -> int:
    """A draft mailing; returns its id."""
    with app.db.unit(ws_id) as session:
        return store.create(session, ws_id, name=name, list_name=list_name, subject=subject,
                            text=text, html=html, now=app.clock(), per_second=per_second).id


def propose_send(app: App, ws_id: int, mailing_id: int,
                 connections: int = 1) -> executor.Proposed:
    """Dry-run and propose the campaign (as `righthand mailings send` does)."""
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        report = preview.dry_run(session, mailing)
        action = proposals.campaign_action(session, mailing, report, connections)
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
        return executor.propose(session, ws_id, action, job, app.catalog, app.clock(),
                                "client", app.approval_ttl)


def approve(app: App, ws_id: int, approval_id: int) -> int:
    """Approve exactly what was shown (no delivery); returns the action id."""
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
        return approvals.approve(session, approval_id, job, app.catalog, app.clock()).id


def approved_campaign(app: App, ws_id: int, mailing_id: int, connections: int = 1) -> int:
    """Propose and approve a send (Phase I asks); returns the action id."""
    proposed = propose_send(app, ws_id, mailing_id, connections)
    assert proposed.decision.name == "ask", proposed.decision
    assert proposed.approval_id is not None
    return approve(app, ws_id, proposed.approval_id)


def smtp_dispatcher(app: App, smtp_url: str) -> Dispatcher:
    """A dispatcher of ``app`` that delivers through the SMTP server at ``smtp_url``."""
    return Dispatcher(app.db, app.registry, replace(app.settings, smtp_url=smtp_url),
                      clock=app.clock)


def recipients(app: App, ws_id: int, mailing_id: int) -> list[MailingRecipient]:
    """The mailing's send log, in order."""
    with app.db.unit(ws_id, write=False) as session:
        return list(session.scalars(select(MailingRecipient).where(
            MailingRecipient.mailing_id == mailing_id).order_by(MailingRecipient.id)))


def statuses(app: App, ws_id: int, mailing_id: int) -> Counter[str]:
    """Recipients per send state."""
    return Counter(r.status for r in recipients(app, ws_id, mailing_id))


def mailing_row(app: App, ws_id: int, mailing_id: int) -> Mailing:
    """The mailing as stored now."""
    with app.db.unit(ws_id, write=False) as session:
        row = session.get(Mailing, mailing_id)
        assert row is not None
        return row


def campaign_entry(app: App, ws_id: int, action_id: int) -> OutboxRow:
    """The campaign's outbox entry."""
    with app.db.unit(ws_id, write=False) as session:
        entry = session.scalars(select(OutboxRow).where(OutboxRow.action_id == action_id)).first()
        assert entry is not None
        return entry


def received(recorder: Recorder, ws_id: int, mailing_id: int) -> list[Any]:
    """Messages of this campaign that the server accepted (other tests' mail ignored)."""
    tag = f"rh-{ws_id}-m{mailing_id}"
    return [m for m in list(recorder.messages) if str(m.get("X-Righthand-Mailing") or "") == tag]


def received_ids(recorder: Recorder, ws_id: int, mailing_id: int) -> Counter[str]:
    """Message-IDs of this campaign the server accepted, with how often."""
    return Counter(str(m["Message-ID"]) for m in received(recorder, ws_id, mailing_id))
