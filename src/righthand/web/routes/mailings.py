"""Mailings: drafts (compose and edit), a preview per recipient, a dry run, a test send to the
client, sending (ONE ``mailings.send_campaign`` Action for the whole campaign, bound to the
content hash), live progress while sending and the results. Everything is
``duties.mailings`` (store, preview, proposals) and ``service.campaign_control``.

Pause and cancel only stop mail: done at once, audited as the user. Resume and retry make mail
go out again: each is an Action (``mailings.resume``, ``mailings.retry``) through the gate, as
the user -- and a staff member's resume of a mailing the client paused waits for the client.
The progress fragment says what holds a live mailing back (quiet hours, a chosen time, a
retry) and when nothing is picking it up (no worker)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import BackgroundTasks, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.mailings import preview as previews
from righthand.duties.mailings import proposals, store
from righthand.errors import BadInput
from righthand.service import audit, campaign_control, workspaces
from righthand.store.tables import ActionRow, Mailing, MailingListRow, OutboxRow, Segment
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, local, render
from righthand.web.routing import page_router
from righthand.web.sanitize import sanitize_mail_html

if TYPE_CHECKING:
    from righthand.bootstrap import App

router = page_router()
NAV = [NavItem("mailings", "Mailings", "mailings", order=50)]
LIVE = {"scheduled", "sending"}
CONTROLS = ("pause", "resume", "cancel", "retry")
Template = Annotated[str, Form(max_length=200_000)]


def _mailing(session: Session, mailing_id: int) -> Mailing:
    return operations.found(session, Mailing, mailing_id, "mailing")


def _business(session: Session, ctx: Context) -> str:
    ws = operations.workspace_row(session, ctx)
    return str((ws.profile or {}).get("business_name") or "")


@router.get("/mailings", response_class=HTMLResponse)
def mailings_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """Every mailing with its state and counts; a form for a new draft."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailings")
        rows: list[dict[str, Any]] = []
        lists: list[MailingListRow] = []
        if refusal is None:
            for m in session.scalars(select(Mailing).order_by(Mailing.created_at.desc())):
                rows.append({"m": m, "status": campaign_control.effective_status(session, m),
                             "counts": store.counts(session, m.id)})
            lists = list(session.scalars(select(MailingListRow).order_by(MailingListRow.name)))
        session.expunge_all()
    return render(request, "mailings.html", ctx=ctx, active="mailings", title="Mailings",
                  rows=rows, lists=lists, refusal=refusal)


@router.post("/mailings", response_model=None)
def create_draft(request: Request, ctx: PageContext,
                 name: Annotated[str, Form(min_length=1, max_length=200)],
                 list_slug: Annotated[str, Form(min_length=1, max_length=100)],
                 subject: Annotated[str, Form(min_length=1, max_length=500)],
                 text: Template, html: Template = "") -> Response:
    """Create a draft (its templates must compile); nothing is sent."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        mailing = store.create(session, ctx.workspace_id, name=name, list_name=list_slug,
                               subject=subject, text=text, html=html or None, now=app.clock())
        audit.append(session, ctx.workspace_id, ctx.actor, "mailing.created", mailing.name,
                     {"id": mailing.id}, at=app.clock())
        mailing_id = mailing.id
    return RedirectResponse(ctx.url(f"mailings/{mailing_id}"), 303)


def _detail(request: Request, ctx: Context, mailing_id: int, as_address: str = "",
            images: bool = False, notices: list[acting.Outcome] | None = None,
            said: str = "") -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailings")
        mailing = _mailing(session, mailing_id)
        if refusal:
            return render(request, "mailing.html", ctx=ctx, active="mailings",
                          title=mailing.name, refusal=refusal, m=None, notices=[])
        business = _business(session, ctx)
        found = store.targets(session, mailing.list_id, mailing.segment_id) \
            if mailing.list_id else []
        recipients = [t.address for t in found[:200]]
        problem = ""
        try:
            person, rendered = previews.preview(session, mailing, as_address or None, business)
            report = previews.dry_run(session, mailing, business) \
                if mailing.status == "draft" else None
        except BadInput as exc:
            person = rendered = report = None  # type: ignore[assignment]
            problem = exc.one_line()
        clean = sanitize_mail_html(rendered.html, allow_remote_images=images) \
            if rendered is not None and rendered.html else None
        waiting = proposals.open_campaign_action(session, mailing)
        status = campaign_control.effective_status(session, mailing)
        counts = store.counts(session, mailing.id)
        lists = list(session.scalars(select(MailingListRow).order_by(MailingListRow.name)))
        segs = list(session.scalars(select(Segment).order_by(Segment.name)))
        text = proposals.status_text(session, mailing)
        profile_email = str((operations.workspace_row(session, ctx).profile or {})
                            .get("email") or "")
        facts = _held(session, app, ctx, mailing)
        session.expunge_all()
    return render(request, "mailing.html", ctx=ctx, active="mailings", title=mailing.name,
                  m=mailing, refusal=None, person=person, rendered=rendered, clean=clean,
                  images=images, report=report, problem=problem, recipients=recipients,
                  as_address=as_address, waiting=waiting, state=status, counts=counts,
                  lists=lists, segments=segs, status_text=text, profile_email=profile_email,
                  live=status in LIVE, notices=notices or [], said=said, **facts)


def _held(session: Session, app: App, ctx: Context, mailing: Mailing) -> dict[str, Any]:
    """What the progress fragment says beyond the counts: what holds the mailing back, and
    the resumes and retries still waiting (for approval, or for quiet hours to end)."""
    now = app.clock()
    job = workspaces.job_description(session, operations.workspace_row(session, ctx))
    controls = [row for kind in campaign_control.GATED.values()
                if (row := campaign_control.open_control(session, mailing, kind)) is not None]
    return {"hold": campaign_control.hold(session, mailing, job, now), "controls": controls,
            "now": now}


@router.get("/mailings/{mailing_id}", response_class=HTMLResponse)
def mailing_page(request: Request, ctx: PageContext, mailing_id: int,
                 as_address: Annotated[str, Query(alias="as", max_length=320)] = "",
                 images: Annotated[bool, Query()] = False) -> HTMLResponse:
    """Compose, preview per recipient, test, send, follow."""
    return _detail(request, ctx, mailing_id, as_address, images)


@router.post("/mailings/{mailing_id}/edit", response_class=HTMLResponse)
def edit_draft(request: Request, ctx: PageContext, mailing_id: int,
               subject: Annotated[str, Form(min_length=1, max_length=500)],
               text: Template, html: Template = "",
               list_slug: Annotated[str, Form(max_length=100)] = "",
               segment: Annotated[str, Form(max_length=200)] = "") -> HTMLResponse:
    """Change a draft (an approval given before the change no longer matches it)."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        mailing = _mailing(session, mailing_id)
        store.edit(session, mailing, subject=subject, text=text, html=html,
                   list_name=list_slug or None, segment=segment)
        audit.append(session, ctx.workspace_id, ctx.actor, "mailing.edited", mailing.name,
                     {"id": mailing.id}, at=app.clock())
    return _detail(request, ctx, mailing_id, said="Draft saved.")


@router.post("/mailings/{mailing_id}/test", response_class=HTMLResponse)
def test_send(request: Request, ctx: PageContext, mailing_id: int,
              to: Annotated[str, Form(max_length=320)] = "",
              as_address: Annotated[str, Form(max_length=320)] = "") -> HTMLResponse:
    """Send the message one recipient would get to the client's own address."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        mailing = _mailing(session, mailing_id)
        action = proposals.test_send_action(session, mailing,
                                            operations.workspace_row(session, ctx),
                                            to or None, as_address or None)
    return _detail(request, ctx, mailing_id, as_address,
                   notices=acting.propose(app, ctx, [action]))


def _send_at(text: str, zone: str, now: datetime) -> datetime | None:
    """A datetime-local value in the client's zone, in the future (None: send now)."""
    if not text.strip():
        return None
    try:
        when = datetime.fromisoformat(text.strip()).replace(tzinfo=ZoneInfo(zone))
    except ValueError:
        raise BadInput(f"{text!r} is not a date and time",
                       hint="Use the date picker, or leave it empty to send now.") from None
    if when <= now:
        raise BadInput(f"{when:%d %b %Y %H:%M} has already passed",
                       hint="Choose a later time, or leave it empty to send now.")
    if when > now + timedelta(days=366):
        raise BadInput("that is more than a year ahead", hint="Choose a nearer time.")
    return when


@router.post("/mailings/{mailing_id}/send", response_class=HTMLResponse)
def send(request: Request, ctx: PageContext, mailing_id: int,
         tasks: BackgroundTasks,
         send_at: Annotated[str, Form(max_length=32)] = "") -> HTMLResponse:
    """Dry-run, then propose ONE action for the whole campaign (sent after the response, or
    scheduled: the outbox holds it until ``send_at``, in the client's time zone)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        mailing = _mailing(session, mailing_id)  # another workspace's: 404 before anything
        when = _send_at(send_at, ctx.timezone, app.clock())
        waiting = proposals.open_campaign_action(session, mailing)
        if waiting is not None:
            raise BadInput(f"\"{mailing.name}\" is already "
                           f"{waiting.state.replace('_', ' ')} (action #{waiting.id})",
                           hint="See Approvals, or follow it here.")
        report = previews.dry_run(session, mailing, _business(session, ctx))
        action = proposals.campaign_action(session, mailing, report)
    if when is not None:
        action = replace(action, payload={**action.payload,
                                          "not_before": when.astimezone(UTC).isoformat()},
                         summary=f"{action.summary}, at {when:%a %d %b %Y %H:%M} "
                                 f"({ctx.timezone})")
    done = acting.propose(app, ctx, [action], deliver=False)
    tasks.add_task(acting.deliver, app, [o.action_id for o in done if o.decision == "allow"])
    return _detail(request, ctx, mailing_id, notices=done)


@router.post("/mailings/{mailing_id}/control", response_class=HTMLResponse)
def control(request: Request, ctx: PageContext, mailing_id: int, tasks: BackgroundTasks,
            op: Annotated[str, Form(max_length=8)]) -> HTMLResponse:
    """Pause or cancel at once (they only stop mail; audited as this user); resume, or retry
    the failed recipients, as an Action through the gate (they make mail go out)."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        mailing = _mailing(session, mailing_id)
        if op not in CONTROLS:
            raise BadInput(f"{op!r} is not something a mailing can do",
                           hint="Pause, resume, cancel or retry.")
        if op in campaign_control.GATED:
            action = campaign_control.control_action(session, mailing, op, ctx.actor)
        else:  # pause, cancel: at once
            action = str(getattr(campaign_control, op)(session, mailing, app.clock(), ctx.actor))
        if isinstance(action, str):
            said = action
        else:
            job = workspaces.job_description(session, operations.workspace_row(session, ctx))
            done = campaign_control.propose_control(session, ctx.workspace_id, mailing, action,
                                                    job, app.catalog, app.clock(), ctx.actor,
                                                    app.approval_ttl)
            decided = (done.row.id, done.decision, done.approval_id, done.row.summary)
    if isinstance(action, str):  # done (pause, cancel), or nothing to do (no failed ones)
        return _detail(request, ctx, mailing_id, said=said)
    action_id, decision, approval_id, summary = decided
    if decision.name == "allow":
        app.dispatcher().run_once(only=[action_id])  # the local effect: resume or retry now
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = session.get(ActionRow, action_id)
        state = row.state if row is not None else "unknown"
        effect = ((row.result or {}).get("result") or {}) if row is not None else {}
        campaign, said = effect.get("campaign_action"), str(effect.get("said") or f"{summary}.")
        entry = session.scalars(select(OutboxRow).where(OutboxRow.action_id == action_id)) \
            .first()
        later = entry.not_before if entry is not None and state == "queued" else None
    if state == "done" and campaign:
        tasks.add_task(acting.deliver, app, [int(campaign)])  # the campaign goes on
    message = _control_message(ctx, decision, state, said if state == "done" else summary,
                               approval_id, later)
    notice = acting.Outcome(action_id, decision.name, state, message, approval_id)
    return _detail(request, ctx, mailing_id, notices=[notice])


def _control_message(ctx: Context, decision: Any, state: str, summary: str,
                     approval_id: int | None, later: datetime | None) -> str:
    if decision.name == "deny":
        return f"Not done: {decision.reason}"
    if decision.name == "ask":
        return f"Waiting for the client's approval (#{approval_id}): {summary}. " \
               f"{decision.reason}"
    if state == "done":
        return f"Done: {summary}"
    if state == "failed":
        return f"Failed: {summary}. See the outbox for the reason."
    if later is not None:
        at = later if later.tzinfo else later.replace(tzinfo=UTC)
        return f"Queued: {summary}, from {local(at, ctx.timezone)} " \
               f"({ctx.timezone}; quiet hours)."
    return f"Queued: {summary}; the worker delivers it shortly."


@router.get("/mailings/{mailing_id}/progress", response_class=HTMLResponse)
def progress(request: Request, ctx: PageContext, mailing_id: int) -> HTMLResponse:
    """The live progress fragment (polled while the mailing is scheduled or sending)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "mailings")
        mailing = _mailing(session, mailing_id)
        status = campaign_control.effective_status(session, mailing)
        counts = {} if refusal else store.counts(session, mailing.id)
        text = "" if refusal else proposals.status_text(session, mailing)
        facts = {"hold": None, "controls": [], "now": app.clock()} if refusal \
            else _held(session, app, ctx, mailing)
        session.expunge_all()
    return render(request, "mailing_progress.html", ctx=ctx, m=mailing, state=status,
                  counts=counts, status_text=text, live=status in LIVE and not refusal,
                  **facts)
