"""Office supplies: ordering on request and reordering at reorder points."""

from righthand.duties.plugin import DutyPlugin
from righthand.duties.supplies.manifest import SUPPLIES_ORDER, SUPPLIES_REORDER

plugin = DutyPlugin(name="supplies", manifests=(SUPPLIES_ORDER, SUPPLIES_REORDER))
