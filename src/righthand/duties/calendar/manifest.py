"""Manifest of calendar.manage."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

CALENDAR_MANAGE = DutyManifest(
    id="calendar.manage", title="Calendar management", phase=Phase.III, risk=Risk.HIGH,
    nature=Initiative.PROACTIVE, read_scopes=frozenset({"calendar", "contacts"}),
    description="Answer what is on the calendar; move and cancel events, notifying attendees.",
    action_kinds=(
        ActionKind("calendar.create_event", "Create an event", undoable=True),
        ActionKind("calendar.move_event", "Move an event", undoable=True),
        ActionKind("calendar.cancel_event", "Cancel an event", undoable=True),
        # Events with attendees: the iTIP mail goes out and the calendar changes with it.
        ActionKind("calendar.reschedule", "Move a meeting and send attendees the new time",
                   via="mail"),
        ActionKind("calendar.cancel_meeting", "Cancel a meeting and tell its attendees",
                   via="mail"),
    ))
