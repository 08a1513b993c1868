"""The links in appointment confirmations: ``GET /appointment/{token}`` shows the question with
a button (link scanners fetch GETs: a GET never changes anything); ``POST`` records the answer
(confirm, reschedule, cancel) for that attendee. Signed tokens, no sign-in; every answer is
audited with the actor ``attendee``. Mount with ``app.include_router(appointment_router(app))``.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from righthand.duties.appointments import confirm_replies, confirm_tokens
from righthand.duties.appointments.confirm_job import links_of
from righthand.service import audit
from righthand.store.tables import AppointmentConfirmation, Workspace
from righthand.web.unsubscribe import _page

if TYPE_CHECKING:
    from righthand.bootstrap import App

_QUESTION = {"confirm": "Confirm your appointment?", "reschedule": "Ask for another time?",
             "cancel": "Cancel your appointment?"}
_DONE = {"confirm": "Thank you — you're confirmed.",
         "reschedule": "Thank you — the office will be in touch to find another time.",
         "cancel": "Your cancellation has been passed on. Thank you for letting us know."}


def appointment_router(application: App) -> APIRouter:
    """The confirmation link endpoints, bound to ``application``."""
    router = APIRouter(tags=["appointments"])

    def check(token: str) -> confirm_tokens.LinkData | None:
        try:
            return confirm_tokens.verify(links_of(application.settings).secret, token,
                                         application.clock())
        except confirm_tokens.InvalidLink:
            return None

    def describe(data: confirm_tokens.LinkData) -> str | None:
        with application.db.unit(data.workspace_id, write=False) as session:
            row = session.get(AppointmentConfirmation, data.confirmation_id)
            ws = session.get(Workspace, data.workspace_id)
            if row is None or ws is None:
                return None
            return f"{row.summary} with {ws.client_name}"

    def record(data: confirm_tokens.LinkData) -> bool:
        now = application.clock()
        with application.db.unit(data.workspace_id) as session:
            row = session.get(AppointmentConfirmation, data.confirmation_id)
            if row is None or row.starts_at <= now:
                return False
            done = confirm_replies.apply(session, row, data.answer, now, "link")
            audit.append(session, data.workspace_id, "attendee", "appointment.answered",
                         row.attendee, {"answer": data.answer, "status": done.status,
                                        "event_uid": row.event_uid, "via": "link",
                                        "task_id": done.task_id}, at=now)
            return True

    invalid = ("This link is not valid", "<p>It may be old or cut short. Please reply to the "
               "email instead.</p>")

    @router.get("/appointment/{token}", response_class=HTMLResponse)
    async def question(token: str) -> Response:
        data = check(token)
        what = await run_in_threadpool(describe, data) if data else None
        if data is None or what is None:
            return _page(*invalid, status=400)
        return _page(_QUESTION[data.answer],
                     f"<p>{html.escape(what)}</p><form method=post><button>Yes, "
                     f"{html.escape(data.answer)}</button></form>")

    @router.post("/appointment/{token}", response_class=HTMLResponse)
    async def answer(token: str) -> Response:
        data = check(token)
        if data is None or not await run_in_threadpool(record, data):
            return _page(*invalid, status=400)
        return _page(_DONE[data.answer], "<p>You can close this page.</p>")

    return router
