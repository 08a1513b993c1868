"""Manifest of briefing.manage."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

BRIEFING_MANAGE = DutyManifest(
    id="briefing.manage", title="Daily briefing and follow-ups", phase=Phase.III,
    risk=Risk.LOW, nature=Initiative.PROACTIVE,
    read_scopes=frozenset({"calendar", "deals", "mailbox", "calls", "supplies", "approvals",
                           "reminders"}),
    description="The daily briefing, reminders, follow-ups and nudges.",
    action_kinds=(
        ActionKind("briefing.send", "Send the daily briefing to the client", via="mail"),
        ActionKind("reminders.create", "Set a reminder or follow-up", undoable=True),
        ActionKind("reminders.update", "Mark a reminder done, dismiss or snooze it",
                   undoable=True),
    ))
