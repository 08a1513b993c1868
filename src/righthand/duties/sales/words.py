"""Saying amounts, days and times the way a person would (shared by sales and the briefing)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "CAD": "CA$", "AUD": "A$",
            "NZD": "NZ$", "INR": "₹"}


def money(amount: Decimal | float | int | None, currency: str = "USD") -> str:
    """$615,000 / €1,250.50 / CHF 900 (cents only when there are some)."""
    if amount is None:
        return "no amount"
    value = Decimal(str(amount))
    text = f"{value:,.2f}"
    if text.endswith(".00"):
        text = text[:-3]
    symbol = _SYMBOLS.get(currency.upper())
    return f"{symbol}{text}" if symbol else f"{currency.upper()} {text}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """'1 deal', '3 deals'."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def long_date(day: date) -> str:
    """'Monday 14 December' (the year only when it is not obvious)."""
    return f"{day:%A} {day.day} {day:%B}"


def day_phrase(day: date, today: date) -> str:
    """'today', 'tomorrow', 'yesterday', 'Friday' (this week), 'on Sunday' (this past week),
    or 'Monday 14 December' ('on Monday 9 November' when past)."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta == 1:
        return "tomorrow"
    if delta == -1:
        return "yesterday"
    if 1 < delta < 7:
        return f"{day:%A}"
    if -7 < delta < -1:
        return f"on {day:%A}"
    text = long_date(day) + (f" {day.year}" if day.year != today.year else "")
    return text if delta > 0 else f"on {text}"


def relative_days(day: date, today: date) -> str:
    """'in 18 days', '3 days ago', 'today'."""
    delta = (day - today).days
    if delta == 0:
        return "today"
    if delta > 0:
        return "tomorrow" if delta == 1 else f"in {delta} days"
    return "yesterday" if delta == -1 else f"{-delta} days ago"


def clock(moment: datetime, zone: str) -> str:
    """'2 pm', '9:30 am' in ``zone``."""
    local = moment.astimezone(ZoneInfo(zone))
    text = local.strftime("%I:%M %p").lstrip("0").lower()
    return text.replace(":00 ", " ")


def local_date(moment: datetime, zone: str) -> date:
    """The calendar day of ``moment`` in ``zone``."""
    return moment.astimezone(ZoneInfo(zone)).date()


def sentence(text: str) -> str:
    """Capitalised first letter, one full stop at the end."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."


def lower_first(text: str) -> str:
    """'Get the report' -> 'get the report' (leaves 'I' and acronyms alone)."""
    if len(text) > 1 and text[0].isupper() and not text[1].isupper() and text[:2] != "I ":
        return text[0].lower() + text[1:]
    return text


def join_and(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]
