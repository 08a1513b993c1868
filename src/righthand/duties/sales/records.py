"""Deals as the duty reads them: with their pipeline, stage, people and tags in one record."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.sales.pipelines import Pipeline, Stage, all_pipelines
from righthand.errors import NotFound
from righthand.store.tables import ContactEmail, ContactRow, DealContactRow, DealRow, DealTag


@dataclass(frozen=True)
class Party:
    """A contact on a deal, with their role."""

    contact_id: int
    name: str
    given_name: str
    family_name: str
    role: str
    company: str | None = None
    emails: tuple[str, ...] = ()

    def describe(self) -> str:
        """'Dev Patel (lender, First Harbor Bank)'."""
        extra = [p for p in (self.role, self.company) if p]
        return f"{self.name} ({', '.join(extra)})" if extra else self.name


@dataclass(frozen=True)
class DealView:
    """One deal with everything a question about it needs."""

    id: int
    title: str
    pipeline: Pipeline
    stage: Stage
    status: str
    amount: Decimal | None
    currency: str
    probability: int
    stage_since: date | None
    expected_close: date | None
    next_step: str | None
    next_step_due: date | None
    company: str | None
    owner: str | None
    lost_reason: str | None
    closed_at: datetime | None
    external_id: str | None
    parties: tuple[Party, ...] = ()
    tags: tuple[str, ...] = ()

    @property
    def is_open(self) -> bool:
        """True while the deal is neither won nor lost."""
        return self.status == "open"

    @property
    def weighted(self) -> Decimal:
        """Amount times probability (0 without an amount)."""
        return (self.amount or Decimal(0)) * Decimal(self.probability) / Decimal(100)

    def days_in_stage(self, today: date) -> int | None:
        """Whole days since the deal entered its stage."""
        return None if self.stage_since is None else max(0, (today - self.stage_since).days)

    def addresses(self) -> set[str]:
        """Every email address of the deal's people (lower-case)."""
        return {a.lower() for p in self.parties for a in p.emails}


def load(session: Session, *, ids: Iterable[int] | None = None,
         status: str | None = "open", pipeline_id: int | None = None) -> list[DealView]:
    """Deals (open ones by default), newest stage change last."""
    query = select(DealRow).order_by(DealRow.id)
    if ids is not None:
        query = query.where(DealRow.id.in_(list(ids)))
    if status is not None:
        query = query.where(DealRow.status == status)
    if pipeline_id is not None:
        query = query.where(DealRow.pipeline_id == pipeline_id)
    rows = session.scalars(query).all()
    if not rows:
        return []
    deal_ids = [r.id for r in rows]
    pipelines = {p.id: p for p in all_pipelines(session, include_archived=True)}
    parties = _parties(session, deal_ids)
    tags: dict[int, list[str]] = {}
    for deal_id, tag in session.execute(select(DealTag.deal_id, DealTag.tag)
                                        .where(DealTag.deal_id.in_(deal_ids))
                                        .order_by(DealTag.tag)):
        tags.setdefault(deal_id, []).append(tag)
    views = []
    for row in rows:
        pipeline = pipelines[row.pipeline_id]
        stage = pipeline.stage_by_id(row.stage_id) or pipeline.stages[0]
        views.append(DealView(
            id=row.id, title=row.title, pipeline=pipeline, stage=stage, status=row.status,
            amount=row.amount, currency=row.currency,
            probability=row.probability if row.probability is not None else (
                100 if row.status == "won" else 0 if row.status == "lost" else
                stage.probability),
            stage_since=row.stage_since, expected_close=row.expected_close,
            next_step=row.next_step, next_step_due=row.next_step_due, company=row.company,
            owner=row.owner, lost_reason=row.lost_reason, closed_at=row.closed_at,
            external_id=row.external_id, parties=tuple(parties.get(row.id, [])),
            tags=tuple(tags.get(row.id, []))))
    return views


def get(session: Session, deal_id: int) -> DealView:
    """One deal, whatever its status."""
    found = load(session, ids=[deal_id], status=None)
    if not found:
        raise NotFound(f"there is no deal #{deal_id} in this workspace",
                       hint="See the deals with `righthand deals list`.")
    return found[0]


def _parties(session: Session, deal_ids: list[int]) -> dict[int, list[Party]]:
    rows = session.execute(
        select(DealContactRow.deal_id, DealContactRow.role, ContactRow)
        .join(ContactRow, ContactRow.id == DealContactRow.contact_id)
        .where(DealContactRow.deal_id.in_(deal_ids))
        .order_by(DealContactRow.id)).all()
    contact_ids = {c.id for _, _, c in rows}
    emails: dict[int, list[str]] = {}
    if contact_ids:
        for contact_id, address in session.execute(
                select(ContactEmail.contact_id, ContactEmail.address)
                .where(ContactEmail.contact_id.in_(contact_ids)).order_by(ContactEmail.id)):
            emails.setdefault(contact_id, []).append(address)
    out: dict[int, list[Party]] = {}
    for deal_id, role, contact in rows:
        out.setdefault(deal_id, []).append(Party(
            contact_id=contact.id, name=contact.display_name, given_name=contact.given_name,
            family_name=contact.family_name, role=role or "", company=contact.company,
            emails=tuple(emails.get(contact.id, []))))
    return out


def deals_of_addresses(session: Session, addresses: Iterable[str],
                       status: str | None = "open") -> dict[int, list[tuple[int, str]]]:
    """For each deal with a person having one of ``addresses``: [(contact id, role)]."""
    wanted = {a.strip().lower() for a in addresses if a and a.strip()}
    if not wanted:
        return {}
    query = (select(DealContactRow.deal_id, DealContactRow.contact_id, DealContactRow.role)
             .join(ContactEmail, ContactEmail.contact_id == DealContactRow.contact_id)
             .join(DealRow, DealRow.id == DealContactRow.deal_id)
             .where(func.lower(ContactEmail.address).in_(wanted)))
    if status is not None:
        query = query.where(DealRow.status == status)
    out: dict[int, list[tuple[int, str]]] = {}
    for deal_id, contact_id, role in session.execute(query).all():
        entry = (contact_id, role or "")
        if entry not in out.setdefault(deal_id, []):
            out[deal_id].append(entry)
    return out
