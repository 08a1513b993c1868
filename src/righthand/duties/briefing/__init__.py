"""The daily briefing, the weekly review, reminders and follow-ups (briefing.manage):
follow-ups from promises in sent mail, and nudges about late replies.

Handlers, effects and jobs are named lazily so registering the duty imports nothing heavy."""

from righthand.duties.briefing.manifest import BRIEFING_MANAGE
from righthand.duties.plugin import DutyPlugin, LazyEffect, PeriodicJob, Route, lazy

_P = "righthand.duties.briefing"
plugin = DutyPlugin(
    name="briefing", manifests=(BRIEFING_MANAGE,),
    routes=(Route("briefing.today", "briefing.manage", lazy(f"{_P}.handlers:briefing_today")),
            Route("reminders.set", "briefing.manage", lazy(f"{_P}.handlers:set_reminder"))),
    effects={"reminders.create": LazyEffect(f"{_P}.reminders:CreateReminderEffect"),
             "reminders.update": LazyEffect(f"{_P}.reminders:UpdateReminderEffect")},
    jobs=(PeriodicJob("briefing.daily", BRIEFING_MANAGE.id, 5, lazy(f"{_P}.jobs:_daily_job"),
                      prepare=lazy(f"{_P}.jobs:_prepare_daily")),
          PeriodicJob("briefing.nudges", BRIEFING_MANAGE.id, 30,
                      lazy(f"{_P}.jobs:_nudge_job"))))
