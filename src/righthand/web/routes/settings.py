"""Settings: the workspace profile (names, time zone, signature, working hours), and the
signed-in user's own account: password, two-step sign-in (TOTP), API tokens."""

from __future__ import annotations

import functools
import zoneinfo
from dataclasses import replace
from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field
from sqlalchemy.orm import Session

from righthand.errors import BadInput, NotFound
from righthand.store.tables import User
from righthand.web import accounts, operations, passwords, sessions, tokens, totp
from righthand.web.auth import Context, PageContext, get_app, get_web_settings
from righthand.web.render import render
from righthand.web.routes.login import set_session_cookie
from righthand.web.routing import page_router

router = page_router()


def _page(request: Request, ctx: Context, *, notice: str | None = None,
          new_token: str | None = None, totp_setup: dict[str, str] | None = None,
          status: int = 200, typed: ProfileForm | None = None) -> HTMLResponse:
    """The settings page; ``typed``: a profile form that was refused, shown as it was typed."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        ws = operations.workspace_row(session, ctx)
        profile: dict[str, Any] = dict(ws.profile or {})
        user = session.get(User, ctx.principal.user_id)
        mine = tokens.of_user(session, ctx.principal.user_id, ctx.workspace_id)
        values = {"client_name": ws.client_name, "assistant_name": ws.assistant_name,
                  "address_form": ws.address_form or "", "timezone": ws.timezone,
                  **{k: str(profile.get(k) or "") for k in operations.PROFILE_FIELDS},
                  "postal_address": "\n".join(profile.get("postal_address") or [])}
        hours = operations.working_hours(session)
    if typed is not None:
        sent = typed.model_dump()
        values.update({k: v for k, v in sent.items() if k in values and v is not None})
        hours.update({key: str(sent[f"hours_{key}"] or "") for key, _day in WEEK
                      if typed.hours_sent or sent[f"hours_{key}"] is not None})
    scopes = [(name, text) for name, text in tokens.SCOPES.items()
              if name in tokens.ROLE_SCOPES.get(ctx.role, frozenset())]
    return render(request, "settings.html", ctx=ctx, active="settings", title="Settings",
                  values=values, hours=hours, days=WEEK, zones=_zones(values["timezone"]),
                  has_totp=bool(user and user.totp_secret), tokens=mine,
                  scopes=scopes, notice=notice, new_token=new_token, totp_setup=totp_setup,
                  refused=typed is not None, status=status)


WEEK = tuple(zip(("mon", "tue", "wed", "thu", "fri", "sat", "sun"), operations.WEEKDAY_NAMES,
                 strict=True))


@functools.cache
def _all_zones() -> tuple[str, ...]:
    """The IANA zones people pick from (no legacy aliases like US/Eastern or Etc/GMT+5)."""
    return tuple(sorted(z for z in zoneinfo.available_timezones()
                        if "/" in z and not z.startswith(("Etc/", "SystemV/", "US/"))
                        and z.split("/")[0][0].isupper()))


def _zones(current: str) -> tuple[str, ...]:
    """The zone choices, with the workspace's own first among them even if it is an alias."""
    zones = _all_zones()
    return zones if current in zones else (current, *zones)


@router.get("/settings", response_class=HTMLResponse)
def settings_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """Profile and account."""
    return _page(request, ctx)


class ProfileForm(BaseModel):
    """The workspace profile form."""

    client_name: str = Field(max_length=200)
    assistant_name: str = Field("", max_length=100)
    address_form: str = Field("", max_length=100)
    timezone: str = Field(max_length=64)
    business_name: str = Field("", max_length=200)
    email: str = Field("", max_length=320)
    phone: str = Field("", max_length=50)
    postal_address: str = Field("", max_length=1000)
    signature: str = Field("", max_length=2000)
    working_hours: str | None = Field(None, max_length=100)  # Monday to Friday at once
    # One day each (the page's, which also sends hours_sent): empty is a day off. Without
    # hours_sent (an older form, a script) absent days are left as they are. FastAPI reads an
    # empty form field as absent, hence the marker.
    hours_sent: bool = False
    hours_mon: str | None = Field(None, max_length=100)
    hours_tue: str | None = Field(None, max_length=100)
    hours_wed: str | None = Field(None, max_length=100)
    hours_thu: str | None = Field(None, max_length=100)
    hours_fri: str | None = Field(None, max_length=100)
    hours_sat: str | None = Field(None, max_length=100)
    hours_sun: str | None = Field(None, max_length=100)


@router.post("/settings/profile", response_class=HTMLResponse)
def save_profile(request: Request, ctx: PageContext,
                 form: Annotated[ProfileForm, Form()]) -> HTMLResponse:
    """Save the profile (owner only; audited)."""
    try:
        changed = operations.update_profile(get_app(request), ctx, form.model_dump())
    except BadInput as exc:  # shown above the form, with everything as it was typed
        return _page(request, ctx, notice=exc.one_line(), status=400, typed=form)
    notice = f"Saved: {', '.join(changed)}." if changed else "Nothing changed."
    return _page(request, ctx, notice=notice)


def _user(session: Session, ctx: Context) -> User:
    user = session.get(User, ctx.principal.user_id)
    if user is None:
        raise NotFound("your account is gone")
    return user


@router.post("/settings/password", response_class=HTMLResponse)
def change_password(request: Request, ctx: PageContext,
                    current: Annotated[str, Form(max_length=1024)],
                    new: Annotated[str, Form(max_length=1024)],
                    confirm: Annotated[str, Form(max_length=1024)]) -> HTMLResponse:
    """Change your password; other browsers are signed out, this one stays in."""
    app = get_app(request)
    if new != confirm:
        raise BadInput("the new password and its confirmation differ")
    now = app.clock()
    with app.db.unit(None) as session:
        user = _user(session, ctx)
        if not passwords.verify_password(user.password_hash, current):
            raise BadInput("the current password is not right")
        accounts.set_password(session, user, new, now)
        raw = sessions.start(session, user, sessions.STAGE_OK, now, get_web_settings(request),
                             request.client.host if request.client else None,
                             request.headers.get("user-agent"))
        session.flush()
        fresh = sessions.lookup(session, raw, now)
    assert fresh is not None
    # This browser continues in the new session: its forms need the new CSRF token.
    ctx = replace(ctx, principal=replace(ctx.principal, session_id=fresh.session_id,
                                         csrf_token=fresh.csrf_token))
    response = _page(request, ctx, notice="Password changed. Other browsers were signed out.")
    set_session_cookie(request, response, raw)
    return response


@router.post("/settings/totp/start", response_class=HTMLResponse)
def totp_start(request: Request, ctx: PageContext) -> HTMLResponse:
    """A new secret to add to an authenticator app (not active until a code confirms it)."""
    secret = totp.new_secret()
    uri = totp.provisioning_uri(secret, ctx.principal.username,
                                get_web_settings(request).totp_issuer)
    return _page(request, ctx, totp_setup={"secret": secret, "uri": uri})


@router.post("/settings/totp/confirm", response_class=HTMLResponse)
def totp_confirm(request: Request, ctx: PageContext,
                 secret: Annotated[str, Form(min_length=16, max_length=64)],
                 code: Annotated[str, Form(max_length=20)]) -> HTMLResponse:
    """Switch two-step sign-in on once a code from the app matches."""
    app = get_app(request)
    now = app.clock()
    step = totp.matching_step(secret, code, now, None)
    if step is None:
        uri = totp.provisioning_uri(secret, ctx.principal.username,
                                    get_web_settings(request).totp_issuer)
        return _page(request, ctx, notice="That code did not match; try the next one.",
                     totp_setup={"secret": secret, "uri": uri}, status=400)
    with app.db.unit(None) as session:
        user = _user(session, ctx)
        user.totp_secret, user.totp_last_step = secret, step
    return _page(request, ctx, notice="Two-step sign-in is on.")


@router.post("/settings/totp/disable", response_class=HTMLResponse)
def totp_disable(request: Request, ctx: PageContext,
                 password: Annotated[str, Form(max_length=1024)]) -> HTMLResponse:
    """Switch two-step sign-in off (needs the password)."""
    app = get_app(request)
    with app.db.unit(None) as session:
        user = _user(session, ctx)
        if not passwords.verify_password(user.password_hash, password):
            raise BadInput("the password is not right")
        user.totp_secret, user.totp_last_step = None, None
    return _page(request, ctx, notice="Two-step sign-in is off.")


@router.post("/settings/tokens", response_class=HTMLResponse)
def create_token(request: Request, ctx: PageContext,
                 name: Annotated[str, Form(max_length=100)],
                 scopes: Annotated[list[str] | None, Form()] = None) -> HTMLResponse:
    """A new API token for this workspace (shown once)."""
    app = get_app(request)
    with app.db.unit(None) as session:
        user = _user(session, ctx)
        ws = operations.workspace_row(session, ctx)
        raw, _row = tokens.issue(session, user, ws, ctx.role, name, scopes or [], app.clock(),
                                 ctx.actor)
    return _page(request, ctx, notice="Token created. Copy it now: it is not shown again.",
                 new_token=raw)


@router.post("/settings/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, ctx: PageContext, token_id: int) -> HTMLResponse:
    """Revoke one of your tokens."""
    app = get_app(request)
    with app.db.unit(None) as session:
        tokens.revoke(session, token_id, ctx.principal.user_id, ctx.workspace_id, app.clock(),
                      ctx.actor)
    return _page(request, ctx, notice=f"Token #{token_id} revoked.")
