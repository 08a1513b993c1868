"""The client corrects how a call was screened, and the screener remembers it for the number.

Three corrections, each an Action of kind ``calls.correct`` (screening.calls; local, undoable):

* ``ring`` -- "Always put this caller through": a rule for the number, ring through;
* ``block`` -- "Block this number": a rule for the number, block; the call is filed as spam;
* ``not_spam`` -- "Not spam": the number's own block rules go, its calls screened as spam are
  screened again without that verdict, and a rule for the number says to ask who and why,
  marked ``not_spam`` so what the caller says is never taken for spam again.

The number's earlier rules without a time of day window are replaced (the newest word wins);
the new rule goes first, ahead of broad rules like "after 6 pm everyone goes to voicemail".
Undo puts the rules and the calls' categories back as they were.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.plugin import EffectResult
from righthand.duties.screening import calls
from righthand.errors import BadInput, NotFound
from righthand.store.tables import CallRow, CallRule

DUTY = "screening.calls"
KIND = "calls.correct"
CHOICES = {"ring": ("ring", "Always put {number} through"),
           "block": ("block", "Block {number}"),
           "not_spam": ("ask", "Calls from {number} are not spam")}
LABELS = {"ring": "Always put this caller through", "block": "Block this number",
          "not_spam": "Not spam"}


def action(call: CallRow, choice: str) -> Action:
    """The Action correcting ``call``'s screening (BadInput for a call without caller ID)."""
    if choice not in CHOICES:
        raise BadInput(f"{choice!r} is not a correction",
                       hint="Choose: " + ", ".join(LABELS.values()) + ".")
    number = call.from_number
    if not number or calls.Caller(number).anonymous:
        raise BadInput("this call came without a caller ID, so there is no number to remember",
                       hint="Add a rule for calls with no caller ID instead.")
    _, words = CHOICES[choice]
    who = f"{number} ({call.caller_name})" if call.caller_name else number
    return Action(duty=DUTY, kind=KIND, initiative=Initiative.REACTIVE, undoable=True,
                  summary=words.format(number=who),
                  payload={"call_id": call.id, "number": number, "correction": choice})


def vouched(session: Session, number: str) -> bool:
    """The client said calls from ``number`` are not spam (or always put it through)."""
    for rule in _number_rules(session, number):
        spec = rule.spec or {}
        if spec.get("not_spam") or (rule.action == "ring" and not _windowed(spec)):
            return True
    return False


def _windowed(spec: Mapping[str, Any]) -> bool:
    return bool(spec.get("after") or spec.get("before"))


def _number_rules(session: Session, number: str) -> list[CallRule]:
    return [rule for rule in session.scalars(select(CallRule).order_by(CallRule.id))
            if (rule.spec or {}).get("who") == "number"
            and (rule.spec or {}).get("value") == number]


def _image(rule: CallRule) -> dict[str, Any]:
    return {"text": rule.text, "spec": dict(rule.spec or {}), "action": rule.action,
            "position": rule.position, "created_at": rule.created_at.isoformat()}


class CorrectEffect:
    """calls.correct: change how calls from one number are screened; undo restores it."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Replace the number's rules with the correction's, and re-file its calls."""
        number, choice = str(payload["number"]), str(payload["correction"])
        if choice not in CHOICES:
            raise BadInput(f"{choice!r} is not a correction")
        rule_action, words = CHOICES[choice]
        removed = []
        for rule in _number_rules(session, number):
            if not _windowed(rule.spec or {}):
                removed.append(_image(rule))
                session.delete(rule)
        first = session.scalar(select(func.min(CallRule.position)))
        spec: dict[str, Any] = {"who": "number", "value": number, "source": "correction"}
        if choice == "not_spam":
            spec["not_spam"] = True
        rule = CallRule(workspace_id=workspace_id, text=words.format(number=number),
                        spec=spec, action=rule_action,
                        position=(first if first is not None else 1) - 1, created_at=now)
        session.add(rule)
        recategorised: dict[str, str | None] = {}
        if choice == "block":
            call = session.get(CallRow, int(payload.get("call_id") or 0))
            if call is not None and call.from_number == number and call.category != "spam":
                recategorised[str(call.id)] = call.category
                call.category = "spam"
        elif choice in {"ring", "not_spam"}:
            for call in session.scalars(select(CallRow).where(
                    CallRow.from_number == number, CallRow.category == "spam")):
                recategorised[str(call.id)] = call.category
                call.category, _ = calls.categorise(call, vouched=True)
        session.flush()
        return EffectResult(result={"rule_id": rule.id, "removed_rules": len(removed),
                                    "recategorised": len(recategorised)},
                            undo={"rule_id": rule.id, "removed": removed,
                                  "categories": recategorised})

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Take the correction's rule away, put the number's rules and calls back."""
        rule = session.get(CallRule, int(undo.get("rule_id") or 0))
        if rule is not None:
            session.delete(rule)
        for image in undo.get("removed") or []:
            session.add(CallRule(workspace_id=workspace_id, text=image["text"],
                                 spec=image["spec"], action=image["action"],
                                 position=image["position"],
                                 created_at=datetime.fromisoformat(image["created_at"])))
        for call_id, category in (undo.get("categories") or {}).items():
            call = session.get(CallRow, int(call_id))
            if call is not None:
                call.category = category
        session.flush()
        return f"Calls from {payload['number']} are screened as before."


def call(session: Session, call_id: int) -> CallRow:
    """A call of this workspace (NotFound otherwise)."""
    row = session.get(CallRow, call_id)
    if row is None:
        raise NotFound(f"there is no call #{call_id} in this workspace")
    return row
