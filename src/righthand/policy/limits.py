"""Per-duty guard-rails and the textual form the CLI and the web use to edit them."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import time
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any


class WhenExceeded(StrEnum):
    """What the gate does with an action beyond a limit."""

    ASK = "ask"
    DENY = "deny"
    DEFER = "defer"  # quiet hours only: allowed, delivered when they end


class RecipientRule(StrEnum):
    """Who may be written to on the client's behalf."""

    KNOWN = "known"  # only addresses of known contacts
    ANYONE = "anyone"


@dataclass(frozen=True)
class QuietHours:
    """A daily window (in the client's zone) in which nobody outside is contacted."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """True when ``moment`` falls in the window (windows may wrap past midnight)."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end

    def __str__(self) -> str:
        return f"{self.start:%H:%M}-{self.end:%H:%M}"


@dataclass(frozen=True)
class Limits:
    """The guard-rails of one duty. ``None`` means no limit of that kind."""

    spend_per_order: Decimal | None = None
    spend_per_month: Decimal | None = None
    recipients_per_mailing: int | None = None
    recipients: RecipientRule = RecipientRule.ANYONE
    quiet_hours: QuietHours | None = None
    when_exceeded: Mapping[str, WhenExceeded] = field(default_factory=dict)

    def mode(self, name: str) -> WhenExceeded:
        """What to do when limit ``name`` is exceeded (quiet hours defer, others ask)."""
        default = WhenExceeded.DEFER if name == "quiet_hours" else WhenExceeded.ASK
        return self.when_exceeded.get(name, default)

    def to_json(self) -> dict[str, Any]:
        """The stored form."""
        out: dict[str, Any] = {}
        if self.spend_per_order is not None:
            out["spend_per_order"] = str(self.spend_per_order)
        if self.spend_per_month is not None:
            out["spend_per_month"] = str(self.spend_per_month)
        if self.recipients_per_mailing is not None:
            out["recipients_per_mailing"] = self.recipients_per_mailing
        if self.recipients is not RecipientRule.ANYONE:
            out["recipients"] = str(self.recipients)
        if self.quiet_hours is not None:
            out["quiet_hours"] = str(self.quiet_hours)
        if self.when_exceeded:
            out["when_exceeded"] = {k: str(v) for k, v in sorted(self.when_exceeded.items())}
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> Limits:
        """Read the stored form back."""
        if not data:
            return cls()
        limits = cls()
        modes = data.get("when_exceeded") or {}
        for name in LIMIT_NAMES:
            if name in data:
                # with_limit validates the value and that the mode suits this limit
                limits = limits.with_limit(name, str(data[name]), modes.get(name))
        return limits

    def with_limit(self, name: str, value: str, mode: str | None = None) -> Limits:
        """A copy with one limit set from text (``"none"`` clears it)."""
        if name not in LIMIT_NAMES:
            raise ValueError(f"unknown limit {name!r}; known limits: {', '.join(LIMIT_NAMES)}")
        parsed = _parse_value(name, value)
        updated = replace(self, **{name: parsed})
        if mode is not None:
            allowed = _MODES[name]
            try:
                chosen = WhenExceeded(mode)
            except ValueError:
                chosen = None
            if chosen is None or chosen not in allowed:
                raise ValueError(f"limit {name} can be followed by :{' or :'.join(allowed)}, "
                                 f"not :{mode}")
            updated = replace(updated, when_exceeded={**self.when_exceeded, name: chosen})
        return updated

    def describe(self) -> str:
        """One line for tables: ``spend_per_order=200 (ask), ...``."""
        parts = []
        for key, value in self.to_json().items():
            if key == "when_exceeded":
                continue
            parts.append(f"{key}={value} ({self.mode(key)})")
        return ", ".join(parts) or "-"


LIMIT_NAMES = ("spend_per_order", "spend_per_month", "recipients_per_mailing", "recipients",
               "quiet_hours")
_MODES: dict[str, tuple[WhenExceeded, ...]] = {
    "spend_per_order": (WhenExceeded.ASK, WhenExceeded.DENY),
    "spend_per_month": (WhenExceeded.ASK, WhenExceeded.DENY),
    "recipients_per_mailing": (WhenExceeded.ASK, WhenExceeded.DENY),
    "recipients": (WhenExceeded.ASK, WhenExceeded.DENY),
    "quiet_hours": (WhenExceeded.DEFER, WhenExceeded.ASK, WhenExceeded.DENY),
}
_HOURS = re.compile(r"^(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})$")


def _parse_value(name: str, value: str) -> Any:
    text = value.strip()
    if text.lower() in {"none", "off", ""}:
        return RecipientRule.ANYONE if name == "recipients" else None
    if name in {"spend_per_order", "spend_per_month"}:
        try:
            amount = Decimal(text.lstrip("$€£"))
        except InvalidOperation as exc:
            raise ValueError(f"{name} must be an amount like 250 or 99.50, not {value!r}") from exc
        if not amount.is_finite():  # NaN would crash the comparison below (and every gate check)
            raise ValueError(f"{name} must be an amount like 250 or 99.50, not {value!r}")
        if amount < 0:
            raise ValueError(f"{name} cannot be negative")
        return amount
    if name == "recipients_per_mailing":
        if not text.isdigit():
            raise ValueError(f"{name} must be a whole number, not {value!r}")
        return int(text)
    if name == "recipients":
        try:
            return RecipientRule(text.lower())
        except ValueError as exc:
            raise ValueError("recipients must be 'known' or 'anyone'") from exc
    match = _HOURS.match(text)
    if not match:
        raise ValueError(f"quiet_hours must look like 21:00-07:00, not {value!r}")
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59:
        raise ValueError(f"quiet_hours has an impossible time: {value!r}")
    return QuietHours(time(h1, m1), time(h2, m2))


def parse_limit_assignment(text: str) -> tuple[str, str, str | None]:
    """Split ``name=value[:mode]`` (the CLI's ``--limit`` form) into its parts."""
    if "=" not in text:
        raise ValueError(f"a limit is written name=value[:ask|:deny], e.g. spend_per_order=200:ask;"
                         f" got {text!r}")
    name, rest = text.split("=", 1)
    mode: str | None = None
    if rest.rsplit(":", 1)[-1].lower() in {"ask", "deny", "defer"}:
        rest, mode = rest.rsplit(":", 1)
        mode = mode.lower()
    return name.strip(), rest.strip(), mode
