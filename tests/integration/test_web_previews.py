"""What the Approvals page shows and lets the client change, kind by kind: a mailing send in
the client's words (mailing, list, recipients, pace, the first recipient's message) with no
ids or hashes on show or open to edits; edits refused for internal keys however they are
posted; and a bulk tick box only on the cards that may be approved without reading them."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, Mailing
from righthand.web import mailing_preview, previews, supply_preview
from righthand.web.previews import EditableField, Preview, Sender
from tests.support.web import seed_demo, set_phase, signed_in

NOW = datetime(2026, 11, 27, 15, tzinfo=UTC)
CAMPAIGN_PAYLOAD = {
    "mailing_id": 7, "mailing": "Spring newsletter", "list_id": 3, "list": "Newsletter",
    "segment_id": None, "segment": None, "subject": "Hi", "content_hash": "ab" * 32,
    "recipient_count": 8, "per_second": 5.0, "connections": 2}


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.II)


@pytest.fixture
def owner(single_app, office):
    return signed_in(single_app, office.owner, office.slug)


def _campaign(single_app, office, owner) -> tuple[int, ActionRow]:
    """The demo's spring newsletter proposed for sending and waiting for approval."""
    assert owner.put("/api/job/duties/mailings.send", json={"autonomy": "ask"}).status_code \
        == 200
    with single_app.db.unit(office.workspace_id, write=False) as session:
        spring = session.scalars(select(Mailing).where(Mailing.status == "draft")).first()
    sent = owner.post(f"/w/{office.slug}/mailings/{spring.id}/send")
    assert sent.status_code == 200, sent.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(
            ActionRow.kind == "mailings.send_campaign")).one()
        session.expunge(action)
    assert action.state == "awaiting_approval"
    [pending] = [p for p in owner.get("/api/approvals").json()
                 if p["action"]["id"] == action.id]
    return pending["id"], action


def _card(page: str, approval_id: int) -> str:
    """One approval's card on the page."""
    found = re.search(rf'<article class="card approval" id="approval-{approval_id}".*?</article>',
                      page, re.S)
    assert found, page[-2000:]
    return found.group(0)


def test_a_mailing_send_is_shown_in_plain_words_without_ids_or_hashes(single_app, office,
                                                                       owner):
    approval_id, action = _campaign(single_app, office, owner)
    card = _card(owner.get(f"/w/{office.slug}/approvals").text, approval_id)
    assert "<dt>Mailing</dt><dd>Spring newsletter</dd>" in card
    assert "<dt>To list</dt><dd>Newsletter</dd>" in card
    count = action.payload["recipient_count"]
    assert count > 0 and f"<dt>Recipients</dt><dd>{count}</dd>" in card
    assert "<dt>Pace</dt>" in card
    # the first recipient's message, merged as the campaign merges it
    assert "spring on the harbour" in card and "Thinking of selling?" in card
    assert "{{ first_name" not in card
    for hidden in ("content_hash", "mailing_id", "list_id", "recipient_count", "per_second",
                   action.payload["content_hash"]):
        assert hidden not in card
    assert "Edit…" not in card
    form = owner.get(f"/w/{office.slug}/approvals/{approval_id}/edit").text
    assert 'name="field__' not in form and "Nothing here can be edited" in form


def test_an_edit_of_the_content_hash_or_an_id_changes_nothing(single_app, office, owner):
    approval_id, action = _campaign(single_app, office, owner)
    for field in ("content_hash", "mailing_id", "recipient_count", "connections", "list"):
        page = owner.post(f"/w/{office.slug}/approvals/{approval_id}/edit",
                          data={f"field__{field}": "1"})
        assert page.status_code == 400 and "cannot be edited" in page.text
    api = owner.post(f"/api/approvals/{approval_id}/edit",
                     json={"changes": {"content_hash": "0" * 64}})
    assert api.status_code == 400 and "cannot be edited" in api.json()["detail"]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        rows = session.scalars(select(ActionRow).where(
            ActionRow.kind == "mailings.send_campaign")).all()
    assert [(r.id, r.state, r.payload) for r in rows] == \
        [(action.id, "awaiting_approval", action.payload)]


def test_the_bulk_box_is_only_on_cards_that_may_go_without_reading(single_app, office, owner):
    mailing_approval, _ = _campaign(single_app, office, owner)
    set_phase(single_app, office.workspace_id, Phase.I)
    owner.put("/api/job/duties/lists.maintain", json={"autonomy": "ask"})
    inside = owner.post("/api/ask", json={"text": "Add Sue Park, sue@example.com, to the "
                                                  "newsletter list"}).json()["actions"][0]
    assert inside["decision"] == "ask"
    page = owner.get(f"/w/{office.slug}/approvals").text
    outside = _card(page, mailing_approval)
    assert 'name="ids"' not in outside
    assert "Reaches someone outside — decide on its own." in outside
    safe = _card(page, inside["approval_id"])
    assert f'name="ids" value="{inside["approval_id"]}" form="bulk-form"' in safe
    assert "decide on its own" not in safe
    assert 'id="bulk-form"' in page
    # the subscription is shown in plain words, its list's id left out
    assert "<dt>List</dt><dd>Newsletter</dd>" in safe and "list_id" not in safe
    form = owner.get(f"/w/{office.slug}/approvals/{inside['approval_id']}/edit").text
    assert 'name="field__name"' in form and '<label for="f-email">Email address</label>' in form
    for fixed in ("list", "list_id", "source"):
        assert f'name="field__{fixed}"' not in form


def test_the_bulk_form_is_absent_when_nothing_may_go_in_bulk(single_app, office, owner):
    approval_id, _ = _campaign(single_app, office, owner)
    page = owner.get(f"/w/{office.slug}/approvals").text
    assert 'id="bulk-form"' not in page and 'name="ids"' not in page
    assert "decide on its own" in _card(page, approval_id)


def test_internal_keys_are_never_offered_nor_accepted():
    mailing_preview.install()
    assert previews.editable_fields(CAMPAIGN_PAYLOAD) == []  # bound to a content hash
    assert previews.coerce_changes(CAMPAIGN_PAYLOAD, {"content_hash": "0" * 64,
                                                      "mailing_id": "1", "subject": "X"}) == {}
    unhashed = {k: v for k, v in CAMPAIGN_PAYLOAD.items() if k != "content_hash"}
    offered = {f.name for f in previews.editable_fields(unhashed)}
    assert offered == {"subject"}  # not the ids, the count, the pace, nor the names of ids
    assert previews.editable_fields(unhashed, "mailings.send_campaign") == []
    assert previews.coerce_changes(unhashed, {"list": "Other", "recipient_count": "9",
                                              "connections": "20"}) == {}
    subscribe = {"list_id": 3, "list": "Newsletter", "contact_id": 4, "name": "Sue Park",
                 "email": "sue@example.com", "tag_ids": [1, 2], "po_id": 5, "po_number": "PO-1"}
    assert [f.name for f in previews.editable_fields(subscribe)] == ["name", "email"]
    assert previews.editable_fields(subscribe)[1].label == "Email address"


def test_a_kind_may_narrow_its_edits_and_a_renderer_cannot_widen_them(monkeypatch):
    supply_preview.install()
    order = {"subject": "PO", "body": "Text", "vendor": "Acme", "po_id": 1, "po_number": "PO-1",
             "amount": "10", "currency": "USD", "recipients": ["a@b.example"]}
    assert [f.name for f in previews.editable_fields(order, "supplies.purchase_order")] == \
        ["subject", "body"]
    assert previews.coerce_changes(order, {"vendor": "Evil", "body": "New"},
                                   "supplies.purchase_order") == {"body": "New"}

    def greedy(row, sender, now):
        return Preview("fields", editable=[EditableField("content_hash", "x", False),
                                           EditableField("note", "hi", False)])

    monkeypatch.setitem(previews._RENDERERS, "test.greedy", greedy)
    row = ActionRow(id=1, workspace_id=1, duty="d", kind="test.greedy", summary="s",
                    payload={"note": "hi", "mailing_id": 1}, state="awaiting_approval")
    from righthand.policy.duties import DutyCatalog
    shown = previews.preview(row, DutyCatalog(), Sender("Pat", "a@b.example"), NOW)
    assert [f.name for f in shown.editable] == ["note"] and shown.external


def test_unknown_kinds_show_labelled_fields_without_internal_values():
    fields = previews.plain_fields({"confirmation_id": 17, "status": "confirmed",
                                    "list_id": 3, "list": "Newsletter", "content_hash": "ff",
                                    "move_to": "Archive", "add_flags": ["\\Seen"],
                                    "message": {"folder": "INBOX", "message_id": "<x@y>"}})
    assert fields == [("Confirmation", "#17"), ("Status", "confirmed"), ("List", "Newsletter"),
                      ("Move to", "Archive"), ("Add flags", "\\Seen"),
                      ("Message", "Folder: INBOX")]
    control = {"mailing_id": 7, "mailing": "Spring newsletter", "recipient_count": 3,
               "requested_by": "client:pat"}
    assert previews.plain_fields(control) == [("Mailing", "Spring newsletter"),
                                              ("Recipients", "3"), ("Requested by", "client:pat")]
    assert previews.editable_fields(control) == []
    assert mailing_preview.pace({"per_second": 5.0, "connections": 2}) == \
        "At most 5 message(s) a second, 2 connections at a time"


def test_a_purchase_orders_vendor_cannot_be_changed_by_a_hand_made_edit(single_app, office,
                                                                        owner):
    from righthand.duties.supplies import ops
    from righthand.duties.supplies.quantities import round_to_packs
    from righthand.store.tables import ItemRow, Workspace
    from tests.support.supplies import gate

    with single_app.db.unit(office.workspace_id) as session:
        ws = session.get(Workspace, office.workspace_id)
        item = session.scalars(select(ItemRow).order_by(ItemRow.id)).first()
        assert ws is not None and item is not None
        _po, proposed = ops.order(session, ws, item, round_to_packs(10, item.pack_size),
                                  gate(single_app, session, ws), single_app.clock())
    approval_id, action_id = proposed.approval_id, proposed.row.id
    assert approval_id is not None, "Phase II asks before a purchase order goes out"
    for how in ("page", "api"):
        answer = owner.post(f"/w/{office.slug}/approvals/{approval_id}/edit",
                            data={"field__vendor": "Evil Supplies"}) if how == "page" else \
            owner.post(f"/api/approvals/{approval_id}/edit",
                       json={"changes": {"vendor": "Evil Supplies"}})
        assert answer.status_code == 400 and "vendor cannot be edited" in answer.text, how
    with single_app.db.unit(office.workspace_id, write=False) as session:
        row = session.get(ActionRow, action_id)
    assert row is not None and row.state == "awaiting_approval" and row.payload["vendor"] != "Evil Supplies"
