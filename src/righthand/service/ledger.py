"""The ledger: every action's outcome, and the trust figures and advice drawn from it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Outcome
from righthand.policy.advisor import Proposal, Thresholds, advise
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription
from righthand.policy.trust import OutcomeRecord, TrustFigures, figures
from righthand.service import audit
from righthand.store.tables import ActionRow, OutcomeRow


def record(session: Session, row: ActionRow, outcome: Outcome, actor: str, now: datetime,
           note: str | None = None) -> OutcomeRow:
    """Record one outcome of ``row`` (and audit it)."""
    entry = OutcomeRow(workspace_id=row.workspace_id, action_id=row.id, duty=row.duty,
                       outcome=str(outcome), at=now, actor=actor, note=note)
    session.add(entry)
    audit.append(session, row.workspace_id, actor, "outcome.recorded", f"action {row.id}",
                 {"duty": row.duty, "outcome": str(outcome), "note": note}, at=now)
    return entry


def records(session: Session, since: datetime | None = None) -> list[OutcomeRecord]:
    """The workspace's outcome records, oldest first."""
    query = select(OutcomeRow.duty, OutcomeRow.outcome, OutcomeRow.at).order_by(OutcomeRow.at)
    if since is not None:
        query = query.where(OutcomeRow.at >= since)
    return [OutcomeRecord(duty, Outcome(outcome), at) for duty, outcome, at in
            session.execute(query)]


def trust_table(session: Session, catalog: DutyCatalog) -> list[TrustFigures]:
    """Figures for every duty in the catalog."""
    recs = records(session)
    return [figures(duty, recs) for duty in catalog]


def advice(session: Session, job: JobDescription, catalog: DutyCatalog, now: datetime,
           thresholds: Thresholds | None = None) -> list[Proposal]:
    """The advisor's proposals for this workspace now."""
    titles = {duty: manifest.title for duty, manifest in catalog.items()}
    return advise(job, records(session), now, titles, thresholds)
