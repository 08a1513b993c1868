"""The sales pipeline."""

from righthand.duties.plugin import DutyPlugin
from righthand.duties.sales.manifest import SALES_TRACK

plugin = DutyPlugin(name="sales", manifests=(SALES_TRACK,))
