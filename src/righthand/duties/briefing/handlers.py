"""The briefing.manage intents: "Brief me" (today's briefing or the weekly review) and
"Remind me to call Bob on Friday"."""

from __future__ import annotations

from righthand.duties.briefing import jobs
from righthand.duties.briefing.reminders import set_reminder
from righthand.duties.plugin import Reply, Request

__all__ = ["briefing_today", "set_reminder"]


def briefing_today(request: Request) -> Reply:
    """Today's briefing (or, when asked for the week, the weekly review), as text."""
    from righthand.service import workspaces
    from righthand.store.tables import Workspace

    row = request.session.get(Workspace, request.workspace.id)
    if row is None:
        return Reply("I can't find your workspace.")
    job = workspaces.job_description(request.session, row)
    briefing = jobs.build(request.session, request.workspace, request.now, job,
                          jobs.installed_catalog(), review=bool(request.slots.get("weekly")),
                          model=request.model)
    return Reply(briefing.text.rstrip(), data={"subject": briefing.subject,
                                               "sections": [s.key for s in briefing.sections]})
