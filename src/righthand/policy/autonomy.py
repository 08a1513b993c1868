"""Autonomy levels and their order."""

from __future__ import annotations

from enum import StrEnum


class Autonomy(StrEnum):
    """How much the assistant may do on its own for one duty."""

    OFF = "off"  # not delegated: the assistant neither reads that data nor acts
    ASK = "ask"  # the assistant prepares; the client approves each action
    NOTIFY = "notify"  # acts within limits, reports in the digest
    AUTO = "auto"  # acts within limits; audit log only

    @property
    def rank(self) -> int:
        """Position in the ladder off < ask < notify < auto."""
        return _ORDER.index(self)

    def step(self, delta: int) -> Autonomy:
        """The level ``delta`` rungs up (or down), clamped to the ladder."""
        return _ORDER[max(0, min(len(_ORDER) - 1, self.rank + delta))]


_ORDER = [Autonomy.OFF, Autonomy.ASK, Autonomy.NOTIFY, Autonomy.AUTO]
