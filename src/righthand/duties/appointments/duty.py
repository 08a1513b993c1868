"""The appointments plugin: confirmations and scheduling."""

from __future__ import annotations

from righthand.duties.appointments import scheduling
from righthand.duties.appointments.manifest import APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE
from righthand.duties.briefing.sections import Context, Section, SectionSource, register
from righthand.duties.plugin import DutyPlugin, LazyEffect, PeriodicJob, Route, lazy

_C = "righthand.duties.appointments.confirm_answers"


def _confirmations(ctx: Context) -> Section | None:
    from righthand.duties.appointments.confirm_digest import section

    return section(ctx)


# The daily briefing reports what the proactive confirmations did (only while the duty is on).
register(SectionSource("confirmations", "Confirmations", APPOINTMENTS_CONFIRM.id,
                       APPOINTMENTS_CONFIRM.read_scopes, 15, _confirmations))
plugin = DutyPlugin(
    name="appointments", manifests=(APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE),
    routes=(Route("appointments.schedule", "appointments.schedule", scheduling.schedule),
            Route("appointments.propose", "appointments.schedule", scheduling.propose),
            Route("appointments.choose", "appointments.schedule", scheduling.choose),
            Route("appointments.status", APPOINTMENTS_CONFIRM.id, lazy(f"{_C}:status")),
            Route("appointments.confirm", APPOINTMENTS_CONFIRM.id,
                  lazy(f"{_C}:confirm_request"))),
    effects={"appointments.hold": scheduling.HoldEffect(),
             "appointments.mark_attendance": LazyEffect(f"{_C}:MarkAttendance")},
    on_delivered={"appointments.book": scheduling.after_booking,
                  "appointments.propose_slots": scheduling.after_proposal,
                  "appointments.send_confirmation": lazy(
                      "righthand.duties.appointments.confirm:delivered")},
    jobs=(PeriodicJob("appointments.confirm", APPOINTMENTS_CONFIRM.id, 15,
                      lazy("righthand.duties.appointments.confirm_job:job_body")),))
