"""Calendar core without a database: iCalendar reading and expansion, invitations, words,
the availability engine, and the subscription fetcher's address guard."""

from __future__ import annotations

import email
import email.policy
import sys
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest

from righthand.connectors import ics_fetch
from righthand.conversation.calendar_words import understand
from righthand.duties.appointments.availability import Rules, free_slots, is_free
from righthand.duties.calendar import compose, ical
from righthand.errors import BadInput
from righthand.service import messages

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "benchmarks"))
import calgen

NY = ZoneInfo("America/New_York")
NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)

SERIES = """BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nBEGIN:VEVENT\r\nUID:s@t\r
DTSTAMP:20261101T000000Z\r\nDTSTART;TZID=Europe/London:20261102T090000\r
DTEND;TZID=Europe/London:20261102T093000\r\nRRULE:FREQ=WEEKLY;BYDAY=MO,WE\r
EXDATE;TZID=Europe/London:20261104T090000\r\nRDATE;TZID=Europe/London:20261106T120000\r
SUMMARY:Stand-up\r\nEND:VEVENT\r\nBEGIN:VEVENT\r\nUID:s@t\r\nDTSTAMP:20261101T000000Z\r
RECURRENCE-ID;TZID=Europe/London:20261109T090000\r\nDTSTART;TZID=Europe/London:20261109T110000\r
DTEND;TZID=Europe/London:20261109T113000\r\nSUMMARY:Stand-up (late)\r\nEND:VEVENT\r
END:VCALENDAR\r\n"""


def test_fast_reader_agrees_with_icalendar(tmp_path):
    calgen.generate(tmp_path, events=400, recurring=0)
    for path in sorted(tmp_path.glob("*.ics")):
        text = path.read_text()
        quick = ical.read(text, NY)
        full = ical.read_full(ical.parse(text), text, NY)
        assert quick is not None and full is not None
        for name in ("uid", "summary", "start", "end", "all_day", "status", "transparent",
                     "location", "timezone"):
            assert getattr(quick, name) == getattr(full, name), (path.name, name)


def test_recurrence_with_exdate_rdate_and_override():
    found = ical.instances(SERIES, datetime(2026, 11, 1, tzinfo=UTC),
                           datetime(2026, 11, 12, tzinfo=UTC), NY, frozenset())
    shown = [(i.start.astimezone(ZoneInfo("Europe/London")).strftime("%a %d %H:%M"), i.summary)
             for i in found]
    assert shown == [("Mon 02 09:00", "Stand-up"), ("Fri 06 12:00", "Stand-up"),
                     ("Mon 09 11:00", "Stand-up (late)"), ("Wed 11 09:00", "Stand-up")]
    resource = ical.read(SERIES, NY)
    assert resource is not None and resource.recurring and resource.last_end is None


def test_all_day_and_multi_day_and_floating_are_in_the_readers_zone():
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@t\r\nDTSTAMP:20261101T000000Z"
            "\r\nDTSTART;VALUE=DATE:20261127\r\nDTEND;VALUE=DATE:20261130\r\nSUMMARY:Trip\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")
    trip = ical.read(text, NY)
    assert trip is not None and trip.all_day
    assert trip.start == datetime(2026, 11, 27, tzinfo=NY)
    assert trip.end == datetime(2026, 11, 30, tzinfo=NY)
    floating = text.replace("DTSTART;VALUE=DATE:20261127", "DTSTART:20261127T100000").replace(
        "DTEND;VALUE=DATE:20261130", "DTEND:20261127T110000")
    meeting = ical.read(floating, NY)
    assert meeting is not None and meeting.start == datetime(2026, 11, 27, 10, tzinfo=NY)


def test_invitation_has_what_mail_clients_need():
    text = compose.new_event("u1@righthand", "Lunch with Bob", datetime(2026, 12, 1, 12, tzinfo=NY),
                             datetime(2026, 12, 1, 13, tzinfo=NY), "America/New_York", NOW,
                             organizer=compose.Person("pat@example.com", "Pat Lee"),
                             attendees=(compose.Person("bob@example.com", "Bob Miller"),))
    invite = icalendar.Calendar.from_ical(compose.itip(text, "REQUEST", NOW, "America/New_York"))
    assert str(invite["METHOD"]) == "REQUEST" and invite.get("PRODID")
    event = next(iter(invite.walk("VEVENT")))
    assert str(event["UID"]) == "u1@righthand" and "DTSTAMP" in event
    assert int(event["SEQUENCE"]) == 0
    assert str(event["ORGANIZER"]) == "mailto:pat@example.com"
    bob = next(a for a in event["ATTENDEE"] if str(a) == "mailto:bob@example.com")
    assert bob.params["RSVP"] == "TRUE" and bob.params["PARTSTAT"] == "NEEDS-ACTION"
    assert [str(tz["TZID"]) for tz in invite.walk("VTIMEZONE")] == ["America/New_York"]
    moved = compose.reschedule(text, datetime(2026, 12, 2, 12, tzinfo=NY),
                               datetime(2026, 12, 2, 13, tzinfo=NY), NOW, "America/New_York",
                               organizer="pat@example.com")
    again = next(iter(icalendar.Calendar.from_ical(moved).walk("VEVENT")))
    assert int(again["SEQUENCE"]) == 1
    cancel = icalendar.Calendar.from_ical(compose.itip(compose.cancel(text, NOW, "UTC"),
                                                       "CANCEL", NOW, "UTC"))
    assert str(cancel["METHOD"]) == "CANCEL"
    assert str(next(iter(cancel.walk("VEVENT")))["STATUS"]) == "CANCELLED"


def test_imip_message_carries_method_and_attachment():
    ics = compose.itip(compose.new_event("u2@r", "Call", NOW, NOW + timedelta(hours=1), "UTC",
                                         NOW), "REQUEST", NOW, "UTC")
    msg = messages.build({"recipients": ["bob@example.com"], "to": [{"address": "bob@example.com"}],
                          "subject": "Invitation", "body": "Hi",
                          "calendar": {"method": "REQUEST", "ics": ics}},
                         sender_name="Pat", sender_address="pat@example.com",
                         idempotency_key="k1", now=NOW)
    parsed = email.message_from_bytes(bytes(msg), policy=email.policy.default)
    parts = {p.get_content_type(): p for p in parsed.walk()}
    assert parts["text/calendar"].get_param("method") == "REQUEST"
    assert "BEGIN:VCALENDAR" in parts["text/calendar"].get_content()
    assert "application/ics" in parts


@pytest.mark.parametrize(("text", "intent", "slots"), [
    ("What's on my calendar tomorrow afternoon?", "calendar.agenda",
     {"date": "2026-11-27", "part": "afternoon"}),
    ("What's on my calendar this week?", "calendar.agenda", {"date": "2026-11-26", "days": 4}),
    ("What do I have on the 12th?", "calendar.agenda", {"date": "2026-12-12"}),
    ("Am I free Thursday at 3?", "calendar.free_at", {"date": "2026-11-26", "time": "15:00"}),
    ("When am I free next week?", "calendar.free_time", {"date": "2026-11-30", "days": 7}),
    ("Move my 3pm to Friday", "calendar.move", {"from_time": "15:00", "to_date": "2026-11-27"}),
    ("Cancel the dentist", "calendar.cancel", {"what": "the dentist"}),
    ("Schedule lunch with Bob next Tuesday at noon", "appointments.schedule",
     {"who": "Bob", "date": "2026-12-01", "time": "12:00"}),
    ("Set up a call with the Joneses sometime next week", "appointments.propose",
     {"who": "the Joneses", "date": "2026-11-30"}),
    ("book option 2 for request 7", "appointments.choose", {"option": 2, "request": 7}),
])
def test_calendar_words(text, intent, slots):
    found = understand(text, date(2026, 11, 26))
    assert found is not None and found.intent == intent
    assert slots.items() <= found.slots.items()


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(date(2026, 11, day), time(hour, minute), NY)


def test_availability_rules():
    rules = Rules.from_json({"hours": {"fri": "09:00-12:00"}, "buffer_before_minutes": 15,
                             "buffer_after_minutes": 15, "min_notice_minutes": 60,
                             "holidays": ["2026-11-26"], "blocked_weekly": {"mon": "12:00-13:00"},
                             "daily_limit": 1})
    busy = [(_at(27, 10), _at(27, 11))]
    now = _at(25, 16)
    slots = free_slots(rules, busy, now, timedelta(minutes=30), _at(26, 0), _at(30, 23),
                       "America/New_York", count=20, booked_per_day={date(2026, 11, 30): 1})
    starts = [s.strftime("%d %H:%M") for s, _ in slots]
    # Thursday is a holiday; Friday 9-12 minus 10-11 widened by 15 min each side; Monday has
    # reached its daily limit.
    assert starts == ["27 09:00", "27 11:30"]
    assert not is_free(rules, busy, _at(27, 11), _at(27, 11, 30), "America/New_York")
    monday = free_slots(rules, [], _at(30, 6), timedelta(hours=1), _at(30, 0), _at(30, 23),
                        "America/New_York", count=20)
    assert all(not (s < _at(30, 13) and e > _at(30, 12)) for s, e in monday)
    assert rules.to_json()["hours"]["fri"] == "09:00-12:00"


@pytest.mark.parametrize("address", ["127.0.0.1", "10.1.2.3", "192.168.0.9", "172.16.5.5",
                                     "169.254.169.254", "::1", "fe80::1", "0.0.0.0",
                                     "::ffff:127.0.0.1"])
def test_subscriptions_refuse_addresses_that_are_not_public(address):
    with pytest.raises(BadInput):
        ics_fetch.check("https://calendar.example.com/x.ics", resolver=lambda h, p: [address])
    assert not ics_fetch.public(address)


def test_subscriptions_check_names_and_schemes():
    with pytest.raises(BadInput):
        ics_fetch.check("file:///etc/passwd")
    with pytest.raises(BadInput):
        ics_fetch.check("https://localhost/cal.ics")
    scheme, host, port, address, path = ics_fetch.check(
        "webcal://calendar.example.com/h.ics?x=1", resolver=lambda h, p: ["93.184.216.34"])
    assert (scheme, host, port, address, path) == ("https", "calendar.example.com", 443,
                                                   "93.184.216.34", "/h.ics?x=1")


@pytest.mark.parametrize("rule", ["FREQ=SECONDLY", "FREQ=MINUTELY;INTERVAL=5",
                                  "FREQ=HOURLY;BYSECOND=0,30",
                                  "FREQ=HOURLY;BYMINUTE=" + ",".join(str(m) for m in range(30))])
def test_rules_that_flood_the_window_are_refused_quickly(rule):
    """A hostile invitation repeating every second would expand to millions of occurrences."""
    from righthand.duties.calendar import ical

    text = ("BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nUID:flood\r\nSUMMARY:Flood\r\n"
            f"DTSTART:20261201T100000Z\r\nRRULE:{rule}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    with pytest.raises(BadInput) as refused:
        ical.instances(text, datetime(2026, 11, 30, tzinfo=UTC), datetime(2026, 12, 31, tzinfo=UTC),
                       ZoneInfo("America/New_York"), frozenset())
    assert "Flood" in refused.value.message and "hourly" in (refused.value.hint or "")
