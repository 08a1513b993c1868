"""Actions: one concrete proposed side effect, immutable, identified by its payload hash."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from righthand.domain.jsonish import canonical_json, freeze, sha256_hex


class Initiative(StrEnum):
    """Who started the work: the client asked (reactive) or the assistant began (proactive)."""

    REACTIVE = "reactive"
    PROACTIVE = "proactive"


class Outcome(StrEnum):
    """What finally happened to an action; the ledger's vocabulary."""

    EXECUTED = "executed"  # allowed by the gate and carried out without asking
    APPROVED_UNCHANGED = "approved_unchanged"
    APPROVED_WITH_EDITS = "approved_with_edits"
    REJECTED = "rejected"
    UNDONE = "undone"
    FLAGGED = "flagged"
    FAILED = "failed"
    EXPIRED = "expired"


INCIDENT_OUTCOMES = frozenset({Outcome.UNDONE, Outcome.FLAGGED})

# Reserved payload keys: the facts the gate reads. The connector acts on the same keys, so
# what the gate saw is exactly what is done.
RECIPIENTS_KEY = "recipients"
AMOUNT_KEY = "amount"


@dataclass(frozen=True)
class Action:
    """A proposed side effect. Editing makes a new Action (a new version), never a mutation."""

    duty: str
    kind: str
    payload: Mapping[str, Any]
    summary: str
    initiative: Initiative = Initiative.REACTIVE
    undoable: bool = False
    _frozen: dict[str, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_frozen", freeze(self.payload))

    @property
    def data(self) -> dict[str, Any]:
        """The JSON-normalised payload (a copy)."""
        return freeze(self._frozen)

    @property
    def payload_hash(self) -> str:
        """SHA-256 over duty, kind, initiative and payload: what an approval is bound to."""
        return sha256_hex(canonical_json(
            {"duty": self.duty, "kind": self.kind, "initiative": str(self.initiative),
             "payload": self._frozen}))

    @property
    def recipients(self) -> tuple[str, ...]:
        """Addresses this action would reach (lower-cased), from the reserved payload key."""
        raw = self._frozen.get(RECIPIENTS_KEY) or []
        return tuple(str(r).strip().lower() for r in raw)

    @property
    def amount(self) -> Decimal | None:
        """Money this action would spend, from the reserved payload key."""
        raw = self._frozen.get(AMOUNT_KEY)
        if raw is None:
            return None
        try:
            value = Decimal(str(raw))
        except InvalidOperation as exc:
            raise ValueError(f"action amount is not a number: {raw!r}") from exc
        if not value.is_finite():
            raise ValueError(f"action amount is not a finite number: {raw!r}")
        return value

    def edited(self, changes: Mapping[str, Any], summary: str | None = None) -> Action:
        """A new version with some payload fields replaced."""
        merged = {**self._frozen, **changes}
        return Action(duty=self.duty, kind=self.kind, payload=merged,
                      summary=summary or self.summary, initiative=self.initiative,
                      undoable=self.undoable)
