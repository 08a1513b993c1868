"""The JSON API: ask, agenda, approvals, job description, trust and audit.

Authenticate with ``Authorization: Bearer rht_...`` (an API token: one workspace, some scopes)
or with the browser's session cookie (then unsafe methods need ``X-CSRF-Token``). Choose the
workspace with ``?workspace=NAME`` (default: the token's, or your first). Another client's
workspace, approval or action answers 404, exactly like one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import Query, Request

from righthand.errors import BadInput, NotFound
from righthand.policy.duties import Phase
from righthand.policy.limits import parse_limit_assignment
from righthand.service import approvals, audit, ledger, workspaces
from righthand.service.assistant import ask as assistant_ask
from righthand.store.tables import ActionRow, Approval
from righthand.web import operations, queries
from righthand.web.api import models
from righthand.web.auth import (
    ApiApprove,
    ApiAsk,
    ApiJob,
    ApiRead,
    WorkspaceQuery,
    get_app,
    reading,
    touched,
)
from righthand.web.routing import api_router

ERRORS: dict[int | str, dict[str, object]] = {
    401: {"description": "Not signed in / no valid token"},
    403: {"description": "Signed in, but not allowed (role or token scope)"},
    404: {"model": models.Problem, "description": "Not found in this workspace"},
}
router = api_router(responses=ERRORS)


@router.get("/me", response_model=models.MeOut, tags=["account"])
def me(ctx: ApiRead) -> models.MeOut:
    """Who you are, and your rights in the workspace asked for."""
    p = ctx.principal
    mine = ctx.memberships or ()
    return models.MeOut(username=p.username, display_name=p.display_name, is_admin=p.is_admin,
                        via=p.via, workspace=ctx.slug, role=ctx.role, actor=ctx.actor,
                        scopes=sorted(ctx.scopes),
                        workspaces=[models.WorkspaceOut(slug=m.slug, client_name=m.client_name,
                                                        role=m.role) for m in mine]
                        or [models.WorkspaceOut(slug=ctx.slug, client_name=ctx.client_name,
                                                role=ctx.role)])


@router.post("/ask", response_model=models.AnswerOut, tags=["assistant"])
def ask(request: Request, body: models.AskIn, ctx: ApiAsk) -> models.AnswerOut:
    """Ask the assistant; proposed actions meet the gate (done, waiting, or refused)."""
    channel = f"api:{ctx.actor}:{body.conversation}" if body.conversation else None
    answer = assistant_ask(get_app(request), body.text, ctx.slug, actor=ctx.actor,
                           channel=channel)
    return models.AnswerOut(answer=answer.answer, intent=answer.intent, slots=answer.slots,
                            confidence=answer.confidence,
                            actions=[models.ActionOut(**vars(a)) for a in answer.actions])


@router.get("/agenda", response_model=models.AgendaOut, tags=["calendar"])
async def agenda(request: Request, workspace: WorkspaceQuery = None,
           day: Annotated[date | None, Query(alias="date",
                                             description="YYYY-MM-DD; default today")] = None,
           days: Annotated[int, Query(ge=1, le=31)] = 1) -> models.AgendaOut:
    """The calendar's events for a day (or several), in the workspace's time zone (scope
    ``read``)."""
    # Async on purpose: a few milliseconds of indexed reads run on the event loop, not
    # through the thread pool (half the CPU per request, measured: benchmarks/web.py).
    app = get_app(request)
    with reading(request, workspace, pages=False, touch=False) as (ctx, session):
        ctx.require("read")
        first = day or app.clock().astimezone(ZoneInfo(ctx.timezone)).date()
        operations.require_readable(session, app, ctx, "calendar",
                                    hint="The client can switch calendar.manage on.")
        events = queries.agenda(session, first, ctx.timezone, days=days)
    await touched(request)
    return models.AgendaOut(workspace=ctx.slug, timezone=ctx.timezone, date=first, days=days,
                            events=[models.EventOut(
                                id=e.id, summary=e.summary, start=e.starts_at, end=e.ends_at,
                                all_day=e.all_day, location=e.location, calendar=e.calendar,
                                attendees=list(e.attendees)) for e in events])


def _approval_out(approval: Approval, action: ActionRow) -> models.ApprovalOut:
    return models.ApprovalOut(
        id=approval.id, status=approval.status, reason=approval.reason,
        created_at=approval.created_at, expires_at=approval.expires_at,
        decided_at=approval.decided_at, decided_by=approval.decided_by, note=approval.note,
        action=models.ActionDetail(id=action.id, duty=action.duty, kind=action.kind,
                                   summary=action.summary, payload=action.payload,
                                   payload_hash=action.payload_hash, version=action.version,
                                   state=action.state, requested_by=action.requested_by,
                                   decision_reason=action.decision_reason))


@router.get("/approvals", response_model=list[models.ApprovalOut], tags=["approvals"])
def approvals_list(request: Request, ctx: ApiRead,
                   status: Annotated[str, Query(pattern="^(pending|decided)$")] = "pending",
                   limit: Annotated[int, Query(ge=1, le=200)] = 50) -> list[models.ApprovalOut]:
    """Pending approvals (oldest first), or decided ones (newest first)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=status == "pending") as session:
        if status == "pending":
            return [_approval_out(p.approval, p.action)
                    for p in approvals.pending(session, app.clock())[:limit]]
        return [_approval_out(h["approval"], h["action"])
                for h in queries.history(session, limit=limit)]


@router.get("/approvals/{approval_id}", response_model=models.ApprovalOut, tags=["approvals"])
def approval_get(request: Request, ctx: ApiRead, approval_id: int) -> models.ApprovalOut:
    """One approval with the exact payload it is bound to."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        approval = session.get(Approval, approval_id)
        action = session.get(ActionRow, approval.action_id) if approval else None
        if approval is None or action is None:
            raise NotFound(f"there is no approval #{approval_id} in this workspace")
        return _approval_out(approval, action)


def _decided(result: operations.Decided) -> models.DecisionOut:
    return models.DecisionOut(approval_id=result.approval_id, action_id=result.action_id,
                              state=result.state, message=result.message)


@router.post("/approvals/{approval_id}/approve", response_model=models.DecisionOut,
             tags=["approvals"])
def approval_approve(request: Request, ctx: ApiApprove, approval_id: int,
                     body: models.ApproveIn) -> models.DecisionOut:
    """Approve the version with this payload hash; it is delivered at once."""
    return _decided(operations.approve(get_app(request), ctx, approval_id, body.payload_hash))


@router.post("/approvals/{approval_id}/edit", response_model=models.DecisionOut,
             tags=["approvals"])
def approval_edit(request: Request, ctx: ApiApprove, approval_id: int,
                  body: models.EditIn) -> models.DecisionOut:
    """Edit payload fields (a new version, decided again) and approve it."""
    return _decided(operations.edit(get_app(request), ctx, approval_id, body.changes, typed=True))


@router.post("/approvals/{approval_id}/reject", response_model=models.DecisionOut,
             tags=["approvals"])
def approval_reject(request: Request, ctx: ApiApprove, approval_id: int,
                    body: models.RejectIn) -> models.DecisionOut:
    """Reject; the action is never carried out."""
    return _decided(operations.reject(get_app(request), ctx, approval_id, body.note))


def _job_out(request: Request, ctx: ApiRead) -> models.JobOut:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        ws = operations.workspace_row(session, ctx)
        job = workspaces.job_description(session, ws)
        advice = ledger.advice(session, job, app.catalog, app.clock(), app.thresholds())
    duties = []
    for duty, manifest in app.catalog.items():
        setting = job.setting(duty)
        stored = setting.limits.to_json()
        stored.pop("when_exceeded", None)
        duties.append(models.DutyOut(
            duty=duty, title=manifest.title, phase=manifest.phase.roman, risk=str(manifest.risk),
            nature=str(manifest.nature), autonomy=str(setting.autonomy),
            initiative=str(setting.initiative),
            limits={k: models.LimitOut(value=str(v), when_exceeded=str(setting.limits.mode(k)))
                    for k, v in stored.items()}))
    return models.JobOut(workspace=ctx.slug, phase=Phase(job.phase).roman if job.phase else None,
                         duties=duties,
                         advice=[models.ProposalOut(duty=p.duty, current=str(p.current),
                                                    proposed=str(p.proposed), evidence=p.evidence,
                                                    question=p.question) for p in advice])


@router.get("/job", response_model=models.JobOut, tags=["job description"])
def job(request: Request, ctx: ApiRead) -> models.JobOut:
    """The job description: every duty's autonomy, initiative and limits; the advice."""
    return _job_out(request, ctx)


@router.put("/job/duties/{duty}", response_model=models.JobOut, tags=["job description"])
def job_duty(request: Request, ctx: ApiJob, duty: str, body: models.DutyIn) -> models.JobOut:
    """Change one duty's line (audited as you)."""
    limits = None
    if body.limits is not None:
        values: dict[str, str] = {}
        modes: dict[str, str] = {}
        for name, text in body.limits.items():
            try:
                _, values[name], mode = parse_limit_assignment(f"{name}={text}")
            except ValueError as exc:
                raise BadInput(str(exc)) from None
            modes[name] = mode or ""
        unknown = sorted(set(values) - set(operations.LIMIT_LABELS))
        if unknown:
            raise BadInput(f"unknown limit(s): {', '.join(unknown)}",
                           hint=f"Limits: {', '.join(operations.LIMIT_LABELS)}.")
        limits = operations.parse_limits(values, modes)
    operations.set_duty(get_app(request), ctx, duty, body.autonomy, body.initiative, limits)
    return _job_out(request, ctx)


@router.put("/job/phase", response_model=models.JobOut, tags=["job description"])
def job_phase(request: Request, ctx: ApiJob, body: models.PhaseIn) -> models.JobOut:
    """Replace the job description with a phase preset."""
    operations.set_phase(get_app(request), ctx, body.phase)
    return _job_out(request, ctx)


@router.get("/trust", response_model=list[models.TrustOut], tags=["trust"])
def trust(request: Request, ctx: ApiRead) -> list[models.TrustOut]:
    """Per-duty figures from the ledger."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        figures = ledger.trust_table(session, app.catalog)
    return [models.TrustOut(duty=f.duty, title=app.catalog[f.duty].title, volume=f.volume,
                            approved_unchanged=f.approved_unchanged,
                            approved_with_edits=f.approved_with_edits, rejected=f.rejected,
                            incidents=f.incidents, failed=f.failed,
                            acceptance_rate=f.acceptance_rate, edit_rate=f.edit_rate,
                            last_incident_at=f.last_incident_at) for f in figures]


@router.get("/audit", response_model=models.AuditOut, tags=["audit"])
def audit_log(request: Request, ctx: ApiRead,
              event: Annotated[str | None, Query(max_length=64,
                                                 description="Event prefix")] = None,
              actor: Annotated[str | None, Query(max_length=200)] = None,
              before: Annotated[int | None, Query(ge=1)] = None,
              limit: Annotated[int, Query(ge=1, le=500)] = 50) -> models.AuditOut:
    """The audit log, newest first, filtered by event prefix and actor."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        entries = queries.audit_entries(session, event=event, actor=actor, before=before,
                                        limit=limit)
        out = [models.AuditEntryOut(seq=e.seq, at=e.at, actor=e.actor, event=e.event,
                                    subject=e.subject, data=e.data, hash=e.hash)
               for e in entries]
    return models.AuditOut(entries=out,
                           next_before=out[-1].seq if len(out) == limit and out else None)


@router.get("/audit/verify", response_model=models.VerifyOut, tags=["audit"])
def audit_verify(request: Request, ctx: ApiRead) -> models.VerifyOut:
    """Walk the hash chain: intact, or the first altered, removed or inserted entry."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        result = audit.verify(session, ctx.workspace_id)
    return models.VerifyOut(ok=result.ok, entries=result.entries,
                            first_broken_seq=result.first_broken_seq, problem=result.problem)

