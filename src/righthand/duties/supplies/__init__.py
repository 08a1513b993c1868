"""Office supplies (supplies.order, supplies.reorder): ordering on request, purchase orders
by email with a PDF, receiving into stock, and reorders at reorder points.

Handlers, effects, hooks and jobs are named lazily so registering the duty imports nothing
heavy (reportlab, rapidfuzz)."""

from righthand.duties.plugin import DutyPlugin, LazyEffect, PeriodicJob, Route, lazy
from righthand.duties.supplies.manifest import SUPPLIES_ORDER, SUPPLIES_REORDER

_P = "righthand.duties.supplies"
_MARK_SENT = lazy(f"{_P}.lifecycle:mark_sent")
plugin = DutyPlugin(
    name="supplies", manifests=(SUPPLIES_ORDER, SUPPLIES_REORDER),
    routes=(Route("supplies.order", "supplies.order", lazy(f"{_P}.handlers:order")),
            Route("supplies.status", "supplies.order", lazy(f"{_P}.handlers:status")),
            Route("supplies.reorder", "supplies.reorder", lazy(f"{_P}.handlers:reorder"))),
    effects={"supplies.receive": LazyEffect(f"{_P}.receiving:ReceiveEffect")},
    on_delivered={"supplies.purchase_order": _MARK_SENT, "supplies.reorder_po": _MARK_SENT},
    jobs=(PeriodicJob("supplies.reorder", "supplies.reorder", 60, lazy(f"{_P}.reorder:_job")),))
