"""Trust figures per duty, computed from the ledger's outcome records."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from righthand.domain.actions import INCIDENT_OUTCOMES, Outcome


@dataclass(frozen=True)
class OutcomeRecord:
    """One outcome of one action, as the ledger stores it."""

    duty: str
    outcome: Outcome
    at: datetime


@dataclass(frozen=True)
class TrustFigures:
    """How a duty has gone so far."""

    duty: str
    volume: int
    executed: int
    approved_unchanged: int
    approved_with_edits: int
    rejected: int
    incidents: int
    failed: int
    first_at: datetime | None
    last_incident_at: datetime | None

    @property
    def decided(self) -> int:
        """Actions the client looked at and decided on."""
        return self.approved_unchanged + self.approved_with_edits + self.rejected

    @property
    def acceptance_rate(self) -> float | None:
        """Share of decided actions the client approved (with or without edits)."""
        if not self.decided:
            return None
        return (self.approved_unchanged + self.approved_with_edits) / self.decided

    @property
    def unchanged_rate(self) -> float | None:
        """Share of decided actions approved exactly as prepared."""
        return self.approved_unchanged / self.decided if self.decided else None

    @property
    def edit_rate(self) -> float | None:
        """Share of approved actions the client had to edit first."""
        approved = self.approved_unchanged + self.approved_with_edits
        return self.approved_with_edits / approved if approved else None

    def days_since_incident(self, now: datetime) -> float | None:
        """Days since the last incident, or None when there never was one."""
        if self.last_incident_at is None:
            return None
        return (now - self.last_incident_at).total_seconds() / 86400


def figures(duty: str, records: Iterable[OutcomeRecord]) -> TrustFigures:
    """Fold one duty's outcome records into its figures."""
    counts = dict.fromkeys(Outcome, 0)
    first: datetime | None = None
    last_incident: datetime | None = None
    for record in records:
        if record.duty != duty:
            continue
        counts[record.outcome] += 1
        first = record.at if first is None or record.at < first else first
        if record.outcome in INCIDENT_OUTCOMES and (last_incident is None
                                                    or record.at > last_incident):
            last_incident = record.at
    volume = sum(v for k, v in counts.items() if k not in INCIDENT_OUTCOMES)
    return TrustFigures(
        duty=duty, volume=volume, executed=counts[Outcome.EXECUTED],
        approved_unchanged=counts[Outcome.APPROVED_UNCHANGED],
        approved_with_edits=counts[Outcome.APPROVED_WITH_EDITS],
        rejected=counts[Outcome.REJECTED],
        incidents=sum(counts[o] for o in INCIDENT_OUTCOMES), failed=counts[Outcome.FAILED],
        first_at=first, last_incident_at=last_incident)
