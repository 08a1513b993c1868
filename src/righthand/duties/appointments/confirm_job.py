"""The proactive confirmations job: every 15 minutes, for each workspace where
appointments.confirm is on and proactive, propose the messages that are due."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from righthand.domain.actions import Initiative
from righthand.duties.appointments import confirm
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription
from righthand.store.tables import Workspace

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"


def links_of(settings: Any) -> confirm.Links:
    """The links' base URL and secret from the installation's settings."""
    return confirm.Links(getattr(settings, "public_url", None) or DEFAULT_PUBLIC_URL,
                         str(settings.secret_key))


def run(session: Session, ws: Workspace, job: JobDescription, catalog: DutyCatalog,
        now: datetime, approval_ttl: timedelta, links: confirm.Links,
        proactive_only: bool = True) -> list[str]:
    """Propose every due confirmation and reminder; returns their summaries with the gate's
    decision."""
    from righthand.service import executor

    setting = job.setting(confirm.DUTY)
    if not setting.enabled or (proactive_only and
                               setting.initiative is Initiative.REACTIVE):
        return []
    hours = confirm.offsets(session)
    done = []
    for row in confirm.track(session, ws.id, now, ws.timezone):
        label = confirm.due(row, now, hours)
        if label is None:
            continue
        action = confirm.message(session, ws, row, label, now, links)
        proposed = executor.propose(session, ws.id, action, job, catalog, now, "assistant",
                                    approval_ttl)
        done.append(f"{action.summary}: {proposed.decision.name}")
    return done


def job_body(context: Any) -> None:
    """The PeriodicJob's body."""
    from righthand.service import workspaces

    app, session = context["app"], context["session"]
    ws = session.get(Workspace, int(context["workspace_id"]))
    if ws is None:
        return
    run(session, ws, workspaces.job_description(session, ws), app.catalog, app.clock(),
        app.approval_ttl, links_of(app.settings))
