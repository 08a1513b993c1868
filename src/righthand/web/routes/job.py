"""The job description: phases, each duty's autonomy, initiative and limits (editable), the
advisor's proposals with their evidence, and what moving to the next phase would change."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from righthand.errors import RighthandError
from righthand.policy.duties import Phase
from righthand.policy.limits import LIMIT_NAMES
from righthand.policy.presets import preset
from righthand.service import ledger, workspaces
from righthand.web import operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import is_htmx, render
from righthand.web.routing import page_router

router = page_router()


def _duty_view(app: Any, duty: str, setting: Any) -> dict[str, Any]:
    manifest = app.catalog[duty]
    stored = setting.limits.to_json()
    limits = [{"name": name, "label": operations.LIMIT_LABELS[name],
               "value": str(stored.get(name, "")), "mode": str(setting.limits.mode(name)),
               "modes": operations.LIMIT_MODES[name]} for name in LIMIT_NAMES]
    return {"id": duty, "manifest": manifest, "setting": setting, "limits": limits}


def _page(request: Request, ctx: Context, *, notice: str | None = None,
          error: str | None = None, status: int = 200) -> HTMLResponse:
    app = get_app(request)
    now = app.clock()
    with app.db.unit(ctx.workspace_id, write=False) as session:
        ws = operations.workspace_row(session, ctx)
        job = workspaces.job_description(session, ws)
        proposals = ledger.advice(session, job, app.catalog, now, app.thresholds())
    titles = {d: m.title for d, m in app.catalog.items()}
    current = Phase(job.phase) if job.phase else None
    upcoming = []
    for phase in Phase:
        if current is not None and phase <= current:
            continue
        upcoming.append({"phase": phase, "changes": operations.phase_changes(
            job, preset(phase, app.catalog, ws.timezone), titles)})
    duties = [_duty_view(app, duty, job.setting(duty))
              for duty in sorted(app.catalog, key=lambda d: (app.catalog[d].phase, d))]
    return render(request, "job.html", ctx=ctx, active="job", title="Job description",
                  phase=current, phases=list(Phase), upcoming=upcoming, proposals=proposals,
                  titles=titles, duties=duties, notice=notice, error=error, status=status)


@router.get("/job", response_class=HTMLResponse)
def job_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """The whole job description."""
    return _page(request, ctx)


class DutyForm(BaseModel):
    """One duty's line as the job page's form sends it (``limits`` marks the limit fields)."""

    autonomy: str = Field("", max_length=16)
    initiative: str = Field("", max_length=16)
    limits: str = Field("", max_length=8)
    limit__spend_per_order: str = Field("", max_length=100)
    mode__spend_per_order: str = Field("", max_length=16)
    limit__spend_per_month: str = Field("", max_length=100)
    mode__spend_per_month: str = Field("", max_length=16)
    limit__recipients_per_mailing: str = Field("", max_length=100)
    mode__recipients_per_mailing: str = Field("", max_length=16)
    limit__recipients: str = Field("", max_length=100)
    mode__recipients: str = Field("", max_length=16)
    limit__quiet_hours: str = Field("", max_length=100)
    mode__quiet_hours: str = Field("", max_length=16)


@router.post("/job/duties/{duty}", response_class=HTMLResponse)
def set_duty(request: Request, ctx: PageContext, duty: str,
             form: Annotated[DutyForm, Form()]) -> HTMLResponse:
    """Save one duty's line (autonomy, initiative, limits)."""
    data = form.model_dump()
    app = get_app(request)
    notice = error = None
    try:
        limits = operations.parse_limits({n: data[f"limit__{n}"] for n in LIMIT_NAMES},
                                         {n: data[f"mode__{n}"] for n in LIMIT_NAMES}) \
            if form.limits else None
        setting = operations.set_duty(app, ctx, duty, form.autonomy, form.initiative, limits)
        notice = f"Saved: {app.catalog[duty].title} is now '{setting.autonomy}'."
    except RighthandError as exc:
        if not is_htmx(request):
            raise
        error = exc.one_line()
    if not is_htmx(request):
        return _page(request, ctx, notice=notice)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        job = workspaces.job_description(session, operations.workspace_row(session, ctx))
    return render(request, "job_duty.html", ctx=ctx, duty=_duty_view(app, duty, job.setting(duty)),
                  notice=notice, error=error, status=200 if error is None else 400)


@router.post("/job/phase", response_class=HTMLResponse)
def set_phase(request: Request, ctx: PageContext,
              phase: Annotated[str, Form(max_length=10)]) -> HTMLResponse:
    """Switch to a phase preset."""
    chosen = operations.set_phase(get_app(request), ctx, phase)
    return _page(request, ctx, notice=f"Now in Phase {chosen.roman}: {chosen.label}.")


@router.post("/job/advice/{duty}/accept", response_class=HTMLResponse)
def accept_advice(request: Request, ctx: PageContext, duty: str) -> HTMLResponse:
    """Apply the advisor's proposal for one duty."""
    level = operations.accept_advice(get_app(request), ctx, duty)
    return _page(request, ctx, notice=f"{duty} is now '{level}'.")
