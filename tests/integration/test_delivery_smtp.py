"""Mail delivery through the gate, the approvals queue, the outbox and a real SMTP server.

Where the database matters (approvals' single use, versions, claiming), tests run on SQLite
and PostgreSQL (``db_url``); where it does not, on SQLite only.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from sqlalchemy import select, update
from typer.testing import CliRunner

from righthand.bootstrap import App, build
from righthand.cli import app as cli_app
from righthand.errors import ApprovalError
from righthand.policy.duties import Phase
from righthand.service import approvals, audit, outbox, workspaces
from righthand.service.dispatcher import Dispatcher
from righthand.store.tables import ActionRow, Approval, OutboxRow, OutcomeRow, Workspace
from tests.conftest import make_settings, new_workspace
from tests.support.clock import FakeClock
from tests.support.mail import (
    NOTHING,
    action_row,
    add_contacts,
    email_action,
    expected_message_id,
    ids_of_workspace,
    outbox_entries,
    outbox_entry_of,
    own,
    propose,
    server_on_port,
)
from tests.support.servers import free_port
from tests.support.smtp import Recorder, SmtpServer

pytestmark = pytest.mark.server

BODY = "Hi Ann,\n\nThe Jones closing moved to Friday at 10.\n\nBest,\nPat Lee\n"
SUBJECT = "Jones closing moved to Friday"

AppFactory = Callable[..., App]


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A recording aiosmtpd server on a free loopback port."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def make_app(tmp_path: Path, clock: FakeClock) -> Iterator[AppFactory]:
    """Builds Apps the way production does (bootstrap.build) and disposes of them."""
    built: list[App] = []

    def factory(url: str, smtp_url: str | None = None) -> App:
        application = build(make_settings(tmp_path, url, smtp_url=smtp_url), clock=clock)
        built.append(application)
        return application

    yield factory
    for application in built:
        application.db.dispose()


# -- helpers --------------------------------------------------------------------------------
def _asked(app: App, phase: Phase = Phase.II) -> tuple[int, int, int]:
    """A workspace where email.send is at ask; one email proposed -> (ws, action, approval)."""
    ws_id = new_workspace(app, phase)
    (address,) = add_contacts(app, ws_id, 1, prefix="ann")
    proposed = propose(app, ws_id, email_action(address, SUBJECT, BODY, name="Ann Known"))
    assert proposed.decision.name == "ask", proposed.decision
    assert proposed.approval_id is not None
    assert proposed.row.state == "awaiting_approval"
    return ws_id, proposed.row.id, proposed.approval_id


def _allowed(app: App, subject: str = SUBJECT) -> tuple[int, int]:
    """A Phase III workspace (email.send at notify, known contacts) with one allowed email."""
    ws_id = new_workspace(app, Phase.III)
    (address,) = add_contacts(app, ws_id, 1, prefix="ann")
    proposed = propose(app, ws_id, email_action(address, subject, BODY, name="Ann Known"))
    assert proposed.decision.name == "allow", proposed.decision
    return ws_id, proposed.row.id


def _approve(app: App, ws_id: int, approval_id: int) -> ActionRow:
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        return approvals.approve(session, approval_id, workspaces.job_description(session, ws),
                                 app.catalog, app.clock())


def _outcomes(app: App, ws_id: int) -> list[tuple[int, str]]:
    with app.db.unit(ws_id, write=False) as session:
        return [(a, o) for a, o in session.execute(
            select(OutcomeRow.action_id, OutcomeRow.outcome).order_by(OutcomeRow.id))]


def _approval(app: App, ws_id: int, approval_id: int) -> Approval:
    with app.db.unit(ws_id, write=False) as session:
        approval = session.get(Approval, approval_id)
        assert approval is not None
        return approval


def _audit_ok(app: App, ws_id: int) -> None:
    with app.db.unit(ws_id, write=False) as session:
        result = audit.verify(session, ws_id)
    assert result.ok, result


def _dispatch(app: App, ws_id: int) -> dict[str, list[int]]:
    """One dispatcher pass, as the worker runs it, reported for this workspace only."""
    return own(app.dispatcher().run_once(), app, ws_id)


def _entry(app: App, ws_id: int, action_id: int) -> OutboxRow:
    entry = outbox_entry_of(app, ws_id, action_id)
    assert entry is not None
    return entry


# -- (a) the gated path end to end ----------------------------------------------------------
def test_ask_approve_dispatch_delivers_exactly_once(make_app: AppFactory, db_url: str,
                                                    smtp_server: SmtpServer) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    assert outbox_entry_of(app, ws_id, action_id) is None, "nothing leaves before the yes"

    approved = _approve(app, ws_id, approval_id)
    assert approved.state == "queued"
    report = _dispatch(app, ws_id)

    entry = _entry(app, ws_id, action_id)
    assert report == {**NOTHING, "delivered": [entry.id]}
    assert entry.status == "sent" and entry.attempts == 1
    (message,) = smtp_server.recorder.messages
    assert message["To"] == "Ann Known <ann000@example.com>"
    assert message["Subject"] == SUBJECT
    assert message.get_content().replace("\r\n", "\n") == BODY  # CRLF on the wire
    assert message["Message-ID"] == expected_message_id(entry)
    assert message["Message-ID"] == entry.result["message_id"]
    assert "Pat Lee" in message["From"]
    row = action_row(app, ws_id, action_id)
    assert row.state == "done"
    assert _outcomes(app, ws_id) == [(action_id, "approved_unchanged")]
    assert _approval(app, ws_id, approval_id).status == "approved"
    _audit_ok(app, ws_id)


# -- (b) transient refusal -----------------------------------------------------------------
def test_transient_451_is_retried_after_backoff_and_delivered_once(
        make_app: AppFactory, single_url: str, clock: FakeClock) -> None:
    with SmtpServer(Recorder(fail_codes=["451 4.3.0 try again later"])) as server:
        app = make_app(single_url, server.url)
        ws_id, action_id = _allowed(app)

        first = _dispatch(app, ws_id)
        entry = _entry(app, ws_id, action_id)
        assert first == {**NOTHING, "retrying": [entry.id]}
        assert entry.status == "pending" and entry.attempts == 1
        assert "451" in (entry.last_error or "")
        assert entry.not_before > clock(), "a retry waits for its backoff"
        assert _dispatch(app, ws_id) == NOTHING, "not due yet"
        assert action_row(app, ws_id, action_id).state == "queued"

        clock.now = entry.not_before
        clock.advance(seconds=1)
        assert _dispatch(app, ws_id) == {**NOTHING, "delivered": [entry.id]}
        assert server.recorder.message_ids() == [expected_message_id(entry)]
    entry = _entry(app, ws_id, action_id)
    assert entry.status == "sent" and entry.attempts == 2 and entry.last_error is None
    assert action_row(app, ws_id, action_id).state == "done"
    assert _outcomes(app, ws_id) == [(action_id, "executed")]


# -- (c) permanent refusal -----------------------------------------------------------------
def test_permanent_550_fails_and_says_what_to_do(make_app: AppFactory, single_url: str) -> None:
    with SmtpServer(Recorder(fail_codes=["550 5.1.1 no such mailbox"])) as server:
        app = make_app(single_url, server.url)
        ws_id, action_id = _allowed(app)
        report = _dispatch(app, ws_id)
        entry = _entry(app, ws_id, action_id)
        assert report == {**NOTHING, "failed": [entry.id]}
        assert _dispatch(app, ws_id) == NOTHING, "a refused message is not retried"
        assert server.recorder.messages == []

    assert entry.status == "failed" and entry.attempts == 1
    error = entry.last_error or ""
    assert "550" in error and "no such mailbox" in error
    # The hint names a command that exists.
    assert "`righthand outbox resend ID`" in error
    assert CliRunner().invoke(cli_app, ["outbox", "resend", "--help"]).exit_code == 0
    assert action_row(app, ws_id, action_id).state == "failed"
    assert _outcomes(app, ws_id) == [(action_id, "failed")]
    with app.db.unit(ws_id, write=False) as session:
        note = session.scalar(select(OutcomeRow.note).where(OutcomeRow.action_id == action_id))
    assert note and "550" in note
    _audit_ok(app, ws_id)


# -- (d) server down -----------------------------------------------------------------------
def test_server_down_keeps_the_mail_pending_until_the_server_is_back(
        make_app: AppFactory, single_url: str, clock: FakeClock) -> None:
    port = free_port()  # nothing listens here (yet)
    app = make_app(single_url, f"smtp://127.0.0.1:{port}")
    ws_id, action_id = _allowed(app)

    report = _dispatch(app, ws_id)
    entry = _entry(app, ws_id, action_id)
    assert report == {**NOTHING, "retrying": [entry.id]}
    assert entry.status == "pending"
    assert "cannot connect to the mail server" in (entry.last_error or "")
    assert entry.not_before > clock()
    assert _dispatch(app, ws_id) == NOTHING, "waits for its backoff"

    with server_on_port(port) as server:
        clock.now = entry.not_before
        clock.advance(seconds=1)
        assert _dispatch(app, ws_id) == {**NOTHING, "delivered": [entry.id]}
        assert server.recorder.message_ids() == [expected_message_id(entry)]
    entry = _entry(app, ws_id, action_id)
    assert entry.status == "sent" and entry.last_error is None
    assert action_row(app, ws_id, action_id).state == "done"


# -- (e) a delivered entry is never delivered again ------------------------------------------
def test_second_pass_never_resends_a_delivered_entry(make_app: AppFactory, db_url: str,
                                                     smtp_server: SmtpServer,
                                                     clock: FakeClock) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id = _allowed(app)
    assert len(_dispatch(app, ws_id)["delivered"]) == 1
    for _ in range(3):
        clock.advance(hours=2)  # past any lease or backoff
        assert _dispatch(app, ws_id) == NOTHING
    entry = _entry(app, ws_id, action_id)
    assert ids_of_workspace(smtp_server.recorder, ws_id) == [expected_message_id(entry)]
    assert entry.status == "sent" and entry.attempts == 1


def test_two_dispatchers_racing_deliver_each_message_once(make_app: AppFactory, db_url: str,
                                                          smtp_server: SmtpServer) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id = new_workspace(app, Phase.III)
    for address in add_contacts(app, ws_id, 12, prefix="race"):
        assert propose(app, ws_id, email_action(address, "Open house", BODY)).decision.name \
            == "allow"
    # Two workers, as on two machines: different owner tags, each with its own SMTP session.
    workers = [Dispatcher(app.db, app.registry, app.settings, clock=app.clock,
                          owner=f"worker-{n}.example:1") for n in (1, 2)]
    start = threading.Barrier(len(workers))
    errors: list[BaseException] = []

    def run(worker: Dispatcher) -> None:
        try:
            start.wait()
            worker.run_once()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    app.dispatcher().run_once()  # anything a busy database postponed
    entries = outbox_entries(app, ws_id)
    received = Counter(ids_of_workspace(smtp_server.recorder, ws_id))
    assert {e.status for e in entries} == {"sent"}
    assert received == Counter({expected_message_id(e): 1 for e in entries})


# -- (f) approvals are single use and bound to the payload -----------------------------------
def test_an_approval_is_used_once(make_app: AppFactory, db_url: str,
                                  smtp_server: SmtpServer) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    _approve(app, ws_id, approval_id)
    with pytest.raises(ApprovalError, match="already approved"):
        _approve(app, ws_id, approval_id)
    app.dispatcher().run_once()
    assert len(ids_of_workspace(smtp_server.recorder, ws_id)) == 1
    assert len(outbox_entries(app, ws_id)) == 1
    assert _outcomes(app, ws_id) == [(action_id, "approved_unchanged")]


def test_an_approval_refuses_a_payload_altered_after_asking(make_app: AppFactory, db_url: str,
                                                            smtp_server: SmtpServer) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    tampered = {**action_row(app, ws_id, action_id).payload,
                "recipients": ["mallory@example.net"],
                "to": [{"name": "", "address": "mallory@example.net"}]}
    with app.db.unit(ws_id) as session:
        session.execute(update(ActionRow).where(ActionRow.id == action_id)
                        .values(payload=tampered))

    with pytest.raises(ApprovalError, match="no longer matches"):
        _approve(app, ws_id, approval_id)
    assert _dispatch(app, ws_id) == NOTHING
    assert outbox_entries(app, ws_id) == []
    assert smtp_server.recorder.messages == []
    assert _approval(app, ws_id, approval_id).status == "pending"
    assert _outcomes(app, ws_id) == []


def test_an_expired_approval_refuses_and_is_recorded_expired(
        make_app: AppFactory, db_url: str, smtp_server: SmtpServer, clock: FakeClock) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    clock.advance(hours=app.settings.approval_ttl_hours, seconds=1)

    with pytest.raises(ApprovalError, match="expired"):
        _approve(app, ws_id, approval_id)
    assert _approval(app, ws_id, approval_id).status == "expired"
    assert action_row(app, ws_id, action_id).state == "expired"
    assert _outcomes(app, ws_id) == [(action_id, "expired")]
    with pytest.raises(ApprovalError, match="already expired"):
        _approve(app, ws_id, approval_id)
    assert _dispatch(app, ws_id) == NOTHING
    assert smtp_server.recorder.messages == []
    _audit_ok(app, ws_id)


# -- (g) edit: a new version, approved with edits ---------------------------------------------
def test_editing_makes_a_new_version_and_delivers_the_edit(make_app: AppFactory, db_url: str,
                                                           smtp_server: SmtpServer) -> None:
    app = make_app(db_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    edited_subject = "Jones closing: now Friday 10 am"
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        proposed = approvals.edit(session, approval_id, {"subject": edited_subject},
                                  workspaces.job_description(session, ws), app.catalog,
                                  app.clock(), app.approval_ttl)
    new_id = proposed.row.id
    assert new_id != action_id

    new, old = action_row(app, ws_id, new_id), action_row(app, ws_id, action_id)
    assert new.version == 2 and new.parent_id == action_id
    assert new.payload["subject"] == edited_subject and new.payload["body"] == BODY
    assert new.payload_hash != old.payload_hash
    assert old.state == "superseded" and new.state == "queued"
    assert _approval(app, ws_id, approval_id).status == "superseded"
    assert proposed.approval_id is not None
    assert _approval(app, ws_id, proposed.approval_id).status == "approved"
    assert _outcomes(app, ws_id) == [(new_id, "approved_with_edits")]
    assert outbox_entry_of(app, ws_id, action_id) is None, "the old version never goes out"

    report = _dispatch(app, ws_id)
    entry = _entry(app, ws_id, new_id)
    assert report == {**NOTHING, "delivered": [entry.id]}
    (message,) = smtp_server.recorder.messages
    assert message["Subject"] == edited_subject
    assert message["Message-ID"] == expected_message_id(entry)
    with pytest.raises(ApprovalError):
        _approve(app, ws_id, approval_id)
    _audit_ok(app, ws_id)


# -- (h) reject ----------------------------------------------------------------------------
def test_rejecting_records_it_and_sends_nothing(make_app: AppFactory, single_url: str,
                                                smtp_server: SmtpServer) -> None:
    app = make_app(single_url, smtp_server.url)
    ws_id, action_id, approval_id = _asked(app)
    with app.db.unit(ws_id) as session:
        approvals.reject(session, approval_id, app.clock(), note="wrong day")
    assert _dispatch(app, ws_id) == NOTHING
    assert smtp_server.recorder.messages == []
    assert outbox_entries(app, ws_id) == []
    assert action_row(app, ws_id, action_id).state == "rejected"
    assert _approval(app, ws_id, approval_id).status == "rejected"
    assert _outcomes(app, ws_id) == [(action_id, "rejected")]
    with pytest.raises(ApprovalError, match="already rejected"):
        _approve(app, ws_id, approval_id)
    _audit_ok(app, ws_id)


# -- (i) no server configured: .eml files ----------------------------------------------------
def test_without_smtp_mail_becomes_one_eml_file_per_action(single_app: App) -> None:
    app = single_app
    assert app.settings.smtp_url is None
    ws_id, action_id = _allowed(app)
    assert len(_dispatch(app, ws_id)["delivered"]) == 1
    folder = app.settings.outgoing_mail_dir
    (written,) = folder.glob("*.eml")
    entry = _entry(app, ws_id, action_id)
    parsed = message_from_bytes(written.read_bytes(), policy=policy.default)
    assert parsed["Message-ID"] == expected_message_id(entry)
    assert parsed["Subject"] == SUBJECT
    assert parsed["To"] == "Ann Known <ann000@example.com>"

    # Delivered a second time (the client resends an entry it thought uncertain): same file.
    with app.db.unit(ws_id) as session:
        session.execute(update(OutboxRow).where(OutboxRow.id == entry.id)
                        .values(status="uncertain"))
        outbox.settle(session, entry.id, "resend", app.clock())
    assert _dispatch(app, ws_id) == {**NOTHING, "delivered": [entry.id]}
    assert [p.name for p in folder.glob("*.eml")] == [written.name]
    assert not list(folder.glob(".*.tmp")), "no temporary files left behind"
    assert _entry(app, ws_id, action_id).status == "sent"
