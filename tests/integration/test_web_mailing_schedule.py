"""Scheduling a mailing from its page: the one campaign Action carries the time (approved with
it), the outbox holds it until then, and the page says when it goes."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, Mailing, MailingRecipient, OutboxRow
from tests.support.web import client, csrf, login, seed_demo


def test_a_mailing_scheduled_for_tomorrow_waits_until_then(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    web = client(single_app)
    login(web, office.owner)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    with single_app.db.unit(office.workspace_id, write=False) as session:
        spring = session.scalars(select(Mailing).where(Mailing.status == "draft")).first()
    url = f"/w/{office.slug}/mailings/{spring.id}"
    assert 'name="send_at" type="datetime-local"' in web.get(url).text
    past = web.post(f"{url}/send", data={"send_at": "2026-11-26T09:00"})  # it is 10:00
    assert past.status_code == 400 and "has already passed" in past.text
    sent = web.post(f"{url}/send", data={"send_at": "2026-11-27T09:00"})
    assert sent.status_code == 200, sent.text[-1500:]
    assert "at Fri 27 Nov 2026 09:00 (America/New_York)" in sent.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(
            ActionRow.kind == "mailings.send_campaign")).one()
    assert action.payload["not_before"] == "2026-11-27T14:00:00+00:00"
    if action.state == "awaiting_approval":
        approval = web.get("/api/approvals").json()[0]["id"]
        approved = web.post(f"/api/approvals/{approval}/approve")
        assert approved.status_code == 200, approved.text
    page = web.get(url).text
    assert "scheduled for" in page and "Fri 27 Nov 2026 09:00" in page
    with single_app.db.unit(office.workspace_id, write=False) as session:
        entry = session.scalars(select(OutboxRow).where(
            OutboxRow.action_id == action.id)).one()
    assert entry.not_before.replace(tzinfo=UTC) == datetime(2026, 11, 27, 14, tzinfo=UTC)
    single_app.dispatcher().run_once()
    with single_app.db.unit(office.workspace_id, write=False) as session:
        assert session.scalars(select(MailingRecipient).where(
            MailingRecipient.mailing_id == spring.id)).first() is None  # nothing went out
    single_app.clock.now = datetime(2026, 11, 27, 14, 1, tzinfo=UTC)
    single_app.dispatcher().run_once()
    with single_app.db.unit(office.workspace_id, write=False) as session:
        mailing = session.get(Mailing, spring.id)
        sent_to = session.scalars(select(MailingRecipient).where(
            MailingRecipient.mailing_id == spring.id, MailingRecipient.status == "sent")).all()
    assert mailing.status in ("sending", "finished") and sent_to
