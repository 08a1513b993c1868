"""The web application: ``create_app(app)`` builds the FastAPI app around an assembled
Righthand (``righthand.bootstrap.App``); ``from_environment`` is the factory `righthand serve`
hands to uvicorn (each worker process builds its own).

Adding a page area (contacts, supplies, ...): write a module with ``router = page_router()``
(see ``routing.py``), optionally ``NAV = [NavItem(...)]``, and add its name to ``AREAS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException

import righthand
from righthand.errors import (
    ApprovalError,
    Bug,
    ClientMustAct,
    NotDelegated,
    NotFound,
    RetryLater,
    RighthandError,
)
from righthand.web import mailing_preview
from righthand.web.auth import LoginRequired
from righthand.web.render import STATIC, is_htmx, register_nav, render
from righthand.web.settings import WebSettings, load_web_settings
from righthand.web.unsubscribe import unsubscribe_router

if TYPE_CHECKING:
    from righthand.bootstrap import App

# Page and API modules, each exposing ``router`` (and optionally ``NAV``), in mount order.
AREAS: tuple[str, ...] = (
    "righthand.web.api.routes",
    "righthand.web.api.contacts",  # the duty areas' read-only API (api/common.py)
    "righthand.web.api.mailings",
    "righthand.web.api.inbox",
    "righthand.web.api.deals",
    "righthand.web.api.supplies",
    "righthand.web.routes.login",
    "righthand.web.routes.today",
    "righthand.web.routes.ask",
    "righthand.web.routes.approvals",
    "righthand.web.routes.job",
    "righthand.web.routes.trust",
    "righthand.web.routes.settings",
    "righthand.web.routes.connections",
    "righthand.web.routes.calendar",
    "righthand.web.routes.pipeline",
    "righthand.web.routes.imports",  # before contacts: /contacts/import is not a contact id
    "righthand.web.routes.contacts",
    "righthand.web.routes.lists",
    "righthand.web.routes.mailings",
    "righthand.web.routes.inbox",
    "righthand.web.routes.supplies",
)

# Pages rendered by render() carry this policy: no inline script or style, no remote images
# (mail bodies cannot phone home), no framing, forms post only here.
PAGE_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")
# Any other HTML (e.g. the public unsubscribe pages) still runs no script at all.
FALLBACK_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; "
                "form-action 'self'; base-uri 'none'; frame-ancestors 'none'")
BASE_HEADERS = (("x-content-type-options", "nosniff"), ("referrer-policy", "same-origin"),
                ("x-frame-options", "DENY"),
                ("permissions-policy", "camera=(), microphone=(), geolocation=()"))

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


class SecurityHeaders:
    """Adds the security headers to every response (a plain ASGI middleware: cheap)."""

    def __init__(self, app: Callable[[Scope, Receive, Send], Awaitable[None]]) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Wrap ``send`` to add headers to the response start."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: MutableMapping[str, Any]) -> None:
            """Add the headers when the response starts."""
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in BASE_HEADERS:
                    headers.setdefault(name, value)
                if headers.get("content-type", "").startswith("text/html"):
                    headers.setdefault("content-security-policy",
                                       PAGE_CSP if headers.get("x-righthand-page")
                                       else FALLBACK_CSP)
                    if "x-righthand-page" in headers:
                        del headers["x-righthand-page"]
            await send(message)

        await self.app(scope, receive, send_with_headers)


STATUS = ((NotFound, 404), (NotDelegated, 403), (ApprovalError, 409), (ClientMustAct, 400),
          (RetryLater, 503), (Bug, 500))


def _status(exc: RighthandError) -> int:
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 500)


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_page(request: Request, status: int, message: str, hint: str | None) -> HTMLResponse:
    template = "error_fragment.html" if is_htmx(request) else "error.html"
    return render(request, template, title="Something needs attention", status=status,
                  message=message, hint=hint)


def _install_error_handlers(api: FastAPI) -> None:
    @api.exception_handler(LoginRequired)
    async def login_required(request: Request, _exc: LoginRequired) -> Response:
        """Pages go to the sign-in form (htmx by HX-Redirect); the API answers 401."""
        if _is_api(request):
            return JSONResponse({"detail": "sign in first"}, 401,
                                headers={"WWW-Authenticate": "Bearer"})
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        login = f"/login?next={quote(target)}"
        if is_htmx(request):
            return Response(status_code=200, headers={"HX-Redirect": login})
        return RedirectResponse(login, 303)

    @api.exception_handler(RighthandError)
    async def righthand_error(request: Request, exc: RighthandError) -> Response:
        """Righthand's errors keep their message and hint; the family sets the status."""
        status = _status(exc)
        if _is_api(request):
            return JSONResponse({"detail": exc.message, "hint": exc.hint}, status)
        return _error_page(request, status, exc.message, exc.hint)

    @api.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        """JSON for the API, a page (or fragment) for people."""
        if _is_api(request) or request.url.path.startswith("/static/"):
            return JSONResponse({"detail": exc.detail}, exc.status_code,
                                headers=getattr(exc, "headers", None))
        message = {404: "There is nothing here (or it belongs to another workspace)."}.get(
            exc.status_code, str(exc.detail))
        return _error_page(request, exc.status_code, message, None)

    @api.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError) -> Response:
        """The API lists the fields; a page says which to correct."""
        if _is_api(request):
            return JSONResponse({"detail": exc.errors()}, 422)
        fields = ", ".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        return _error_page(request, 422, f"Some fields are missing or not valid: {fields}.",
                           "Go back, correct them and send the form again.")


def create_app(app: App, web_settings: WebSettings | None = None) -> FastAPI:
    """The FastAPI application serving ``app``: pages, the JSON API, static files."""
    api = FastAPI(title="Righthand", version=righthand.__version__,
                  description="The console and JSON API of Righthand, a virtual office "
                              "assistant whose delegation is phased and earned.",
                  openapi_url="/api/openapi.json", docs_url=None, redoc_url=None)
    api.state.righthand = app
    api.state.web_settings = web_settings or load_web_settings()
    api.add_middleware(SecurityHeaders)
    api.mount("/static", StaticFiles(directory=str(STATIC)), name="static")
    _install_error_handlers(api)
    mailing_preview.install()

    @api.get("/healthz", include_in_schema=False)
    def healthz() -> dict[str, str]:
        """For load balancers and the tests: the process answers."""
        return {"status": "ok"}

    for name in AREAS:
        module = importlib.import_module(name)
        for item in getattr(module, "NAV", ()):
            register_nav(item)
        api.include_router(module.router)
        extra = getattr(module, "signed_in", None)
        if extra is not None:
            api.include_router(extra)
    api.include_router(unsubscribe_router(app))
    from righthand.web.appointment_links import appointment_router
    from righthand.web.assistant_voice import assistant_voice_router
    from righthand.web.twilio_hooks import twilio_router

    api.include_router(twilio_router(app))
    api.include_router(assistant_voice_router(app))
    api.include_router(appointment_router(app))
    return api


def from_environment() -> FastAPI:
    """The app for the environment's settings (uvicorn's factory for `righthand serve`)."""
    import gc

    from righthand.bootstrap import build

    api = create_app(build())
    # Everything built so far lives as long as the worker: keep the collector off it, so
    # collections under load stay short (fewer latency spikes).
    gc.collect()
    gc.freeze()
    return api
