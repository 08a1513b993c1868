"""The demo workspace: a small estate agent's office, relative to today.

Harbour & Pine Realty -- the client Pat Lee, the assistant Jane -- with contacts, a newsletter
list, supplies with stock levels, this week's calendar, and a pipeline with the Jones closing.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from righthand.policy.duties import DutyCatalog, Phase
from righthand.service import workspaces
from righthand.store.tables import (
    CalendarRow,
    ContactEmail,
    ContactPhone,
    ContactRow,
    ContactTag,
    ItemRow,
    Mailing,
    MailingListRow,
    Subscription,
    VendorRow,
    Workspace,
)

SLUG = "demo"
TIMEZONE = "America/New_York"

CONTACTS = [
    # given, family, email, company, phone, tags
    ("Bob", "Miller", "bob.miller@example.com", "Miller Home Inspections", "+1 617 555 0142",
     ["inspector"]),
    ("Bob", "Chen", "bob.chen@example.net", None, "+1 617 555 0199", ["buyer"]),
    ("Alice", "Jones", "alice.jones@example.com", None, "+1 617 555 0111", ["buyer", "vip"]),
    ("Tom", "Jones", "tom.jones@example.com", None, "+1 617 555 0112", ["buyer"]),
    ("Maria", "Garcia", "maria@garcialaw.example", "Garcia Law", "+1 617 555 0170",
     ["attorney"]),
    ("Dev", "Patel", "dev.patel@firstharbor.example", "First Harbor Bank", "+1 617 555 0181",
     ["lender"]),
    ("Emma", "Wilson", "emma.wilson@example.org", None, "+1 617 555 0133", ["seller"]),
    ("Liam", "Nguyen", "liam.nguyen@example.com", None, "+1 617 555 0155", ["lead"]),
    ("Olivia", "Brown", "olivia.brown@example.com", None, "+1 617 555 0166", ["past client"]),
    ("Noah", "Davis", "noah.davis@example.com", None, "+1 617 555 0177", ["lead"]),
    ("Sophia", "Martin", "sophia.martin@example.com", None, "+1 617 555 0188", ["seller"]),
    ("James", "Taylor", "james@taylorstaging.example", "Taylor Staging", "+1 617 555 0122",
     ["vendor"]),
]
NEWSLETTER = ["alice.jones@example.com", "tom.jones@example.com", "emma.wilson@example.org",
              "liam.nguyen@example.com", "olivia.brown@example.com", "noah.davis@example.com",
              "sophia.martin@example.com", "bob.chen@example.net"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(TIMEZONE))


def seed(session: Session, catalog: DutyCatalog, now: datetime,
         phase: Phase = Phase.I) -> Workspace:
    """(Re)create the demo workspace, with its data placed around ``now``."""
    old = session.scalars(select(Workspace).where(Workspace.slug == SLUG)).first()
    if old is not None:
        _drop(session, old.id)
    ws = workspaces.create(session, slug=SLUG, client_name="Pat Lee", assistant_name="Jane",
                           timezone=TIMEZONE, phase=phase, catalog=catalog, now=now,
                           actor="demo")
    ws.address_form = "Pat"
    ws.profile = {"business_name": "Harbour & Pine Realty",
                  "postal_address": ["12 Harbour Street", "Boston, MA 02110"],
                  "phone": "+1 617 555 0100", "email": "pat@harbourpine.example",
                  "signature": "Pat Lee\nHarbour & Pine Realty\n+1 617 555 0100"}
    wid = ws.id
    by_email: dict[str, ContactRow] = {}
    for given, family, email, company, phone, tags in CONTACTS:
        contact = ContactRow(workspace_id=wid, given_name=given, family_name=family,
                             display_name=f"{given} {family}", company=company, created_at=now)
        session.add(contact)
        session.flush()
        session.add(ContactEmail(workspace_id=wid, contact_id=contact.id, address=email))
        session.add(ContactPhone(workspace_id=wid, contact_id=contact.id, raw=phone,
                                 e164=phone.replace(" ", ""), label="mobile"))
        session.add_all(ContactTag(workspace_id=wid, contact_id=contact.id, tag=tag)
                        for tag in tags)
        by_email[email] = contact
    newsletter = MailingListRow(workspace_id=wid, slug="newsletter", name="Newsletter")
    buyers = MailingListRow(workspace_id=wid, slug="buyers", name="Buyer alerts",
                            opt_in="double")
    session.add_all([newsletter, buyers])
    session.flush()
    for email in NEWSLETTER:
        session.add(Subscription(workspace_id=wid, list_id=newsletter.id,
                                 contact_id=by_email[email].id, state="confirmed",
                                 source="open house sign-up sheet",
                                 changed_at=now - timedelta(days=40)))
    _calendar(session, wid, now)
    _mailing(session, wid, newsletter.id, now, by_email)
    _supplies(session, wid)
    _deals(session, wid, now, by_email)
    from righthand.service import demo_calls

    demo_calls.seed(session, wid, now)
    session.flush()
    return ws


SPRING_TEXT = """Hi {{ first_name | default("there") }},

Spring is here, and so are the buyers: homes in our neighbourhoods sold in 21 days on
average last month.

{% if company %}
If anyone at {{ company }} is thinking of moving, we'd be glad to help.

{% endif %}
Thinking of selling? Reply to this email for a free valuation.

Pat Lee
{{ business_name | default("Harbour & Pine Realty") }}
{% if unsubscribe_url %}

Unsubscribe: {{ unsubscribe_url }}
{% endif %}
"""
SPRING_HTML = """<p>Hi {{ first_name | default("there") }},</p>
<p>Spring is here, and so are the buyers: homes in our neighbourhoods sold in
<b>21 days</b> on average last month.</p>
{% if company %}<p>If anyone at {{ company }} is thinking of moving, we'd be glad to help.</p>
{% endif %}<p>Thinking of selling? Reply to this email for a free valuation.</p>
<p>Pat Lee<br>{{ business_name | default("Harbour & Pine Realty") }}</p>
<p style="font-size:small"><a href="{{ unsubscribe_url | default('#') }}">Unsubscribe</a></p>
"""


def _mailing(session: Session, wid: int, list_id: int, now: datetime,
             people: dict[str, ContactRow]) -> None:
    """A draft campaign to the newsletter list, with merge fields and fallbacks; postal
    addresses for its readers, so letters and labels can be printed too."""
    streets = ["22 Birch Lane", "22 Birch Lane", "9 Harbor Way", "14 Elm Street",
               "3 Beacon Street", "71 Marlborough Street", "5 Charles Street", "40 Pearl Street"]
    codes = ["02134", "02134", "02110", "02118", "02108", "02116", "02114", "02139"]
    for index, email in enumerate(NEWSLETTER):
        people[email].postal_address = {
            "street": streets[index], "locality": "Cambridge" if codes[index] == "02139"
            else "Boston", "region": "MA", "postal_code": codes[index], "country": "USA"}
    session.add(Mailing(workspace_id=wid, name="Spring newsletter", list_id=list_id,
                        subject="{{ first_name | default('Hello') }}, spring on the harbour",
                        body_text=SPRING_TEXT, body_html=SPRING_HTML, status="draft",
                        created_at=now))


def _calendar(session: Session, wid: int, now: datetime) -> None:
    """A realistic week: a recurring stand-up with a skipped day and a moved one, a weekly
    one-to-one, showings and calls, an all-day event, and a call booked in Paris time."""
    from righthand.duties.calendar import compose, index

    work = CalendarRow(workspace_id=wid, name="Work", color="#2563eb", busy=True)
    personal = CalendarRow(workspace_id=wid, name="Personal", color="#16a34a", busy=True)
    holidays = CalendarRow(workspace_id=wid, name="Holidays", color="#f59e0b", busy=False)
    session.add_all([work, personal, holidays])
    session.flush()
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    monday = today - timedelta(days=today.weekday())
    me = compose.Person("pat@harbourpine.example", "Pat Lee")
    people = {e: compose.Person(e, f"{g} {f}") for g, f, e, *_ in CONTACTS}
    texts: list[tuple[CalendarRow, str]] = []

    def add(cal: CalendarRow, uid: str, summary: str, day: date, hour: int, minute: int,
            length: int, where: str | None = None, who: tuple[str, ...] = (),
            zone: str = TIMEZONE) -> None:
        start = datetime.combine(day, time(hour, minute), ZoneInfo(zone))
        texts.append((cal, compose.new_event(
            f"{uid}@demo.righthand", summary, start, start + timedelta(minutes=length), zone,
            now, location=where, organizer=me if who else None,
            attendees=tuple(people[p] for p in who))))

    # The stand-up: every weekday for a month, this week one day skipped and one moved.
    weekdays = [monday + timedelta(days=i) for i in range(5)]
    skip = next(d for d in (weekdays[4], weekdays[1], weekdays[2]) if d != today)
    moved = next(d for d in (weekdays[2], weekdays[0], weekdays[1], weekdays[3])
                 if d not in {today, skip})
    first = monday - timedelta(weeks=4)
    standup = compose.new_event("standup@demo.righthand", "Team stand-up",
                                _at(first, 9), _at(first, 9, 30), TIMEZONE, now,
                                location="Office")
    standup = standup.replace("SEQUENCE:0", "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR\r\n"
                              f"EXDATE;TZID={TIMEZONE}:{skip:%Y%m%d}T090000\r\nSEQUENCE:0")
    override = ("BEGIN:VEVENT\r\nUID:standup@demo.righthand\r\nDTSTAMP:"
                f"{now:%Y%m%dT%H%M%SZ}\r\nRECURRENCE-ID;TZID={TIMEZONE}:{moved:%Y%m%d}T090000"
                f"\r\nDTSTART;TZID={TIMEZONE}:{moved:%Y%m%d}T100000\r\n"
                f"DTEND;TZID={TIMEZONE}:{moved:%Y%m%d}T103000\r\n"
                "SUMMARY:Team stand-up (moved to 10)\r\nLOCATION:Office\r\nSEQUENCE:1\r\n"
                "END:VEVENT\r\nEND:VCALENDAR")
    texts.append((work, standup.replace("END:VCALENDAR", override, 1)))
    oneone = compose.new_event("one-to-one@demo.righthand", "One-to-one with James Taylor",
                               _at(first, 16), _at(first, 16, 30), TIMEZONE, now)
    texts.append((work, oneone.replace("SEQUENCE:0", "RRULE:FREQ=WEEKLY;BYDAY=MO\r\nSEQUENCE:0")))
    add(work, "showing-elm", "Showing: 14 Elm Street with Liam Nguyen", today, 11, 0, 60,
        "14 Elm Street", ("liam.nguyen@example.com",))
    add(work, "jones-prep", "Jones closing prep with Maria Garcia", today, 14, 0, 60,
        "Garcia Law", ("maria@garcialaw.example",))
    add(personal, "gym", "Gym", today, 17, 30, 60)
    tomorrow = today + timedelta(days=1)
    add(work, "photos", "Listing photos at 9 Harbor Way", tomorrow, 10, 0, 90, "9 Harbor Way",
        ("james@taylorstaging.example",))
    add(work, "dev-call", "Call with Dev Patel (Jones financing)", tomorrow, 15, 0, 30,
        None, ("dev.patel@firstharbor.example",))
    # A buyer relocating from Paris: booked in her time, shown in Pat's.
    add(work, "paris-call", "Video call with Sophie Martin (Paris)", today + timedelta(days=2),
        16, 0, 45, "Video call", ("sophia.martin@example.com",), zone="Europe/Paris")
    add(personal, "dentist", "Dentist", today + timedelta(days=3), 10, 0, 45, "Harbour Dental")
    add(work, "olivia-lunch", "Lunch with Olivia Brown", monday + timedelta(days=3), 13, 0, 60,
        "Harbour Cafe", ("olivia.brown@example.com",))
    allday = compose.new_event("open-house@demo.righthand", "Open house weekend prep",
                               _at(today + timedelta(days=2), 0), _at(today + timedelta(days=3), 0),
                               TIMEZONE, now, all_day=True)
    texts.append((personal, allday))
    texts.append((holidays, compose.new_event(
        "thanksgiving@demo.righthand", "Thanksgiving (US)", _at(today + timedelta(days=6), 0),
        _at(today + timedelta(days=7), 0), TIMEZONE, now, all_day=True, transparent=True)))
    for cal, text in texts:
        index.store(session, cal.id, text, now, TIMEZONE, frozenset({me.email}))


def _supplies(session: Session, wid: int) -> None:
    office = VendorRow(workspace_id=wid, name="Harbor Office Supply",
                       email="orders@harboroffice.example")
    signs = VendorRow(workspace_id=wid, name="SignPro", email="sales@signpro.example")
    session.add_all([office, signs])
    session.flush()
    for name, sku, vendor, unit, price, on_hand, point, target in [
        ("Printer paper", "PAP-A4-500", office, "box", "42.00", 2, 3, 8),
        ("Toner cartridge", "TON-HP-26A", office, "cartridge", "89.00", 1, 1, 3),
        ("Manila folders", "FOL-MAN-100", office, "box", "18.50", 6, 2, 6),
        ("Ballpoint pens", "PEN-BLK-50", office, "pack", "9.99", 4, 2, 5),
        ("For Sale signs", "SGN-FS-24", signs, "sign", "35.00", 3, 4, 10),
    ]:
        session.add(ItemRow(workspace_id=wid, name=name, sku=sku, vendor_id=vendor.id, unit=unit,
                            unit_price=Decimal(price), on_hand=on_hand, reorder_point=point,
                            target_level=target))


def _deals(session: Session, wid: int, now: datetime, people: dict[str, ContactRow]) -> None:
    """The pipeline, deals, timelines and follow-ups (see :mod:`demo_manager`)."""
    from righthand.service import demo_manager

    demo_manager.seed(session, wid, now, TIMEZONE)


def _drop(session: Session, workspace_id: int) -> None:
    """Remove a workspace and everything in it (the demo is rebuilt from scratch)."""
    from righthand.store.tables import Base

    for table in reversed(Base.metadata.sorted_tables):
        if "workspace_id" in table.c:
            session.execute(delete(table).where(table.c.workspace_id == workspace_id)
                            .execution_options(all_workspaces=True))
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))
