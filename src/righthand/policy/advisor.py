"""The advisor: proposes promotion or demotion from the ledger. The client decides.

Thresholds (all configurable through :class:`Thresholds`):

* ask -> notify: at least ``promote_min_unchanged`` actions approved unchanged, spread over at
  least ``promote_min_days`` days, an unchanged rate of at least ``promote_min_unchanged_rate``,
  and no incident in the last ``promote_quiet_days`` days.
* notify -> auto: at least ``auto_min_volume`` actions over ``auto_min_days`` days with no
  incident in the last ``auto_quiet_days`` days.
* auto -> notify: any incident in the last ``demote_window_days`` days.
* notify -> ask: ``demote_notify_incidents`` or more incidents in that window.

Proposals are advice only: nothing here changes a job description.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from righthand.domain.actions import INCIDENT_OUTCOMES
from righthand.policy.autonomy import Autonomy
from righthand.policy.job import JobDescription
from righthand.policy.trust import OutcomeRecord, figures


@dataclass(frozen=True)
class Thresholds:
    """When the advisor speaks up."""

    promote_min_unchanged: int = 40
    promote_min_days: int = 21
    promote_min_unchanged_rate: float = 0.95
    promote_quiet_days: int = 30
    auto_min_volume: int = 60
    auto_min_days: int = 42
    auto_quiet_days: int = 60
    demote_window_days: int = 14
    demote_notify_incidents: int = 2


@dataclass(frozen=True)
class Proposal:
    """A suggested change of one duty's autonomy, with its evidence."""

    duty: str
    current: Autonomy
    proposed: Autonomy
    evidence: str
    question: str

    @property
    def is_promotion(self) -> bool:
        """True when the proposal raises autonomy."""
        return self.proposed.rank > self.current.rank


def advise(job: JobDescription, records: Sequence[OutcomeRecord], now: datetime,
           titles: dict[str, str] | None = None,
           thresholds: Thresholds | None = None) -> list[Proposal]:
    """Proposals for every enabled duty whose record supports a change."""
    limits = thresholds or Thresholds()
    names = titles or {}
    proposals: list[Proposal] = []
    for duty, setting in sorted(job.duties.items()):
        if not setting.enabled:
            continue
        own = [r for r in records if r.duty == duty]
        title = names.get(duty, duty).lower()
        recent_incidents = [r for r in own if r.outcome in INCIDENT_OUTCOMES
                            and r.at >= now - timedelta(days=limits.demote_window_days)]
        if setting.autonomy is Autonomy.AUTO and recent_incidents:
            proposals.append(Proposal(
                duty, Autonomy.AUTO, Autonomy.NOTIFY,
                f"{len(recent_incidents)} incident(s) in the last "
                f"{limits.demote_window_days} days (undone or flagged).",
                f"Shall I report every {title} action in your digest again?"))
            continue
        if (setting.autonomy is Autonomy.NOTIFY
                and len(recent_incidents) >= limits.demote_notify_incidents):
            proposals.append(Proposal(
                duty, Autonomy.NOTIFY, Autonomy.ASK,
                f"{len(recent_incidents)} incidents in the last {limits.demote_window_days} days.",
                f"Shall I ask you before each {title} action again?"))
            continue
        proposal = _promotion(duty, setting.autonomy, own, now, limits, title)
        if proposal is not None:
            proposals.append(proposal)
    return proposals


def _promotion(duty: str, autonomy: Autonomy, own: list[OutcomeRecord], now: datetime,
               limits: Thresholds, title: str) -> Proposal | None:
    fig = figures(duty, own)
    if fig.first_at is None:
        return None
    span_days = (now - fig.first_at).total_seconds() / 86400
    since = fig.days_since_incident(now)
    if autonomy is Autonomy.ASK:
        rate = fig.unchanged_rate or 0.0
        if (fig.approved_unchanged >= limits.promote_min_unchanged
                and span_days >= limits.promote_min_days
                and rate >= limits.promote_min_unchanged_rate
                and (since is None or since >= limits.promote_quiet_days)):
            weeks = int(span_days // 7)
            span = f"{weeks} weeks" if weeks != 1 else "1 week"
            if weeks == 0:
                span = f"{int(span_days)} days"
            return Proposal(
                duty, Autonomy.ASK, Autonomy.NOTIFY,
                f"{fig.approved_unchanged} {title} actions approved unchanged over {span} "
                f"({rate:.0%} unchanged, no incident in {limits.promote_quiet_days} days).",
                f"Let me handle {title} without asking, and report it in your digest?")
    if (autonomy is Autonomy.NOTIFY and fig.volume >= limits.auto_min_volume
            and span_days >= limits.auto_min_days
            and (since is None or since >= limits.auto_quiet_days)):
        return Proposal(
            duty, Autonomy.NOTIFY, Autonomy.AUTO,
            f"{fig.volume} {title} actions over {int(span_days)} days with no incident in "
            f"{limits.auto_quiet_days} days.",
            f"Shall I stop reporting each {title} action in your digest?")
    return None
