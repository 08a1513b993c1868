"""Screening of email and calls."""

from righthand.duties.plugin import DutyPlugin
from righthand.duties.screening.manifest import SCREENING_CALLS, SCREENING_EMAIL

plugin = DutyPlugin(name="screening", manifests=(SCREENING_EMAIL, SCREENING_CALLS))
