"""email.send: the recipient resolved among contacts (asks which Bob), a draft in the client's
voice (sign-off and signature from the profile), gated, sent through the workspace's own SMTP
server (real aiosmtpd) and threaded when it replies to a known message."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from righthand.duties.email.compose import send
from righthand.duties.plugin import Request
from righthand.duties.plugin import Workspace as WorkspaceInfo
from righthand.policy.duties import Phase
from righthand.policy.gate import Allow, Ask
from righthand.service import approvals, assistant, mail_accounts, workspaces
from righthand.store.tables import ContactEmail, ContactRow, MailMessage, Workspace
from tests.conftest import new_workspace, workspace_slug
from tests.support.mail import propose
from tests.support.smtp import SmtpServer

pytestmark = pytest.mark.server
ME = "pat@harbourpine.example"


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def _office(app, tmp_path, smtp_port: int | None) -> int:
    wid = new_workspace(app, Phase.II)
    now = app.clock()
    with app.db.unit(wid) as session:
        ws = session.get(Workspace, wid)
        ws.profile = {"email": ME, "sign_off": "Warm regards,",
                      "signature": "Pat Lee\nHarbour & Pine Realty"}
        for given, family, address in [("Bob", "Miller", "bob.miller@example.com"),
                                       ("Bob", "Stone", "bob@stone.example"),
                                       ("Ann", "Lee", "ann@example.com")]:
            contact = ContactRow(workspace_id=wid, given_name=given, family_name=family,
                                 display_name=f"{given} {family}", created_at=now)
            session.add(contact)
            session.flush()
            session.add(ContactEmail(workspace_id=wid, contact_id=contact.id, address=address))
        if smtp_port is not None:
            mail_accounts.save(session, wid, mail_accounts.AccountSettings(
                kind="maildir", maildir_path=str(tmp_path / "Maildir"), smtp_host="127.0.0.1",
                smtp_port=smtp_port, smtp_security="none", address=ME), now)
    return wid


def _deliver(app, wid, proposed) -> None:
    if isinstance(proposed.decision, Ask):
        with app.db.unit(wid) as session:
            ws = session.get(Workspace, wid)
            job = workspaces.job_description(session, ws)
            approvals.approve(session, proposed.approval_id, job, app.catalog, app.clock())
    else:
        assert isinstance(proposed.decision, Allow)
    app.dispatcher().run_once()


def _handle(app, wid, text, slots):
    with app.db.unit(wid) as session:
        info = WorkspaceInfo(wid, "Pat Lee", "Jane", "America/New_York")
        return send(Request(text, "email.send", slots, app.clock(), info, session))


def test_asks_which_bob_then_sends_in_the_clients_voice(app, tmp_path, smtp_server):
    wid = _office(app, tmp_path, smtp_server.port)
    slug = workspace_slug(app, wid)
    which = assistant.ask(app, "Email Bob that I'm running ten minutes late", slug)
    assert which.actions == [] and "Bob Miller" in which.answer and "Bob Stone" in which.answer
    reply = _handle(app, wid, "Email Bob Miller that I'm running ten minutes late",
                    {"contact": "Bob Miller", "message": "that I'm running ten minutes late"})
    [action] = reply.actions
    assert action.payload["body"] == ("Hi Bob,\n\nI'm running ten minutes late.\n\n"
                                      "Warm regards,\nPat Lee\nHarbour & Pine Realty\n")
    _deliver(app, wid, propose(app, wid, action))
    [sent] = smtp_server.recorder.messages
    assert sent["To"].addresses[0].addr_spec == "bob.miller@example.com"
    assert sent["From"].addresses[0].addr_spec == ME  # the workspace's own server and address
    assert "Warm regards," in sent.get_content()


def test_reply_threads_to_the_known_message(app, tmp_path, smtp_server):
    wid = _office(app, tmp_path, smtp_server.port)
    with app.db.unit(wid) as session:
        session.add(MailMessage(workspace_id=wid, message_key="k1", folder="INBOX",
                                message_id="<showing-1@example.com>",
                                from_address="ann@example.com", from_name="Ann Lee",
                                subject="Showing on Friday", fetched_at=app.clock(),
                                sent_at=app.clock(), state="screened",
                                facts={"in_reply_to": "<first@harbourpine.example>"}))
    reply = _handle(app, wid, "Reply to Ann that Friday at 3 works",
                    {"contact": "Ann", "message": "Friday at 3 works"})
    [action] = reply.actions
    assert action.payload["subject"] == "Re: Showing on Friday"
    _deliver(app, wid, propose(app, wid, action))
    [sent] = smtp_server.recorder.messages
    assert sent["In-Reply-To"] == "<showing-1@example.com>"
    assert sent["References"] == "<first@harbourpine.example> <showing-1@example.com>"


def test_unknown_address_needs_approval_and_no_smtp_falls_back_to_the_folder(app, tmp_path):
    wid = _office(app, tmp_path, None)
    reply = _handle(app, wid, "Email stranger@else.example that the house is sold",
                    {"contact": "stranger@else.example", "message": "the house is sold"})
    [action] = reply.actions
    assert action.payload["body"].startswith("Hello,\n\nThe house is sold.")
    proposed = propose(app, wid, action)
    assert isinstance(proposed.decision, Ask)  # known contacts only unless approved
    _deliver(app, wid, proposed)
    assert list((tmp_path / "data" / "outgoing").glob("*.eml"))
    with app.db.unit(wid, write=False) as session:
        assert session.scalars(select(MailMessage)).first() is None
