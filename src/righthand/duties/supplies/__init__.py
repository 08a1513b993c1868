"""Office supplies: ordering on request and reordering at reorder points."""

from righthand.duties.plugin import DutyPlugin, Route
from righthand.duties.supplies.handlers import order, reorder, status
from righthand.duties.supplies.lifecycle import mark_sent
from righthand.duties.supplies.manifest import SUPPLIES_ORDER, SUPPLIES_REORDER
from righthand.duties.supplies.receiving import ReceiveEffect
from righthand.duties.supplies.reorder import REORDER_JOB

plugin = DutyPlugin(
    name="supplies", manifests=(SUPPLIES_ORDER, SUPPLIES_REORDER),
    routes=(Route("supplies.order", "supplies.order", order),
            Route("supplies.status", "supplies.order", status),
            Route("supplies.reorder", "supplies.reorder", reorder)),
    effects={"supplies.receive": ReceiveEffect()},
    on_delivered={"supplies.purchase_order": mark_sent, "supplies.reorder_po": mark_sent},
    jobs=(REORDER_JOB,))
