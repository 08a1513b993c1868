"""The calendar.manage plugin: routes, effects, delivery hooks and the index job."""

from __future__ import annotations

from typing import Any

from righthand.duties.calendar import answers, changes, index
from righthand.duties.calendar.manifest import CALENDAR_MANAGE
from righthand.duties.plugin import DutyPlugin, PeriodicJob, Route
from righthand.store.tables import Workspace


def _roll(context: Any) -> None:
    session = context["session"]
    ws = session.get(Workspace, context["workspace_id"])
    if ws is not None:
        index.roll(session, context["app"].clock(), ws.timezone)


plugin = DutyPlugin(
    name="calendar", manifests=(CALENDAR_MANAGE,),
    routes=(Route("calendar.agenda", "calendar.manage", answers.agenda),
            Route("calendar.free_at", "calendar.manage", answers.free_at),
            Route("calendar.free_time", "calendar.manage", answers.free_time),
            Route("calendar.move", "calendar.manage", changes.move),
            Route("calendar.cancel", "calendar.manage", changes.cancel)),
    effects={"calendar.create_event": changes.CreateEffect(),
             "calendar.move_event": changes.ChangeEffect(),
             "calendar.cancel_event": changes.ChangeEffect()},
    on_delivered={"calendar.reschedule": changes.after_mail,
                  "calendar.cancel_meeting": changes.after_mail},
    jobs=(PeriodicJob("calendar.index", "calendar.manage", 24 * 60, _roll),))
