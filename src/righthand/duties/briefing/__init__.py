"""The daily briefing and follow-ups."""

from righthand.duties.briefing.manifest import BRIEFING_MANAGE
from righthand.duties.plugin import DutyPlugin

plugin = DutyPlugin(name="briefing", manifests=(BRIEFING_MANAGE,))
