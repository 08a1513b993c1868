"""Inbox: screened mail by category, one message with why it was put there, corrections that
teach the classifier (``service.mail_review.recategorise``: learns, audits, and proposes the
re-filing as an Action), rules in plain words with a preview of what they match, and the calls
and voicemails when the calls tables are there. Mail HTML is shown only through
``sanitize_mail_html``, remote images blocked unless the reader asks for them."""

from __future__ import annotations

import email
import email.policy
from typing import Annotated, Any

from fastapi import Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.connectors import recording
from righthand.duties.screening import call_corrections, learning, rulebook
from righthand.duties.screening.actions import LABELS
from righthand.duties.screening.parse import MailFacts
from righthand.duties.screening.rules import CATEGORIES, RuleNotUnderstood, parse_rule
from righthand.errors import BadInput, NotFound
from righthand.service import mail_review
from righthand.store import tables
from righthand.store.tables import MailMessage, PhoneLine
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router
from righthand.web.sanitize import CleanHtml, sanitize_mail_html

router = page_router()
NAV = [NavItem("inbox", "Inbox", "inbox", order=35)]
PAGE = 100


def _labels() -> list[tuple[str, str]]:
    return [(c, LABELS.get(c, c.replace("_", " ").capitalize())) for c in CATEGORIES]


def _calls(session: Session) -> list[Any] | None:
    """Recent calls, or None when this installation has no calls table yet."""
    call_row = getattr(tables, "CallRow", None)
    if call_row is None:
        return None
    return list(session.scalars(select(call_row).order_by(call_row.started_at.desc())
                                .limit(50)))


def _can_play(session: Session) -> bool:
    """Whether recordings can be fetched from the carrier: the line has its account SID and
    auth token (the token itself never leaves the server)."""
    line = session.scalars(select(PhoneLine)).first()
    return bool(line and line.account_sid and line.auth_token)


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, ctx: PageContext,
          category: Annotated[str, Query(max_length=32)] = "") -> HTMLResponse:
    """Screened mail, newest first, by category; calls and voicemails."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailbox")
        rows: list[MailMessage] = []
        counts: dict[str, int] = {}
        calls = None
        can_play = False
        score = ""
        if refusal is None:
            counts = {c or "new": int(n) for c, n in session.execute(
                select(MailMessage.category, func.count()).where(
                    MailMessage.state != "quarantined").group_by(MailMessage.category))}
            query = select(MailMessage).where(MailMessage.state != "quarantined") \
                .order_by(MailMessage.id.desc()).limit(PAGE)
            if category == "new":
                query = query.where(MailMessage.category.is_(None))
            elif category:
                query = query.where(MailMessage.category == category)
            rows = list(session.scalars(query))
            calls = _calls(session) if operations.readable(session, app, ctx, "calls") \
                is None else None
            can_play = calls is not None and _can_play(session)
            score = learning.accuracy(session).describe()
        session.expunge_all()
    return render(request, "inbox.html", ctx=ctx, active="inbox", title="Inbox", rows=rows,
                  counts=counts, category=category, labels=dict(_labels()), calls=calls,
                  can_play=can_play, score=score, refusal=refusal)


def _html_part(raw: bytes | None) -> str | None:
    """The text/html part of a kept raw message, if any."""
    if not raw:
        return None
    message = email.message_from_bytes(raw, policy=email.policy.default)
    part = message.get_body(preferencelist=("html",)) if hasattr(message, "get_body") else None
    if part is None:
        return None
    try:
        return str(part.get_content())
    except (LookupError, ValueError):
        return None


def clean_html(raw: bytes | None, images: bool = False) -> CleanHtml | None:
    """The HTML body of a kept raw message as it may be shown: through the allow-list
    sanitiser, remote images blocked unless ``images`` (None without an HTML body)."""
    html = _html_part(raw)
    return sanitize_mail_html(html, allow_remote_images=images) if html else None


def _message_page(request: Request, ctx: Context, message_id: int, images: bool = False,
                  said: str = "", notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailbox")
        row = operations.found(session, MailMessage, message_id, "message")
        session.expunge(row)
    facts = MailFacts.from_json(row.facts) if row.facts else None
    clean = clean_html(row.raw, images) if refusal is None else None
    return render(request, "message.html", ctx=ctx, active="inbox",
                  title=row.subject or "(no subject)", row=row, facts=facts, clean=clean,
                  images=images, reasons=(row.reasons or {}).get("reasons", []),
                  labels=_labels(), refusal=refusal, said=said, notices=notices or [])


@router.get("/inbox/messages/{message_id}", response_class=HTMLResponse)
def message(request: Request, ctx: PageContext, message_id: int,
            images: Annotated[bool, Query()] = False) -> HTMLResponse:
    """One message: what it says, how it was screened and why."""
    return _message_page(request, ctx, message_id, images)


@router.post("/inbox/messages/{message_id}/category", response_class=HTMLResponse)
def recategorise(request: Request, ctx: PageContext, message_id: int,
                 category: Annotated[str, Form(min_length=1, max_length=32)]) -> HTMLResponse:
    """Correct the category: the classifier learns, and re-filing is proposed as an Action."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        operations.found(session, MailMessage, message_id, "message")
        said, allowed = mail_review.recategorise(app, session,
                                                 operations.workspace_row(session, ctx),
                                                 message_id, category, ctx.actor)
    if allowed is not None:
        acting.deliver(app, [allowed])
    return _message_page(request, ctx, message_id, said=said)


Matched = tuple[int, list[tuple[int, str, str]]]  # looked at, (id, sender, subject) each


def _matched(shown: rulebook.Preview) -> Matched:
    return shown.looked_at, [(m.id, m.from_name or m.from_address, m.subject)
                             for m in shown.matched[:20]]


def _rules_page(request: Request, ctx: Context, text: str = "", said: str = "",
                shown: Matched | None = None) -> HTMLResponse:
    app = get_app(request)
    problem = ""
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailbox")
        rows = [] if refusal else [(r, rulebook.as_rule(r).describe())
                                   for r in rulebook.rules(session)]
        if text and shown is None and refusal is None:
            try:
                shown = _matched(rulebook.preview(session, parse_rule(text,
                                                                      ctx.assistant_name)))
            except RuleNotUnderstood as exc:
                problem = str(exc)
        session.expunge_all()
    return render(request, "rules.html", ctx=ctx, active="inbox", title="Mail rules",
                  rules=rows, text=text, said=said, shown=shown, problem=problem,
                  refusal=refusal)


@router.get("/inbox/rules", response_class=HTMLResponse)
def rules(request: Request, ctx: PageContext,
          text: Annotated[str, Query(max_length=500)] = "") -> HTMLResponse:
    """The rules, and a preview of a new one before it is saved."""
    return _rules_page(request, ctx, text.strip())


@router.post("/inbox/rules", response_class=HTMLResponse)
def add_rule(request: Request, ctx: PageContext,
             text: Annotated[str, Form(min_length=3, max_length=500)]) -> HTMLResponse:
    """Save a rule in plain words (audited) and show what it matches."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        said, preview = mail_review.add_rule(app, session,
                                             operations.workspace_row(session, ctx), text,
                                             ctx.actor)
        shown = _matched(preview)
    return _rules_page(request, ctx, said=said, shown=shown)


@router.post("/inbox/rules/{rule_id}/remove", response_class=HTMLResponse)
def remove_rule(request: Request, ctx: PageContext, rule_id: int) -> HTMLResponse:
    """Switch a rule off."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        operations.found(session, tables.ScreeningRule, rule_id, "rule")
        try:
            said = mail_review.remove_rule(app, session, operations.workspace_row(session, ctx),
                                           rule_id, ctx.actor)
        except NotFound as exc:
            raise BadInput(exc.message, hint=exc.hint) from None
    return _rules_page(request, ctx, said=said)


def _call_page(request: Request, ctx: Context, call_id: int,
               notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = call_corrections.call(session, call_id)
        refusal = operations.readable(session, app, ctx, "calls")
        rules = [] if refusal else [
            r for r in session.scalars(select(tables.CallRule).order_by(
                tables.CallRule.position, tables.CallRule.id))
            if (r.spec or {}).get("who") == "number"
            and (r.spec or {}).get("value") == row.from_number]
        can_play = _can_play(session)
        session.expunge_all()
    return render(request, "call.html", ctx=ctx, active="inbox",
                  title=f"Call from {row.caller_name or row.from_number or 'no caller ID'}",
                  row=row if refusal is None else None, refusal=refusal, rules=rules,
                  can_play=can_play,
                  choices=call_corrections.LABELS, notices=notices or [])


@router.get("/inbox/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, ctx: PageContext, call_id: int) -> HTMLResponse:
    """One call: who, why, how it was screened, the voicemail to play, and corrections."""
    return _call_page(request, ctx, call_id)


@router.get("/inbox/calls/{call_id}/recording")
def call_recording(request: Request, ctx: PageContext, call_id: int,
                   download: Annotated[bool, Query()] = False) -> Response:
    """The voicemail's audio, fetched from the carrier with the line's credentials (which the
    browser never sees). With no recording, or no credentials to fetch it with, the call's page
    says why (a 303 there)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = call_corrections.call(session, call_id)
        operations.require_readable(session, app, ctx, "calls", hint=None)
        line = session.scalars(select(PhoneLine)).first()
        url = row.recording_url
        sid, token = (line.account_sid, line.auth_token) if line else (None, None)
    if not url or not sid or not token:
        return RedirectResponse(ctx.url(f"inbox/calls/{call_id}"), status_code=303)
    got = recording.fetch(url, sid, token, app.settings.sms_api_url)
    name = f"voicemail-{call_id}.{got.extension}"
    return Response(got.content, media_type=got.content_type, headers={
        "Content-Disposition": f'{"attachment" if download else "inline"}; filename="{name}"',
        "Cache-Control": "private, no-store", "X-Content-Type-Options": "nosniff"})


@router.post("/inbox/calls/{call_id}/screening", response_class=HTMLResponse)
def correct_call(request: Request, ctx: PageContext, call_id: int,
                 choice: Annotated[str, Form(min_length=1, max_length=16)]) -> HTMLResponse:
    """Correct how a call was screened: a rule for the number, as an Action through the gate
    (attributed to this user; undoable); the next call from the number is screened by it."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = call_corrections.call(session, call_id)
        operations.require_readable(session, app, ctx, "calls", hint=None)
        action = call_corrections.action(row, choice)
    return _call_page(request, ctx, call_id, acting.propose(app, ctx, [action]))
