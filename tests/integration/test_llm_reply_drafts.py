"""Reply drafts from the optional language model, over real HTTP against recorded answers
(tests/fixtures/llm/): the message goes as delimited data, a checked answer becomes the draft
body, and anything inventing a link, address or number -- or no model, or no budget -- leaves
the offline template. Recipients never come from the model. SQLite and PostgreSQL. In the
poller, the model is asked with no transaction open (another writer gets the SQLite database
while the model answers)."""

from __future__ import annotations

import mailbox
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from righthand.bootstrap import App, build
from righthand.connectors.ports import MailboxConfig
from righthand.domain.actions import Action
from righthand.duties.plugin import TextModel
from righthand.duties.screening.actions import MessageRef, Office, plan
from righthand.duties.screening.parse import MailFacts
from righthand.duties.screening.screen import Verdict
from righthand.policy.duties import Phase
from righthand.service import language_model, mail_poll
from righthand.store.tables import ModelUsage
from tests.conftest import make_settings, new_workspace
from tests.support.clock import FakeClock
from tests.support.llm_server import RecordedModel, recorded_model, sqlite_writer_probe
from tests.support.mailbox import actions, add_contact, audit_count, connect, message

FACTS = MailFacts(message_id="<lease-1@landlord.test>", from_address="sam@landlord.test",
                  from_name="Sam Ortiz", subject="Revised lease terms",
                  text="Hi Dana, attached are the revised lease terms; clause 4 changed. "
                       "Can you review and let me know? Call me at +1 555 010 2000.")
REF = MessageRef(key="k1", message_id=FACTS.message_id, folder="INBOX", uidvalidity=1, uid=7)
OFFICE = Office(client_name="Dana Reyes", assistant_name="Jane",
                client_address="dana@reyes.test")
TEMPLATE = "Dana has your message and will get back to you shortly."


@pytest.fixture
def model(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordedModel]:
    monkeypatch.setenv("RIGHTHAND_URL_ALLOWLIST", "127.0.0.1/32")
    with recorded_model() as state:
        yield state


def _app(db_url: str, tmp_path: Path, clock: FakeClock, url: str | None,
         budget: int = 50_000) -> App:
    extra = {"llm_url": url, "llm_model": "gpt-4o-mini", "llm_key": "sk-test",
             "llm_daily_tokens": budget} if url else {}
    return build(make_settings(tmp_path, db_url, **extra), clock=clock)


def _drafts(app: App, count: int = 1) -> list[Action]:
    ws_id = new_workspace(app, Phase.II, client="Dana Reyes")
    verdict = Verdict(category="needs_reply", contact_id=1)
    found: list[Action] = []
    with app.db.unit(ws_id) as session:
        bound: TextModel | None = language_model.for_workspace(app, session, ws_id)
        with language_model.proactive():  # as a periodic screening run: one call at most
            for _ in range(count):
                found += [a for a in plan(verdict, FACTS, REF, OFFICE, bound)
                          if a.kind == "mail.draft_reply"]
    return found


def _recipients_unchanged(draft: Action) -> None:
    assert draft.payload["recipients"] == ["sam@landlord.test"]
    assert draft.payload["to"] == [{"name": "Sam Ortiz", "address": "sam@landlord.test"}]
    assert draft.payload["subject"] == "Re: Revised lease terms"


def test_a_checked_model_reply_becomes_the_draft_and_the_mail_goes_as_data(
        db_url: str, tmp_path: Path, clock: FakeClock, model: RecordedModel) -> None:
    app = _app(db_url, tmp_path, clock, model.url)
    model.play("reply_good.json")
    [draft] = _drafts(app)
    assert "review the changes to clause 4 this week" in draft.payload["body"]
    assert TEMPLATE not in draft.payload["body"]
    _recipients_unchanged(draft)
    prompt = model.prompt()
    assert "<<<DATA MESSAGE>>>" in prompt and "clause 4 changed" in prompt
    assert "Assistant to Dana Reyes" in prompt  # the signature, in the instructions
    app.db.dispose()


@pytest.mark.parametrize("fixture", ["reply_evil_link.json", "reply_new_address.json"])
def test_a_reply_inventing_a_link_or_address_falls_back_to_the_template(
        db_url: str, tmp_path: Path, clock: FakeClock, model: RecordedModel,
        fixture: str) -> None:
    app = _app(db_url, tmp_path, clock, model.url)
    model.play(fixture)
    [draft] = _drafts(app)
    assert len(model.paths) == 1  # the model was asked ...
    assert TEMPLATE in draft.payload["body"]  # ... and its answer refused
    assert "evil.example" not in draft.payload["body"]
    _recipients_unchanged(draft)
    app.db.dispose()


def test_no_model_configured_keeps_the_template(db_url: str, tmp_path: Path,
                                                clock: FakeClock) -> None:
    app = _app(db_url, tmp_path, clock, None)
    [draft] = _drafts(app)
    assert TEMPLATE in draft.payload["body"]
    _recipients_unchanged(draft)
    app.db.dispose()


def test_an_exhausted_budget_keeps_the_template_without_calling(
        db_url: str, tmp_path: Path, clock: FakeClock, model: RecordedModel) -> None:
    app = _app(db_url, tmp_path, clock, model.url, budget=100)
    model.play("reply_good.json")
    [draft] = _drafts(app)
    assert model.paths == []
    assert TEMPLATE in draft.payload["body"]
    app.db.dispose()


def test_a_proactive_run_asks_the_model_once(db_url: str, tmp_path: Path, clock: FakeClock,
                                             model: RecordedModel) -> None:
    app = _app(db_url, tmp_path, clock, model.url)
    model.play("reply_good.json", "reply_good.json")
    first, second = _drafts(app, count=2)
    assert len(model.paths) == 1
    assert "clause 4 this week" in first.payload["body"]
    assert TEMPLATE in second.payload["body"]
    app.db.dispose()


def _sams_mail_waiting(app: App, tmp_path: Path) -> int:
    """A Phase II workspace whose Maildir holds Sam's lease mail (a reply is drafted)."""
    ws_id = new_workspace(app, Phase.II, client="Dana Reyes")
    root = tmp_path / "maildir"
    mailbox.Maildir(str(root), create=True)
    connect(app, ws_id, MailboxConfig(kind="maildir", maildir_path=str(root)),
            address="dana@reyes.test")
    add_contact(app, ws_id, "Sam Ortiz", "sam@landlord.test")
    mailbox.Maildir(str(root)).add(mailbox.MaildirMessage(message(  # type: ignore[arg-type]
        "Sam Ortiz <sam@landlord.test>", FACTS.subject, FACTS.text,
        message_id=FACTS.message_id)))
    return ws_id


def test_the_poller_asks_the_model_with_no_transaction_open(
        sqlite_url: str, tmp_path: Path, clock: FakeClock, model: RecordedModel) -> None:
    """While the model answers, another process takes SQLite's write lock at once (a write
    transaction held open by the poller would make it wait and fail); the draft is still the
    checked model answer, screened once, and the tokens are counted."""
    app = _app(sqlite_url, tmp_path, clock, model.url)
    ws_id = _sams_mail_waiting(app, tmp_path)
    writes: list[str] = []

    model.while_answering = sqlite_writer_probe(sqlite_url, writes)
    model.play("reply_good.json")
    with language_model.proactive():  # as the periodic job runs it
        report = mail_poll.poll(app, ws_id, dispatch=False)
    assert report.screened == 1
    assert writes == ["ok"]  # the model was asked with no write transaction open
    [draft] = actions(app, ws_id, "mail.draft_reply")
    assert "review the changes to clause 4 this week" in draft.payload["body"]
    assert draft.payload["recipients"] == ["sam@landlord.test"]
    assert set(audit_count(app, ws_id, "mail.screened").values()) == {1}
    with app.db.unit(ws_id, write=False) as session:
        usage = session.scalars(select(ModelUsage)).one()
        assert (usage.tokens, usage.calls, usage.refused) == (380, 1, 0)
    app.db.dispose()


def test_the_poller_keeps_the_template_when_the_model_is_down(
        single_url: str, tmp_path: Path, clock: FakeClock, model: RecordedModel) -> None:
    app = _app(single_url, tmp_path, clock, model.url)
    ws_id = _sams_mail_waiting(app, tmp_path)
    model.play("status:500")
    assert mail_poll.poll(app, ws_id, dispatch=False).screened == 1
    [draft] = actions(app, ws_id, "mail.draft_reply")
    assert TEMPLATE in draft.payload["body"]
    with app.db.unit(ws_id, write=False) as session:
        usage = session.scalars(select(ModelUsage)).one()
        assert (usage.tokens, usage.calls) == (0, 1)  # the reservation was given back
    app.db.dispose()
