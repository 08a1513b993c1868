"""The demo's Phase III data: the residential pipeline with the Jones closing and four other
deals, their people and timelines, a reply the client is waiting for, follow-ups, and the
briefing settings. Placed around ``now`` like the rest of the demo."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.sales import pipelines
from righthand.duties.sales.templates import RESIDENTIAL
from righthand.store.tables import (
    ActionRow,
    BriefingSettingsRow,
    ContactEmail,
    ContactRow,
    DealActivityRow,
    DealContactRow,
    DealRow,
    DealTag,
    OutcomeRow,
    ReminderRow,
)

# title, stage, amount, days in stage, close in days, next step, next step due in days,
# people (email, role), tags
DEALS = [
    ("Jones closing: 22 Birch Lane", "inspection", "615000", 9, 18,
     "Get the inspection report to the Joneses' attorney", 1,
     [("alice.jones@example.com", "buyer"), ("tom.jones@example.com", "buyer"),
      ("maria@garcialaw.example", "attorney"), ("dev.patel@firstharbor.example", "lender")],
     ["vip"]),
    ("Wilson listing: 9 Harbor Way", "showing", "480000", 3, 60, "Photos and staging", 1,
     [("emma.wilson@example.org", "seller"), ("james@taylorstaging.example", "stager")], []),
    ("Nguyen purchase", "offer", "350000", 21, 45, None, None,
     [("liam.nguyen@example.com", "buyer")], []),
    ("Miller referral", "lead", "275000", 2, None, "First call", 3,
     [("bob.miller@example.com", "referrer")], []),
]


def _at(day: date, hour: int, minute: int, zone: str) -> datetime:
    return datetime.combine(day, time(hour, minute), ZoneInfo(zone))


def seed(session: Session, wid: int, now: datetime, zone: str) -> None:
    """Pipeline, deals, timelines, follow-ups and briefing settings of the demo workspace."""
    today = now.astimezone(ZoneInfo(zone)).date()
    pipelines.create_from_template(session, wid, RESIDENTIAL, now, default=True)
    residential = pipelines.default(session, wid, now)
    people = {c.id: c for c in session.scalars(select(ContactRow))}
    by_email = {}
    for address, contact_id in session.execute(select(ContactEmail.address,
                                                      ContactEmail.contact_id)):
        by_email[address] = people[contact_id]
    deals: dict[str, DealRow] = {}
    for title, stage_key, amount, in_stage, close, step, due, parties, tags in DEALS:
        stage = residential.stage(stage_key)
        assert stage is not None
        row = DealRow(workspace_id=wid, title=title, pipeline_id=residential.id,
                      stage_id=stage.id, amount=Decimal(amount), currency="USD",
                      stage_since=today - timedelta(days=in_stage),
                      expected_close=today + timedelta(days=close) if close else None,
                      next_step=step, next_step_due=today + timedelta(days=due) if due else None,
                      status="open", created_at=now - timedelta(days=in_stage + 20))
        session.add(row)
        session.flush()
        for address, role in parties:
            session.add(DealContactRow(workspace_id=wid, deal_id=row.id,
                                       contact_id=by_email[address].id, role=role))
        session.add_all(DealTag(workspace_id=wid, deal_id=row.id, tag=t) for t in tags)
        deals[title.split()[0]] = row
    won = residential.won_stage
    assert won is not None
    brown = DealRow(workspace_id=wid, title="Brown sale: 4 Oak Court", pipeline_id=residential.id,
                    stage_id=won.id, amount=Decimal("530000"), currency="USD", status="won",
                    stage_since=today - timedelta(days=12), closed_at=now - timedelta(days=12),
                    created_at=now - timedelta(days=70))
    session.add(brown)
    session.flush()
    session.add(DealContactRow(workspace_id=wid, deal_id=brown.id,
                               contact_id=by_email["olivia.brown@example.com"].id,
                               role="seller"))
    _timelines(session, wid, now, today, zone, deals, by_email)
    _follow_ups(session, wid, now, today, zone, deals, by_email)
    session.add(BriefingSettingsRow(workspace_id=wid, send_at="07:30", channels=["email", "web"],
                                    weekly_day=4, sections_off=[]))
    _history(session, wid, now)
    session.flush()


# Six weeks of Phase I work for the ledger (so the weekly review and the trust chart have a
# story): duty, kind, summary, outcome, days ago. No amounts, so no month's spend is touched.
HISTORY = (
    [("lists.maintain", "lists.subscribe", f"Add a sign-up from the open house ({n})",
      "executed", 40 - n * 3) for n in range(12)]
    + [("lists.maintain", "lists.subscribe", "Add Sue Park to Buyer alerts", "undone", 5)]
    + [("supplies.order", "supplies.purchase_order", f"Order printer paper and toner ({n})",
        outcome, days) for n, (outcome, days) in enumerate([
            ("approved_unchanged", 41), ("approved_unchanged", 34), ("approved_with_edits", 33),
            ("rejected", 27), ("approved_unchanged", 26), ("approved_unchanged", 20),
            ("approved_unchanged", 13), ("approved_with_edits", 12), ("approved_unchanged", 6),
            ("approved_unchanged", 2)])]
    + [("mailings.send", "mailings.send", f"Send the {month} newsletter", outcome, days)
       for month, outcome, days in [("October", "approved_with_edits", 38),
                                    ("first November", "approved_unchanged", 24),
                                    ("mid-November", "approved_unchanged", 10),
                                    ("open house", "approved_unchanged", 3)]])


def _history(session: Session, wid: int, now: datetime) -> None:
    from righthand.domain.actions import Action

    for duty, kind, summary, outcome, days in HISTORY:
        at = now - timedelta(days=days, hours=3)
        asked = outcome.startswith(("approved", "rejected"))
        action = Action(duty=duty, kind=kind, payload={"demo": summary}, summary=summary)
        state = {"rejected": "rejected", "undone": "undone"}.get(outcome, "done")
        row = ActionRow(workspace_id=wid, duty=duty, kind=kind, payload=action.data,
                        payload_hash=action.payload_hash, summary=summary, initiative="reactive",
                        undoable=kind == "lists.subscribe", amount=None, version=1,
                        requested_by="client", decision="ask" if asked else "allow",
                        decision_code="autonomy_ask" if asked else "allowed", decision_reason="",
                        notify=False, state=state, created_at=at, updated_at=at)
        session.add(row)
        session.flush()
        if outcome == "undone":
            session.add(OutcomeRow(workspace_id=wid, action_id=row.id, duty=duty,
                                   outcome="executed", at=at, actor="assistant"))
        session.add(OutcomeRow(workspace_id=wid, action_id=row.id, duty=duty, outcome=outcome,
                               at=at + timedelta(minutes=20), actor="client"))


def _timelines(session: Session, wid: int, now: datetime, today: date, zone: str,
               deals: dict[str, DealRow], by_email: dict[str, ContactRow]) -> None:
    jones, wilson, nguyen, miller = (deals[k] for k in ("Jones", "Wilson", "Nguyen", "Miller"))
    def entry(deal: DealRow, days_ago: int, hour: int, kind: str, summary: str, source: str,
              who: str | None = None, ref: str | None = None,
              data: dict[str, str] | None = None) -> None:
        session.add(DealActivityRow(
            workspace_id=wid, deal_id=deal.id, kind=kind,
            at=_at(today - timedelta(days=days_ago), hour, 0, zone), summary=summary,
            source=source, source_ref=ref, data=data,
            contact_id=by_email[who].id if who else None))

    entry(jones, 26, 16, "stage_change", "Moved from Offer to Under contract", "client",
          data={"from": "offer", "to": "under_contract"})
    entry(jones, 9, 11, "stage_change", "Moved from Under contract to Inspection", "client",
          data={"from": "under_contract", "to": "inspection"})
    entry(jones, 6, 10, "event", "Home inspection at 22 Birch Lane", "calendar",
          "alice.jones@example.com", "demo-inspection@righthand")
    entry(jones, 4, 15, "email_out", "Jones loan: commitment letter?", "mailbox",
          "dev.patel@firstharbor.example", "<demo-jones-loan@harbourpine.example>")
    entry(jones, 2, 9, "email_in", "Inspection report is in", "mailbox",
          "alice.jones@example.com", "<demo-jones-report@example.com>")
    entry(jones, 1, 17, "call", "Went through the inspection report; they want a credit for the "
          "roof", "calls", "alice.jones@example.com", "demo-call-1")
    entry(wilson, 3, 10, "stage_change", "Moved from Lead to Showing", "client",
          data={"from": "lead", "to": "showing"})
    entry(wilson, 3, 14, "email_in", "Keys for the photographer", "mailbox",
          "emma.wilson@example.org", "<demo-wilson-keys@example.org>")
    entry(nguyen, 21, 12, "stage_change", "Moved from Showing to Offer", "client",
          data={"from": "showing", "to": "offer"})
    entry(nguyen, 16, 10, "email_out", "Our offer on 31 Cedar Road", "mailbox",
          "liam.nguyen@example.com", "<demo-nguyen-offer@harbourpine.example>")
    entry(miller, 2, 13, "note", "Bob Miller referred his neighbour; she wants a call this week",
          "client")


def _follow_ups(session: Session, wid: int, now: datetime, today: date, zone: str,
                deals: dict[str, DealRow], by_email: dict[str, ContactRow]) -> None:
    session.add_all([
        ReminderRow(workspace_id=wid, kind="awaiting_reply", text="Jones loan: commitment letter?",
                    due_at=_at(today - timedelta(days=1), 15, 0, zone), has_time=False,
                    contact_id=by_email["dev.patel@firstharbor.example"].id,
                    deal_id=deals["Jones"].id, source="sent_mail",
                    source_ref="<demo-jones-loan@harbourpine.example>",
                    dedupe_key="await:<demo-jones-loan@harbourpine.example>",
                    created_at=_at(today - timedelta(days=4), 15, 0, zone)),
        ReminderRow(workspace_id=wid, kind="reminder", text="Call Bob Chen about the open house",
                    due_at=_at(today, 9, 0, zone), has_time=False,
                    contact_id=by_email["bob.chen@example.net"].id, source="client",
                    created_at=now - timedelta(days=2)),
        ReminderRow(workspace_id=wid, kind="follow_up",
                    text="Send Emma Wilson the staging quote",
                    due_at=_at(today - timedelta(days=1), 17, 0, zone), has_time=False,
                    contact_id=by_email["emma.wilson@example.org"].id,
                    deal_id=deals["Wilson"].id, source="sent_mail",
                    source_ref="<demo-wilson-quote@harbourpine.example>",
                    dedupe_key="promise:<demo-wilson-quote@harbourpine.example>:0",
                    created_at=now - timedelta(days=3)),
    ])
