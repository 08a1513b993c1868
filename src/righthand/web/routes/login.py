"""Signing in and out: password (Argon2id), optional TOTP, rate limit, session cookie.

The sign-in form is protected against login CSRF by a double-submit token: a random value in
an HttpOnly, SameSite=Strict cookie that the form must repeat.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from righthand.store.tables import User
from righthand.web import accounts, ratelimit, sessions, totp
from righthand.web.auth import MaybePrincipal, get_app, get_web_settings
from righthand.web.render import render
from righthand.web.routing import public_router

router = APIRouter(include_in_schema=False)
signed_in = public_router()
LOGIN_COOKIE = "righthand_login"


def secure_cookies(request: Request) -> bool:
    """Whether cookies get the Secure flag (always, never, or when the request was https)."""
    mode = get_web_settings(request).cookie_secure
    return mode == "always" or (mode == "auto" and request.url.scheme == "https")


def safe_next(target: str | None) -> str:
    """A local path to go to after signing in (never another site)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target[:500]


def _client_ip(request: Request) -> str | None:
    return request.client.host if request.client else None


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    """The session cookie: HttpOnly, SameSite=Lax, Secure behind TLS."""
    settings = get_web_settings(request)
    response.set_cookie(sessions.COOKIE, raw, httponly=True, samesite="lax",
                        secure=secure_cookies(request), path="/",
                        max_age=int(settings.session_max_days * 86400))


def _form(request: Request, *, error: str | None = None, status: int = 200, nxt: str = "/",
          username: str = "") -> HTMLResponse:
    token = request.cookies.get(LOGIN_COOKIE) or secrets.token_urlsafe(32)
    response = render(request, "login.html", title="Sign in", status=status, csrf=token,
                      error=error, next=nxt, username=username)
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict",
                        secure=secure_cookies(request), path="/login", max_age=3600)
    return response


@router.get("/login", response_model=None)
def login_form(request: Request, principal: MaybePrincipal,
               next: str = "/") -> Response:
    """The sign-in form."""
    if principal is not None and principal.via == "session":
        return RedirectResponse(safe_next(next), 303)
    return _form(request, nxt=safe_next(next))


@router.post("/login", response_model=None)
def login(request: Request, username: Annotated[str, Form(max_length=200)],
          password: Annotated[str, Form(max_length=1024)],
          csrf_token: Annotated[str, Form(max_length=200)] = "",
          next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    """Check the password (rate-limited per account and per IP), then start a session."""
    nxt = safe_next(next)
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not hmac.compare_digest(expected.encode(), csrf_token.encode()):
        return _form(request, status=400, nxt=nxt, username=username,
                     error="The sign-in form expired (or cookies are blocked). Please try again.")
    app, settings = get_app(request), get_web_settings(request)
    now = app.clock()
    ip_key, user_key = ratelimit.keys(_client_ip(request), username)
    with app.db.unit(None, write=False) as session:
        wait = ratelimit.retry_after(session, ip_key, user_key, now, settings)
    if wait is not None:
        response = _form(request, status=429, nxt=nxt, username=username,
                         error=f"Too many failed sign-ins. Try again in {max(1, wait // 60)} "
                               "minute(s).")
        response.headers["Retry-After"] = str(wait)
        return response
    with app.db.unit(None, write=False) as session:
        user = accounts.authenticate(session, username, password)
        user_id = user.id if user is not None else None
        wants_totp = bool(user is not None and user.totp_secret)
    with app.db.unit(None) as session:
        ratelimit.record(session, ip_key, user_key, user_id is not None, now)
        raw = None
        if user_id is not None:
            row = session.get(User, user_id)
            assert row is not None
            row.last_login_at = now
            sessions.end(session, request.cookies.get(sessions.COOKIE))
            raw = sessions.start(session, row, sessions.STAGE_TOTP if wants_totp
                                 else sessions.STAGE_OK, now, settings, _client_ip(request),
                                 request.headers.get("user-agent"))
    if raw is None:
        return _form(request, status=401, nxt=nxt, username=username,
                     error="Wrong username or password.")
    target = f"/login/totp?next={quote(nxt)}" if wants_totp else nxt
    onward = RedirectResponse(target, 303)
    set_session_cookie(request, onward, raw)
    onward.delete_cookie(LOGIN_COOKIE, path="/login")
    return onward


def _partial(request: Request) -> sessions.Found | None:
    app = get_app(request)
    with app.db.unit(None, write=False) as session:
        found = sessions.lookup(session, request.cookies.get(sessions.COOKIE), app.clock())
    return found if found is not None and found.stage == sessions.STAGE_TOTP else None


@router.get("/login/totp", response_model=None)
def totp_form(request: Request, next: str = "/") -> Response:
    """The second step: a code from the authenticator app."""
    found = _partial(request)
    if found is None:
        return RedirectResponse("/login", 303)
    return render(request, "totp.html", title="Sign in", csrf=found.csrf_token,
                  next=safe_next(next), error=None)


@router.post("/login/totp", response_model=None)
def totp_check(request: Request, code: Annotated[str, Form(max_length=20)],
               csrf_token: Annotated[str, Form(max_length=200)] = "",
               next: Annotated[str, Form(max_length=500)] = "/") -> Response:
    """Check the code (once per time step, rate-limited), then make the session a full one."""
    found = _partial(request)
    if found is None:
        return RedirectResponse("/login", 303)
    nxt = safe_next(next)
    if not hmac.compare_digest(found.csrf_token.encode(), csrf_token.encode()):
        return render(request, "totp.html", title="Sign in", csrf=found.csrf_token, next=nxt,
                      status=403, error="The form expired; please enter the code again.")
    app, settings = get_app(request), get_web_settings(request)
    now = app.clock()
    ip_key, user_key = ratelimit.keys(_client_ip(request), found.username)
    with app.db.unit(None, write=False) as session:
        wait = ratelimit.retry_after(session, ip_key, user_key, now, settings)
    if wait is not None:
        return render(request, "totp.html", title="Sign in", csrf=found.csrf_token, next=nxt,
                      status=429, error="Too many wrong codes. Try again later.")
    with app.db.unit(None) as session:
        user = session.get(User, found.user_id)
        step = None
        if user is not None and user.totp_secret:
            step = totp.matching_step(user.totp_secret, code, now, user.totp_last_step)
        ratelimit.record(session, ip_key, user_key, step is not None, now)
        raw = None
        if user is not None and step is not None:
            user.totp_last_step = step
            sessions.end(session, request.cookies.get(sessions.COOKIE))
            raw = sessions.start(session, user, sessions.STAGE_OK, now, settings,
                                 _client_ip(request), request.headers.get("user-agent"))
    if raw is None:
        return render(request, "totp.html", title="Sign in", csrf=found.csrf_token, next=nxt,
                      status=401, error="That code is not right (or was used already).")
    response = RedirectResponse(nxt, 303)
    set_session_cookie(request, response, raw)
    return response


@signed_in.post("/logout", response_model=None)
def logout(request: Request) -> Response:
    """Sign this browser out."""
    app = get_app(request)
    with app.db.unit(None) as session:
        sessions.end(session, request.cookies.get(sessions.COOKIE))
    response = RedirectResponse("/login", 303)
    response.delete_cookie(sessions.COOKIE, path="/")
    return response


@signed_in.get("/", response_model=None)
def home(request: Request, principal: MaybePrincipal) -> Response:
    """To the first workspace's Today page (or to sign in)."""
    if principal is None or principal.via != "session":
        return RedirectResponse("/login", 303)
    app = get_app(request)
    with app.db.unit(None, write=False) as session:
        mine = accounts.memberships(session, principal.user_id)
    if not mine:
        return render(request, "error.html", title="No workspace", status=404,
                      message="You are not a member of any workspace yet.",
                      hint="Ask an admin: `righthand users grant USERNAME --workspace NAME`.")
    return RedirectResponse(f"/w/{mine[0].slug}/today", 303)
