"""End to end: "Order two boxes of printer paper" -> approval -> the dispatcher emails the
order with its PDF to a real SMTP server (aiosmtpd) -> the order is 'sent'. Both databases."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from righthand.bootstrap import App, build
from righthand.duties.supplies import lifecycle, ops
from righthand.errors import BadInput
from righthand.policy.duties import Phase
from righthand.service import outbox
from righthand.service.assistant import ask
from tests.conftest import make_settings, workspace_slug
from tests.support.clock import FakeClock
from tests.support.mail import action_row, ids_of_workspace, outbox_entry_of
from tests.support.smtp import Recorder, SmtpServer
from tests.support.supplies import approve, deliver, office, place, snapshot

pytestmark = pytest.mark.server


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A recording aiosmtpd server on a free loopback port."""
    with SmtpServer() as server:
        yield server


@pytest.fixture
def mail_app(db_url: str, tmp_path: Path, clock: FakeClock,
             smtp_server: SmtpServer) -> Iterator[App]:
    """The app on each database, delivering mail to the recording server."""
    application = build(make_settings(tmp_path, db_url, smtp_url=smtp_server.url,
                                      mail_from="jane@harbourpine.example"), clock=clock)
    yield application
    application.db.dispose()


def test_an_approved_order_reaches_the_vendor_with_its_pdf(mail_app: App,
                                                           smtp_server: SmtpServer) -> None:
    app = mail_app
    ws_id = office(app, Phase.I)
    answer = ask(app, "Order two boxes of printer paper", workspace_slug(app, ws_id))
    [action] = answer.actions
    assert action.decision == "ask" and action.approval_id is not None
    assert ids_of_workspace(smtp_server.recorder, ws_id) == [], "nothing leaves before the yes"
    assert snapshot(app, ws_id, "PO-0001").status == "draft"

    action_id = approve(app, ws_id, action.approval_id)
    assert snapshot(app, ws_id, "PO-0001").status == "approved"
    assert deliver(app, action_id)

    [message] = [m for m in smtp_server.recorder.messages
                 if str(m["X-Righthand-Action"]).startswith(f"rh-{ws_id}-")]
    assert message["Subject"] == "Purchase order PO-0001 from Harbour & Pine Realty"
    assert message["To"] == "Jo Harbor <orders@harboroffice.example>"
    assert message["From"] == "Pat Lee <jane@harbourpine.example>"
    assert message["Reply-To"] == "pat@harbourpine.example"
    body = message.get_body(preferencelist=("plain",))
    assert body is not None
    text = body.get_content()
    assert text.startswith("Hello Jo,") and "purchase order PO-0001" in text
    assert "Printer paper (PAP-A4-500): 2 boxes at $42.00 = $84.00" in text
    [pdf] = list(message.iter_attachments())
    assert pdf.get_content_type() == "application/pdf"
    assert pdf.get_filename() == "PO-0001.pdf"
    page = PdfReader(io.BytesIO(pdf.get_content())).pages[0].extract_text()
    assert "PURCHASE ORDER" in page and "Number: PO-0001" in page
    assert "PAP-A4-500" in page and "$84.00" in page

    po = snapshot(app, ws_id, "PO-0001")
    assert po.status == "sent" and po.sent
    assert str(message["Message-ID"]) in po.notes
    assert deliver(app, action_id) == [], "sent once"


def test_an_order_whose_email_failed_can_be_cancelled_and_is_never_resent(
        db_url: str, tmp_path: Path, clock: FakeClock) -> None:
    with SmtpServer(Recorder(fail_codes=["550 5.1.1 no such mailbox"])) as server:
        app = build(make_settings(tmp_path, db_url, smtp_url=server.url), clock=clock)
        try:
            ws_id = office(app, Phase.II)  # 84.00 is within the limits: allowed at once
            number, proposed = place(app, ws_id, "PAP-A4-500", 2)
            assert deliver(app, proposed.row.id) == []
            assert action_row(app, ws_id, proposed.row.id).state == "failed"
            assert snapshot(app, ws_id, number).status == "approved"

            with app.db.unit(ws_id) as session:
                said = ops.cancel(session, lifecycle.find(session, number), app.clock())
            assert "never went out and will not be retried" in said
            entry = outbox_entry_of(app, ws_id, proposed.row.id)
            assert entry is not None and entry.status == "cancelled"
            with app.db.unit(ws_id) as session, pytest.raises(BadInput, match="only uncertain"):
                outbox.settle(session, entry.id, "resend", app.clock())
            assert snapshot(app, ws_id, number).status == "cancelled"
            assert server.recorder.messages == []
        finally:
            app.db.dispose()
