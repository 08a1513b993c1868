"""The client's manager (briefing.manage): the daily briefing and weekly review, reminders,
follow-ups from promises in sent mail, and nudges about late replies."""

from righthand.duties.briefing.handlers import briefing_today, set_reminder
from righthand.duties.briefing.jobs import DAILY_JOB, NUDGE_JOB
from righthand.duties.briefing.manifest import BRIEFING_MANAGE
from righthand.duties.briefing.reminders import CreateReminderEffect, UpdateReminderEffect
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(
    name="briefing", manifests=(BRIEFING_MANAGE,),
    routes=(Route("briefing.today", "briefing.manage", briefing_today),
            Route("reminders.set", "briefing.manage", set_reminder)),
    effects={"reminders.create": CreateReminderEffect(),
             "reminders.update": UpdateReminderEffect()},
    jobs=(DAILY_JOB, NUDGE_JOB))
