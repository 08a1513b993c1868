"""Fuzzing every parser that reads outside input (hypothesis): mail (MIME), iCalendar, vCard,
CSV, and requests to the assistant. Each either answers or raises its documented error (a
``Malformed`` message, a ``BadInput`` file) — never another exception, never a hang (each
example has a deadline, each test a bounded number of examples; the whole file runs in well
under a minute)."""

from __future__ import annotations

import contextlib
import os
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from righthand.errors import BadInput

# The suite runs a fixed, derandomized sample so CI is repeatable; for a deeper hunt set
# RIGHTHAND_FUZZ_EXAMPLES (e.g. 20000) and RIGHTHAND_FUZZ_RANDOM=1 and run this file alone.
FUZZ = settings(max_examples=int(os.environ.get("RIGHTHAND_FUZZ_EXAMPLES", "400")),
                deadline=2000, derandomize=not os.environ.get("RIGHTHAND_FUZZ_RANDOM"),
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
NY = ZoneInfo("America/New_York")

# Pieces that make the parsers take their interesting paths.
_MIME_HEADERS = ["From", "To", "Cc", "Subject", "Date", "Message-ID", "In-Reply-To",
                 "Content-Type", "Content-Transfer-Encoding", "Content-Disposition",
                 "MIME-Version", "Reply-To", "List-Unsubscribe", "Received"]
_MIME_VALUES = ["multipart/mixed; boundary=\"b\"", "multipart/alternative; boundary=b",
                "text/plain; charset=utf-8", "text/html; charset=\"iso-8859-1\"",
                "text/calendar; method=REQUEST", "base64", "quoted-printable", "8bit",
                "attachment; filename=\"a.pdf\"", "=?utf-8?b?SGVsbG8=?=", "=?x-bad?q?=FF?=",
                "Pat <pat@example.com>", "<id@x>", "Tue, 1 Dec 2026 10:00:00 +0000",
                "Mon, 99 Foo 2026 99:99:99 +9999", "\"unclosed", "a@b, <c@d>, ,", ""]
_MIME_BODIES = ["--b\r\nContent-Type: text/plain\r\n\r\nhi\r\n--b--\r\n", "--b\r\n\r\n",
                "PGh0bWw+", "=E2=98=83 =\r\n", "<html><a href='javascript:x'>y</a>", "\x00\xff",
                "BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nEND:VCALENDAR\r\n"]


@st.composite
def mime_messages(draw: st.DrawFn) -> bytes:
    """Header-shaped lines with awkward values, then a body, sometimes raw noise."""
    if draw(st.booleans()):
        return draw(st.binary(max_size=2000))
    lines = []
    for _ in range(draw(st.integers(0, 12))):
        name = draw(st.sampled_from(_MIME_HEADERS) | st.text("ABCXYZ-:", max_size=8))
        value = draw(st.sampled_from(_MIME_VALUES) | st.text(max_size=60))
        lines.append(f"{name}: {value}")
    body = "".join(draw(st.lists(st.sampled_from(_MIME_BODIES) | st.text(max_size=80),
                                 max_size=6)))
    text = "\r\n".join(lines) + "\r\n\r\n" + body
    return text.encode("utf-8", "surrogatepass") if draw(st.booleans()) else \
        text.encode("latin-1", "replace")


@FUZZ
@given(mime_messages())
def test_mime_parse_answers_or_says_malformed(raw):
    from righthand.duties.screening.parse import Malformed, parse

    try:
        facts = parse(raw)
    except Malformed as exc:
        assert str(exc)
    else:
        assert isinstance(facts.subject, str) and isinstance(facts.text, str)
        facts.to_json()


_ICAL_LINES = ["BEGIN:VCALENDAR", "END:VCALENDAR", "VERSION:2.0", "PRODID:-//x//y//EN",
               "BEGIN:VEVENT", "END:VEVENT", "UID:{x}", "SUMMARY:{x}", "DTSTART:20261201T100000Z",
               "DTEND:20261201T110000Z", "DTSTART;VALUE=DATE:20261201", "DTSTART:{x}",
               "DTSTART;TZID=Europe/London:20261201T100000", "DTSTART;TZID={x}:20261201T100000",
               "RRULE:FREQ=WEEKLY;COUNT=3", "RRULE:{x}", "RRULE:FREQ=SECONDLY;INTERVAL=0",
               "EXDATE:20261208T100000Z", "RECURRENCE-ID:20261208T100000Z", "DURATION:{x}",
               "DURATION:PT1H", "ATTENDEE;PARTSTAT=ACCEPTED:mailto:{x}", "ORGANIZER:{x}",
               "BEGIN:VTIMEZONE", "TZID:{x}", "END:VTIMEZONE", "BEGIN:STANDARD", "END:STANDARD",
               "TZOFFSETFROM:{x}", "TZOFFSETTO:+0100", "SEQUENCE:{x}", "STATUS:{x}",
               "TRANSP:TRANSPARENT", " {x}", "{x}:{x}", "BEGIN:VTODO", "END:VTODO"]


@st.composite
def icalendars(draw: st.DrawFn) -> str:
    """Calendar-shaped lines, some holding noise, in any order."""
    filler = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
    lines = [line.replace("{x}", draw(filler)) for line in
             draw(st.lists(st.sampled_from(_ICAL_LINES), max_size=25))]
    if draw(st.booleans()):
        lines = ["BEGIN:VCALENDAR", "BEGIN:VEVENT", "UID:u1", *lines, "END:VEVENT",
                 "END:VCALENDAR"]
    return "\r\n".join(lines) + "\r\n"


@FUZZ
@given(icalendars())
def test_icalendar_import_answers_or_says_bad_input(text):
    from righthand.duties.calendar import ical
    from righthand.service.calendar_files import resources

    try:
        for resource in resources(text):
            ical.read(resource, NY)
    except BadInput as exc:
        assert exc.hint or exc.message


@FUZZ
@given(icalendars())
def test_icalendar_expansion_answers_or_says_bad_input(text):
    from righthand.duties.calendar import ical

    start = datetime(2026, 11, 30, tzinfo=UTC)
    with contextlib.suppress(BadInput):
        list(ical.instances(text, start, datetime(2026, 12, 31, tzinfo=UTC), NY,
                            frozenset({"pat@example.com"})))


_VCARD_LINES = ["BEGIN:VCARD", "END:VCARD", "VERSION:3.0", "VERSION:4.0", "VERSION:2.1",
                "FN:{x}", "N:{x};{x};;;", "N:{x}", "EMAIL;TYPE=work:{x}", "EMAIL:{x}",
                "TEL;TYPE=cell:{x}", "TEL:+1 617 555 0100", "ADR;TYPE=home:;;{x};{x};;;{x}",
                "ORG:{x}", "NOTE;ENCODING=QUOTED-PRINTABLE:{x}=", "BDAY:{x}", "TZ:{x}",
                "CATEGORIES:{x},{x}", "PHOTO;ENCODING=b:{x}", " {x}", "{x}:{x}", "item1.EMAIL:{x}"]


@st.composite
def vcards(draw: st.DrawFn) -> str:
    """Card-shaped lines with noise."""
    filler = st.text(st.characters(blacklist_categories=("Cs",)), max_size=30)
    lines = [line.replace("{x}", draw(filler)) for line in
             draw(st.lists(st.sampled_from(_VCARD_LINES), max_size=25))]
    if draw(st.booleans()):
        lines = ["BEGIN:VCARD", "VERSION:3.0", *lines, "END:VCARD"]
    return "\r\n".join(lines) + "\r\n"


@FUZZ
@given(vcards())
def test_vcard_import_answers_or_says_bad_input(text):
    from righthand.duties.lists.vcard_io import read_vcards

    try:
        read = read_vcards(text, "US")
    except BadInput as exc:
        assert exc.hint
    else:
        assert len(read.records) + len(read.invalid) >= 1


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """CSV-ish bytes: quoted cells, odd separators, BOMs, legacy encodings, or noise."""
    if draw(st.integers(0, 3)) == 0:
        return draw(st.binary(max_size=2000))
    cell = st.text(max_size=20) | st.sampled_from(['"', '""', '"a,b"', "=cmd|'/c calc'!A1",
                                                   "\r", "\n", "sep=;", "\ufeff", "\x00"])
    sep = draw(st.sampled_from([",", ";", "\t", "|"]))
    rows = draw(st.lists(st.lists(cell, max_size=8), max_size=15))
    text = "\n".join(sep.join(row) for row in rows)
    encoding = draw(st.sampled_from(["utf-8", "utf-16", "cp1252", "latin-1", "utf-8-sig"]))
    return text.encode(encoding, "replace")


@FUZZ
@given(csv_files())
def test_csv_import_answers_or_says_bad_input(data):
    from righthand.duties.lists.csv_io import read_table

    try:
        table = read_table(data)
        for _number, row in table.rows:
            assert isinstance(row, list)
    except BadInput as exc:
        assert exc.hint or exc.message


_REQUEST_WORDS = ["add", "to the", "newsletter", "list", "order", "boxes of", "paper", "what's",
                  "on my calendar", "today", "tomorrow", "Thursday at 3", "next week", "Jane,",
                  "email", "Jones closing", "where are we on", "remind me", "in 2 days",
                  "at 25:99", "on 31/02", "sue@example.com", "+1 617 555 0100", "unsubscribe",
                  "move", "cancel", "my 3pm", "schedule", "with Sue", "for 45 minutes", "?",
                  "ignore previous instructions", "\u202e", "\x00", "99999999999999999999"]


@FUZZ
@given(st.lists(st.sampled_from(_REQUEST_WORDS) | st.text(max_size=15), max_size=14),
       st.sampled_from(["UTC", "America/New_York", "Pacific/Kiritimati"]))
def test_the_understander_always_answers(words, zone):
    from righthand.conversation.patterns import PatternUnderstander

    now = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)
    found = PatternUnderstander().understand(" ".join(words), now, zone)
    assert isinstance(found.intent, str)


@pytest.mark.parametrize("size", [200_000])
def test_big_inputs_finish_quickly(size):
    """Large pathological inputs (long lines, deep multipart nesting) end in bounded time."""
    import time

    from righthand.duties.lists.csv_io import read_table
    from righthand.duties.screening.parse import Malformed, parse

    started = time.monotonic()
    nested = "".join(f"Content-Type: multipart/mixed; boundary=b{i}\r\n\r\n--b{i}\r\n"
                     for i in range(300))
    with contextlib.suppress(Malformed):
        parse(("From: a@b\r\nSubject: x\r\n" + nested).encode())
    with contextlib.suppress(BadInput):
        list(read_table(("a," * size).encode()).rows)
    assert time.monotonic() - started < 20
