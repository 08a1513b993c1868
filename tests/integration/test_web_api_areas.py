"""The duty areas' read-only JSON API: contacts, lists, mailings, inbox, deals, supplies.

Each endpoint answers the demo office's data to a token with the ``read`` scope; a token
without it gets 403; a staff member gets 403 exactly where the page says no duty that reads
the area is on; pages walk with ``limit`` and ``next``; a message's HTML only ever comes out of
the sanitiser; another workspace's ids answer 404 (``test_web_isolation.py`` covers every route
as well).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.service import demo_mail
from righthand.store.tables import (
    ContactRow,
    DealRow,
    ItemRow,
    Mailing,
    MailingListRow,
    MailMessage,
    PurchaseOrder,
    User,
    Workspace,
)
from righthand.web import tokens
from tests.support.web import add_user, client, csrf, login, seed_demo, set_phase, unique

LISTS = ["/api/contacts", "/api/lists", "/api/mailings", "/api/inbox", "/api/deals",
         "/api/supplies/items", "/api/supplies/orders"]
# Detail routes: the id's table, and the page that shows the same row.
DETAILS = {"/api/contacts/{}": ContactRow, "/api/lists/{}/members": MailingListRow,
           "/api/mailings/{}": Mailing, "/api/inbox/messages/{}": MailMessage,
           "/api/deals/{}": DealRow, "/api/supplies/orders/{}": PurchaseOrder}
# Each API route and the page of the same area (its refusal is the page's rule for staff).
PAGES = {"/api/contacts": "contacts", "/api/lists": "lists", "/api/mailings": "mailings",
         "/api/inbox": "inbox", "/api/deals": "pipeline", "/api/supplies/items": "supplies",
         "/api/supplies/orders": "supplies"}
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _office(app, monkeypatch, phase: Phase = Phase.III, orders: int = 1):
    """A demo office with its mail stored and ``orders`` purchase orders."""
    office = seed_demo(app, monkeypatch, phase)
    demo_mail.seed(app, office.workspace_id, office.slug, app.clock())
    web = client(app)
    login(web, office.owner)
    token = csrf(web, office.slug)
    with app.db.unit(office.workspace_id, write=False) as session:
        items = list(session.scalars(select(ItemRow.id).order_by(ItemRow.id)))
    for item in items[:orders]:
        answer = web.post(f"/w/{office.slug}/supplies/items/{item}/order",
                          data={"csrf_token": token, "quantity": "2"})
        assert answer.status_code == 200, answer.text
    return office


def _token(app, office, username: str | None = None, role: str = "owner",
           scopes: tuple[str, ...] = ("read",)) -> dict[str, str]:
    with app.db.unit(None) as session:
        user = session.scalars(select(User).where(
            User.username == (username or office.owner))).one()
        ws = session.get(Workspace, office.workspace_id)
        raw, _ = tokens.issue(session, user, ws, role, "api areas", list(scopes), app.clock(),
                              "admin:test")
    return {"Authorization": f"Bearer {raw}"}


def _id(app, office, table, **where: Any) -> int:
    with app.db.unit(office.workspace_id, write=False) as session:
        query = select(table.id).order_by(table.id)
        for name, value in where.items():
            query = query.where(getattr(table, name).contains(value))
        return int(session.scalars(query).first())


def _datetimes(value: Any) -> list[str]:
    """Every string in an answer that looks like a datetime."""
    if isinstance(value, dict):
        return [s for v in value.values() for s in _datetimes(v)]
    if isinstance(value, list):
        return [s for v in value for s in _datetimes(v)]
    return [value] if isinstance(value, str) and re.match(r"^\d{4}-\d\d-\d\dT", value) else []


@pytest.fixture
def office(single_app, monkeypatch):
    return _office(single_app, monkeypatch)


def test_each_endpoint_answers_the_demo_office_data(single_app, office):
    web = client(single_app)
    web.headers.update(_token(single_app, office))
    answers = {}

    people = web.get("/api/contacts").json()
    answers["contacts"] = people
    assert people["total"] >= 10 and len(people["contacts"]) == min(50, people["total"])
    bob = next(c for c in people["contacts"] if c["display_name"] == "Bob Miller")
    assert bob["emails"] and bob["phones"][0]["e164"].startswith("+")
    found = web.get("/api/contacts", params={"q": "miller"}).json()
    assert [c["display_name"] for c in found["contacts"]] == ["Bob Miller"]
    assert found["total"] is None and found["next"] is None
    one = web.get(f"/api/contacts/{bob['id']}").json()
    answers["contact"] = one
    assert one["display_name"] == "Bob Miller" and one["emails"] == bob["emails"]

    lists = web.get("/api/lists").json()
    newsletter = next(x for x in lists if x["slug"] == "newsletter")
    assert newsletter["counts"]["confirmed"] == newsletter["total"] > 0
    assert {x["slug"] for x in lists} >= {"newsletter", "buyers"}
    members = web.get(f"/api/lists/{newsletter['id']}/members").json()
    answers["members"] = members
    assert members["mailing_list"]["name"] == "Newsletter"
    assert len(members["members"]) == newsletter["total"]
    assert {m["state"] for m in members["members"]} == {"confirmed"}
    assert any(m["list_slug"] == "newsletter" for c in people["contacts"]
               for m in c["lists"])

    mailings = web.get("/api/mailings").json()
    answers["mailings"] = mailings
    spring = next(m for m in mailings if m["name"] == "Spring newsletter")
    assert spring["status"] == "draft" and spring["list_slug"] == "newsletter"
    assert spring["counts"] == {"pending": 0, "sending": 0, "sent": 0, "failed": 0,
                                "uncertain": 0, "skipped": 0, "total": 0}
    detail = web.get(f"/api/mailings/{spring['id']}").json()
    answers["mailing"] = detail
    assert "nothing has been sent yet" in detail["status_text"]
    assert detail["has_html"] is True and "body_html" not in detail
    assert "{{ first_name" in detail["body_text"]  # the template as written

    inbox = web.get("/api/inbox").json()
    answers["inbox"] = inbox
    assert len(inbox["messages"]) >= 5 and inbox["next"] is None
    cruise = next(m for m in inbox["messages"] if "cruise" in m["subject"])
    assert cruise["from_address"] == "winner@prize-center.example"
    message = web.get(f"/api/inbox/messages/{cruise['id']}").json()
    answers["message"] = message
    assert "Caribbean cruise" in message["text"] and message["html"] is None

    board = web.get("/api/deals").json()
    answers["deals"] = board
    default = next(p for p in board["pipelines"] if p["is_default"])
    deals = [d for s in default["stages"] for d in s["deals"]]
    assert deals and all(d["status"] == "open" for d in deals)
    assert all(s["outcome"] == "open" for s in default["stages"])
    staged = next(s for s in default["stages"] if s["deals"])
    amounts = [d for d in staged["deals"] if d["amount"] is not None]
    if amounts:
        total = sum(float(d["amount"]) for d in amounts if d["currency"] == "USD")
        usd = next(t for t in staged["totals"] if t["currency"] == "USD")
        assert float(usd["amount"]) == pytest.approx(total)
    jones = next(d for d in deals if "Jones" in d["title"])
    deal = web.get(f"/api/deals/{jones['id']}").json()
    answers["deal"] = deal
    assert deal["title"] == jones["title"] and deal["timeline"] and deal["situation"]
    assert deal["parties"] and deal["pipeline"] == default["name"]
    assert web.get("/api/deals", params={"status": "all"}).status_code == 200
    assert web.get("/api/deals", params={"status": "maybe"}).status_code == 422

    stock = web.get("/api/supplies/items").json()
    answers["items"] = stock
    by_name = {i["name"]: i for i in stock}
    assert by_name["Manila folders"]["below_reorder"] is False
    assert by_name["For Sale signs"]["below_reorder"] is True  # 3 on hand, reorder at 4
    assert by_name["Printer paper"]["vendor"] == "Harbor Office Supply"
    orders = web.get("/api/supplies/orders").json()
    answers["orders"] = orders
    [po] = orders["orders"]
    assert po["number"].startswith("PO-") and po["vendor"] == "Harbor Office Supply"
    order = web.get(f"/api/supplies/orders/{po['id']}").json()
    answers["order"] = order
    assert order["lines"][0]["name"] == "Printer paper" and order["lines"][0]["quantity"] >= 2

    stamps = _datetimes(answers)
    assert len(stamps) > 20
    for stamp in stamps:  # ISO 8601 with an offset
        assert ISO.match(stamp), stamp
        assert datetime.fromisoformat(stamp).utcoffset() == timedelta(0)


def test_a_token_without_the_read_scope_is_refused(single_app, office):
    web = client(single_app)
    web.headers.update(_token(single_app, office, scopes=("ask",)))
    urls = LISTS + [path.format(_id(single_app, office, table))
                    for path, table in DETAILS.items()]
    for url in urls:
        answer = web.get(url)
        assert answer.status_code == 403, url
        assert "lacks the 'read' scope" in answer.json()["detail"], url
    reader = client(single_app)
    reader.headers.update(_token(single_app, office))
    assert all(reader.get(url).status_code == 200 for url in urls)


def test_staff_see_an_area_exactly_when_its_page_shows_it(single_app, monkeypatch):
    office = _office(single_app, monkeypatch, Phase.I)
    staff = add_user(single_app, unique("kim"), office.workspace_id, "staff")
    session_web = client(single_app)
    login(session_web, staff)
    token_web = client(single_app)
    token_web.headers.update(_token(single_app, office, staff, "staff", ("read", "ask")))
    ids = {path: _id(single_app, office, table) for path, table in DETAILS.items()}
    seen: dict[bool, list[str]] = {True: [], False: []}
    for url, page in PAGES.items():
        shown = "assistants do not see it" not in session_web.get(f"/w/{office.slug}/{page}").text
        seen[shown].append(url)
        details = [path.format(ids[path]) for path in DETAILS if path.startswith(url + "/")
                   or (url == "/api/inbox" and path.startswith("/api/inbox/"))
                   or (url == "/api/supplies/orders" and path.startswith(url))]
        for web in (session_web, token_web):
            for target in [url, *details]:
                answer = web.get(target)
                assert answer.status_code == (200 if shown else 403), (target, shown)
                if not shown:
                    assert "assistants do not see it" in answer.json()["detail"]
    assert seen[True] and seen[False], seen  # Phase I: some areas on, some off
    # Once the client delegates everything, staff read every area.
    set_phase(single_app, office.workspace_id, Phase.III)
    for url in LISTS:
        assert token_web.get(url).status_code == 200, url


def _walk(web, url: str, key: str, cursor: str, **params: Any) -> list[int]:
    """Every id of a paginated answer, two at a time."""
    ids: list[int] = []
    after: int | None = None
    for _ in range(100):
        query = {"limit": 2, **params, **({cursor: after} if after is not None else {})}
        page = web.get(url, params=query).json()
        rows = page[key]
        assert len(rows) <= 2
        ids += [r.get("id", r.get("contact_id")) for r in rows]
        after = page["next"]
        if after is None:
            return ids
        assert len(rows) == 2
    raise AssertionError("the pages never ended")


def test_pages_walk_with_limit_and_next(single_app, monkeypatch):
    office = _office(single_app, monkeypatch, orders=3)
    web = client(single_app)
    web.headers.update(_token(single_app, office))
    everyone = web.get("/api/contacts", params={"limit": 200}).json()
    first = web.get("/api/contacts", params={"limit": 2}).json()
    assert first["next"] == 2 and len(first["contacts"]) == 2
    walked = _walk(web, "/api/contacts", "contacts", "offset")
    assert walked == [c["id"] for c in everyone["contacts"]]
    assert len(walked) == everyone["total"]
    searched = _walk(web, "/api/contacts", "contacts", "offset", q="example")
    assert len(searched) == len(set(searched)) > 2

    newsletter = _id(single_app, office, MailingListRow, slug="newsletter")
    members = _walk(web, f"/api/lists/{newsletter}/members", "members", "offset")
    listed = web.get(f"/api/lists/{newsletter}/members", params={"limit": 200}).json()
    assert members == [m["contact_id"] for m in listed["members"]] and len(members) > 2

    mail = _walk(web, "/api/inbox", "messages", "before")
    assert mail == sorted(mail, reverse=True) and len(mail) == len(set(mail)) > 2
    assert mail == [m["id"] for m in web.get("/api/inbox", params={"limit": 200}).json()
                    ["messages"]]
    orders = _walk(web, "/api/supplies/orders", "orders", "before")
    assert len(orders) == 3 and orders == sorted(orders, reverse=True)

    assert web.get("/api/contacts", params={"limit": 201}).status_code == 422
    assert web.get("/api/inbox", params={"limit": 0}).status_code == 422


HOSTILE_HTML = ('<p>Hello <b>Pat</b></p><script>alert("rh-xss")</script>'
                '<img src="https://tracker.example/pixel.png" onerror="alert(2)">'
                '<a href="javascript:alert(3)">click</a><p onclick="alert(4)">hi</p>')


def test_a_message_html_body_only_comes_out_sanitised(single_app, office):
    mail = EmailMessage()
    mail["From"], mail["To"], mail["Subject"] = ("eve@evil.example", "pat@harbourpine.example",
                                                 "Hostile")
    mail.set_content("Hello Pat, plain text.")
    mail.add_alternative(HOSTILE_HTML, subtype="html")
    with single_app.db.unit(office.workspace_id) as session:
        row = session.scalars(select(MailMessage).order_by(MailMessage.id)).first()
        row.raw = bytes(mail)  # as a quarantined message keeps it (the page reads it so too)
        message_id = row.id
    web = client(single_app)
    web.headers.update(_token(single_app, office))
    for images in (False, True):
        answer = web.get(f"/api/inbox/messages/{message_id}", params={"images": images})
        assert answer.status_code == 200
        body = answer.json()
        assert "<b>Pat</b>" in body["html"]
        for live in ("<script", "rh-xss", "onerror", "onclick", "javascript:"):
            assert live not in answer.text, (live, images)
        assert ("tracker.example" in body["html"]) is images
        assert body["blocked_images"] == (0 if images else 1)
    listing = web.get("/api/inbox", params={"limit": 200}).text
    assert "<script" not in listing


def test_another_workspace_ids_answer_404_by_token_and_by_session(single_app, monkeypatch):
    ours = _office(single_app, monkeypatch)
    theirs = _office(single_app, monkeypatch)
    session_web = client(single_app)
    login(session_web, ours.owner)
    token_web = client(single_app)
    token_web.headers.update(_token(single_app, ours))
    for path, table in DETAILS.items():
        mine, other = _id(single_app, ours, table), _id(single_app, theirs, table)
        for web in (session_web, token_web):
            assert web.get(path.format(mine)).status_code == 200, path
            refused = web.get(path.format(other))
            assert refused.status_code == 404, path
            assert "in this workspace" in refused.json()["detail"]
            assert web.get(path.format(other),
                           params={"workspace": theirs.slug}).status_code == 404, path
    for url in LISTS:
        assert token_web.get(url, params={"workspace": theirs.slug}).status_code == 404, url
        assert session_web.get(url, params={"workspace": theirs.slug}).status_code == 404, url


def test_the_openapi_schema_documents_the_areas(single_app):
    schema = client(single_app).get("/api/openapi.json").json()
    for path in [*LISTS, "/api/contacts/{contact_id}", "/api/lists/{list_id}/members",
                 "/api/mailings/{mailing_id}", "/api/inbox/messages/{message_id}",
                 "/api/deals/{deal_id}", "/api/supplies/orders/{po_id}"]:
        operation = schema["paths"][path]["get"]
        assert "200" in operation["responses"] and "403" in operation["responses"], path
        assert "$ref" in str(operation["responses"]["200"]), path
    names = schema["components"]["schemas"]
    for model in ("ContactsOut", "ContactOut", "ListOut", "MembersOut", "MailingOut",
                  "MailingDetail", "MessagesOut", "MessageDetail", "BoardOut", "DealDetail",
                  "ItemOut", "OrdersOut", "OrderDetail"):
        assert model in names, model
