"""Public, sign-in-free endpoints behind the links every mailing carries.

* ``POST /unsubscribe/{token}`` with the body ``List-Unsubscribe=One-Click`` (RFC 8058, sent by
  mail clients' "unsubscribe" buttons, urlencoded or multipart) unsubscribes at once.
* ``GET /unsubscribe/{token}`` only shows a page with a button (link scanners and previews
  fetch GETs; a GET never changes anything), which POSTs the same body.
* ``GET``/``POST /confirm/{token}``: the same for confirming a double opt-in.

The person acts for themselves here, so this is not the assistant's action and no gate can
refuse it; every change is written to the audit log (actor ``recipient``). Mount with
``app.include_router(unsubscribe_router(application))``.
"""

from __future__ import annotations

import html
from email import message_from_bytes, policy
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, PlainTextResponse, Response
from starlette.concurrency import run_in_threadpool

from righthand.duties.lists import subscriptions
from righthand.duties.lists.unsubscribe_tokens import (
    CONFIRM,
    UNSUBSCRIBE,
    ExpiredToken,
    InvalidToken,
    TokenData,
    verify_token,
)
from righthand.errors import NotFound
from righthand.service import audit
from righthand.store.tables import MailingListRow, Workspace

if TYPE_CHECKING:
    from righthand.bootstrap import App

ONE_CLICK = "One-Click"
_MAX_BODY = 64 * 1024


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    text = (f"<!doctype html><html lang=en><head><meta charset=utf-8><meta name=robots "
            f"content=noindex><meta name=viewport content='width=device-width'>"
            f"<title>{html.escape(title)}</title><style>body{{font:16px/1.5 system-ui,"
            f"sans-serif;max-width:34em;margin:3em auto;padding:0 1em}}button{{font:inherit;"
            f"padding:.5em 1em;margin:.3em .3em 0 0}}</style></head><body><h1>"
            f"{html.escape(title)}</h1>{body}</body></html>")
    return HTMLResponse(text, status_code=status, headers={"Cache-Control": "no-store",
                                                            "Referrer-Policy": "no-referrer"})


def _masked(address: str) -> str:
    local, _, domain = address.partition("@")
    return f"{local[:1]}***@{domain}"  # enough to recognise, not enough to harvest


def _form_fields(content_type: str, body: bytes) -> dict[str, list[str]]:
    """Fields of a urlencoded or multipart/form-data body (no python-multipart needed)."""
    if content_type.lower().startswith("multipart/form-data"):
        message = message_from_bytes(b"Content-Type: " + content_type.encode("latin-1") +
                                     b"\r\n\r\n" + body, policy=policy.HTTP)
        fields: dict[str, list[str]] = {}
        for part in message.iter_parts() if message.is_multipart() else []:
            name = part.get_param("name", header="content-disposition")
            if isinstance(name, str):
                payload = part.get_payload(decode=True)
                value = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
                fields.setdefault(name, []).append(value.strip())
        return fields
    return parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)


def unsubscribe_router(application: App) -> APIRouter:
    """The unsubscribe and confirmation endpoints, bound to ``application``."""
    router = APIRouter(tags=["unsubscribe"])

    def check(token: str, purpose: str) -> TokenData | HTMLResponse:
        try:
            return verify_token(application.settings.secret_key, token, application.clock(),
                                purpose)
        except ExpiredToken:
            return _page("This link has expired", "<p>Please use the link in a more recent "
                         "email, or reply to the email and ask to be removed.</p>", 410)
        except InvalidToken:
            return _page("This link is not valid", "<p>It may have been cut short by your "
                         "email program. Please reply to the email and ask to be removed."
                         "</p>", 400)

    def names(data: TokenData) -> tuple[str, str]:
        with application.db.unit(data.workspace_id, write=False) as session:
            ws = session.get(Workspace, data.workspace_id)
            if ws is None:
                raise NotFound("unknown sender")
            sender = str((ws.profile or {}).get("business_name") or ws.client_name)
            row = session.get(MailingListRow, data.list_id) if data.list_id else None
            return sender, row.name if row else "all mailings"

    def unsubscribe(data: TokenData, everywhere: bool, via: str) -> subscriptions.Unsubscribed:
        now = application.clock()
        with application.db.unit(data.workspace_id) as session:
            if session.get(Workspace, data.workspace_id) is None:
                raise NotFound("unknown sender")
            done = subscriptions.unsubscribe_address(
                session, data.workspace_id, data.list_id, data.address,
                f"unsubscribed by the recipient ({via})", now,
                everywhere=everywhere or data.list_id is None)
            audit.append(session, data.workspace_id, "recipient", "list.unsubscribed",
                         data.address, {"list_id": data.list_id, "lists": done.lists,
                                        "everywhere": done.suppressed, "via": via,
                                        "already": done.already}, at=now)
            return done

    def confirm(data: TokenData) -> str:
        now = application.clock()
        with application.db.unit(data.workspace_id) as session:
            if data.list_id is None:
                raise NotFound("no list")
            state = subscriptions.confirm_address(session, data.list_id, data.address, now)
            audit.append(session, data.workspace_id, "recipient", "list.confirmed",
                         data.address, {"list_id": data.list_id, "state": state}, at=now)
            return state

    @router.get("/unsubscribe/{token}", response_class=HTMLResponse)
    async def unsubscribe_page(token: str) -> Response:
        data = check(token, UNSUBSCRIBE)
        if isinstance(data, HTMLResponse):
            return data
        try:
            sender, list_name = await run_in_threadpool(names, data)
        except NotFound:
            return _page("This link is not valid", "<p>The sender is not known here.</p>", 404)
        everything = "" if data.list_id is None else (
            "<button name=scope value=all>Unsubscribe from everything "
            f"{html.escape(sender)} sends</button>")
        return _page(f"Unsubscribe from {list_name}?",
                     f"<p>{html.escape(_masked(data.address))} will no longer receive "
                     f"{html.escape(list_name)} from {html.escape(sender)}.</p>"
                     f"<form method=post><input type=hidden name=List-Unsubscribe "
                     f"value={ONE_CLICK}><button name=scope value=list>Unsubscribe</button>"
                     f"{everything}</form>")

    @router.post("/unsubscribe/{token}")
    async def unsubscribe_post(token: str, request: Request) -> Response:
        body = await request.body()
        fields = _form_fields(request.headers.get("content-type", ""), body[:_MAX_BODY])
        if ONE_CLICK not in fields.get("List-Unsubscribe", []):
            return PlainTextResponse("The body must be List-Unsubscribe=One-Click (RFC 8058).",
                                     status_code=400)
        data = check(token, UNSUBSCRIBE)
        if isinstance(data, HTMLResponse):
            return data
        everywhere = "all" in fields.get("scope", [])
        via = "web page" if fields.get("scope") else "one-click"
        try:
            done = await run_in_threadpool(unsubscribe, data, everywhere, via)
        except NotFound:
            return _page("This link is not valid", "<p>The sender is not known here.</p>", 404)
        what = "all mailings" if done.suppressed else ", ".join(done.lists)
        return _page("You are unsubscribed",
                     f"<p>{html.escape(_masked(done.address))} will receive no more "
                     f"{html.escape(what)}. Sorry to see you go.</p>")

    @router.get("/confirm/{token}", response_class=HTMLResponse)
    async def confirm_page(token: str) -> Response:
        data = check(token, CONFIRM)
        if isinstance(data, HTMLResponse):
            return data
        sender, list_name = await run_in_threadpool(names, data)
        return _page(f"Confirm: {list_name}",
                     f"<p>Confirm that {html.escape(_masked(data.address))} wants "
                     f"{html.escape(list_name)} from {html.escape(sender)}.</p><form "
                     "method=post><button name=confirm value=yes>Yes, sign me up</button>"
                     "</form>")

    @router.post("/confirm/{token}")
    async def confirm_post(token: str) -> Response:
        data = check(token, CONFIRM)
        if isinstance(data, HTMLResponse):
            return data
        try:
            state = await run_in_threadpool(confirm, data)
        except NotFound:
            return _page("This sign-up is not known", "<p>Please sign up again.</p>", 404)
        if state != "confirmed":
            return _page("You had unsubscribed", "<p>You left this list earlier, so we did "
                         "not sign you up again. Please sign up anew if you want it.</p>", 409)
        return _page("Thank you", "<p>You are signed up.</p>")

    return router
