"""Appointments: confirmations (Phase II) and scheduling (Phase III)."""

from righthand.duties.appointments.manifest import APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE
from righthand.duties.plugin import DutyPlugin

plugin = DutyPlugin(name="appointments", manifests=(APPOINTMENTS_CONFIRM, APPOINTMENTS_SCHEDULE))
