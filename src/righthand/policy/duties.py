"""Duty manifests and the catalog they form."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from enum import IntEnum, StrEnum

from righthand.domain.actions import Initiative


class Phase(IntEnum):
    """The three phases of the relationship."""

    I = 1  # noqa: E741 - the roman numeral is the product's own name for it
    II = 2
    III = 3

    @classmethod
    def parse(cls, text: str) -> Phase:
        """Read ``I``, ``ii``, ``3`` or ``phase III``."""
        cleaned = text.strip().upper().removeprefix("PHASE").strip()
        by_digit = {"1": cls.I, "2": cls.II, "3": cls.III}
        if cleaned in by_digit:
            return by_digit[cleaned]
        try:
            return cls[cleaned]
        except KeyError:
            raise ValueError(f"a phase is I, II or III, not {text!r}") from None

    @property
    def roman(self) -> str:
        """I, II or III."""
        return self.name

    @property
    def label(self) -> str:
        """The phase's name in the relationship."""
        return _PHASE_LABELS[self]


_PHASE_LABELS = {
    Phase.I: "getting to know you (clerical assistant)",
    Phase.II: "trust established (secretary / administrator)",
    Phase.III: "rapport (personal executive assistant)",
}


class Risk(StrEnum):
    """How bad a mistake in this duty would be."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


@dataclass(frozen=True)
class ActionKind:
    """One kind of action a duty can propose."""

    name: str
    description: str
    undoable: bool = False
    # How the dispatcher carries it out: "local" (Righthand's own store, applied by the duty)
    # or the name of a connector port ("mail", "telephony", ...) that reaches the world.
    via: str = "local"
    # A local action whose effect sends something out later (resuming a campaign): shown and
    # decided like one that reaches outside (never approved in bulk).
    reaches_out: bool = False

    @property
    def external(self) -> bool:
        """True when carrying it out reaches someone or something outside Righthand."""
        return self.via != "local" or self.reaches_out


@dataclass(frozen=True)
class DutyManifest:
    """What a duty is: its phase, risk, nature, what it reads, and what it can do."""

    id: str
    title: str
    phase: Phase
    risk: Risk
    nature: Initiative
    read_scopes: frozenset[str]
    action_kinds: tuple[ActionKind, ...]
    description: str = ""

    def kind(self, name: str) -> ActionKind | None:
        """The action kind called ``name``, if this duty has it."""
        return next((k for k in self.action_kinds if k.name == name), None)


class DutyCatalog(Mapping[str, DutyManifest]):
    """All known duties by id, in registration order."""

    def __init__(self, manifests: Iterable[DutyManifest] = ()) -> None:
        self._by_id: dict[str, DutyManifest] = {}
        for manifest in manifests:
            self.add(manifest)

    def add(self, manifest: DutyManifest) -> None:
        """Register a duty; two duties may not share an id or an action kind."""
        if manifest.id in self._by_id:
            raise ValueError(f"duty {manifest.id!r} is registered twice")
        taken = {k.name for m in self._by_id.values() for k in m.action_kinds}
        clash = taken & {k.name for k in manifest.action_kinds}
        if clash:
            raise ValueError(f"duty {manifest.id!r} reuses action kinds {sorted(clash)}")
        self._by_id[manifest.id] = manifest

    def __getitem__(self, duty_id: str) -> DutyManifest:
        return self._by_id[duty_id]

    def __iter__(self) -> Iterator[str]:
        return iter(self._by_id)

    def __len__(self) -> int:
        return len(self._by_id)

    def duty_for_kind(self, kind: str) -> DutyManifest | None:
        """The duty that owns action kind ``kind``."""
        return next((m for m in self._by_id.values() if m.kind(kind)), None)

    def by_scope(self, scope: str) -> list[DutyManifest]:
        """Duties that read ``scope``, earliest phase first."""
        return sorted((m for m in self._by_id.values() if scope in m.read_scopes),
                      key=lambda m: m.phase)
