"""Every page escapes hostile text, detail pages included.

Hostile markers are planted in the text fields a user or an outsider controls -- the profile,
contacts (an imported file and the edit form), a deal and its timeline, a mailing, a list, a
segment, the suppression list, mail rules, mail from outside (sender, subject, text and HTML
bodies), a synced calendar and an invitation, calls and voicemails, supplies (vendor, item),
approvals (Ask, a purchase order, a mailing's test send), decisions' notes and so the audit
log -- through the services and routes the app itself uses. Then every GET route of
the app (``app.routes``: a new page is covered the day it is added) is loaded with its path ids
filled from those rows, as a page and as an htmx fragment, and the JSON API's GETs too.

Each HTML answer must hold no live marker (``<script>alert("rh-xss``, ``<img src=x onerror``,
``<svg onload``), and no ``{{7*7}}`` may have been evaluated; each field must show up escaped on
the page that shows it (so a field nobody rendered does not pass by accident, and a template
that marked it ``|safe`` or ``Markup`` fails). The HTML mail bodies, the only text marked safe,
must come out of the sanitiser with no script, handler or ``javascript:`` link.
"""

from __future__ import annotations

import csv
import io
import mailbox
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.bootstrap import App
from righthand.connectors.maildir import MaildirReader
from righthand.connectors.ports import MailboxConfig
from righthand.domain.actions import Action
from righthand.duties.calendar import compose, index
from righthand.duties.sales import creating, pipelines
from righthand.duties.screening import calls
from righthand.duties.supplies import catalog
from righthand.policy.duties import Phase
from righthand.service import executor, mail_accounts, workspaces
from righthand.service.mail_poll import PollReport, sync
from righthand.store.tables import (
    Approval,
    CalendarRow,
    CallRow,
    ContactRow,
    DealRow,
    ImportJob,
    Mailing,
    MailingListRow,
    MailMessage,
    PurchaseOrder,
    Segment,
    Workspace,
)
from tests.integration.test_web_isolation import (
    ACCOUNT_WIDE,
    PLAIN_PARAMS,
    PUBLIC,
    _app_routes,
    _fill,
)
from tests.support.web import Seeded, client, csrf, login, seed_demo, set_phase

# What must never reach a page unescaped.
LIVE = ('<script>alert("rh-xss', "<script>alert(&#34;rh-xss", "<img src=x onerror",
        "<svg onload", '"><svg')


# Markup that would run inside a sanitised body (text there is escaped, so only real tags match).
LIVE_TAG = re.compile(r"<(?:script|svg|iframe|object|embed|style|form)\b"
                      r"|<[^>]*\son[a-z]+\s*="
                      r"|<[^>]*(?:href|src)\s*=\s*[\"']?\s*javascript:", re.IGNORECASE)


def hostile(n: int, template: bool = True) -> str:
    """Marker ``n``: a script, an event handler, an attribute break-out and (unless the field
    is itself a mail template, where ``{{ }}`` is meant to be evaluated) a template
    expression."""
    text = (f'<script>alert("rh-xss-{n}")</script><img src=x onerror=alert({n})>'
            f'"><svg onload=alert({n})>')
    return text + (f" rh-ssti-{n}-{{{{7*7}}}}" if template else "")


def escaped(n: int) -> str:
    """How marker ``n``'s image tag shows once escaped (the part every field keeps whole: an
    uploaded file's name loses what precedes a slash, a display name its quotes)."""
    return f"&lt;img src=x onerror=alert({n})&gt;"


@dataclass
class Planted:
    """What was planted: field name -> marker number, and the rows made."""

    fields: dict[str, int] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def __call__(self, name: str, template: bool = True) -> str:
        n = self.fields.setdefault(name, len(self.fields) + 1)
        return hostile(n, template)


def _workspace(session: Session, workspace_id: int) -> Workspace:
    ws = session.get(Workspace, workspace_id)
    assert ws is not None
    return ws


def _propose(app: App, office: Seeded, action: Action) -> int:
    """Propose ``action`` as the client (the gate decides) and deliver it if allowed."""
    with app.db.unit(office.workspace_id) as session:
        job = workspaces.job_description(session, _workspace(session, office.workspace_id))
        done = executor.propose(session, office.workspace_id, action, job, app.catalog,
                                app.clock(), "client:test", app.approval_ttl)
        action_id, decision = done.row.id, done.decision.name
    assert decision == "allow", f"{action.kind}: {decision}"
    app.dispatcher().run_once(only=[action_id])
    return action_id


def _mail(sender: Address, subject: str, text: str, html: str | None, at: Any) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = "Pat Lee <pat@harbourpine.example>"
    msg["Subject"] = subject
    msg["Date"] = format_datetime(at)
    msg["Message-ID"] = make_msgid(domain="evil.example")
    msg.set_content(text)
    if html:
        msg.add_alternative(html, subtype="html")
    return msg


def _plant(app: App, office: Seeded, web: TestClient, mark: Planted) -> None:
    base = f"/w/{office.slug}"
    wid = office.workspace_id
    now = app.clock()

    # The profile, through the settings form.
    saved = web.post(f"{base}/settings/profile", data={
        "client_name": mark("client_name"), "assistant_name": "Jane",
        "timezone": "America/New_York", "business_name": mark("business_name"),
        "signature": mark("signature"), "email": "pat@harbourpine.example"})
    assert saved.status_code == 200, saved.text[-800:]

    # Contacts: an imported file (its name is shown too), then the edit form.
    table = io.StringIO()
    csv.writer(table).writerows([
        ["Given name", "Family name", "Email", "Company", "Notes", "Tags"],
        [mark("contact_given"), mark("contact_family"), "eve@evil.example",
         mark("contact_company"), mark("contact_notes"), "vip"]])
    imported = web.post(f"{base}/contacts/import", data={"list_slug": "newsletter"},
                        files={"file": (f"{mark('import_filename')}.csv", table.getvalue().encode(),
                                        "text/csv")}, follow_redirects=False)
    assert imported.status_code == 303, imported.text[-800:]
    with app.db.unit(wid, write=False) as session:
        eve = session.scalars(select(ContactRow).where(
            ContactRow.given_name.contains("rh-xss"))).one()
        mark.ids["contact_id"] = eve.id
        mark.ids["import_id"] = session.scalars(select(ImportJob.id)
                                                .order_by(ImportJob.id.desc()).limit(1)).one()
    edited = web.post(f"{base}/contacts/{eve.id}", data={
        "display_name": mark("contact_display"), "company": mark("contact_company"),
        "notes": mark("contact_notes"), "add_tags": "rh-tag"})
    assert edited.status_code == 200 and "Done: Update" in edited.text, edited.text[-800:]

    # A mailing list (the lists.create action), a segment, the suppression list.
    _propose(app, office, Action(duty="lists.maintain", kind="lists.create",
                                 payload={"slug": "rh-list", "name": mark("list_name"),
                                          "opt_in": "single"},
                                 summary="Create the list rh-list", undoable=True))
    segment = web.post(f"{base}/lists/segments", data={
        "name": mark("segment_name"), "conditions": "tag=vip"})
    assert "Done: Save the segment" in segment.text, segment.text[-800:]
    blocked = web.post(f"{base}/lists/suppression", data={
        "address": "blocked@evil.example", "note": mark("suppression_note")})
    assert "Done: Stop every mailing" in blocked.text, blocked.text[-800:]
    with app.db.unit(wid, write=False) as session:
        mark.ids["list_id"] = session.scalars(select(MailingListRow.id).where(
            MailingListRow.slug == "newsletter")).one()
        mark.ids["segment_id"] = session.scalars(select(Segment.id)).one()
        mark.ids["hostile_list_id"] = session.scalars(select(MailingListRow.id).where(
            MailingListRow.slug == "rh-list")).one()

    # A deal (sales.create_deal), with a note, a next step and people.
    with app.db.unit(wid, write=False) as session:
        pipe = pipelines.all_pipelines(session)[0]
    _propose(app, office, creating.create_action(
        pipe, pipe.stages[0], mark("deal_title"), company=mark("deal_company"),
        people=[(eve.id, mark("deal_person"), "buyer")]))
    with app.db.unit(wid, write=False) as session:
        deal = session.scalars(select(DealRow).where(DealRow.title.contains("rh-xss"))).one()
        mark.ids["deal_id"] = deal.id
    deal_url = f"{base}/pipeline/deals/{deal.id}"
    assert "Done: Note" in web.post(f"{deal_url}/note", data={"note": mark("deal_note")}).text
    assert "Done: Next step" in web.post(f"{deal_url}/next-step",
                                         data={"step": mark("deal_next_step")}).text

    # A mailing: its name, subject and bodies (templates: no {{ }} marker there); the
    # recipients' names are merged in.
    made = web.post(f"{base}/mailings", data={
        "name": mark("mailing_name"), "list_slug": "newsletter",
        "subject": mark("mailing_subject", template=False) + " {{ first_name }}",
        "text": mark("mailing_text", template=False) + "\nDear {{ first_name }}",
        "html": f"<p>{mark('mailing_html', template=False)}</p><p>{{{{ first_name }}}}</p>"
                f'<a href="javascript:alert(1)" onclick="alert(1)">x</a>'},
        follow_redirects=False)
    assert made.status_code == 303, made.text[-800:]
    with app.db.unit(wid, write=False) as session:
        mark.ids["mailing_id"] = session.scalars(select(Mailing.id).where(
            Mailing.name.contains("rh-xss"))).one()

    # Mail from outside, through the mailbox poll (a Maildir, as the demo's).
    hostile_mail = _mail(Address(mark("mail_from_name"), addr_spec="eve@evil.example"),
                         mark("mail_subject"), mark("mail_text"),
                         f"<p>{mark('mail_html')}</p><p onclick=\"alert(1)\">hi</p>"
                         '<a href="javascript:alert(1)">x</a>', now - timedelta(minutes=5))
    root = mail_accounts.demo_maildir(app.settings.data_dir, f"{office.slug}-hostile")
    root.parent.mkdir(parents=True, exist_ok=True)
    mailbox.Maildir(str(root), create=True).add(mailbox.MaildirMessage(hostile_mail))
    with app.db.unit(wid) as session:
        mail_accounts.save(session, wid, mail_accounts.AccountSettings(
            kind="maildir", maildir_path=str(root), address="pat@harbourpine.example"),
            now, actor="test")
    with MaildirReader(MailboxConfig(kind="maildir", maildir_path=str(root))).open() as live:
        sync(app, wid, live, "INBOX", PollReport())
    with app.db.unit(wid) as session:
        row = session.scalars(select(MailMessage).where(
            MailMessage.subject.contains("rh-xss"))).one()
        # Only a quarantined message keeps its raw form (and so its HTML part for the page);
        # keep this one's, as quarantine would.
        row.raw = bytes(hostile_mail)
        mark.ids["message_id"] = row.id
    ruled = web.post(f"{base}/inbox/rules",
                     data={"text": f"put mail from eve@evil.example in {mark('rule_folder')}"})
    assert ruled.status_code == 200 and "Rule #" in ruled.text, ruled.text[-800:]

    # A voicemail from a stranger, recorded as the phone channel records it (demo_calls).
    with app.db.unit(wid) as session:
        caller = calls.identify(session, "+18575550199")
        call = CallRow(workspace_id=wid, call_sid="CAhostile", from_number=caller.number,
                       caller_name=mark("call_caller_name"), purpose=mark("call_purpose"),
                       decision="ask", status="voicemail", reason=mark("call_reason"),
                       started_at=now - timedelta(minutes=3), recording_seconds=12,
                       transcription=mark("call_transcription"))
        call.category, _ = calls.categorise(call, caller.tags)
        session.add(call)
        session.flush()
        mark.ids["call_id"] = call.id

    # A calendar (its name comes from the CalDAV server) with an invitation from outside,
    # stored and indexed as a synced one is.
    with app.db.unit(wid) as session:
        ws = _workspace(session, wid)
        zone = ZoneInfo(ws.timezone)
        cal = CalendarRow(workspace_id=wid, name=mark("calendar_name"), color="#000000",
                          busy=True)
        session.add(cal)
        session.flush()
        start = datetime.combine(now.astimezone(zone).date(), time(12, 0), zone)
        text = compose.new_event(
            "hostile@evil.example", mark("event_summary"), start, start + timedelta(hours=1),
            ws.timezone, now, location=mark("event_location"),
            organizer=compose.Person("eve@evil.example", mark("event_organizer")),
            attendees=(compose.Person("pat@harbourpine.example", "Pat Lee"),))
        index.store(session, cal.id, text, now, ws.timezone,
                    frozenset({"pat@harbourpine.example"}))

    # Supplies: a vendor and an item (the catalogue's own functions), then an order.
    with app.db.unit(wid) as session:
        vendor = catalog.add_vendor(session, wid, mark("vendor_name"), "orders@evil.example",
                                    mark("vendor_contact"), None)
        item = catalog.add_item(session, wid, mark("item_name"),
                                {"vendor": vendor.name, "sku": "RH-1", "unit": "box",
                                 "unit_price": "3.00", "reorder_point": 5, "target_level": 9},
                                1, now)
        mark.ids["item_id"], mark.ids["vendor_id"] = item.id, vendor.id
    ordered = web.post(f"{base}/supplies/items/{item.id}/order", data={"quantity": "2"})
    assert ordered.status_code == 200, ordered.text[-800:]
    with app.db.unit(wid, write=False) as session:
        mark.ids["po_id"] = session.scalars(select(PurchaseOrder.id)
                                            .order_by(PurchaseOrder.id.desc()).limit(1)).one()

    # What waits for approval: an email Ask drafted from hostile words, a purchase order; a
    # rejected one with a hostile note (the history and the audit log show it).
    set_phase(app, wid, Phase.II)
    asked = web.post(f"{base}/ask", data={"text": f"Email Bob Miller that {mark('ask_text')}"})
    assert asked.status_code == 200, asked.text[-800:]
    _no_live(f"POST {base}/ask", asked.text)
    assert escaped(mark.fields["ask_text"]) in asked.text
    fragment = web.post(f"{base}/ask", headers={"HX-Request": "true"},
                        data={"text": f"Email Bob Miller that {mark('ask_text')}"})
    _no_live(f"POST {base}/ask (htmx)", fragment.text)
    assert escaped(mark.fields["ask_text"]) in fragment.text
    set_phase(app, wid, Phase.I)
    second = web.post(f"{base}/supplies/items/{item.id}/order", data={"quantity": "3"})
    assert "Waiting for the client" in second.text, second.text[-800:]
    tested = web.post(f"{base}/mailings/{mark.ids['mailing_id']}/test",
                      data={"as_address": "eve@evil.example"})
    assert "Waiting for the client" in tested.text, tested.text[-800:]
    with app.db.unit(wid, write=False) as session:
        pending = list(session.scalars(select(Approval).where(Approval.status == "pending")
                                       .order_by(Approval.id)))
    assert len(pending) == 4  # two emails from Ask, the purchase order, the test mailing
    mark.ids["approval_id"] = pending[2].id  # the purchase order, with its PDF attached
    rejected = web.post(f"{base}/approvals/{pending[0].id}/reject",
                        data={"note": mark("reject_note")})
    assert rejected.status_code == 200, rejected.text[-800:]
    mark.ids["email_approval_id"] = pending[1].id  # the htmx Ask's email, still waiting


def _no_live(where: str, html: str) -> None:
    for bad in LIVE:
        assert bad not in html, f"{where}: unescaped {bad!r}: " \
                                f"{html[max(0, html.find(bad) - 300):html.find(bad) + 200]}"
    evaluated = re.search(r"rh-ssti-\d+-49", html)
    assert evaluated is None, f"{where}: a template expression was evaluated: " \
                              f"{html[max(0, evaluated.start() - 200):evaluated.end() + 50]}"


def _mail_bodies(html: str) -> list[str]:
    """The sanitised HTML bodies a page shows."""
    return [part.split("</div>", 1)[0] for part in html.split('<div class="mailhtml">')[1:]]


# Where each field must show (escaped): page (workspace-relative route path) -> fields. Every
# planted field that is stored is listed at least once (``deal_person``'s name is not stored:
# the deal page shows the contact's own name; the vendor's contact and the call's reason are
# shown only in the purchase order's email and nowhere, respectively, and are still checked on
# every page for escaping).
SHOWN: dict[str, tuple[str, ...]] = {
    "today": ("client_name", "event_summary", "event_location", "calendar_name", "item_name",
              "vendor_name"),
    "today/briefing": ("call_caller_name", "call_transcription"),
    "settings": ("client_name", "business_name", "signature"),
    "calendar": ("event_summary", "event_location", "calendar_name"),
    "contacts": ("contact_display", "contact_company"),
    "contacts/{contact_id}": ("contact_display", "contact_given", "contact_family",
                              "contact_company", "contact_notes", "import_filename",
                              "list_name"),
    "contacts/import": ("import_filename", "list_name"),
    "contacts/imports/{import_id}": ("import_filename",),
    "contacts/imports/{import_id}/progress": ("import_filename",),
    "lists": ("list_name", "segment_name", "suppression_note"),
    "lists/{list_id}": ("contact_display", "import_filename"),
    "pipeline": ("deal_title", "deal_company", "deal_next_step"),
    "pipeline/deals/{deal_id}": ("deal_title", "deal_company", "deal_note", "deal_next_step",
                                 "contact_display", "event_summary"),
    "mailings": ("mailing_name", "mailing_subject", "list_name"),
    "mailings/{mailing_id}": ("mailing_name", "mailing_subject", "mailing_text",
                              "mailing_html", "segment_name"),
    "mailings/{mailing_id}/progress": ("mailing_name",),
    "inbox": ("mail_subject", "mail_from_name", "call_caller_name", "call_purpose",
              "call_transcription"),
    "inbox/messages/{message_id}": ("mail_subject", "mail_from_name", "mail_text"),
    "inbox/calls/{call_id}": ("call_caller_name", "call_purpose", "call_transcription",
                              "call_reason"),
    "inbox/rules": ("rule_folder",),
    "supplies": ("item_name", "vendor_name"),
    "supplies/orders/{po_id}": ("item_name", "vendor_name"),
    "approvals": ("client_name", "signature", "ask_text", "item_name", "vendor_name",
                  "vendor_contact", "reject_note"),
    "approvals/{approval_id}/edit": ("item_name", "vendor_name", "vendor_contact"),
    "trust": ("mailing_name",),
    "list": ("list_name",),
    "email approval": ("ask_text",),
}


def test_every_page_escapes_hostile_text_detail_pages_included(
        single_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    office = seed_demo(single_app, monkeypatch, Phase.III)
    web = client(single_app)
    login(web, office.owner)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    mark = Planted()
    _plant(single_app, office, web, mark)
    ids = {**mark.ids, "order_id": mark.ids["po_id"]}
    values = {"workspace": office.slug, **{k: str(v) for k, v in ids.items()}, **PLAIN_PARAMS}

    pages: dict[str, str] = {}
    unknown = []
    for route in _app_routes(web):
        if "GET" not in route.methods or PUBLIC.match(route.path) or route.path in ACCOUNT_WIDE:
            continue
        params = re.findall(r"\{(\w+)", route.path)
        if any(p not in values for p in params):
            unknown.append(route.path)
            continue
        url = _fill(route.path, values)
        for headers in ({}, {"HX-Request": "true"}):
            answer = web.get(url, headers=headers, follow_redirects=False)
            assert answer.status_code in (200, 303), f"GET {url}: {answer.status_code}"
            kind = answer.headers.get("content-type", "")
            if route.path.startswith("/api/"):
                assert kind.startswith("application/json"), f"{url}: {kind}"
                assert re.search(r"rh-ssti-\d+-49", answer.text) is None, url
                break
            if kind.startswith(("text/html", "image/svg")):
                _no_live(f"GET {url} {headers}", answer.text)
            if not headers:
                pages[route.path.removeprefix("/w/{workspace}/")] = answer.text
    assert unknown == [], f"fill these routes' ids: {unknown}"
    # The same detail pages for the other hostile rows: the new list, the drafted email.
    for path, url in (("list", f"lists/{ids['hostile_list_id']}"),
                      ("email approval", f"approvals/{ids['email_approval_id']}/edit")):
        answer = web.get(f"/w/{office.slug}/{url}")
        assert answer.status_code == 200, url
        _no_live(f"GET {url}", answer.text)
        pages[path] = answer.text
    assert len(pages) >= 25

    # Inputs reflected from the address.
    reflected = {"contacts": {"q": mark("q_contacts")}, "inbox/rules": {"text": mark("q_rule")},
                 "trust": {"event": mark("q_event")[:60], "actor": mark("q_actor")},
                 f"mailings/{ids['mailing_id']}": {"as": mark("q_as")},
                 "inbox": {"category": mark("q_category")[:32]}}
    for path, query in reflected.items():
        answer = web.get(f"/w/{office.slug}/{path}", params=query)
        _no_live(f"GET {path}?{query}", answer.text)

    # Each field is shown, escaped, where it belongs.
    missing = []
    for path, names in SHOWN.items():
        for name in names:
            if escaped(mark.fields[name]) not in pages[path]:
                missing.append(f"{name} on {path}")
    assert missing == [], "not shown (escaped) where expected: " + "; ".join(missing)
    # The HTML bodies (the only text a page marks safe) are shown sanitised: no script,
    # handler or javascript: link is left; their text is kept (as text).
    for path, keeps in (("inbox/messages/{message_id}", f"rh-ssti-{mark.fields['mail_html']}-"
                                                        "{{7*7}}"),
                        ("mailings/{mailing_id}", "<p>"),
                        ("approvals", escaped(mark.fields["contact_given"]))):
        bodies = _mail_bodies(pages[path])
        assert bodies, f"{path}: no HTML body is shown"
        assert any(keeps in body for body in bodies), f"{path}: {bodies}"
        for body in bodies:
            live = LIVE_TAG.search(body)
            assert live is None, f"{path}: {live.group(0)!r} survived the sanitiser: {body}"
            for dropped in (mark.fields["mail_html"], mark.fields["mailing_html"]):
                assert f"rh-xss-{dropped}" not in body, f"{path}: a script's text is left"
    # A mailing previewed as the hostile contact: the name merged into the subject, text and
    # HTML is text, never markup (and never a template).
    as_eve = web.get(f"/w/{office.slug}/mailings/{ids['mailing_id']}",
                     params={"as": "eve@evil.example"})
    _no_live("the mailing as Eve", as_eve.text)
    given = mark.fields["contact_given"]
    [merged] = _mail_bodies(as_eve.text)
    assert escaped(given) in merged, merged  # escaped by the mail template, kept as text
    assert as_eve.text.count(escaped(given)) >= 3, "subject, text and HTML show the name"
    assert f"rh-ssti-{given}-{{{{7*7}}}}" in merged
    # The JSON API carries the text as data.
    pending = web.get("/api/approvals").json()
    assert any("rh-xss" in str(a["action"]) for a in pending)
    assert "rh-xss" in web.get("/api/audit", params={"limit": 500}).text
    events = web.get("/api/agenda").json()["events"]
    assert any(escaped(mark.fields["event_summary"]) not in e["summary"]
               and f"rh-xss-{mark.fields['event_summary']}" in e["summary"] for e in events)
