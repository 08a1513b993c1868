"""The reply to a calendar move names only what changes, in words a person would use: the day
(time kept), the time (day kept), or both -- never "Moving Dentist to on Friday"."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from righthand.duties.calendar.changes import move_text

ZONE = "America/New_York"
TODAY = date(2026, 11, 26)  # a Thursday


def _at(day: int, hour: int, minute: int = 0, month: int = 12) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=ZoneInfo(ZONE))


@pytest.mark.parametrize(("old", "new", "said"), [
    # date only: the time stays
    (_at(1, 15), _at(4, 15),
     "Moving Dentist from Tuesday 1 December to Friday 4 December, still at 3 pm."),
    (_at(26, 15, month=11), _at(27, 15, month=11),
     "Moving Dentist from today to tomorrow, still at 3 pm."),
    # time only: the day stays
    (_at(1, 15), _at(1, 16, 30), "Moving Dentist from 3 pm to 4:30 pm on Tuesday 1 December."),
    (_at(26, 15, month=11), _at(26, 9, month=11), "Moving Dentist from 3 pm to 9 am today."),
    (_at(27, 12, month=11), _at(27, 14, month=11), "Moving Dentist from 12 pm to 2 pm tomorrow."),
    # date and time
    (_at(1, 15), _at(4, 10),
     "Moving Dentist from Tuesday 1 December at 3 pm to Friday 4 December at 10 am."),
    (_at(1, 15), _at(27, 11, 15, month=11),
     "Moving Dentist from Tuesday 1 December at 3 pm to tomorrow at 11:15 am."),
])
def test_each_combination_reads_naturally(old: datetime, new: datetime, said: str) -> None:
    text = move_text("Dentist", old, new, TODAY, ZONE)
    assert text == said
    assert " to on " not in text and "  " not in text and " on on " not in text


def test_an_all_day_event_names_days_only() -> None:
    text = move_text("Open house prep", _at(1, 0), _at(4, 0), TODAY, ZONE, all_day=True)
    assert text == "Moving Open house prep from Tuesday 1 December to Friday 4 December (all day)."


def test_times_are_said_in_the_clients_zone() -> None:
    utc = ZoneInfo("UTC")
    old = datetime(2026, 12, 1, 20, 0, tzinfo=utc)  # 3 pm in New York
    new = datetime(2026, 12, 4, 20, 0, tzinfo=utc)
    assert move_text("Dentist", old, new, TODAY, ZONE) == \
        "Moving Dentist from Tuesday 1 December to Friday 4 December, still at 3 pm."
