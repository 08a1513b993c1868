"""Workspaces and their job descriptions; every change to a job description is audited."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Initiative
from righthand.duties.plugin import Workspace as WorkspaceInfo
from righthand.errors import BadInput, NotConfigured, NotFound
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import DutyCatalog, Phase
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.limits import Limits
from righthand.policy.presets import preset
from righthand.service import audit
from righthand.store.tables import JobDuty, Setting, Workspace

CURRENT_KEY = "current_workspace"
_SLUG = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def check_timezone(zone: str) -> str:
    """The IANA zone name, or a clear error."""
    try:
        ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise BadInput(f"{zone!r} is not an IANA time zone",
                       hint="Use a name like Europe/London or America/New_York.") from None
    return zone


def create(session: Session, *, slug: str, client_name: str, assistant_name: str,
           timezone: str, phase: Phase, catalog: DutyCatalog, now: datetime,
           actor: str = "client") -> Workspace:
    """A new workspace with the job description of ``phase``; audited from its first line."""
    if not _SLUG.match(slug):
        raise BadInput(f"workspace name {slug!r} must be lower-case letters, digits and dashes")
    if session.scalars(select(Workspace).where(Workspace.slug == slug)).first():
        raise BadInput(f"a workspace called {slug!r} already exists",
                       hint="Pick another name, or use --workspace to work in it.")
    if not client_name.strip():
        raise BadInput("the client's name is empty", hint="Give the client's name, e.g. 'Pat Lee'.")
    ws = Workspace(slug=slug, client_name=client_name.strip(),
                   assistant_name=assistant_name.strip() or "Jane",
                   timezone=check_timezone(timezone), phase=int(phase), created_at=now)
    session.add(ws)
    session.flush()
    session.info["workspace_id"] = ws.id
    audit.start_chain(session, ws.id)
    audit.append(session, ws.id, actor, "workspace.created", slug,
                 {"client": ws.client_name, "assistant": ws.assistant_name,
                  "timezone": ws.timezone, "phase": phase.roman}, at=now)
    _write_job(session, ws, preset(phase, catalog, ws.timezone), actor, now,
               reason=f"phase {phase.roman} preset")
    return ws


def set_current(session: Session, slug: str) -> None:
    """Remember ``slug`` as the workspace commands use by default."""
    row = session.get(Setting, CURRENT_KEY)
    if row is None:
        session.add(Setting(key=CURRENT_KEY, value=slug))
    else:
        row.value = slug


def resolve(session: Session, slug: str | None) -> Workspace:
    """The named workspace, or the current one."""
    if slug is None:
        current = session.get(Setting, CURRENT_KEY)
        if current is None:
            only = session.scalars(select(Workspace).limit(2)).all()
            if len(only) == 1:
                return only[0]
            raise NotConfigured("no workspace is selected",
                                hint="Run `righthand init` or `righthand demo`, or pass "
                                     "--workspace NAME.")
        slug = current.value
    ws = session.scalars(select(Workspace).where(Workspace.slug == slug)).first()
    if ws is None:
        raise NotFound(f"there is no workspace called {slug!r}",
                       hint="Run `righthand init` to create one.")
    return ws


def info(ws: Workspace) -> WorkspaceInfo:
    """The handler's view of a workspace."""
    return WorkspaceInfo(id=ws.id, client_name=ws.client_name, assistant_name=ws.assistant_name,
                         timezone=ws.timezone, address_form=ws.address_form)


def job_description(session: Session, ws: Workspace) -> JobDescription:
    """The stored job description of ``ws``."""
    duties = {}
    for row in session.scalars(select(JobDuty).where(JobDuty.workspace_id == ws.id)):
        duties[row.duty] = DutySetting(Autonomy(row.autonomy), Initiative(row.initiative),
                                       Limits.from_json(row.limits))
    return JobDescription(timezone=ws.timezone, duties=duties, phase=ws.phase)


def set_phase(session: Session, ws: Workspace, phase: Phase, catalog: DutyCatalog,
              now: datetime, actor: str = "client") -> JobDescription:
    """Replace the job description with a phase preset (start anywhere, skip phases)."""
    job = preset(phase, catalog, ws.timezone)
    ws.phase = int(phase)
    _write_job(session, ws, job, actor, now, reason=f"phase {phase.roman} preset")
    return job


def set_duty(session: Session, ws: Workspace, duty: str, setting: DutySetting,
             catalog: DutyCatalog, now: datetime, actor: str = "client") -> JobDescription:
    """Change one line of the job description (the phase stays as a label)."""
    if duty not in catalog:
        raise BadInput(f"there is no duty called {duty!r}",
                       hint="See the duties with `righthand duties`.")
    job = job_description(session, ws).with_setting(duty, setting)
    _write_job(session, ws, job, actor, now, reason=f"{duty} edited", only=duty)
    return job


def _write_job(session: Session, ws: Workspace, job: JobDescription, actor: str,
               now: datetime, reason: str, only: str | None = None) -> None:
    existing = {r.duty: r for r in session.scalars(
        select(JobDuty).where(JobDuty.workspace_id == ws.id))}
    changes = {}
    for duty, setting in job.duties.items():
        if only is not None and duty != only:
            continue
        new: dict[str, Any] = {"autonomy": str(setting.autonomy),
                               "initiative": str(setting.initiative),
                               "limits": setting.limits.to_json()}
        row = existing.get(duty)
        old = None if row is None else {"autonomy": row.autonomy, "initiative": row.initiative,
                                        "limits": row.limits}
        if old == new:
            continue
        if row is None:
            session.add(JobDuty(workspace_id=ws.id, duty=duty, **new))
        else:
            row.autonomy, row.initiative, row.limits = (new["autonomy"], new["initiative"],
                                                        new["limits"])
        changes[duty] = {"from": old, "to": new}
    session.flush()
    if changes:
        audit.append(session, ws.id, actor, "job.changed", reason, {"changes": changes}, at=now)
