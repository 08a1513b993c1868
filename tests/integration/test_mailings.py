"""Email campaigns (mailings.send): templates in a sandbox, the state machine, previews and dry
runs, one approval for the whole campaign, send-time checks, retries, throttling -- against a
real SMTP server (aiosmtpd) and on SQLite and PostgreSQL where storage matters."""

from __future__ import annotations

import email
import email.policy
import time
from collections import Counter
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from righthand.bootstrap import App
from righthand.duties.lists.unsubscribe_tokens import InvalidToken, verify_token
from righthand.duties.mailings import merge, preview, states, store
from righthand.duties.mailings.templates import Renderer, TemplateProblem, Templates
from righthand.errors import BadInput
from righthand.policy.duties import Phase
from righthand.service import campaign_control
from righthand.service.assistant import ask
from righthand.service.campaign_mail import compose
from righthand.store.tables import (
    ActionRow,
    Approval,
    Mailing,
    OutboxRow,
    OutcomeRow,
    Subscription,
    Suppression,
    Workspace,
)
from tests.conftest import new_workspace, workspace_slug
from tests.support.clock import FakeClock
from tests.support.mailings import (
    add_subscribers,
    approve,
    approved_campaign,
    campaign_entry,
    create_mailing,
    mailing_row,
    make_list,
    propose_send,
    received,
    received_ids,
    recipients,
    smtp_dispatcher,
    statuses,
)
from tests.support.smtp import Recorder, SmtpServer

pytestmark = pytest.mark.server


def _render(text: str, person: merge.Person, html: str | None = None) -> tuple[str, str | None]:
    rendered = Renderer(Templates("Subject", text, html)).render(merge.context(person))
    return rendered.text, rendered.html


BOB = merge.Person(address="bob@example.com", contact_id=1, given_name="Bob",
                   family_name="Miller", display_name="Bob Miller", company="Miller Inspections",
                   attributes={"area": "Back Bay"})
NOBODY = merge.Person(address="someone@example.com")


# -- templates ----------------------------------------------------------------------------------
def test_merge_fields_conditionals_and_fallbacks() -> None:
    text = ("Dear {{ first_name }} {{ last_name }} ({{ email }}),\n"
            "{% if company %}Greetings to {{ company }}.{% else %}Hello!{% endif %}\n"
            "Area: {{ attributes.area | default('Boston') }}\n")
    assert _render(text, BOB)[0] == ("Dear Bob Miller (bob@example.com),\n"
                                      "Greetings to Miller Inspections.\nArea: Back Bay\n")
    fallback = "Hi {{ first_name | default('there') }}{% if company %} at {{ company }}{% endif %}!"
    assert _render(fallback, NOBODY)[0] == "Hi there!"
    assert _render(fallback, BOB)[0] == "Hi Bob at Miller Inspections!"
    assert _render("{{ attributes.area | default('Boston') }}", NOBODY)[0] == "Boston"


def test_an_empty_field_without_fallback_and_a_typo_are_clear_errors() -> None:
    with pytest.raises(TemplateProblem, match=r"first_name \}\} is empty.*default"):
        _render("Hi {{ first_name }},", NOBODY)
    with pytest.raises(TemplateProblem, match=r"frist_name \}\} is not a merge field"):
        _render("Hi {{ frist_name }},", BOB)
    with pytest.raises(TemplateProblem, match="syntax error on line 2"):
        Renderer(Templates("s", "ok\n{% if company %}no end"))


@pytest.mark.parametrize("attack", [
    "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "{{ first_name.__class__ }}",
    "{{ attributes.__class__.__init__.__globals__ }}",
    "{{ cycler.__init__.__globals__.os }}",
    "{{ self.__init__.__globals__ }}",
])
def test_the_sandbox_refuses_python_internals(attack: str) -> None:
    with pytest.raises(TemplateProblem):
        _render(attack, BOB)


def test_html_is_escaped_text_is_not_and_the_subject_stays_one_line() -> None:
    person = merge.Person(address="x@example.com", given_name="<script>alert(1)</script>",
                          company="Smith & Sons")
    text, html = _render("{{ first_name }} / {{ company }}", person,
                         "<p>{{ first_name }} / {{ company }}</p>")
    assert text == "<script>alert(1)</script> / Smith & Sons"
    assert html == "<p>&lt;script&gt;alert(1)&lt;/script&gt; / Smith &amp; Sons</p>"
    injected = merge.Person(address="x@example.com", given_name="Ann\r\nBcc: all@example.com")
    rendered = Renderer(Templates("Hi {{ first_name }}", "x")).render(merge.context(injected))
    assert "\n" not in rendered.subject and "\r" not in rendered.subject


def test_composed_messages_parse_back_exactly() -> None:
    message = compose(sender=("Pat Lée", "pat@example.com"),
                      to=('Zoë "Z" O\'Brien', "zoe@example.com"),
                      subject="Prêt pour le printemps ? " + "long " * 30,
                      date="Thu, 26 Nov 2026 15:00:00 +0000", message_id="<m1@example.com>",
                      text="Héllo Zoë\n" + "x" * 1500 + "\n", html="<p>Héllo &amp; bye</p>",
                      headers=[("List-Unsubscribe", "<https://h.example/u/" + "A" * 120 + ">"),
                               ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")])
    raw = bytes(message)
    assert all(len(line) <= 998 for line in raw.split(b"\r\n"))
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert str(parsed["Subject"]) == "Prêt pour le printemps ? " + ("long " * 30).strip()
    assert parsed["To"].addresses[0].display_name == 'Zoë "Z" O\'Brien'
    assert str(parsed["From"]) == "Pat Lée <pat@example.com>"
    assert str(parsed["List-Unsubscribe"]) == "<https://h.example/u/" + "A" * 120 + ">"
    plain = parsed.get_body(("plain",))
    rich = parsed.get_body(("html",))
    assert plain is not None and rich is not None
    assert plain.get_content().replace("\r\n", "\n") == "Héllo Zoë\n" + "x" * 1500 + "\n"
    assert "<p>Héllo &amp; bye</p>" in rich.get_content()


# -- states -------------------------------------------------------------------------------------
def test_the_state_machine_allows_only_its_transitions() -> None:
    mailing = Mailing(name="M", status="draft")
    now = datetime(2026, 11, 26, tzinfo=UTC)
    for bad in ("sending", "finished", "paused"):
        with pytest.raises(states.IllegalTransition, match="cannot become"):
            states.move(mailing, bad, now)
    for step in ("scheduled", "sending", "paused", "scheduled", "sending", "finished"):
        states.move(mailing, step, now)
    assert mailing.status == "finished" and mailing.finished_at == now
    with pytest.raises(states.IllegalTransition, match="finished; it cannot become paused"):
        states.move(mailing, "paused", now)
    states.move(mailing, "scheduled", now)  # a retry reopens it
    states.move(mailing, "cancelled", now)
    for target in states.STATES:
        with pytest.raises(states.IllegalTransition):
            states.move(mailing, target, now)
    assert states.TRANSITIONS["cancelled"] == frozenset()


def test_only_drafts_are_edited_and_pause_needs_an_approved_send(app: App) -> None:
    ws_id = new_workspace(app)
    make_list(app, ws_id)
    mailing_id = create_mailing(app, ws_id)
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        with pytest.raises(states.IllegalTransition, match="draft; it cannot become paused"):
            campaign_control.pause(session, mailing, app.clock())
        mailing.status = "finished"
        with pytest.raises(states.IllegalTransition, match="only drafts can be edited"):
            store.edit(session, mailing, subject="New")
        with pytest.raises(BadInput, match="already exists"):
            store.create(session, ws_id, name="spring NEWSLETTER", list_name="newsletter",
                         subject="s", text="t", html=None, now=app.clock())


# -- preview and dry run ------------------------------------------------------------------------
def test_preview_for_any_recipient_and_fuzzy_names(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    first = add_subscribers(app, ws_id, list_id, 2, company="Acme")
    mailing_id = create_mailing(app, ws_id)
    with app.db.unit(ws_id, write=False) as session:
        mailing = store.find(session, "the spring newsletter")
        assert mailing.id == mailing_id
        person, rendered = preview.preview(session, mailing)
        assert person.address == first[0]
        assert rendered.subject == "Spring news for Reader0"
        assert "Greetings to everyone at Acme." in rendered.text
        person, rendered = preview.preview(session, mailing, first[1].upper())
        assert rendered.subject == "Spring news for Reader1"
        person, rendered = preview.preview(session, mailing, "stranger@example.org")
        assert rendered.subject == "Spring news for you" and "Hi there" in rendered.text


def test_dry_run_renders_everyone_reports_problems_and_sends_nothing(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 3)
    add_subscribers(app, ws_id, list_id, 2, prefix="nameless", given="", display="x")
    add_subscribers(app, ws_id, list_id, 1, prefix="gone", state="unsubscribed")
    mailing_id = create_mailing(app, ws_id, text="Dear {{ first_name }},\nNews.\n")
    with SmtpServer() as server, app.db.unit(ws_id, write=False) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        report = preview.dry_run(session, mailing)
        assert not report.ok
        assert report.would_send == 3 and report.failing == 2
        assert report.skipped == Counter({"unsubscribed from the list": 1})
        (problem, who), = report.problems.items()
        assert "first_name }} is empty" in problem and len(who) == 2
        assert "would be sent; nothing was sent" in report.summary()
        with pytest.raises(BadInput, match="PROBLEM for 2"):
            from righthand.duties.mailings.proposals import campaign_action
            campaign_action(session, mailing, report)
        assert received(server.recorder, ws_id, mailing_id) == []
    assert recipients(app, ws_id, mailing_id) == []
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(OutboxRow)).all() == []


# -- one approval covers the campaign -----------------------------------------------------------
def test_one_approval_covers_the_whole_campaign(app: App) -> None:
    ws_id = new_workspace(app, Phase.I)
    list_id = make_list(app, ws_id)
    addresses = add_subscribers(app, ws_id, list_id, 25, company="Acme")
    mailing_id = create_mailing(app, ws_id)
    proposed = propose_send(app, ws_id, mailing_id)
    assert proposed.decision.name == "ask"
    payload = proposed.row.payload
    assert proposed.row.kind == "mailings.send_campaign"
    assert payload["recipient_count"] == 25 and payload["mailing_id"] == mailing_id
    assert len(payload["content_hash"]) == 64
    assert not any(a in str(payload) for a in addresses), "no addresses in the payload"
    with SmtpServer() as server:
        dispatcher = smtp_dispatcher(app, server.url)
        dispatcher.run_once()
        assert received(server.recorder, ws_id, mailing_id) == [], "nothing before approval"
        action_id = approve(app, ws_id, proposed.approval_id or 0)
        report = dispatcher.run_once(only=[action_id])
        got = received(server.recorder, ws_id, mailing_id)
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.id in report.delivered and entry.status == "sent"
    assert entry.result == {"mailing_id": mailing_id, "mailing": "Spring newsletter", "sent": 25,
                            "failed": 0, "skipped": 0, "uncertain": 0, "total": 25, "rounds": 1}
    assert sorted(m["To"].addresses[0].addr_spec for m in got) == sorted(addresses)
    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 25})
    assert mailing_row(app, ws_id, mailing_id).status == "finished"
    log = recipients(app, ws_id, mailing_id)
    assert {str(m["Message-ID"]) for m in got} == {r.message_id for r in log}
    assert all(r.attempts == 1 and r.sent_at is not None for r in log)
    message = got[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    link = str(message["List-Unsubscribe"]).strip("<>")
    assert link.startswith("http") and "/unsubscribe/" in link
    token = link.rsplit("/", 1)[1]
    data = verify_token(app.settings, token, app.clock())
    assert (data.workspace_id, data.list_id, data.address) == (
        ws_id, list_id, message["To"].addresses[0].addr_spec)
    with pytest.raises(InvalidToken):
        verify_token(app.settings, token[:-2] + "xx", app.clock())
    plain = message.get_body(("plain",))
    assert plain is not None and f"Unsubscribe: {link}" in plain.get_content()
    assert message.get_body(("html",)) is not None
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(ActionRow.state).where(ActionRow.id == action_id)).one() \
            == "done"
        outcomes = session.scalars(select(OutcomeRow.outcome).where(
            OutcomeRow.action_id == action_id)).all()
        assert outcomes == ["approved_unchanged"]


def test_ask_finds_the_draft_and_proposes_one_action(app: App) -> None:
    ws_id = new_workspace(app, Phase.I)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 4)
    mailing_id = create_mailing(app, ws_id)
    slug = workspace_slug(app, ws_id)
    answer = ask(app, "Send the spring newsletter to the newsletter list", slug)
    assert answer.intent == "mailings.send"
    (action,) = answer.actions
    assert action.kind == "mailings.send_campaign" and action.decision == "ask"
    assert "4 message(s) would be sent" in answer.answer
    assert f"righthand approvals approve {action.approval_id}" in answer.answer
    again = ask(app, "Send the spring newsletter", slug)
    assert again.actions == [] and "awaiting approval" in again.answer
    wrong = ask(app, "Send the spring newsletter to the buyers list", slug)
    assert wrong.actions == [] and "no list called" in wrong.answer
    status = ask(app, "How did the spring newsletter do?", slug)
    assert status.intent == "mailings.status" and "nothing has been sent yet" in status.answer
    with SmtpServer() as server:
        approve(app, ws_id, action.approval_id or 0)
        smtp_dispatcher(app, server.url).run_once(only=[action.id])
        assert len(received(server.recorder, ws_id, mailing_id)) == 4
    status = ask(app, "How did the spring newsletter do?", slug)
    assert "is finished: 4 sent of 4" in status.answer


def test_content_changed_after_approval_is_refused(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 3)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        store.edit(session, mailing, subject="Last chance, {{ first_name }}!")
    with SmtpServer() as server:
        report = smtp_dispatcher(app, server.url).run_once(only=[action_id])
        assert received(server.recorder, ws_id, mailing_id) == []
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.id in report.failed and entry.status == "failed"
    assert "changed after it was approved" in (entry.last_error or "")
    assert "righthand mailings send" in (entry.last_error or "")
    assert mailing_row(app, ws_id, mailing_id).status == "draft"
    assert recipients(app, ws_id, mailing_id) == []


def test_a_list_that_grew_past_the_approved_count_is_refused(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 3)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    add_subscribers(app, ws_id, list_id, 2, prefix="late")
    with SmtpServer() as server:
        smtp_dispatcher(app, server.url).run_once(only=[action_id])
        assert received(server.recorder, ws_id, mailing_id) == []
    assert "grew from the 3 recipients you approved to 5" in \
        (campaign_entry(app, ws_id, action_id).last_error or "")


def test_a_test_send_goes_to_the_client_only(app: App) -> None:
    from righthand.duties.mailings.proposals import test_send_action
    from righthand.service import executor, workspaces

    ws_id = new_workspace(app)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        ws.profile = {"email": "pat@harbourpine.example", "business_name": "Harbour & Pine"}
    list_id = make_list(app, ws_id)
    addresses = add_subscribers(app, ws_id, list_id, 3, company="Acme")
    mailing_id = create_mailing(app, ws_id)
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        mailing = session.get(Mailing, mailing_id)
        assert ws is not None and mailing is not None
        action = test_send_action(session, mailing, ws, as_address=addresses[1])
        assert action.kind == "mailings.test_send"
        assert action.recipients == ("pat@harbourpine.example",)
        proposed = executor.propose(session, ws_id, action, workspaces.job_description(
            session, ws), app.catalog, app.clock(), "client", app.approval_ttl)
    assert proposed.decision.name == "ask"
    with SmtpServer() as server:
        action_id = approve(app, ws_id, proposed.approval_id or 0)
        smtp_dispatcher(app, server.url).run_once(only=[action_id])
        (message,) = [m for m in server.recorder.messages
                      if m["To"].addresses[0].addr_spec == "pat@harbourpine.example"]
    assert str(message["Subject"]) == "[Test] Spring news for Reader1"
    plain = message.get_body(("plain",))
    assert plain is not None and "Greetings to everyone at Acme." in plain.get_content()
    assert message.get_body(("html",)) is not None
    assert recipients(app, ws_id, mailing_id) == []
    assert mailing_row(app, ws_id, mailing_id).status == "draft"


# -- send-time checks, retries, throttle ----------------------------------------------------------
def test_suppressed_and_unsubscribed_are_skipped_at_send_time(app: App, clock: FakeClock) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    addresses = add_subscribers(app, ws_id, list_id, 5)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    # The first pass meets a server that defers everyone: the send log exists, nothing is sent.
    with SmtpServer(Recorder(fail_codes=["451 try later"] * 5)) as server:
        smtp_dispatcher(app, server.url).run_once(only=[action_id])
    assert statuses(app, ws_id, mailing_id) == Counter({"pending": 5})
    with app.db.unit(ws_id) as session:  # meanwhile: one complaint, one unsubscribe
        session.add(Suppression(workspace_id=ws_id, address=addresses[1], reason="complaint",
                                source="feedback loop", created_at=clock()))
        sub = session.scalars(select(Subscription).join(
            Mailing, Mailing.list_id == Subscription.list_id)
            .where(Subscription.contact_id == recipients(app, ws_id, mailing_id)[3].contact_id)
        ).one()
        sub.state = "unsubscribed"
    clock.advance(minutes=2)
    with SmtpServer() as server:
        smtp_dispatcher(app, server.url).run_once()
        got = {m["To"].addresses[0].addr_spec for m in received(server.recorder, ws_id,
                                                                 mailing_id)}
    assert got == {addresses[0], addresses[2], addresses[4]}
    log = {r.address: r for r in recipients(app, ws_id, mailing_id)}
    assert log[addresses[1]].status == "skipped"
    assert log[addresses[1]].last_error == "suppressed (complaint)"
    assert log[addresses[3]].status == "skipped"
    assert log[addresses[3]].last_error == "unsubscribed from the list"
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.status == "sent" and entry.result is not None
    assert (entry.result["sent"], entry.result["skipped"]) == (3, 2)


def test_transient_errors_are_retried_with_backoff(app: App, clock: FakeClock) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 4)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    with SmtpServer(Recorder(fail_codes=["451 4.3.0 try again later"])) as server:
        dispatcher = smtp_dispatcher(app, server.url)
        report = dispatcher.run_once(only=[action_id])
        entry = campaign_entry(app, ws_id, action_id)
        assert entry.id in report.retrying and entry.status == "pending"
        assert statuses(app, ws_id, mailing_id) == Counter({"sent": 3, "pending": 1})
        (waiting,) = [r for r in recipients(app, ws_id, mailing_id) if r.status == "pending"]
        assert "451" in (waiting.last_error or "") and waiting.attempts == 1
        assert waiting.not_before == clock() + (waiting.not_before - clock())
        assert 29 <= (waiting.not_before - clock()).total_seconds() <= 31
        assert entry.not_before == waiting.not_before
        dispatcher.run_once()  # not due yet: nothing happens
        assert statuses(app, ws_id, mailing_id)["pending"] == 1
        clock.advance(seconds=31)
        dispatcher.run_once()
        ids = received_ids(server.recorder, ws_id, mailing_id)
    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 4})
    assert sum(ids.values()) == 4 and set(ids.values()) == {1}
    (retried,) = [r for r in recipients(app, ws_id, mailing_id) if r.id == waiting.id]
    assert retried.attempts == 2 and retried.message_id in ids
    assert mailing_row(app, ws_id, mailing_id).status == "finished"


def test_permanent_failures_are_recorded_then_retried_by_the_client(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    addresses = add_subscribers(app, ws_id, list_id, 3)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    with SmtpServer(Recorder(fail_codes=["550 5.1.1 mailbox unavailable"])) as server:
        dispatcher = smtp_dispatcher(app, server.url)
        dispatcher.run_once(only=[action_id])
        assert statuses(app, ws_id, mailing_id) == Counter({"sent": 2, "failed": 1})
        failed = next(r for r in recipients(app, ws_id, mailing_id) if r.status == "failed")
        assert failed.address == addresses[0] and "550" in (failed.last_error or "")
        entry = campaign_entry(app, ws_id, action_id)
        assert entry.status == "sent" and entry.result is not None
        assert entry.result["failed"] == 1
        assert mailing_row(app, ws_id, mailing_id).status == "finished"
        with app.db.unit(ws_id) as session:
            mailing = session.get(Mailing, mailing_id)
            assert mailing is not None
            said = campaign_control.retry(session, mailing, app.clock())
        assert "1 failed recipient(s)" in said
        assert campaign_entry(app, ws_id, action_id).status == "pending"
        dispatcher.run_once()
        ids = received_ids(server.recorder, ws_id, mailing_id)
    assert statuses(app, ws_id, mailing_id) == Counter({"sent": 3})
    assert ids[failed.message_id or ""] == 1 and sum(ids.values()) == 3
    entry = campaign_entry(app, ws_id, action_id)
    assert entry.status == "sent" and entry.result is not None
    assert (entry.result["sent"], entry.result["failed"], entry.result["rounds"]) == (3, 0, 2)
    with app.db.unit(ws_id, write=False) as session:
        outcomes = session.scalars(select(OutcomeRow.outcome).where(
            OutcomeRow.action_id == action_id)).all()
    assert outcomes == ["approved_unchanged"], "a retry is not a second outcome"


def test_throttle_is_respected(single_app: App) -> None:
    app = single_app
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 21)
    mailing_id = create_mailing(app, ws_id, per_second=20)
    action_id = approved_campaign(app, ws_id, mailing_id, connections=2)
    with SmtpServer() as server:
        started = time.monotonic()
        smtp_dispatcher(app, server.url).run_once(only=[action_id])
        elapsed = time.monotonic() - started
        assert len(received(server.recorder, ws_id, mailing_id)) == 21
    assert elapsed >= 1.0, f"21 messages at 20/s took only {elapsed:.2f} s"
    assert elapsed < 4.0


def test_pause_resume_and_cancel(app: App) -> None:
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 6)
    mailing_id = create_mailing(app, ws_id)
    action_id = approved_campaign(app, ws_id, mailing_id)
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        assert campaign_control.effective_status(session, mailing) == "scheduled"
        campaign_control.pause(session, mailing, app.clock())
    assert campaign_entry(app, ws_id, action_id).status == "paused"
    with SmtpServer() as server:
        dispatcher = smtp_dispatcher(app, server.url)
        dispatcher.run_once()
        assert received(server.recorder, ws_id, mailing_id) == []
        with app.db.unit(ws_id) as session:
            mailing = session.get(Mailing, mailing_id)
            assert mailing is not None
            campaign_control.resume(session, mailing, app.clock())
        dispatcher.run_once()
        assert len(received(server.recorder, ws_id, mailing_id)) == 6
    assert mailing_row(app, ws_id, mailing_id).status == "finished"
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, mailing_id)
        assert mailing is not None
        with pytest.raises(states.IllegalTransition):
            campaign_control.cancel(session, mailing, app.clock())
    # A second mailing, cancelled before it starts: nobody gets it, the action says so.
    other = create_mailing(app, ws_id, name="Summer newsletter")
    other_action = approved_campaign(app, ws_id, other)
    with app.db.unit(ws_id) as session:
        mailing = session.get(Mailing, other)
        assert mailing is not None
        campaign_control.cancel(session, mailing, app.clock())
    entry = campaign_entry(app, ws_id, other_action)
    assert entry.status == "cancelled"
    with app.db.unit(ws_id, write=False) as session:
        assert session.get(ActionRow, other_action).state == "cancelled"  # type: ignore[union-attr]
        assert session.get(Workspace, ws_id) is not None
        assert session.scalars(select(Approval)).all()


def test_cli_create_preview_dry_run_and_status(app: App, tmp_path: object, db_url: str) -> None:
    from pathlib import Path

    from tests.support.mail import CliEnv

    home = Path(str(tmp_path)) / "home"
    ws_id = new_workspace(app)
    list_id = make_list(app, ws_id)
    add_subscribers(app, ws_id, list_id, 2, company="Acme")
    text = Path(str(tmp_path)) / "body.txt"
    text.write_text("Hi {{ first_name | default('there') }},\nNews from us.\n", encoding="utf-8")
    cli = CliEnv(db_url, home, workspace_slug(app, ws_id))
    said = cli.run("mailings", "create", "Autumn update", "--list", "newsletter", "--subject",
                   "Autumn, {{ first_name }}", "--text", str(text)).stdout
    assert "Draft \"Autumn update\" created" in said
    shown = cli.run("mailings", "preview", "autumn update").stdout
    assert "Subject: Autumn, Reader0" in shown and "Hi Reader0," in shown
    dry = cli.run("mailings", "dry-run", "Autumn update").stdout
    assert "2 message(s) would be sent; nothing was sent" in dry
    proposed = cli.run("mailings", "send", "Autumn update").stdout
    assert "Waiting for your approval" in proposed
    status = cli.run("mailings", "status", "Autumn update", "--json").stdout
    assert '"status": "draft"' in status
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(Mailing.status).where(
            Mailing.name == "Autumn update")).one() == "draft"
