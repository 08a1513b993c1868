"""Manifests of supplies.order and supplies.reorder."""

from righthand.domain.actions import Initiative
from righthand.policy.duties import ActionKind, DutyManifest, Phase, Risk

SUPPLIES_ORDER = DutyManifest(
    id="supplies.order", title="Ordering office supplies", phase=Phase.I, risk=Risk.MEDIUM,
    nature=Initiative.REACTIVE, read_scopes=frozenset({"supplies"}),
    description="Order supplies when asked; receive deliveries into stock.",
    action_kinds=(
        ActionKind("supplies.purchase_order", "Send a purchase order to a vendor", via="mail"),
        ActionKind("supplies.receive", "Record a delivery into stock", undoable=True),
    ))

SUPPLIES_REORDER = DutyManifest(
    id="supplies.reorder", title="Reordering supplies at reorder points", phase=Phase.II,
    risk=Risk.MEDIUM, nature=Initiative.PROACTIVE, read_scopes=frozenset({"supplies"}),
    description="Watch stock and draft purchase orders when items fall below reorder points.",
    action_kinds=(
        ActionKind("supplies.reorder_po", "Send a reorder purchase order", via="mail"),
    ))
