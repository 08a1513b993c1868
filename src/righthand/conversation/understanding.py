"""The interface every understanding engine implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol


@dataclass(frozen=True)
class Understanding:
    """What a request means: an intent, its slots, and how sure the engine is."""

    intent: str
    slots: dict[str, Any] = field(default_factory=dict)
    confidence: float = 1.0
    #: the duty route that handles it when more specific than ``intent`` (calendar.free_at for
    #: calendar.availability, supplies.reorder for supplies.order, ...); "" means ``intent``
    route: str = ""

    @property
    def handler(self) -> str:
        """The route name the duty registry knows this request by."""
        return self.route or self.intent

    def as_json(self) -> dict[str, Any]:
        """The public JSON form (``righthand understand --json``)."""
        return {"intent": self.intent, "slots": self.slots, "confidence": round(self.confidence, 3)}


class Understander(Protocol):
    """Turns text into an :class:`Understanding`, relative to ``now`` in zone ``tz``."""

    def understand(self, text: str, now: datetime, tz: str,
                   assistant_name: str = "Jane") -> Understanding: ...
