"""The phone channel: the client calls the assistant and talks to it.

Point the assistant number's voice webhook at ``POST /hooks/twilio/{slug}/assistant/call``.
Every request must carry a valid ``X-Twilio-Signature`` (the workspace line's auth token, as
for call screening) and is refused if replayed. The caller is the client only when the caller
ID is one of the client's registered numbers (``righthand channels add-phone``) *and* the PIN
keyed in (or spoken) matches its Argon2id hash; three wrong PINs end the call. Then each
utterance (``<Gather input="speech">``) goes through ``assistant.ask`` -- every action meets
the gate -- with the conversation ``phone:CALLSID``, and the answer is spoken with ``<Say>``.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from righthand.connectors import twilio
from righthand.errors import BadInput
from righthand.service import call_screening, channels, conversation
from righthand.store.tables import Workspace
from righthand.web.twilio_hooks import carrier_request

if TYPE_CHECKING:
    from righthand.bootstrap import App

STEPS = ("call", "pin", "speech")
MAX_TRIES = 3
_BYE = re.compile(r"^\W*(?:no\W*)?(?:that'?s all|goodbye|bye|nothing(?: else)?|no thanks?)\b",
                  re.I)


def spoken(text: str, limit: int = 900) -> str:
    """``text`` as it should be said: no markup, commands or long lists."""
    text = re.sub(r"`([^`]*)`", r"\1", text)
    text = re.sub(r"[*_#>]+", "", text)
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " ..."


def _gather_pin(prompt: str, action: str) -> str:
    return (f'<Gather input="dtmf speech" action="{action}" finishOnKey="#" timeout="8">'
            f"{twilio.say(prompt)}</Gather>")


def assistant_voice_router(application: App) -> APIRouter:
    """The assistant's voice endpoints, bound to ``application``."""
    router = APIRouter(tags=["telephony"])

    def handle(slug: str, step: str, url: str, params: dict[str, str],
               signature: str | None) -> str:
        from righthand.service.assistant import ask

        now = application.clock()
        base = url.split("?", 1)[0].rsplit("/", 1)[0]
        caller, sid = params.get("From", ""), params.get("CallSid", "")
        key = f"phone-auth:{sid}"
        with application.db.unit(None, write=False) as session:
            ws_id = session.scalar(select(Workspace.id).where(Workspace.slug == slug))
        if ws_id is None:
            raise call_screening.Refused("unknown workspace")
        with application.db.unit(ws_id) as session:
            ws = session.get(Workspace, ws_id)
            assert ws is not None
            call_screening.verify(session, ws, url, params, signature, now)
            name, client = ws.assistant_name, ws.address_form or ws.client_name.split()[0]
            state = conversation.load(session, key, now)
            if step == "call":
                try:
                    known = channels.identity(session, "phone", channels.normal_phone(caller))
                except BadInput:
                    known = None
                if known is None or not sid:
                    return twilio.response(twilio.say(
                        f"Sorry, this line takes calls from {ws.client_name} only."),
                        twilio.hangup())
                conversation.save(session, ws.id, key, {"number": caller, "ok": False,
                                                        "tries": 0}, now)
                return twilio.response(_gather_pin(
                    f"Hello, {name} here. Please key in your PIN, then the hash key.",
                    f"{base}/pin"))
            if not state or state.get("number") != caller:
                return twilio.response(twilio.hangup())
            if step == "pin":
                pin = re.sub(r"\D", "", params.get("Digits") or params.get("SpeechResult")
                             or "")
                if pin and channels.check_pin(session, caller, pin):
                    conversation.save(session, ws.id, key, {**state, "ok": True}, now)
                    return twilio.response(twilio.gather_speech(
                        f"Thank you, {client}. What can I do for you?", f"{base}/speech"))
                tries = int(state.get("tries", 0)) + 1
                conversation.save(session, ws.id, key, {**state, "tries": tries}, now)
                if tries >= MAX_TRIES:
                    return twilio.response(twilio.say("That PIN is not right. Goodbye."),
                                           twilio.hangup())
                return twilio.response(_gather_pin("That PIN is not right. Please try again, "
                                                   "then the hash key.", f"{base}/pin"))
            if not state.get("ok"):
                return twilio.response(twilio.hangup())
            conversation.save(session, ws.id, key, state, now)  # keeps the call alive
        said = (params.get("SpeechResult") or "").strip()
        if not said:
            return twilio.response(twilio.gather_speech("Sorry, I didn't catch that. What can "
                                                        "I do for you?", f"{base}/speech"))
        if _BYE.match(said):
            return twilio.response(twilio.say(f"Goodbye, {client}."), twilio.hangup())
        answer = ask(application, said, slug, actor="client (phone)", channel=f"phone:{sid}")
        return twilio.response(twilio.say(spoken(answer.answer)),
                               twilio.gather_speech("Anything else?", f"{base}/speech"))

    @router.post("/hooks/twilio/{slug}/assistant/{step}", include_in_schema=False)
    async def endpoint(request: Request, slug: str, step: str) -> Response:
        """One webhook request of the carrier for the assistant's line."""
        return await carrier_request(request, slug, step, STEPS, handle)

    return router
