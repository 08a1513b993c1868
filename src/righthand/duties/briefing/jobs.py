"""Building the briefing for a workspace, and the proactive jobs: the daily briefing (and the
weekly review) by email at the client's chosen time, and nudges about late replies.

Proactivity obeys the job description: when briefing.manage is reactive these jobs start
nothing (the client can still ask for the briefing); every email is an Action through the
gate, so quiet hours defer it; a section whose duty is off is never built. The briefing goes
out in a window after the chosen time (a worker that was down all morning does not send a
"good morning" at nine at night), once per day however many workers run.

The optional model's "In short" summary is asked for ahead of the job's write unit, with no
transaction open (:func:`prepare_daily`), and used in the unit only if the briefing's facts
did not change in between (:func:`summary.on_top`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Initiative, Outcome
from righthand.duties.briefing import compose, reminders, settings, summary, weekly
from righthand.duties.briefing.compose import Briefing
from righthand.duties.plugin import PeriodicJob, TextModel
from righthand.duties.plugin import Workspace as WorkspaceInfo
from righthand.policy.access import ReadRefusal, check_read
from righthand.policy.advisor import Thresholds, advise
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription
from righthand.policy.trust import OutcomeRecord
from righthand.store.tables import OutcomeRow, Workspace

DUTY = "briefing.manage"
SEND_WINDOW = timedelta(hours=4)


@cache
def installed_catalog() -> DutyCatalog:
    """The catalog of installed duties (for handlers, which are not handed the app)."""
    from righthand.duties.registry import load

    return load().catalog


def info(ws: Workspace) -> WorkspaceInfo:
    """The handler's view of a workspace row."""
    return WorkspaceInfo(id=ws.id, client_name=ws.client_name, assistant_name=ws.assistant_name,
                         timezone=ws.timezone, address_form=ws.address_form)


def refusal(job: JobDescription, catalog: DutyCatalog) -> str | None:
    """Why there is no briefing for this client (the duty is off), or None."""
    verdict = check_read(DUTY, frozenset({"reminders"}), job, catalog)
    return verdict.reason if isinstance(verdict, ReadRefusal) else None


def build(session: Session, ws: WorkspaceInfo, now: datetime, job: JobDescription,
          catalog: DutyCatalog, *, review: bool = False,
          thresholds: Thresholds | None = None, model: TextModel | None = None) -> Briefing:
    """Today's briefing (with the optional ``model``'s checked "In short" paragraph on top:
    one call at most), or the weekly review (with the advisor's proposals)."""
    context = compose.context(session, ws, now, job, catalog)
    if not review:
        return summary.with_summary(model, compose.daily(context, settings.load(session)), ws)
    history = [OutcomeRecord(duty, Outcome(outcome), at) for duty, outcome, at in
               session.execute(select(OutcomeRow.duty, OutcomeRow.outcome, OutcomeRow.at)
                               .order_by(OutcomeRow.at))]
    titles = {duty: manifest.title for duty, manifest in catalog.items()}
    return weekly.weekly(context, advise(job, history, now, titles, thresholds))


@dataclass(frozen=True)
class Due:
    """Briefings it is time to send by email (claimed or not yet)."""

    address: str
    today: date  # the client's local day
    reviews: tuple[bool, ...]  # False: the daily briefing; True: the weekly review


def due(session: Session, ws: Workspace, job: JobDescription, now: datetime) -> Due | list[str]:
    """What it is time to send now, or why nothing is (what :func:`run_daily` reports; empty
    when it is just not the time). Claims nothing."""
    if job.setting(DUTY).initiative is Initiative.REACTIVE:
        return ["briefing.manage is reactive: no briefing is sent unless you ask"]
    prefs = settings.load(session)
    if "email" not in prefs.channels:
        return ["the briefing is not sent by email (channels: " + ", ".join(prefs.channels) + ")"]
    local = now.astimezone(ZoneInfo(ws.timezone))
    start = local.replace(hour=prefs.send_at.hour, minute=prefs.send_at.minute, second=0,
                          microsecond=0)
    if not start <= local < start + SEND_WINDOW:
        return []
    address = settings.recipient(ws, prefs)
    if address is None:
        return ["no address to send the briefing to (`righthand briefing settings --email`)"]
    return Due(address, local.date(), (False, True) if local.weekday() == prefs.weekly_day
               else (False,))


def run_daily(session: Session, ws: Workspace, job: JobDescription, catalog: DutyCatalog,
              now: datetime, approval_ttl: timedelta, thresholds: Thresholds | None = None,
              prepared: summary.Written | None = None) -> list[str]:
    """Send today's briefing (and, on the chosen day, the weekly review) if it is time; the
    daily one gets the summary ``prepared`` ahead (:func:`prepare_daily`) on top if it still
    summarises its facts. Returns what it did, for logs and tests."""
    from righthand.service import executor

    sending = due(session, ws, job, now)
    if isinstance(sending, list):
        return sending
    done = []
    for review in sending.reviews:
        if not settings.claim(session, ws.id, sending.today, weekly=review):
            continue
        briefing = build(session, info(ws), now, job, catalog, review=review,
                         thresholds=thresholds)
        if not review:
            briefing = summary.on_top(briefing, prepared)
        proposed = executor.propose(session, ws.id,
                                    briefing.mail_action(sending.address, ws.client_name),
                                    job, catalog, now, "assistant", approval_ttl)
        done.append(f"{briefing.subject}: {proposed.decision.name}")
    return done


def run_nudges(session: Session, ws: Workspace, job: JobDescription, catalog: DutyCatalog,
               now: datetime, approval_ttl: timedelta) -> int:
    """Propose a nudge for each awaited reply that is late (proactive duties only)."""
    from righthand.service import executor

    if job.setting(DUTY).initiative is Initiative.REACTIVE:
        return 0
    count = 0
    for row, name in reminders.overdue_waits(session, now):
        executor.propose(session, ws.id, reminders.nudge_action(row, name, now), job, catalog,
                         now, "assistant", approval_ttl)
        count += 1
    return count


def _context(context: Any) -> tuple[Any, Session, Workspace, JobDescription] | None:
    from righthand.service import workspaces

    app, session = context["app"], context["session"]
    ws = session.get(Workspace, int(context["workspace_id"]))
    if ws is None:
        return None
    return app, session, ws, workspaces.job_description(session, ws)


def prepare_daily(app: Any, workspace_id: int) -> summary.Written | None:
    """Today's summary from the optional model, asked with no transaction open (the model is
    :func:`language_model.with_own_units`: no write lock held while it answers), and only
    when the daily briefing is due and not yet sent -- else each run of the send window would
    ask again. None: no model, nothing due, or no usable answer."""
    from righthand.service import language_model, workspaces

    model = language_model.with_own_units(app, workspace_id)
    if model is None:
        return None
    now = app.clock()
    with app.db.unit(workspace_id, write=False) as session:
        ws = session.get(Workspace, workspace_id)
        if ws is None:
            return None
        job = workspaces.job_description(session, ws)
        sending = due(session, ws, job, now) if job.setting(DUTY).enabled else []
        if isinstance(sending, list) or settings.taken(session, sending.today):
            return None
        about = info(ws)
        briefing = build(session, about, now, job, app.catalog)
    return summary.ahead(model, briefing, about)


def _prepare_daily(context: Any) -> summary.Written | None:
    return prepare_daily(context["app"], int(context["workspace_id"]))


def _daily_job(context: Any) -> None:
    found = _context(context)
    if found is not None:
        app, session, ws, job = found
        # In the job's own unit, like the job's other writes: once a day per workspace. The
        # model was asked before it, with no transaction open (_prepare_daily).
        run_daily(session, ws, job, app.catalog, app.clock(), app.approval_ttl,
                  app.thresholds(), prepared=context.get("prepared"))


def _nudge_job(context: Any) -> None:
    found = _context(context)
    if found is not None:
        app, session, ws, job = found
        run_nudges(session, ws, job, app.catalog, app.clock(), app.approval_ttl)


DAILY_JOB = PeriodicJob(name="briefing.daily", duty=DUTY, minutes=5, run=_daily_job,
                        prepare=_prepare_daily)
NUDGE_JOB = PeriodicJob(name="briefing.nudges", duty=DUTY, minutes=30, run=_nudge_job)
