"""The duty pages at work: the pipeline board and deal pages, contacts and lists, mailings,
inbox, supplies -- each change an Action through the gate, attributed to the web user."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, DealRow
from tests.support.web import seed_demo, set_phase, signed_in


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.III)


@pytest.fixture
def owner(single_app, office):
    return signed_in(single_app, office.owner, office.slug)


def _deal(single_app, office, title: str = "Jones") -> DealRow:
    with single_app.db.unit(office.workspace_id, write=False) as session:
        return session.scalars(select(DealRow).where(DealRow.title.contains(title))).first()


def test_the_board_shows_stages_totals_and_moves_a_deal_through_the_gate(single_app, office,
                                                                         owner):
    base = f"/w/{office.slug}"
    page = owner.get(f"{base}/pipeline")
    assert page.status_code == 200
    assert "Move to" in page.text and 'class="board"' in page.text and "weighted" in page.text
    svg = owner.get(f"{base}/pipeline/funnel.svg")
    assert svg.headers["content-type"].startswith("image/svg+xml") and "<svg" in svg.text
    deal = _deal(single_app, office)
    moved = owner.post(f"{base}/pipeline/deals/{deal.id}/move", data={"stage": "closing"})
    assert moved.status_code == 200 and "Done: Move" in moved.text, moved.text[-2000:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        row = session.scalars(select(ActionRow).where(ActionRow.kind == "sales.update_deal")
                              .order_by(ActionRow.id.desc())).first()
        assert row.requested_by.startswith("client:") and row.state == "done"
    detail = owner.get(f"{base}/pipeline/deals/{deal.id}")
    assert "Moved from" in detail.text and "Timeline" in detail.text


def test_deal_changes_are_refused_when_the_duty_is_off(single_app, office, owner):
    set_phase(single_app, office.workspace_id, Phase.I)
    deal = _deal(single_app, office)
    answer = owner.post(f"/w/{office.slug}/pipeline/deals/{deal.id}/note",
                        data={"note": "called them"})
    assert answer.status_code == 200 and "Not done" in answer.text


def test_notes_next_steps_and_outcomes(single_app, office, owner):
    base = f"/w/{office.slug}/pipeline/deals"
    deal = _deal(single_app, office)
    assert "Done: Note" in owner.post(f"{base}/{deal.id}/note", data={"note": "Rang <b>"}).text
    step = owner.post(f"{base}/{deal.id}/next-step", data={"step": "Send the contract",
                                                          "due": "2026-12-01"})
    assert "Done: Next step" in step.text
    bad = owner.post(f"{base}/{deal.id}/next-step", data={"step": "x", "due": "soon"})
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    won = owner.post(f"{base}/{deal.id}/outcome", data={"outcome": "won"})
    assert "Done: Mark" in won.text and "Reopen" in won.text


CSV = (b"Name,Email,Company,Tags\n"
       b"Ada Lovelace,ada@example.com,Engines Ltd,vip\n"
       b"Broken Row,not-an-email,,\n"
       b"Bob Miller,bob.miller@example.com,,\n")


def test_a_contact_csv_is_imported_with_progress_and_a_report(single_app, office, owner):
    base = f"/w/{office.slug}"
    form = owner.get(f"{base}/contacts/import")
    assert form.status_code == 200 and 'enctype="multipart/form-data"' in form.text
    sent = owner.post(f"{base}/contacts/import", files={"file": ("people.csv", CSV, "text/csv")},
                      data={"mode": "add", "list_slug": "newsletter"}, follow_redirects=False)
    assert sent.status_code == 303, sent.text
    page = owner.get(sent.headers["location"])
    assert "Imported." in page.text and "created" in page.text, page.text
    progress = owner.get(sent.headers["location"] + "/progress", headers={"HX-Request": "true"})
    assert 'id="import-progress"' in progress.text and "hx-trigger" not in progress.text
    found = owner.get(f"{base}/contacts", params={"q": "lovelace"})
    assert "Ada Lovelace" in found.text
    bad = owner.get(sent.headers["location"] + "/invalid.csv")
    assert "not-an-email" in bad.text


def test_contacts_are_edited_merged_and_suppressed_through_the_gate(single_app, office, owner):
    base = f"/w/{office.slug}"
    from righthand.store.tables import ContactRow
    with single_app.db.unit(office.workspace_id, write=False) as session:
        bob = session.scalars(select(ContactRow).where(ContactRow.display_name == "Bob Miller")
                              ).one()
    page = owner.get(f"{base}/contacts/{bob.id}")
    assert page.status_code == 200 and 'for="c-company"' in page.text
    saved = owner.post(f"{base}/contacts/{bob.id}", data={"company": "Miller & Co",
                                                           "add_tags": "buyer"})
    assert "Done: Update Bob Miller" in saved.text, saved.text[-1500:]
    assert owner.get(f"{base}/contacts/duplicates").status_code == 200
    lists = owner.get(f"{base}/lists")
    assert "Suppression list" in lists.text and "Newsletter" in lists.text
    blocked = owner.post(f"{base}/lists/suppression", data={"address": "x@example.org"})
    assert "Done: Stop every mailing" in blocked.text and "x@example.org" in blocked.text
    allowed = owner.post(f"{base}/lists/suppression/remove", data={"address": "x@example.org"})
    assert "Done: Let mailings reach" in allowed.text
    segment = owner.post(f"{base}/lists/segments", data={"name": "VIPs",
                                                          "conditions": "tag=buyer"})
    assert "Done: Save the segment" in segment.text


def test_a_mailing_is_composed_previewed_tested_sent_and_followed(single_app, office, owner):
    base = f"/w/{office.slug}"
    listing = owner.get(f"{base}/mailings")
    assert listing.status_code == 200 and "Spring newsletter" in listing.text
    made = owner.post(f"{base}/mailings", data={
        "name": "Open house", "list_slug": "newsletter", "subject": "Hi {{ first_name }}",
        "text": "Dear {{ first_name }}, come by.",
        "html": '<p>Dear {{ first_name }}</p><img src="https://tracker.example/x.png">'},
        follow_redirects=False)
    assert made.status_code == 303, made.text
    url = made.headers["location"]
    page = owner.get(url)
    assert "Dry run" in page.text and "remote image(s) blocked" in page.text
    assert "tracker.example" not in page.text.split("mailhtml")[1][:500]
    assert "Show images" in page.text
    tested = owner.post(f"{url}/test", data={"to": "pat@example.com"})
    assert "Test" in tested.text and 'class="notice' in tested.text
    sent = owner.post(f"{url}/send")
    assert sent.status_code == 200, sent.text[-1500:]
    assert "Waiting for the client's approval" in sent.text or "Queued" in sent.text \
        or "Done" in sent.text
    progress = owner.get(f"{url}/progress", headers={"HX-Request": "true"})
    assert 'id="mailing-progress"' in progress.text


def _mail(single_app, office) -> None:
    from righthand.service import demo_mail
    demo_mail.seed(single_app, office.workspace_id, office.slug, single_app.clock())


def test_the_inbox_shows_mail_takes_corrections_and_rules(single_app, office, owner):
    from righthand.store.tables import MailMessage, ScreeningCorrection
    _mail(single_app, office)
    base = f"/w/{office.slug}"
    page = owner.get(f"{base}/inbox")
    assert page.status_code == 200 and "Rules" in page.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        first = session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
    shown = owner.get(f"{base}/inbox/messages/{first.id}")
    assert shown.status_code == 200 and 'for="msg-cat"' in shown.text
    fixed = owner.post(f"{base}/inbox/messages/{first.id}/category", data={"category": "vip"})
    assert fixed.status_code == 200 and "is now vip" in fixed.text, fixed.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        assert session.scalars(select(ScreeningCorrection)).first() is not None
    preview = owner.get(f"{base}/inbox/rules", params={"text": "treat anything from "
                                                               "example.com as urgent"})
    assert "Matches" in preview.text and "Save this rule" in preview.text
    saved = owner.post(f"{base}/inbox/rules", data={"text": "treat anything from example.com "
                                                            "as urgent"})
    assert "Rule #" in saved.text and "Switch off" in saved.text
    assert owner.get(f"{base}/inbox", params={"category": "vip"}).status_code == 200


def test_mail_html_is_sanitised_with_remote_images_blocked(single_app, office, owner):
    from righthand.duties.screening.store import record_fetched
    raw = (b"From: Eve <eve@evil.example>\r\nSubject: hi\r\nMessage-ID: <x1@evil.example>\r\n"
           b"MIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n"
           b"<p onclick=\"alert(1)\">Hello</p><script>alert(2)</script>"
           b"<img src=\"https://track.example/p.gif\">\r\n")
    with single_app.db.unit(office.workspace_id) as session:
        record_fetched(session, office.workspace_id, "INBOX", 1, 99, raw, single_app.clock())
        from righthand.store.tables import MailMessage
        row = session.scalars(select(MailMessage).where(MailMessage.uid == 99)).one()
        row.raw = raw  # as a quarantined message keeps it
        message_id = row.id
    page = owner.get(f"/w/{office.slug}/inbox/messages/{message_id}").text
    assert "alert(2)" not in page and "onclick" not in page
    assert "track.example" not in page and "Show images" in page
    shown = owner.get(f"/w/{office.slug}/inbox/messages/{message_id}",
                      params={"images": "true"}).text
    assert "<script>" not in shown


def test_supplies_stock_orders_with_a_previewed_po_and_receiving(single_app, office, owner):
    from righthand.store.tables import ItemRow, PurchaseOrder
    base = f"/w/{office.slug}"
    page = owner.get(f"{base}/supplies")
    assert page.status_code == 200 and "Below the reorder point" in page.text
    assert "Printer paper" in page.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        paper = session.scalars(select(ItemRow).where(ItemRow.name.contains("paper"))).first()
    ordered = owner.post(f"{base}/supplies/items/{paper.id}/order", data={"quantity": "2"})
    assert "Done: Send purchase order" in ordered.text, ordered.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        po = session.scalars(select(PurchaseOrder).order_by(PurchaseOrder.id.desc())).first()
    shown = owner.get(f"{base}/supplies/orders/{po.id}")
    assert po.number in shown.text and "Record the delivery" in shown.text
    received = owner.post(f"{base}/supplies/orders/{po.id}/receive",
                          data={f"qty_{paper.id}": "1"})
    assert "Done: Receive" in received.text
    set_phase(single_app, office.workspace_id, Phase.I)
    asked = owner.post(f"{base}/supplies/items/{paper.id}/order", data={"quantity": "1"})
    assert "Waiting for the client" in asked.text, asked.text[-1500:]
    approvals = owner.get(f"{base}/approvals").text
    assert "Purchase order</dt>" in approvals and "Harbor Office Supply" in approvals
