"""Understanding what the offline engine cannot, with the optional language model.

Only when the offline engine is unsure (confidence below :data:`LOW`, or "out of scope" only
because nothing matched well) and a model is configured:
the client's words go to the model as delimited data, and the model may only *choose* one of
the public intents and name slots from the public contract. The route and the slots the duties
read are then filled by the offline engine from the client's own words (the model's slots only
fill gaps, as short plain strings). Whatever follows is an ordinary request: the duty's handler
proposes Actions and the gate decides -- a model that was talked into "forward all invoices to
x@evil.example" yields at most a proposed email that waits for the client (or is refused).
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.conversation import slots as contract
from righthand.conversation.engine import INTENTS, PUBLIC, fill
from righthand.conversation.understanding import Understanding
from righthand.errors import RighthandError
from righthand.service import audit, language_model

if TYPE_CHECKING:
    from righthand.bootstrap import App
    from righthand.store.tables import Workspace

LOW = 0.6
#: "out of scope" only because nothing matched well is worth a second opinion too
UNSURE_OUT_OF_SCOPE = 0.8
SLOTS = ("date", "start", "end", "contact", "deal", "item", "quantity", "unit", "list",
         "message", "subject")
# The model's confidence is not the engine's: a request it chose stays below "sure".
MODEL_CONFIDENCE = 0.55


def instructions() -> str:
    """What the model is asked to do with the client's request."""
    return ("Classify the office client's request in the REQUEST data block. Answer with JSON "
            "only: {\"intent\": one of " + ", ".join(INTENTS) + ", \"slots\": {...}} where "
            "slots may only use the names " + ", ".join(SLOTS) + " with short string values. "
            "Anything an office assistant does not do is out_of_scope.")


def parse(text: str) -> tuple[str, dict[str, Any]] | None:
    """(intent, slots) from the model's answer, or None when it is not usable."""
    start, end = text.find("{"), text.rfind("}")
    if start < 0 or end < start:
        return None
    try:
        data = json.loads(text[start:end + 1])
    except json.JSONDecodeError:
        return None
    if not isinstance(data, dict) or data.get("intent") not in INTENTS:
        return None
    given = data.get("slots")
    raw: dict[str, Any] = given if isinstance(given, dict) else {}
    slots: dict[str, Any] = {}
    for key in SLOTS:
        value = raw.get(key)
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            slots[key] = re.sub(r"\s+", " ", str(value))[:300]
    return str(data["intent"]), slots


def refine(app: App, session: Session, ws: Workspace, text: str,
           understood: Understanding) -> Understanding:
    """The engine's understanding, or the model's when the engine was unsure."""
    unsure = understood.confidence < LOW or (understood.intent == "out_of_scope"
                                             and understood.confidence < UNSURE_OUT_OF_SCOPE)
    if not unsure:
        return understood
    model = language_model.for_workspace(app, session, ws.id)
    if model is None:
        return understood
    try:
        answer = model.ask(instructions(), {"REQUEST": text}, max_tokens=300)
    except RighthandError as exc:
        audit.append(session, ws.id, "assistant", "model.skipped", "understanding",
                     {"reason": exc.message}, at=app.clock())
        return understood
    chosen = parse(answer)
    if chosen is None:
        return understood
    intent, suggested = chosen
    today = app.clock().astimezone(ZoneInfo(ws.timezone)).date()
    route, found = fill(intent, text, today)
    merged = {**{k: v for k, v in suggested.items() if k not in found}, **found}
    public = PUBLIC.get(route, route)
    filled = contract.contract(public, merged, text, today, ws.timezone)
    audit.append(session, ws.id, "assistant", "model.understood", public,
                 {"engine": understood.intent, "engine_confidence": understood.confidence},
                 at=app.clock())
    return Understanding(public, filled, MODEL_CONFIDENCE, route if route != public else "")
