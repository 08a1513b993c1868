"""Changes to a deal, as actions (kind ``sales.update_deal``) and the effect that applies them.

Every change -- a move to another stage, won, lost (with the reason), reopened, a new next
step, a note, an entry unlinked from the timeline, an edit of amount or dates -- is an Action:
it meets the gate, lands in the ledger, and can be undone. Undo restores exactly what the deal
was before, unless the deal has changed again since (then it says so rather than clobber).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import EffectResult
from righthand.duties.sales import pipelines, timeline
from righthand.duties.sales.pipelines import Stage
from righthand.duties.sales.records import DealView
from righthand.errors import BadInput, CannotUndo
from righthand.store.tables import DealActivityRow, DealRow, Workspace

DUTY = "sales.track"
KIND = "sales.update_deal"
_SNAPSHOT = ("stage_id", "stage_since", "status", "probability", "lost_reason", "closed_at",
             "next_step", "next_step_due", "amount", "expected_close", "title")


def _action(deal: DealView, op: str, summary: str, initiative: Initiative,
            **fields: Any) -> Action:
    payload = {"deal_id": deal.id, "deal": deal.title, "op": op,
               **{k: v for k, v in fields.items() if v is not None}}
    return Action(duty=DUTY, kind=KIND, payload=payload, summary=summary,
                  initiative=initiative, undoable=True)


def move(deal: DealView, stage: Stage, *, initiative: Initiative = Initiative.REACTIVE,
         evidence: Mapping[str, Any] | None = None) -> Action:
    """Move ``deal`` to ``stage``."""
    return _action(deal, "move", f"Move {deal.title} from {deal.stage.name} to {stage.name}",
                   initiative, from_stage=deal.stage.key, to_stage=stage.key,
                   to_stage_name=stage.name, evidence=dict(evidence) if evidence else None)


def won(deal: DealView, *, initiative: Initiative = Initiative.REACTIVE,
        evidence: Mapping[str, Any] | None = None) -> Action:
    """Mark ``deal`` won."""
    return _action(deal, "won", f"Mark {deal.title} as won", initiative,
                   from_stage=deal.stage.key, evidence=dict(evidence) if evidence else None)


def lost(deal: DealView, reason: str | None,
         initiative: Initiative = Initiative.REACTIVE) -> Action:
    """Mark ``deal`` lost, with the reason the client gave."""
    why = f" ({reason})" if reason else ""
    return _action(deal, "lost", f"Mark {deal.title} as lost{why}", initiative,
                   from_stage=deal.stage.key, reason=reason)


def reopen(deal: DealView) -> Action:
    """Reopen a won or lost deal."""
    return _action(deal, "reopen", f"Reopen {deal.title}", Initiative.REACTIVE)


def next_step(deal: DealView, text: str, due: date | None,
              initiative: Initiative = Initiative.REACTIVE) -> Action:
    """Set the next step (and when it is due)."""
    when = f" (due {due:%a %d %b})" if due else ""
    return _action(deal, "next_step", f"Next step on {deal.title}: {text}{when}", initiative,
                   next_step=text, due=due.isoformat() if due else None)


def note(deal: DealView, text: str) -> Action:
    """Add a note to the deal's timeline."""
    return _action(deal, "note", f"Note on {deal.title}: {text[:60]}", Initiative.REACTIVE,
                   note=text)


def unlink(deal: DealView, activity_id: int, what: str) -> Action:
    """Take a timeline entry off the deal."""
    return _action(deal, "unlink", f"Unlink “{what[:60]}” from {deal.title}",
                   Initiative.REACTIVE, activity_id=activity_id)


def edit(deal: DealView, changes: Mapping[str, Any]) -> Action:
    """Change amount, expected close, probability or title."""
    shown = ", ".join(f"{k} {v}" for k, v in changes.items())
    return _action(deal, "edit", f"Change {deal.title}: {shown}", Initiative.REACTIVE,
                   changes=dict(changes))


def _json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01")))  # as the database gives it back
    return value


def snapshot(row: DealRow) -> dict[str, Any]:
    """The fields a change may touch, in JSON form (the undo record)."""
    return {name: _json(getattr(row, name)) for name in _SNAPSHOT}


def restore(row: DealRow, saved: Mapping[str, Any]) -> None:
    """Put the snapshot back."""
    for name in _SNAPSHOT:
        value = saved.get(name)
        if name in {"stage_since", "next_step_due", "expected_close"} and value is not None:
            value = date.fromisoformat(value)
        elif name == "closed_at" and value is not None:
            value = datetime.fromisoformat(value)
        elif name == "amount" and value is not None:
            value = Decimal(value)
        setattr(row, name, value)


class DealUpdateEffect:
    """Applies ``sales.update_deal``; undo restores the deal's earlier state."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Change the deal and write the change on its timeline."""
        row = session.get(DealRow, int(payload["deal_id"]))
        if row is None:
            raise BadInput(f"the deal {payload.get('deal')!r} no longer exists")
        ws = session.get(Workspace, workspace_id)
        today = now.astimezone(ZoneInfo(ws.timezone if ws else "UTC")).date()
        pipeline = pipelines.by_id(session, row.pipeline_id)
        before = snapshot(row)
        op = str(payload["op"])
        kind, text, data = "status_change", "", {}
        current = pipeline.stage_by_id(row.stage_id)
        if op == "move":
            stage = pipeline.stage(str(payload["to_stage"]))
            if stage is None:
                raise BadInput(f"{pipeline.name} has no stage {payload['to_stage']!r} any more")
            text = f"Moved from {current.name if current else '?'} to {stage.name}"
            kind, data = "stage_change", {"from": current.key if current else None,
                                          "to": stage.key}
            self._enter(row, stage.id, today)
            if stage.outcome in {"won", "lost"}:
                row.status, row.closed_at = stage.outcome, now
            elif row.status != "open":
                row.status, row.closed_at, row.lost_reason = "open", None, None
        elif op == "won":
            target = pipeline.won_stage
            if target is not None and target.id != row.stage_id:
                self._enter(row, target.id, today)
            row.status, row.closed_at, row.probability = "won", now, None
            text, data = "Marked won", {"status": "won"}
        elif op == "lost":
            target = pipeline.lost_stage
            if target is not None and target.id != row.stage_id:
                self._enter(row, target.id, today)
            row.status, row.closed_at, row.probability = "lost", now, None
            row.lost_reason = payload.get("reason") or None
            text = "Marked lost" + (f": {row.lost_reason}" if row.lost_reason else "")
            data = {"status": "lost"}
        elif op == "reopen":
            if current is not None and not current.is_open:
                opened = [s for s in pipeline.stages if s.is_open]
                if opened:
                    self._enter(row, opened[-1].id, today)
            row.status, row.closed_at, row.lost_reason = "open", None, None
            text, data = "Reopened", {"status": "open"}
        elif op == "next_step":
            row.next_step = str(payload["next_step"])
            due = payload.get("due")
            row.next_step_due = date.fromisoformat(due) if due else None
            kind, text = "next_step", f"Next step: {row.next_step}"
        elif op == "note":
            kind, text = "note", str(payload["note"])
        elif op == "unlink":
            entry = timeline.unlink(session, int(payload["activity_id"]), now)
            row.updated_at = now
            return EffectResult(result={"deal_id": row.id, "unlinked": entry.id},
                                undo={"op": op, "activity_id": entry.id})
        elif op == "edit":
            self._edit(row, payload.get("changes") or {})
            text, kind = "Edited: " + ", ".join(sorted(payload.get("changes") or {})), "note"
        else:
            raise BadInput(f"unknown deal change {op!r}")
        row.updated_at = now
        evidence = payload.get("evidence")
        if evidence:
            data["evidence"] = evidence
        added = timeline.add(session, workspace_id, row.id, kind=kind, at=now, summary=text,
                             source="assistant" if evidence else "client", data=data or None)
        return EffectResult(
            result={"deal_id": row.id, "op": op, "stage_id": row.stage_id, "status": row.status},
            undo={"op": op, "before": before, "after": snapshot(row),
                  "activity_id": added.id if added else None})

    @staticmethod
    def _enter(row: DealRow, stage_id: int, today: date) -> None:
        row.stage_id = stage_id
        row.stage_since = today
        row.probability = None  # a new stage brings its own default

    @staticmethod
    def _edit(row: DealRow, changes: Mapping[str, Any]) -> None:
        for name, value in changes.items():
            try:
                if name == "amount":
                    row.amount = None if value in (None, "") else Decimal(str(value))
                elif name == "expected_close":
                    row.expected_close = date.fromisoformat(value) if value else None
                elif name == "probability":
                    row.probability = None if value in (None, "") else int(value)
                    if row.probability is not None and not 0 <= row.probability <= 100:
                        raise ValueError("a percentage from 0 to 100")
                elif name == "title":
                    row.title = str(value).strip()[:300]
                else:
                    raise BadInput(f"a deal has no field {name!r} to change")
            except (InvalidOperation, ValueError) as exc:
                raise BadInput(f"{name}: {value!r} is not valid ({exc})") from None

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Restore the deal (refusing when it has changed again since)."""
        if undo.get("op") == "unlink":
            timeline.relink(session, int(undo["activity_id"]))
            return f"Put that entry back on {payload.get('deal')}'s timeline."
        row = session.get(DealRow, int(payload["deal_id"]))
        if row is None:
            raise CannotUndo(f"the deal {payload.get('deal')!r} no longer exists")
        after = undo.get("after") or {}
        if snapshot(row) != after:
            raise CannotUndo(f"{row.title} has changed since, so undoing this would overwrite "
                             "the newer change",
                             hint="Make the change you want directly, e.g. `righthand deals "
                                  "move DEAL STAGE`.")
        restore(row, undo["before"])
        row.updated_at = now
        if undo.get("activity_id"):
            entry = session.get(DealActivityRow, int(undo["activity_id"]))
            if entry is not None:
                session.delete(entry)
        session.flush()
        return f"Undone: {row.title} is back as it was."
