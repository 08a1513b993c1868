"""Twilio-compatible voice webhooks: ``POST /hooks/twilio/{slug}/voice`` and the callbacks it
names (gather, message, dialed, recording, transcription).

Not session-authenticated: each request must carry a valid ``X-Twilio-Signature`` made with the
workspace line's auth token over the URL and the form parameters, and must not have been seen
before (replays are refused). Mount with ``app.include_router(twilio_router(application))``.
The carrier must be configured with this server's public URL exactly as it reaches Righthand
(the signature covers it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import select
from starlette.concurrency import run_in_threadpool

from righthand.domain.storable import storable
from righthand.service import call_screening
from righthand.store.tables import Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App

_MAX_BODY = 64 * 1024
STEPS = ("voice", "gather", "message", "dialed", "recording", "transcription")
_XML = "application/xml"


def twilio_router(application: App) -> APIRouter:
    """The voice webhook endpoints, bound to ``application``."""
    router = APIRouter(tags=["telephony"])

    def handle(slug: str, step: str, url: str, params: dict[str, str],
               signature: str | None) -> str | None:
        now = application.clock()
        with application.db.unit(None, write=False) as session:
            ws_id = session.scalar(select(Workspace.id).where(Workspace.slug == slug))
        if ws_id is None:
            raise call_screening.Refused("unknown workspace")
        base = url.split("?", 1)[0].rsplit("/", 1)[0]
        with application.db.unit(ws_id) as session:
            ws = session.get(Workspace, ws_id)
            assert ws is not None
            call_screening.verify(session, ws, url, params, signature, now)
            if step == "voice":
                return call_screening.inbound(session, ws, params, base, now)
            if step == "gather":
                return call_screening.gathered(session, ws, params, base, now)
            if step == "message":
                return call_screening.message(session, ws, base)
            if step == "dialed":
                return call_screening.dialed(session, ws, params, base)
            if step == "recording":
                return call_screening.recorded(session, ws, params, now)
            call_screening.transcribed(session, ws, params, now)
            return None

    @router.post("/hooks/twilio/{slug}/{step}", include_in_schema=False)
    async def endpoint(request: Request, slug: str, step: str) -> Response:
        """One webhook request of the carrier."""
        return await carrier_request(request, slug, step, STEPS, handle)

    return router


async def carrier_request(request: Request, slug: str, step: str, steps: Collection[str],
                          handle: Callable[[str, str, str, dict[str, str], str | None],
                                           str | None]) -> Response:
    """Read one signed, form-encoded carrier webhook and answer with ``handle``'s TwiML:
    404 for an unknown step, 413 for an oversized body, 403 when the signature is refused,
    204 when there is nothing to say. Like bytes that are not UTF-8, a NUL character (which
    no carrier sends, and PostgreSQL cannot store) reads as U+FFFD, so its signature fails."""
    if step not in steps:
        return PlainTextResponse("not found", 404)
    body = await request.body()
    if len(body) > _MAX_BODY:
        return PlainTextResponse("too large", 413)
    text = body.decode("utf-8", "replace")
    params = dict(parse_qsl(text, keep_blank_values=True))
    if "\x00" in text or "%00" in text:
        params = {storable(k): storable(v) for k, v in params.items()}
    try:
        twiml = await run_in_threadpool(handle, slug, step, str(request.url), params,
                                        request.headers.get("X-Twilio-Signature"))
    except call_screening.Refused:
        return PlainTextResponse("forbidden", 403)
    if twiml is None:
        return Response(status_code=204)
    return Response(twiml, media_type=_XML)
