"""Manifests of appointments.confirm and appointments.schedule."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

APPOINTMENTS_CONFIRM = DutyManifest(
    id="appointments.confirm", title="Confirming appointments", phase=Phase.II,
    risk=Risk.MEDIUM, nature=Initiative.PROACTIVE,
    read_scopes=frozenset({"calendar", "contacts"}),
    description="Confirmations and reminders to attendees; track who has confirmed.",
    action_kinds=(
        ActionKind("appointments.send_confirmation", "Send a confirmation or reminder",
                   via="mail"),
        ActionKind("appointments.mark_attendance", "Record a confirmation or no-show",
                   undoable=True),
    ))

APPOINTMENTS_SCHEDULE = DutyManifest(
    id="appointments.schedule", title="Scheduling appointments", phase=Phase.III,
    risk=Risk.HIGH, nature=Initiative.PROACTIVE, read_scopes=frozenset({"calendar", "contacts"}),
    description="Find free time, propose slots, book and send invitations.",
    action_kinds=(
        # An invitation cannot be unsent: a booking is reversed by cancelling it, which
        # sends the attendees an iTIP CANCEL.
        ActionKind("appointments.book", "Book an appointment and invite its attendees",
                   via="mail"),
        ActionKind("appointments.hold", "Put an appointment in the calendar (no invitation)",
                   undoable=True),
        ActionKind("appointments.propose_slots", "Email attendees a choice of times", via="mail"),
    ))
