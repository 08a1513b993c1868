"""A new deal (kind ``sales.create_deal``): proposed from the CLI or the web, applied locally,
undone by deleting it (unless it has changed since)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.plugin import EffectResult
from righthand.duties.sales import pipelines, timeline
from righthand.duties.sales.pipelines import Pipeline, Stage
from righthand.errors import BadInput, CannotUndo
from righthand.store.tables import ContactRow, DealContactRow, DealRow, Workspace


def create_action(pipeline: Pipeline, stage: Stage, title: str, *,
                  amount: Decimal | None = None, currency: str | None = None,
                  expected_close: date | None = None, company: str | None = None,
                  people: Sequence[tuple[int, str, str]] = (), next_step: str | None = None,
                  next_step_due: date | None = None) -> Action:
    """Propose a deal; ``people`` are (contact id, name, role)."""
    payload: dict[str, Any] = {"title": title.strip()[:300], "pipeline_id": pipeline.id,
                               "pipeline": pipeline.name, "stage": stage.key,
                               "stage_name": stage.name,
                               "people": [{"id": i, "name": n, "role": r} for i, n, r in people]}
    for key, value in (("amount", str(amount) if amount is not None else None),
                       ("currency", currency), ("company", company),
                       ("expected_close", expected_close.isoformat() if expected_close else None),
                       ("next_step", next_step),
                       ("next_step_due", next_step_due.isoformat() if next_step_due else None)):
        if value is not None:
            payload[key] = value
    worth = f", {amount} {currency or ''}".rstrip() if amount is not None else ""
    return Action(duty="sales.track", kind="sales.create_deal", payload=payload,
                  summary=f"Add the deal {title} to {pipeline.name} at {stage.name}{worth}",
                  undoable=True)


class CreateDealEffect:
    """Creates the deal with its people; undo deletes it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Insert the deal."""
        pipeline = pipelines.by_id(session, int(payload["pipeline_id"]))
        stage = pipeline.stage(str(payload["stage"]))
        if stage is None:
            raise BadInput(f"{pipeline.name} has no stage {payload['stage']!r} any more")
        ws = session.get(Workspace, workspace_id)
        zone = ws.timezone if ws else "UTC"
        row = DealRow(workspace_id=workspace_id, title=str(payload["title"]),
                      pipeline_id=pipeline.id, stage_id=stage.id,
                      status="won" if stage.outcome == "won" else "open",
                      amount=Decimal(payload["amount"]) if payload.get("amount") else None,
                      currency=str(payload.get("currency") or (ws.currency if ws else "USD")),
                      company=payload.get("company"),
                      expected_close=date.fromisoformat(payload["expected_close"])
                      if payload.get("expected_close") else None,
                      next_step=payload.get("next_step"),
                      next_step_due=date.fromisoformat(payload["next_step_due"])
                      if payload.get("next_step_due") else None,
                      stage_since=now.astimezone(ZoneInfo(zone)).date(), created_at=now)
        session.add(row)
        session.flush()
        for person in payload.get("people") or []:
            if session.get(ContactRow, int(person["id"])) is not None:
                session.add(DealContactRow(workspace_id=workspace_id, deal_id=row.id,
                                           contact_id=int(person["id"]),
                                           role=str(person.get("role") or "")[:50]))
        timeline.add(session, workspace_id, row.id, kind="created", at=now,
                     summary=f"Added at {stage.name}", source="client")
        session.flush()
        return EffectResult(result={"deal_id": row.id}, undo={"deal_id": row.id})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Delete the deal again, unless it has been worked on since."""
        row = session.get(DealRow, int(undo["deal_id"]))
        if row is None:
            return "That deal is already gone."
        if row.updated_at is not None:
            raise CannotUndo(f"{row.title} has changed since it was added",
                             hint="Mark it lost instead: `righthand deals lost DEAL`.")
        session.delete(row)
        session.flush()
        return f"Removed the deal {payload['title']} again."
