"""Intent handlers of supplies.order: "Order two boxes of printer paper", "What's running low?".

A handler drafts the order (a record in Righthand's own store) and proposes the email that
would send it; the gate decides whether it goes, waits for approval, or is refused.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from righthand.duties.plugin import Reply, Request
from righthand.duties.supplies import catalog, lifecycle, ops, proposal
from righthand.duties.supplies.pdf import money
from righthand.duties.supplies.quantities import (
    Conversion,
    line_text,
    parse_quantity,
    plural,
    to_units,
)
from righthand.duties.supplies.reorder import vendor_groups
from righthand.errors import BadInput
from righthand.store.tables import ItemRow, PurchaseOrder, Workspace


def _listing(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + f" or {names[-1]}"


def _clarify(text: str, match: catalog.Match) -> Reply:
    names = [f"{i.name} ({i.sku})" if i.sku else i.name for i in match.candidates]
    if match.guess:
        return Reply(f"I don't have \"{text}\" in the supplies catalog. Do you mean "
                     f"{_listing(names)}? Say the item's name as it is listed and I'll order it.",
                     data={"clarify": [i.name for i in match.candidates]})
    if match.candidates:
        return Reply(f"Which one: {_listing(names)}?",
                     data={"clarify": [i.name for i in match.candidates]})
    return Reply(f"I don't have \"{text}\" in the supplies catalog. Add it with `righthand "
                 f"supplies item add \"{text}\" --vendor NAME --price ...`, or see what there is "
                 "with `righthand supplies items`.", data={"clarify": []})


def _quantity(request: Request, item: ItemRow, stock: catalog.StockLine) -> Conversion | Reply:
    try:
        wanted = parse_quantity(request.slots.get("quantity"))
        unit = str(request.slots.get("unit") or "") or None
        if wanted is None:
            # "order paper": fill up to the target level, as a reorder would.
            missing = max(item.target_level, item.reorder_point) - stock.forecast
            if missing <= 0:
                return Reply(f"How many {plural(item.unit, 2)} of {item.name}? You have "
                             f"{item.on_hand} on hand and {stock.on_order} on order (target "
                             f"{item.target_level}).")
            return to_units(missing, None, item.unit, item.pack_size, item.name)
        return to_units(wanted, unit, item.unit, item.pack_size, item.name)
    except BadInput as exc:
        return Reply(f"{exc.message[0].upper()}{exc.message[1:]}. {exc.hint}")


def order(request: Request) -> Reply:
    """'Order two boxes of printer paper' -> a draft purchase order and its email, proposed."""
    session = request.session
    text = str(request.slots.get("item") or "").strip()
    if not text:
        return Reply("What should I order? For example: \"Order two boxes of printer paper\".")
    lifecycle.refresh(session, request.now)
    match = catalog.resolve_item(session, text)
    if match.item is None:
        return _clarify(text, match)
    item = match.item
    stock = next(s for s in catalog.stock(session) if s.item.id == item.id)
    quantity = _quantity(request, item, stock)
    if isinstance(quantity, Reply):
        return quantity
    ws = session.get(Workspace, request.workspace.id)
    assert ws is not None
    try:
        po, action = ops.draft_order(session, ws, item, quantity, request.now,
                                     request.requested_by)
    except BadInput as exc:
        return Reply(f"I can't order {item.name} yet: {exc.message}. {exc.hint}")
    data: dict[str, Any] = {"po": po.number, "item": item.name, "sku": item.sku,
                            "quantity": quantity.units, "unit": item.unit,
                            "amount": str(po.total)}
    return Reply(ops.describe_order(item, quantity, po), actions=[action], data=data)


def status(request: Request) -> Reply:
    """'How are we on supplies?' -- what is low, and what is on order."""
    session = request.session
    lifecycle.refresh(session, request.now)
    lines = catalog.stock(session)
    if not lines:
        return Reply("There are no supplies in the catalog yet. Add them with `righthand "
                     "supplies item add NAME --vendor ... --price ...`.")
    low = [s for s in lines if s.low]
    parts: list[str] = []
    if not low:
        parts.append(f"All {len(lines)} items are above their reorder points.")
    else:
        described = []
        for s in low:
            unit = plural(s.item.unit, s.item.on_hand)
            note = f"{s.on_order} on order" if s.on_order else "nothing on order"
            described.append(f"{s.item.name}: {s.item.on_hand} {unit} left (reorder at "
                             f"{s.item.reorder_point}; {note})")
        parts.append(f"Running low ({len(low)}):\n" + "\n".join(f"- {d}" for d in described))
    names = catalog.vendor_names(session)
    pending = session.scalars(select(PurchaseOrder).where(
        PurchaseOrder.status.in_(catalog.OPEN_STATUSES)).order_by(PurchaseOrder.id)).all()
    if pending:
        parts.append("Open orders:\n" + "\n".join(
            f"- {po.number} to {names.get(po.vendor_id, '?')}, {lifecycle.label(po.status)}, "
            f"{money(po.total, po.currency)}" for po in pending))
    short = [s for s in low if s.short]
    if short:
        parts.append(f"Say \"Order {short[0].item.name}\" and I'll draft the order.")
    return Reply("\n\n".join(parts), data={"low": [s.item.name for s in low],
                                           "open_orders": [p.number for p in pending]})



def reorder(request: Request) -> Reply:
    """'Reorder what's running low': one draft order per vendor for everything short, each
    proposed for sending (the client asked, so the work is reactive)."""
    session = request.session
    lifecycle.refresh(session, request.now)
    groups, held = vendor_groups(session)
    ws = session.get(Workspace, request.workspace.id)
    assert ws is not None
    actions, drafted = [], []
    for vendor, short in groups:
        # No reorder key: the client asked in so many words, and the drafts made here count
        # in the forecast, so asking twice does not order twice.
        po = lifecycle.create(session, ws.id, vendor,
                              [(s.item, s.quantity.units) for s in short], request.now,
                              request.requested_by, ws.currency)
        assert po is not None
        actions.append(proposal.po_action(session, po, ws, reorder=True))
        drafted.append(f"{po.number} to {vendor.name} ({money(po.total, po.currency)}): "
                       + ", ".join(line_text(s.item.name, s.quantity.units, s.item.unit)
                                   for s in short))
    if not drafted and not held:
        return Reply("Nothing is below its reorder point; no orders needed.")
    parts = (["Reorders, up to each item's target level:\n" +
              "\n".join(f"- {d}" for d in drafted)] if drafted else [])
    parts += [f"Not ordered: {h}" for h in held]
    return Reply("\n\n".join(parts), actions=actions)
