"""The client's calendar (calendar.manage)."""

from righthand.duties.calendar.agenda import agenda
from righthand.duties.calendar.manifest import CALENDAR_MANAGE
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(name="calendar", manifests=(CALENDAR_MANAGE,),
                    routes=(Route("calendar.agenda", "calendar.manage", agenda),))
