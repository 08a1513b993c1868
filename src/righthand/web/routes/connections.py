"""Settings → Connections: the mailbox (IMAP or a local Maildir, and SMTP), the calendar
server, the phone line and the language model, each with a "Test connection" button that says
exactly which step failed (DNS, private address, refused, no answer, TLS, login, protocol).

Credentials are stored sealed (``Sealed`` columns, see ``righthand.secrets``) through the
services that own them (``mail_accounts.save``, ``calendar_accounts.save``,
``call_book.set_line``) and are never shown back: the page says only whether one is set. An
empty password field keeps the stored one.

The calendar server is the workspace's own (saved here) or else the administrator's
RIGHTHAND_CALDAV_URL, as ``calendar_accounts.resolve`` says; the language model is the
administrator's for the whole installation (RIGHTHAND_LLM_*), shown read-only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select

from righthand.connectors import diagnose
from righthand.duties.screening import call_book
from righthand.errors import BadInput
from righthand.service import audit, calendar_accounts, mail_accounts
from righthand.store.tables import PhoneLine
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import render
from righthand.web.routing import page_router

router = page_router()
TESTS = ("imap", "smtp", "caldav", "phone", "model")


@dataclass(frozen=True)
class Mail:
    """The mailbox settings as shown (no passwords: only whether they are set)."""

    kind: str = "imap"
    imap_host: str = ""
    imap_port: str = ""
    imap_security: str = "ssl"
    username: str = ""
    has_password: bool = False
    maildir_path: str = ""
    smtp_host: str = ""
    smtp_port: str = ""
    smtp_security: str = "starttls"
    smtp_username: str = ""
    has_smtp_password: bool = False
    address: str = ""


@dataclass(frozen=True)
class Phone:
    """The phone line as shown."""

    number: str = ""
    ring_to: str = ""
    has_token: bool = False
    account_sid: str = ""


@dataclass(frozen=True)
class Calendar:
    """The calendar server as shown (no password: only whether one is set)."""

    url: str = ""  # the workspace's own account's address ("" when it has none)
    username: str = ""
    has_password: bool = False
    admin_url: str = ""  # the administrator's RIGHTHAND_CALDAV_URL, without credentials
    admin_user: str = ""


def _model(request: Request) -> tuple[str, str, str]:
    """The admin's language-model endpoint, model and key (RIGHTHAND_LLM_*), if any."""
    settings = get_app(request).settings
    return (str(getattr(settings, "llm_url", None) or ""),
            str(getattr(settings, "llm_model", None) or ""),
            str(getattr(settings, "llm_key", None) or ""))


def _load(request: Request, ctx: Context) -> tuple[Mail, Phone, Calendar]:
    app = get_app(request)
    admin = calendar_accounts.from_environment(app.settings)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        own = calendar_accounts.account(session)
        calendar = Calendar(
            own.url if own else "", (own.username or "") if own else "",
            bool(own and own.password), admin.shown if admin else "",
            admin.username if admin else "")
        row = mail_accounts.account(session)
        mail = Mail() if row is None else Mail(
            row.kind, row.imap_host or "", str(row.imap_port or ""), row.imap_security or "ssl",
            row.imap_username or "", bool(row.imap_password), row.maildir_path or "",
            row.smtp_host or "", str(row.smtp_port or ""), row.smtp_security or "starttls",
            row.smtp_username or "", bool(row.smtp_password), row.address or "")
        line = session.scalars(select(PhoneLine)).first()
        phone = Phone() if line is None else Phone(line.number, line.ring_to or "",
                                                   bool(line.auth_token), line.account_sid or "")
    return mail, phone, calendar


def _page(request: Request, ctx: Context, *, notice: str | None = None,
          result: tuple[str, diagnose.Check] | None = None, status: int = 200) -> HTMLResponse:
    ctx.require("job")
    mail, phone, calendar = _load(request, ctx)
    model_url, model, model_key = _model(request)
    return render(request, "connections.html", ctx=ctx, active="settings",
                  title="Connections", mail=mail, phone=phone, calendar=calendar,
                  model_url=model_url and calendar_accounts.shown(model_url),
                  model=model,
                  has_model_key=bool(model_key), notice=notice, result=result,
                  securities=mail_accounts.SECURITY, status=status)


@router.get("/settings/connections", response_class=HTMLResponse)
def connections_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """The connections and their test buttons (the client's only)."""
    return _page(request, ctx)


def _port(text: str, what: str) -> int | None:
    if not text.strip():
        return None
    if not text.strip().isdigit() or not 0 < int(text) < 65536:
        raise BadInput(f"the {what} port {text!r} is not a port number",
                       hint="Use a number from 1 to 65535, or leave it empty for the usual one.")
    return int(text)


TextField = Annotated[str, Form(max_length=320)]
SecretField = Annotated[str, Form(max_length=1024)]
ShortField = Annotated[str, Form(max_length=16)]


@router.post("/settings/connections/mail", response_class=HTMLResponse)
def save_mail(request: Request, ctx: PageContext,
              kind: ShortField = "imap", imap_host: TextField = "",
              imap_port: ShortField = "", imap_security: ShortField = "ssl",
              username: TextField = "", password: SecretField = "",
              maildir_path: Annotated[str, Form(max_length=1000)] = "",
              smtp_host: TextField = "", smtp_port: ShortField = "",
              smtp_security: ShortField = "starttls", smtp_username: TextField = "",
              smtp_password: SecretField = "", address: TextField = "") -> HTMLResponse:
    """Save the mailbox settings (passwords sealed; an empty one keeps the stored one)."""
    ctx.require("job")
    app = get_app(request)
    wanted = mail_accounts.AccountSettings(
        kind=kind, imap_host=imap_host.strip(), imap_port=_port(imap_port, "IMAP"),
        imap_security=imap_security, username=username.strip(), password=password or None,
        maildir_path=maildir_path.strip() or None, smtp_host=smtp_host.strip(),
        smtp_port=_port(smtp_port, "SMTP"), smtp_security=smtp_security,
        smtp_username=smtp_username.strip(), smtp_password=smtp_password or None,
        address=address.strip().lower())
    with app.db.unit(ctx.workspace_id) as session:
        mail_accounts.save(session, ctx.workspace_id, wanted, app.clock(), ctx.actor)
    return _page(request, ctx, notice="Mailbox settings saved. Test them below.")


@router.post("/settings/connections/calendar", response_class=HTMLResponse)
def save_calendar(request: Request, ctx: PageContext,
                  url: Annotated[str, Form(max_length=2000)] = "",
                  username: TextField = "", password: SecretField = "") -> HTMLResponse:
    """Save the workspace's own calendar server (the password sealed; an empty one keeps the
    stored one). An empty address goes back to the administrator's server, if any."""
    ctx.require("job")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        row = calendar_accounts.save(session, ctx.workspace_id, url, username,
                                     password or None, app.clock(), ctx.actor)
    notice = "Calendar server saved. Test it below." if row is not None else \
        "No calendar server of your own: this workspace uses the administrator's, if any."
    return _page(request, ctx, notice=notice)


@router.post("/settings/connections/phone", response_class=HTMLResponse)
def save_phone(request: Request, ctx: PageContext,
               number: Annotated[str, Form(min_length=3, max_length=40)],
               ring_to: Annotated[str, Form(max_length=40)] = "",
               auth_token: Annotated[str, Form(max_length=200)] = "",
               account_sid: Annotated[str, Form(max_length=64)] = "") -> HTMLResponse:
    """Save the phone line (the carrier's auth token sealed; empty keeps the stored one)."""
    ctx.require("job")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        line = call_book.set_line(session, ctx.workspace_id, number, app.clock(),
                                  auth_token=auth_token or None, ring_to=ring_to.strip(),
                                  account_sid=account_sid)
        audit.append(session, ctx.workspace_id, ctx.actor, "phone.line_saved", line.number,
                     {"ring_to": line.ring_to, "token_changed": bool(auth_token)},
                     at=app.clock())
    return _page(request, ctx, notice="Phone line saved.")


def _test(request: Request, ctx: Context, which: str) -> diagnose.Check:
    app = get_app(request)
    if which in ("imap", "smtp"):
        with app.db.unit(ctx.workspace_id, write=False) as session:
            row = mail_accounts.account(session)
            if row is None:
                return diagnose.Check(False, "config", "no mailbox is set up yet",
                                      "Fill in the mailbox settings and save them first.")
            if which == "imap" and row.kind == "maildir":
                return diagnose.maildir(row.maildir_path or "")
            settings = (row.imap_host or "", row.imap_port, row.imap_security or "ssl",
                        row.imap_username or "", row.imap_password or "") if which == "imap" \
                else (row.smtp_host or "", row.smtp_port, row.smtp_security or "starttls",
                      row.smtp_username or "", row.smtp_password or "")
        # the session is closed before the network is touched
        return diagnose.imap(*settings) if which == "imap" else diagnose.smtp(*settings)
    if which == "caldav":
        with app.db.unit(ctx.workspace_id, write=False) as session:
            account = calendar_accounts.resolve(session, app.settings)
        if account is None:
            return diagnose.Check(False, "config", "no calendar server is configured",
                                  "Fill in your calendar server above, or ask the "
                                  "administrator to set RIGHTHAND_CALDAV_URL.")
        # the session is closed before the network is touched; the private-address rules
        # (netguard's allow-list) apply in diagnose, as for the mail servers
        return diagnose.caldav(account.url, account.username, account.password)
    if which == "phone":
        with app.db.unit(ctx.workspace_id, write=False) as session:
            line = session.scalars(select(PhoneLine)).first()
            number, sid, token = ("", "", "") if line is None else (
                line.number, line.account_sid or "", line.auth_token or "")
        if not number:
            return diagnose.Check(False, "config", "no phone number is set",
                                  "Fill in the number your carrier gave you.")
        if not token:
            return diagnose.Check(False, "auth", "the carrier's auth token is missing, so "
                                  "calls cannot be verified as coming from the carrier",
                                  "Copy the auth token from the carrier's console.")
        # the session is closed before the network is touched
        return diagnose.carrier(app.settings.sms_api_url, sid, token, number,
                                f"/hooks/twilio/{ctx.slug}/voice")
    if which == "model":
        url, model, key = _model(request)
        if not url:
            return diagnose.Check(True, "ok", "requests are understood by the built-in, "
                                  "offline model: there is no hosted language model to reach")
        return diagnose.language_model(url, model, key)
    raise BadInput(f"{which!r} is not a connection", hint="Choose " + ", ".join(TESTS) + ".")


@router.post("/settings/connections/test", response_class=HTMLResponse)
def test_connection(request: Request, ctx: PageContext,
                    which: Annotated[str, Form(max_length=16)]) -> HTMLResponse:
    """Test one connection and say exactly what failed (the result is audited)."""
    ctx.require("job")
    app = get_app(request)
    check = _test(request, ctx, which)
    with app.db.unit(ctx.workspace_id) as session:
        audit.append(session, ctx.workspace_id, ctx.actor, "connection.tested", which,
                     {"ok": check.ok, "step": check.step}, at=app.clock())
    return _page(request, ctx, result=(which, check))
