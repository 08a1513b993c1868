"""Outside text made storable: a NUL character (which mail, calendars and webhooks may carry,
and PostgreSQL cannot store in text or JSON) reads as U+FFFD, like bytes that are not UTF-8."""

from __future__ import annotations


def storable(text: str) -> str:
    """``text`` with each NUL character replaced by U+FFFD."""
    return text.replace("\x00", "\ufffd") if "\x00" in text else text
