"""A mailing's controls on the web: pausing and cancelling stop mail at once (audited as the
user); resuming and retrying send mail again, so each is an Action through the gate -- and a
staff member's resume of a mailing the client paused waits for the client. The progress
fragment says what holds a mailing back (quiet hours) and when no worker is picking it up."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select, update

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, AuditEntry, Mailing, MailingRecipient, OutboxRow
from tests.support.web import add_user, seed_demo, set_phase, signed_in, unique

TOMORROW_9 = datetime(2026, 11, 27, 14, tzinfo=UTC)  # 09:00 in New York


def _signed_in(application, office, username):
    return signed_in(application, username, office.slug)


def _draft(application, office) -> int:
    with application.db.unit(office.workspace_id, write=False) as session:
        return session.scalars(select(Mailing.id).where(Mailing.status == "draft")).first()


def _scheduled_then_paused(application, office, owner) -> str:
    """A mailing scheduled for tomorrow 09:00, paused by the client; returns its URL."""
    url = f"/w/{office.slug}/mailings/{_draft(application, office)}"
    sent = owner.post(f"{url}/send", data={"send_at": "2026-11-27T09:00"})
    assert sent.status_code == 200, sent.text[-1500:]
    paused = owner.post(f"{url}/control", data={"op": "pause"})
    assert paused.status_code == 200 and "Paused" in paused.text, paused.text[-1500:]
    return url


def _mailing(application, office, url) -> Mailing:
    with application.db.unit(office.workspace_id, write=False) as session:
        return session.get(Mailing, int(url.rsplit("/", 1)[1]))


def _sent(application, office, url) -> int:
    with application.db.unit(office.workspace_id, write=False) as session:
        return len(session.scalars(select(MailingRecipient).where(
            MailingRecipient.mailing_id == int(url.rsplit("/", 1)[1]),
            MailingRecipient.status == "sent")).all())


def _actions(application, office, kind):
    with application.db.unit(office.workspace_id, write=False) as session:
        rows = session.scalars(select(ActionRow).where(ActionRow.kind == kind)
                               .order_by(ActionRow.id)).all()
        session.expunge_all()
        return rows


def _audit(application, office, event):
    with application.db.unit(office.workspace_id, write=False) as session:
        return [(e.actor, e.data) for e in session.scalars(
            select(AuditEntry).where(AuditEntry.event == event).order_by(AuditEntry.seq))]


def test_staff_resume_of_a_client_paused_mailing_waits_for_the_client(app, monkeypatch):
    office = seed_demo(app, monkeypatch, Phase.III)  # mailings at notify: no asking, normally
    owner = _signed_in(app, office, office.owner)
    staff_name = add_user(app, unique("alice"), office.workspace_id, "staff")
    staff = _signed_in(app, office, staff_name)
    url = _scheduled_then_paused(app, office, owner)
    assert _audit(app, office, "mailing.paused")[-1][0] == f"client:{office.owner}"

    asked = staff.post(f"{url}/control", data={"op": "resume"})
    assert asked.status_code == 200, asked.text[-1500:]
    assert "Waiting for the client&#39;s approval" in asked.text
    [resume] = _actions(app, office, "mailings.resume")
    assert resume.state == "awaiting_approval" and resume.decision_code == "client_paused"
    assert resume.requested_by == f"staff:{staff_name}"
    assert _mailing(app, office, url).status == "paused"
    assert "waiting for the client" in staff.get(f"{url}/progress").text
    again = staff.post(f"{url}/control", data={"op": "resume"})
    assert again.status_code == 400 and "already awaiting approval" in again.text

    app.clock.now = datetime(2026, 11, 27, 14, 5, tzinfo=UTC)  # past the chosen time
    # only this mailing's campaign: the first pass's PostgreSQL database is shared
    campaign = [_mailing(app, office, url).action_id]
    app.dispatcher().run_once(only=campaign)
    assert _mailing(app, office, url).status == "paused" and _sent(app, office, url) == 0

    owner = _signed_in(app, office, office.owner)  # a day later: signed in afresh
    staff = _signed_in(app, office, staff_name)
    listing = owner.get(f"/w/{office.slug}/approvals")
    assert listing.status_code == 200 and "Resume the mailing" in listing.text
    card = listing.text[listing.text.index("Resume the mailing"):]
    assert "reaches people outside" in card[:2000], "mail goes out again: decided on its own"
    body = {"payload_hash": resume.payload_hash}
    refused = staff.post(f"/api/approvals/{_approval(owner)}/approve", json=body)
    assert refused.status_code == 403  # staff cannot approve their own request
    approved = owner.post(f"/api/approvals/{_approval(owner)}/approve", json=body)
    assert approved.status_code == 200, approved.text
    assert _mailing(app, office, url).status == "scheduled"
    assert _audit(app, office, "mailing.resumed")[-1][0] == f"staff:{staff_name}"
    assert _audit(app, office, "approval.approved")[-1][0] == f"client:{office.owner}"
    app.dispatcher().run_once(only=campaign)
    assert _sent(app, office, url) > 0


def _approval(web) -> int:
    pending = web.get("/api/approvals").json()
    assert pending, "no approval is pending"
    return int(pending[0]["id"])


def test_the_clients_resume_follows_the_duty_autonomy(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    owner = _signed_in(single_app, office, office.owner)
    url = _scheduled_then_paused(single_app, office, owner)
    done = owner.post(f"{url}/control", data={"op": "resume"})
    assert done.status_code == 200 and "Done: Resumed" in done.text, done.text[-1500:]
    [resume] = _actions(single_app, office, "mailings.resume")
    assert resume.decision == "allow" and resume.state == "done"
    assert resume.requested_by == f"client:{office.owner}"
    assert _mailing(single_app, office, url).status == "scheduled"
    assert _audit(single_app, office, "mailing.resumed")[-1][0] == f"client:{office.owner}"
    with single_app.db.unit(office.workspace_id, write=False) as session:  # still tomorrow 9:00
        entry = session.scalars(select(OutboxRow).where(
            OutboxRow.action_id == _mailing(single_app, office, url).action_id)).one()
    assert entry.status == "pending" and entry.not_before.replace(tzinfo=UTC) == TOMORROW_9

    paused = owner.post(f"{url}/control", data={"op": "pause"})
    assert paused.status_code == 200
    set_phase(single_app, office.workspace_id, Phase.II)  # mailings at ask
    asked = owner.post(f"{url}/control", data={"op": "resume"})
    assert "Waiting for the client&#39;s approval" in asked.text
    last = _actions(single_app, office, "mailings.resume")[-1]
    assert last.state == "awaiting_approval" and last.decision_code == "autonomy_ask"
    assert _mailing(single_app, office, url).status == "paused"


def test_staff_may_resume_what_staff_paused_when_the_autonomy_allows(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    owner = _signed_in(single_app, office, office.owner)
    staff = _signed_in(single_app, office,
                       add_user(single_app, unique("bob"), office.workspace_id, "staff"))
    url = f"/w/{office.slug}/mailings/{_draft(single_app, office)}"
    assert owner.post(f"{url}/send", data={"send_at": "2026-11-27T09:00"}).status_code == 200
    assert "Paused" in staff.post(f"{url}/control", data={"op": "pause"}).text
    done = staff.post(f"{url}/control", data={"op": "resume"})
    assert "Done: Resumed" in done.text, done.text[-1500:]
    assert _mailing(single_app, office, url).status == "scheduled"


@pytest.mark.parametrize("phase, state", [(Phase.III, "done"), (Phase.II, "awaiting_approval")])
def test_retry_of_failed_recipients_is_an_action_through_the_gate(single_app, monkeypatch,
                                                                   phase, state):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    owner = _signed_in(single_app, office, office.owner)
    staff = _signed_in(single_app, office,
                       add_user(single_app, unique("carol"), office.workspace_id, "staff"))
    url = f"/w/{office.slug}/mailings/{_draft(single_app, office)}"
    assert owner.post(f"{url}/send").status_code == 200
    single_app.dispatcher().run_once()
    mailing_id = int(url.rsplit("/", 1)[1])
    with single_app.db.unit(office.workspace_id) as session:
        assert session.get(Mailing, mailing_id).status == "finished"
        first = session.scalars(select(MailingRecipient.id).where(
            MailingRecipient.mailing_id == mailing_id)).first()
        session.execute(update(MailingRecipient).where(MailingRecipient.id == first)
                        .values(status="failed", last_error="550 mailbox unavailable"))
    set_phase(single_app, office.workspace_id, phase)
    page = staff.get(url).text
    assert 'value="retry"' in page and 'value="resume"' not in page

    answer = staff.post(f"{url}/control", data={"op": "retry"})
    assert answer.status_code == 200, answer.text[-1500:]
    [retry] = _actions(single_app, office, "mailings.retry")
    assert retry.state == state and retry.requested_by.startswith("staff:")
    assert retry.payload["recipient_count"] == 1
    with single_app.db.unit(office.workspace_id, write=False) as session:
        status = session.get(MailingRecipient, first).status
    if state == "done":
        assert status in ("pending", "sent")  # put back in line (and sent after the response)
        assert _audit(single_app, office, "mailing.retry")[-1][0] == retry.requested_by
        single_app.dispatcher().run_once()
        with single_app.db.unit(office.workspace_id, write=False) as session:
            assert session.get(MailingRecipient, first).status == "sent"
    else:
        assert status == "failed" and not _audit(single_app, office, "mailing.retry")
        with single_app.db.unit(office.workspace_id) as session:  # more fail meanwhile
            session.execute(update(MailingRecipient).where(
                MailingRecipient.mailing_id == mailing_id, MailingRecipient.id != first)
                .values(status="failed", last_error="550 mailbox unavailable"))
        approved = owner.post(f"/api/approvals/{_approval(owner)}/approve",
                              json={"payload_hash": retry.payload_hash})
        assert approved.status_code == 200, approved.text
        single_app.dispatcher().run_once()
        [decided] = _actions(single_app, office, "mailings.retry")
        assert decided.state == "failed", "approved for 1 recipient, not for all of them"
        with single_app.db.unit(office.workspace_id, write=False) as session:
            error = session.scalar(select(OutboxRow.last_error).where(
                OutboxRow.action_id == decided.id))
            still = set(session.scalars(select(MailingRecipient.status).where(
                MailingRecipient.mailing_id == mailing_id)))
        assert error and "not the 1 this retry was decided for" in error
        assert still == {"failed"} and not _audit(single_app, office, "mailing.retry")


def test_progress_says_when_quiet_hours_end_and_when_no_worker_runs(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)  # quiet hours 20:00-08:00
    owner = _signed_in(single_app, office, office.owner)
    single_app.clock.now = datetime(2026, 11, 27, 2, tzinfo=UTC)  # Thu 21:00 in New York
    url = f"/w/{office.slug}/mailings/{_draft(single_app, office)}"
    sent = owner.post(f"{url}/send")
    assert sent.status_code == 200 and "Queued" in sent.text, sent.text[-1500:]
    single_app.dispatcher().run_once()  # a worker: but it is not due
    held = owner.get(f"{url}/progress").text
    assert "Held until <time>Fri 27 Nov, 8:00 am</time> (your quiet hours end)" in held
    assert "America/New_York" in held and "hx-get" in held and "No worker" not in held

    single_app.clock.now = datetime(2026, 11, 27, 13, 1, tzinfo=UTC)  # 8:01: due, just
    assert "No worker" not in owner.get(f"{url}/progress").text
    single_app.clock.now = datetime(2026, 11, 27, 13, 10, tzinfo=UTC)  # 8:10: nobody took it
    stalled = owner.get(f"{url}/progress").text
    assert "No worker is running: start <code>righthand worker</code>" in stalled
    assert "since <time>8:00 am</time>" in stalled and "Held until" not in stalled

    single_app.dispatcher().run_once()  # a worker at last: the mailing goes out
    done = owner.get(f"{url}/progress").text
    assert "finished" in done and "No worker" not in done
    assert "hx-get" not in done  # finished: the polling stops


def test_polling_stops_when_paused_or_cancelled(single_app, monkeypatch):
    office = seed_demo(single_app, monkeypatch, Phase.III)
    owner = _signed_in(single_app, office, office.owner)
    url = f"/w/{office.slug}/mailings/{_draft(single_app, office)}"
    assert owner.post(f"{url}/send", data={"send_at": "2026-11-27T09:00"}).status_code == 200
    scheduled = owner.get(f"{url}/progress").text
    assert "hx-get" in scheduled and "Sending starts" in scheduled
    owner.post(f"{url}/control", data={"op": "pause"})
    assert "hx-get" not in owner.get(f"{url}/progress").text
    cancelled = owner.post(f"{url}/control", data={"op": "cancel"})
    assert "Cancelled" in cancelled.text
    assert "hx-get" not in owner.get(f"{url}/progress").text
    assert _audit(single_app, office, "mailing.cancelled")[-1][0] == f"client:{office.owner}"
