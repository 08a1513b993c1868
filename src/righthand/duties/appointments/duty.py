"""The appointments plugin: confirmations (manifest only, for now) and scheduling."""

from __future__ import annotations

from righthand.duties.appointments import scheduling
from righthand.duties.appointments.manifest import APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE
from righthand.duties.plugin import DutyPlugin, Route

plugin = DutyPlugin(
    name="appointments", manifests=(APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE),
    routes=(Route("appointments.schedule", "appointments.schedule", scheduling.schedule),
            Route("appointments.propose", "appointments.schedule", scheduling.propose),
            Route("appointments.choose", "appointments.schedule", scheduling.choose)),
    effects={"appointments.hold": scheduling.HoldEffect()},
    on_delivered={"appointments.book": scheduling.after_booking,
                  "appointments.propose_slots": scheduling.after_proposal})
