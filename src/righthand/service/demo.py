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
    DealRow,
    EventRow,
    ItemRow,
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
    _supplies(session, wid)
    _deals(session, wid, now, by_email)
    session.flush()
    return ws


def _calendar(session: Session, wid: int, now: datetime) -> None:
    work = CalendarRow(workspace_id=wid, name="Work", color="#2563eb", busy=True)
    personal = CalendarRow(workspace_id=wid, name="Personal", color="#16a34a", busy=True)
    session.add_all([work, personal])
    session.flush()
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    monday = today - timedelta(days=today.weekday())
    events = [
        (work, today, 9, 0, 30, "Team stand-up", "Office", []),
        (work, today, 11, 0, 60, "Showing: 14 Elm Street with Liam Nguyen", "14 Elm Street",
         ["liam.nguyen@example.com"]),
        (work, today, 14, 0, 60, "Jones closing prep with Maria Garcia", "Garcia Law",
         ["maria@garcialaw.example"]),
        (personal, today, 17, 30, 60, "Gym", None, []),
        (work, today + timedelta(days=1), 10, 0, 90, "Listing photos at 9 Harbor Way",
         "9 Harbor Way", ["james@taylorstaging.example"]),
        (work, today + timedelta(days=1), 15, 0, 30, "Call with Dev Patel (Jones financing)",
         None, ["dev.patel@firstharbor.example"]),
    ]
    for offset in range(5):  # the weekly stand-up, Monday to Friday
        day = monday + timedelta(days=offset)
        if day != today:
            events.append((work, day, 9, 0, 30, "Team stand-up", "Office", []))
    events.append((work, monday + timedelta(days=3), 13, 0, 60,
                   "Lunch with Olivia Brown", "Harbour Cafe", ["olivia.brown@example.com"]))
    for index, (cal, day, hour, minute, length, summary, where, people) in enumerate(events):
        start = _at(day, hour, minute)
        session.add(EventRow(workspace_id=wid, calendar_id=cal.id, uid=f"demo-{index}@righthand",
                             summary=summary, location=where, starts_at=start,
                             ends_at=start + timedelta(minutes=length), timezone=TIMEZONE,
                             attendees={"list": [{"email": p} for p in people]}))
    session.add(EventRow(workspace_id=wid, calendar_id=personal.id, uid="demo-allday@righthand",
                         summary="Open house weekend prep", all_day=True,
                         starts_at=_at(today + timedelta(days=2), 0),
                         ends_at=_at(today + timedelta(days=3), 0), timezone=TIMEZONE))


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
    today = now.astimezone(ZoneInfo(TIMEZONE)).date()
    session.add_all([
        DealRow(workspace_id=wid, title="Jones closing: 22 Birch Lane", stage="inspection",
                amount=Decimal("615000"), stage_since=today - timedelta(days=9),
                expected_close=today + timedelta(days=18),
                next_step="Get the inspection report to the Joneses' attorney",
                next_step_due=today + timedelta(days=1),
                contacts={"list": [
                    {"id": people["alice.jones@example.com"].id, "role": "buyer"},
                    {"id": people["tom.jones@example.com"].id, "role": "buyer"},
                    {"id": people["maria@garcialaw.example"].id, "role": "attorney"},
                    {"id": people["dev.patel@firstharbor.example"].id, "role": "lender"}]}),
        DealRow(workspace_id=wid, title="Wilson listing: 9 Harbor Way", stage="showing",
                amount=Decimal("480000"), stage_since=today - timedelta(days=3),
                expected_close=today + timedelta(days=60), next_step="Photos and staging",
                next_step_due=today + timedelta(days=1)),
        DealRow(workspace_id=wid, title="Nguyen purchase", stage="offer",
                amount=Decimal("350000"), stage_since=today - timedelta(days=21),
                expected_close=today + timedelta(days=45), next_step=None),
        DealRow(workspace_id=wid, title="Miller referral", stage="lead",
                amount=Decimal("275000"), stage_since=today - timedelta(days=2),
                next_step="First call", next_step_due=today + timedelta(days=3)),
    ])


def _drop(session: Session, workspace_id: int) -> None:
    """Remove a workspace and everything in it (the demo is rebuilt from scratch)."""
    from righthand.store.tables import Base

    for table in reversed(Base.metadata.sorted_tables):
        if "workspace_id" in table.c:
            session.execute(delete(table).where(table.c.workspace_id == workspace_id)
                            .execution_options(all_workspaces=True))
    session.execute(delete(Workspace).where(Workspace.id == workspace_id))
