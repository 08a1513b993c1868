"""Limits: the textual form the CLI and the web edit, the stored form, and bad input."""

from __future__ import annotations

from datetime import time
from decimal import Decimal

import pytest

from righthand.policy.limits import (
    LIMIT_NAMES,
    Limits,
    QuietHours,
    RecipientRule,
    WhenExceeded,
    parse_limit_assignment,
)

FULL = Limits(
    spend_per_order=Decimal("200.50"),
    spend_per_month=Decimal("1000"),
    recipients_per_mailing=2000,
    recipients=RecipientRule.KNOWN,
    quiet_hours=QuietHours(time(21, 0), time(7, 30)),
    when_exceeded={"spend_per_month": WhenExceeded.DENY, "quiet_hours": WhenExceeded.ASK},
)


# -- stored form ----------------------------------------------------------------------------------

def test_to_json_writes_every_set_limit_as_text() -> None:
    assert FULL.to_json() == {
        "spend_per_order": "200.50",
        "spend_per_month": "1000",
        "recipients_per_mailing": 2000,
        "recipients": "known",
        "quiet_hours": "21:00-07:30",
        "when_exceeded": {"quiet_hours": "ask", "spend_per_month": "deny"},
    }


def test_full_limits_survive_a_round_trip() -> None:
    back = Limits.from_json(FULL.to_json())
    assert back == FULL
    assert back.mode("spend_per_month") is WhenExceeded.DENY
    assert back.mode("quiet_hours") is WhenExceeded.ASK


@pytest.mark.parametrize("stored", [None, {}], ids=["none", "empty"])
def test_no_stored_limits_means_no_limits(stored: dict[str, str] | None) -> None:
    assert Limits.from_json(stored) == Limits()
    assert Limits().to_json() == {}


def test_defaults_are_not_written() -> None:
    # "anyone" is the default recipient rule and no modes were chosen: nothing to store.
    only_spend = Limits().with_limit("spend_per_order", "75")
    assert only_spend.to_json() == {"spend_per_order": "75"}


def test_from_json_accepts_the_number_form_of_recipients_per_mailing() -> None:
    assert Limits.from_json({"recipients_per_mailing": 500}).recipients_per_mailing == 500


def test_from_json_rejects_an_unknown_mode() -> None:
    with pytest.raises(ValueError):
        Limits.from_json({"spend_per_order": "5", "when_exceeded": {"spend_per_order": "later"}})


# -- with_limit -----------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "expected"), [
    ("spend_per_order", "200", Decimal("200")),
    ("spend_per_order", "$99.50", Decimal("99.50")),
    ("spend_per_month", "€400", Decimal("400")),
    ("spend_per_month", "0", Decimal("0")),
    ("recipients_per_mailing", " 2000 ", 2000),
    ("recipients", "KNOWN", RecipientRule.KNOWN),
    ("recipients", "anyone", RecipientRule.ANYONE),
    ("quiet_hours", "21:00-07:00", QuietHours(time(21, 0), time(7, 0))),
    ("quiet_hours", "9:15 - 17:45", QuietHours(time(9, 15), time(17, 45))),
], ids=str)
def test_with_limit_parses_text(name: str, text: str, expected: object) -> None:
    assert getattr(Limits().with_limit(name, text), name) == expected


@pytest.mark.parametrize("name", LIMIT_NAMES)
def test_none_clears_a_limit(name: str) -> None:
    cleared = FULL.with_limit(name, "none")
    assert getattr(cleared, name) == getattr(Limits(), name)
    assert name not in cleared.to_json()


def test_with_limit_sets_a_mode_and_keeps_the_others() -> None:
    updated = FULL.with_limit("spend_per_order", "300", "deny")
    assert updated.spend_per_order == Decimal("300")
    assert dict(updated.when_exceeded) == {"spend_per_month": WhenExceeded.DENY,
                                           "quiet_hours": WhenExceeded.ASK,
                                           "spend_per_order": WhenExceeded.DENY}
    # The original is untouched: Limits are values.
    assert FULL.spend_per_order == Decimal("200.50")
    assert "spend_per_order" not in FULL.when_exceeded


def test_without_a_mode_the_previous_mode_stays() -> None:
    assert FULL.with_limit("spend_per_month", "2000").mode("spend_per_month") is WhenExceeded.DENY


@pytest.mark.parametrize(("name", "default"), [
    ("spend_per_order", WhenExceeded.ASK),
    ("spend_per_month", WhenExceeded.ASK),
    ("recipients_per_mailing", WhenExceeded.ASK),
    ("recipients", WhenExceeded.ASK),
    ("quiet_hours", WhenExceeded.DEFER),
])
def test_default_modes(name: str, default: WhenExceeded) -> None:
    assert Limits().mode(name) is default


# -- the CLI's name=value[:mode] form -------------------------------------------------------------

@pytest.mark.parametrize(("text", "parts"), [
    ("spend_per_order=200:deny", ("spend_per_order", "200", "deny")),
    ("spend_per_order=200", ("spend_per_order", "200", None)),
    ("spend_per_month = 400 :DENY", ("spend_per_month", "400", "deny")),
    ("quiet_hours=21:00-07:00", ("quiet_hours", "21:00-07:00", None)),
    ("quiet_hours=21:00-07:00:ask", ("quiet_hours", "21:00-07:00", "ask")),
    ("quiet_hours=22:00-06:00:defer", ("quiet_hours", "22:00-06:00", "defer")),
    ("recipients=known:deny", ("recipients", "known", "deny")),
    ("recipients_per_mailing=none", ("recipients_per_mailing", "none", None)),
], ids=lambda v: v if isinstance(v, str) else None)
def test_parse_limit_assignment(text: str, parts: tuple[str, str, str | None]) -> None:
    assert parse_limit_assignment(text) == parts


def test_parsed_assignments_build_the_limits_they_say() -> None:
    limits = Limits()
    for text in ("spend_per_order=200:deny", "quiet_hours=21:00-07:00:ask",
                 "recipients=known", "recipients_per_mailing=300"):
        limits = limits.with_limit(*parse_limit_assignment(text))
    assert limits.to_json() == {
        "spend_per_order": "200",
        "recipients_per_mailing": 300,
        "recipients": "known",
        "quiet_hours": "21:00-07:00",
        "when_exceeded": {"quiet_hours": "ask", "spend_per_order": "deny"},
    }
    assert Limits.from_json(limits.to_json()) == limits


# -- bad input: clear ValueErrors -----------------------------------------------------------------

@pytest.mark.parametrize(("name", "text", "message"), [
    ("spend_per_order", "-5", "cannot be negative"),
    ("spend_per_month", "-0.01", "cannot be negative"),
    ("spend_per_order", "lots", "must be an amount"),
    ("spend_per_order", "nan", "must be an amount"),
    ("spend_per_month", "Infinity", "must be an amount"),
    ("recipients_per_mailing", "-1", "whole number"),
    ("recipients_per_mailing", "2.5", "whole number"),
    ("recipients_per_mailing", "ten", "whole number"),
    ("recipients", "friends", "'known' or 'anyone'"),
    ("quiet_hours", "9pm-7am", "must look like 21:00-07:00"),
    ("quiet_hours", "21:00", "must look like 21:00-07:00"),
    ("quiet_hours", "25:00-07:00", "impossible time"),
    ("quiet_hours", "21:00-07:60", "impossible time"),
], ids=str)
def test_bad_values_are_refused(name: str, text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limits().with_limit(name, text)


def test_unknown_limit_name_lists_the_known_ones() -> None:
    with pytest.raises(ValueError, match="unknown limit 'spend_per_day'; known limits: "
                                         "spend_per_order, spend_per_month"):
        Limits().with_limit("spend_per_day", "10")


@pytest.mark.parametrize(("name", "value", "mode", "message"), [
    ("spend_per_order", "200", "defer", r"spend_per_order can be followed by :ask or :deny"),
    ("recipients", "known", "defer", r"recipients can be followed by :ask or :deny"),
    ("recipients_per_mailing", "10", "later", r"not :later"),
    ("quiet_hours", "21:00-07:00", "sometimes", r":defer or :ask or :deny, not :sometimes"),
], ids=["spend-defer", "recipients-defer", "mailing-later", "quiet-sometimes"])
def test_wrong_mode_for_a_limit_is_refused(name: str, value: str, mode: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Limits().with_limit(name, value, mode)


def test_assignment_without_equals_sign_explains_the_form() -> None:
    with pytest.raises(ValueError, match=r"name=value\[:ask\|:deny\]"):
        parse_limit_assignment("spend_per_order 200")


# -- quiet hours windows --------------------------------------------------------------------------

OVERNIGHT = QuietHours(time(21, 0), time(7, 0))
LUNCH = QuietHours(time(12, 0), time(13, 0))


@pytest.mark.parametrize(("window", "moment", "inside"), [
    (OVERNIGHT, time(21, 0), True),
    (OVERNIGHT, time(23, 59), True),
    (OVERNIGHT, time(0, 0), True),
    (OVERNIGHT, time(6, 59), True),
    (OVERNIGHT, time(7, 0), False),
    (OVERNIGHT, time(20, 59), False),
    (LUNCH, time(12, 0), True),
    (LUNCH, time(12, 30), True),
    (LUNCH, time(13, 0), False),
    (LUNCH, time(11, 59), False),
], ids=str)
def test_quiet_hours_window(window: QuietHours, moment: time, inside: bool) -> None:
    assert window.contains(moment) is inside


def test_quiet_hours_print_as_they_are_typed() -> None:
    assert str(OVERNIGHT) == "21:00-07:00"
    assert str(QuietHours(time(8, 5), time(9, 0))) == "08:05-09:00"
