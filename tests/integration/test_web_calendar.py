"""The calendar page: day and week views from the occurrence index in the client's time zone,
and scheduling with the availability engine's proposed slots, booked through the gate."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

from righthand.policy.duties import Phase
from righthand.store.tables import ActionRow, AuditEntry, EventRow
from tests.support.web import add_user, client, csrf, login, seed_demo, set_phase, signed_in, unique


@pytest.fixture
def office(single_app, monkeypatch):
    return seed_demo(single_app, monkeypatch, Phase.III)


@pytest.fixture
def owner(single_app, office):
    return signed_in(single_app, office.owner, office.slug)


def test_week_and_day_views_show_the_index_in_the_clients_zone(single_app, office, owner):
    base = f"/w/{office.slug}/calendar"
    week = owner.get(base)
    assert week.status_code == 200
    # the demo clock is Thursday 26 Nov 2026 10:00 in New York: the week runs Mon 23 - Sun 29
    assert "23 Nov \u2013 29 Nov 2026" in week.text
    assert week.text.count('class="card day') == 7
    assert "Team stand-up" in week.text and "Jones closing prep" in week.text
    assert "2:00 pm\u20133:00 pm" in week.text  # 19:00 UTC shown at 2 pm New York time
    day = owner.get(base, params={"view": "day", "day": "2026-11-26"})
    assert day.text.count('class="card day') == 1 and "Jones closing prep" in day.text
    tomorrow = owner.get(base, params={"view": "day", "day": "2026-11-27"})
    assert "Jones closing prep" not in tomorrow.text
    bad = owner.get(base, params={"view": "month"})
    assert bad.status_code == 400 and "Use day or week" in bad.text
    assert owner.get(base, params={"day": "26/11"}).status_code == 400


def test_proposed_slots_avoid_busy_time_and_booking_is_an_action(single_app, office, owner):
    base = f"/w/{office.slug}/calendar"
    found = owner.get(f"{base}/slots", params={"what": "coffee", "minutes": "60",
                                               "day": "2026-11-26"})
    assert found.status_code == 200 and "Proposed times" in found.text
    starts = re.findall(r'name="start" value="([^"]+)"', found.text)
    assert starts
    zone = ZoneInfo("America/New_York")
    first = datetime.fromisoformat(starts[0]).astimezone(zone)
    # 2 hours' notice from 10:00, and the 2 pm closing prep is busy: 12:00 is the first hour
    assert (first.day, first.hour) == (26, 12), starts
    assert all(not (14 <= datetime.fromisoformat(s).astimezone(zone).hour < 15)
               for s in starts if datetime.fromisoformat(s).astimezone(zone).day == 26)
    booked = owner.post(f"{base}/book", data={"start": starts[0], "what": "coffee",
                                              "minutes": "60"})
    assert booked.status_code == 200 and "Book Coffee, Thu 26 Nov" in booked.text, booked.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(
            ActionRow.duty == "appointments.schedule").order_by(ActionRow.id.desc())).first()
        assert action.kind == "appointments.hold"
        assert action.requested_by.startswith("client:")
        assert action.state in ("done", "awaiting_approval")
        if action.state == "done":
            assert session.scalars(select(EventRow).where(
                EventRow.summary == "Coffee")).first() is not None
    again = owner.post(f"{base}/book", data={"start": starts[0], "what": "coffee",
                                             "minutes": "60"})
    assert "already in hand" in again.text  # the same booking twice is one booking


def test_booking_is_refused_when_scheduling_is_off_and_staff_are_attributed(single_app, office,
                                                                            owner):
    set_phase(single_app, office.workspace_id, Phase.I)
    base = f"/w/{office.slug}/calendar"
    start = "2026-11-27T16:00:00-05:00"
    refused = owner.post(f"{base}/book", data={"start": start, "what": "call"})
    assert refused.status_code == 200 and "Not done" in refused.text
    set_phase(single_app, office.workspace_id, Phase.III)
    staff = add_user(single_app, unique("staff"), office.workspace_id, "staff")
    web = client(single_app)
    login(web, staff)
    web.headers["X-CSRF-Token"] = csrf(web, office.slug)
    web.post(f"{base}/book", data={"start": start, "what": "call"})
    with single_app.db.unit(office.workspace_id, write=False) as session:
        rows = session.scalars(select(ActionRow).where(
            ActionRow.duty == "appointments.schedule").order_by(ActionRow.id)).all()
    assert rows[0].state == "denied" and rows[0].requested_by.startswith("client:")
    assert rows[-1].requested_by == f"staff:{staff}"
    with single_app.db.unit(office.workspace_id, write=False) as session:
        entry = session.scalars(select(AuditEntry).where(
            AuditEntry.event == "action.decided",
            AuditEntry.subject == f"action {rows[-1].id}")).one()
    assert entry.actor == f"staff:{staff}"  # the audit log names the staff member


def test_today_shows_the_rest_of_the_briefing(single_app, office, owner):
    from righthand.service import demo_mail

    demo_mail.seed(single_app, office.workspace_id, office.slug, single_app.clock())
    today = owner.get(f"/w/{office.slug}/today")
    assert f'hx-get="/w/{office.slug}/today/briefing"' in today.text
    fragment = owner.get(f"/w/{office.slug}/today/briefing", headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "<html" not in fragment.text
    assert "Deals needing attention" in fragment.text and "Follow-ups" in fragment.text
    assert "Calls since yesterday" in fragment.text and "Voicemail:" in fragment.text
    page = owner.get(f"/w/{office.slug}/today/briefing")
    assert "<h1>Today&#39;s briefing</h1>" in page.text or "Today's briefing</h1>" in page.text


def _profile_form(owner, slug: str) -> dict[str, str]:
    """The profile form as the settings page fills it in (the zone from its picker)."""
    settings = owner.get(f"/w/{slug}/settings").text
    values = dict(re.findall(r'name="(\w+)" type="\w+" value="([^"]*)"', settings))
    form = {k: values.get(k, "") for k in ("client_name", "assistant_name", "address_form",
                                           "business_name", "email", "phone")}
    zone = re.search(r'<select id="p-timezone".*?<option selected>([^<]+)</option>', settings,
                     re.S)
    assert zone, "the zone picker shows the workspace's zone chosen"
    return {**form, "timezone": zone.group(1)}


def test_each_weekday_has_its_own_working_hours(single_app, office, owner):
    from righthand.duties.appointments import rules as stored_rules

    form = _profile_form(owner, office.slug)
    assert form["timezone"] == "America/New_York"
    page = owner.get(f"/w/{office.slug}/settings").text
    assert 'id="p-hours-mon" name="hours_mon" value="09:00-17:00"' in page
    assert '<label for="p-hours-sat">Saturday</label>' in page
    week = {f"hours_{d}": "09:00-17:00" for d in ("mon", "tue", "wed", "thu")}
    assert 'name="hours_sent" value="true"' in page  # the page sends all seven days
    typed = {**form, **week, "hours_sent": "true", "signature": "Pat, typed before the mistake",
             "hours_fri": "", "hours_sat": "10:00-13:00", "hours_sun": "noon-ish"}
    bad = owner.post(f"/w/{office.slug}/settings/profile", data=typed)
    assert bad.status_code == 400
    assert "Sunday" in bad.text and "09:00-17:30" in bad.text and 'role="alert"' in bad.text
    assert 'value="noon-ish"' in bad.text and 'value="10:00-13:00"' in bad.text, \
        "the refused form comes back as it was typed"
    assert "Pat, typed before the mistake" in bad.text
    backwards = owner.post(f"/w/{office.slug}/settings/profile",
                           data={**typed, "hours_sun": "17:00-09:00"})
    assert backwards.status_code == 400 and "end after it starts" in backwards.text
    saved = owner.post(f"/w/{office.slug}/settings/profile", data={**typed, "hours_sun": ""})
    assert saved.status_code == 200 and "weekly hours" in saved.text, saved.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        hours = stored_rules.load(session).to_json()["hours"]
    assert (hours["fri"], hours["sat"], hours["sun"], hours["mon"]) == \
        ("", "10:00-13:00", "", "09:00-17:00")
    zone = ZoneInfo("America/New_York")
    for day, expected in (("2026-11-27", set()), ("2026-11-28", {10, 11, 12})):  # Fri, Sat
        found = owner.get(f"/w/{office.slug}/calendar/slots",
                          params={"what": "call", "minutes": "30", "day": day})
        hours_offered = {datetime.fromisoformat(s).astimezone(zone).hour
                         for s in re.findall(r'name="start" value="([^"]+)"', found.text)
                         if s.startswith(day)}
        assert hours_offered == expected or (expected and hours_offered <= expected), \
            (day, hours_offered)
    again = owner.post(f"/w/{office.slug}/settings/profile", data={**typed, "hours_sun": ""})
    assert "Nothing changed." in again.text


def test_working_hours_in_the_profile_are_the_bookable_hours(single_app, office, owner):
    from righthand.duties.appointments import rules as stored_rules

    form = _profile_form(owner, office.slug)
    bad = owner.post(f"/w/{office.slug}/settings/profile",
                     data={**form, "working_hours": "nine to five"})
    assert bad.status_code == 400 and "09:00-17:30" in bad.text
    saved = owner.post(f"/w/{office.slug}/settings/profile",
                       data={**form, "working_hours": "13:00-16:00"})
    assert saved.status_code == 200 and "working_hours" in saved.text
    with single_app.db.unit(office.workspace_id, write=False) as session:
        assert stored_rules.load(session).to_json()["hours"]["fri"] == "13:00-16:00"
    found = owner.get(f"/w/{office.slug}/calendar/slots",
                      params={"what": "call", "minutes": "30", "day": "2026-11-27"})
    zone = ZoneInfo("America/New_York")
    hours = {datetime.fromisoformat(s).astimezone(zone).hour
             for s in re.findall(r'name="start" value="([^"]+)"', found.text)}
    assert hours and hours <= {13, 14, 15}, hours


def test_letting_people_choose_emails_them_three_proposed_times(single_app, office, owner):
    base = f"/w/{office.slug}/calendar"
    found = owner.get(f"{base}/slots", params={"what": "call", "who": "Bob Miller",
                                               "minutes": "30", "day": "2026-11-27"})
    assert "Let Bob Miller choose: email three times" in found.text
    offered = owner.post(f"{base}/offer", data={"who": "Bob Miller", "what": "call",
                                                "minutes": "30", "day": "2026-11-27"})
    assert offered.status_code == 200 and "Offer Call with Bob" in offered.text, \
        offered.text[-1500:]
    with single_app.db.unit(office.workspace_id, write=False) as session:
        action = session.scalars(select(ActionRow).where(
            ActionRow.kind == "appointments.propose_slots")).one()
    assert len(action.payload["slots"]) == 3
    assert action.payload["recipients"] == ["bob.miller@example.com"]
    unknown = owner.post(f"{base}/offer", data={"who": "Nobody Atall", "what": "call"})
    assert unknown.status_code == 200 and "email address for Nobody Atall" in unknown.text
