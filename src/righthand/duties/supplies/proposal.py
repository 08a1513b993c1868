"""The purchase order as it leaves: the PDF's data, and the email action that carries it.

The action's payload holds everything the dispatcher sends (recipients, subject, body, the PDF)
and the reserved ``amount`` the gate checks against the spend limits, so what was approved is
exactly what goes out.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from righthand.domain.actions import Action, Initiative
from righthand.duties.supplies import lifecycle, pdf
from righthand.duties.supplies.quantities import plural
from righthand.errors import BadInput
from righthand.service.messages import attachment
from righthand.store.tables import ItemRow, PurchaseOrder, VendorRow, Workspace

ORDER_DUTY, ORDER_KIND = "supplies.order", "supplies.purchase_order"
REORDER_DUTY, REORDER_KIND = "supplies.reorder", "supplies.reorder_po"


def profile(ws: Workspace) -> dict[str, Any]:
    """The workspace's business profile, with the client's name as the business fallback."""
    data = dict(ws.profile or {})
    data.setdefault("business_name", ws.client_name)
    address = data.get("postal_address") or []
    data["postal_address"] = [address] if isinstance(address, str) else list(address)
    return data


def business_name(ws: Workspace) -> str:
    """The name orders go out under."""
    return str(profile(ws)["business_name"])


def letterhead(ws: Workspace) -> pdf.Party:
    """Business name, postal address, phone and email from the workspace profile."""
    data = profile(ws)
    lines = [str(line) for line in data["postal_address"]]
    lines += [f"Phone {data['phone']}"] if data.get("phone") else []
    lines += [str(data["email"])] if data.get("email") else []
    return pdf.Party(str(data["business_name"]), tuple(lines))


def vendor_block(vendor: VendorRow) -> pdf.Party:
    """The vendor as addressed on the order."""
    lines = [f"Attn: {vendor.contact_name}"] if vendor.contact_name else []
    lines += [vendor.email] if vendor.email else []
    lines += [f"Phone {vendor.phone}"] if vendor.phone else []
    return pdf.Party(vendor.name, tuple(lines))


def check_vendor(item: ItemRow, vendor: VendorRow | None) -> VendorRow:
    """The item's vendor, when it can receive orders by email; else what to fix."""
    if vendor is None:
        ref = item.sku or item.name
        raise BadInput(f"{item.name} has no vendor to order it from",
                       hint=f"Set one: `righthand supplies item update \"{ref}\" --vendor NAME`.")
    if not vendor.email:
        raise BadInput(f"{vendor.name} has no ordering email address",
                       hint=f"Add it: `righthand supplies vendor update \"{vendor.name}\" "
                            "--email ADDRESS`.")
    return vendor


def document(session: Session, po: PurchaseOrder, ws: Workspace) -> pdf.PurchaseOrderDoc:
    """The data printed on ``po``."""
    vendor = session.get(VendorRow, po.vendor_id)
    assert vendor is not None
    rows = []
    for line in lifecycle.lines_of(session, po):
        item = session.get(ItemRow, line.item_id)
        assert item is not None
        rows.append(pdf.DocLine(sku=item.sku or "", description=item.name,
                                quantity=line.quantity, unit=plural(item.unit, line.quantity),
                                unit_price=line.unit_price,
                                total=(line.unit_price * line.quantity).quantize(lifecycle.CENT)))
    data = profile(ws)
    ship = pdf.Party(business_name(ws), tuple(str(a) for a in data["postal_address"])) \
        if data["postal_address"] else None
    issued = po.created_at.astimezone(ZoneInfo(ws.timezone)).date()
    paper = str(data.get("paper") or ("letter" if po.currency in {"USD", "CAD"} else "a4"))
    reorder = "Reorder of items at their reorder points." if po.reorder_key else None
    return pdf.PurchaseOrderDoc(number=po.number, issued=issued, currency=po.currency,
                                buyer=letterhead(ws), vendor=vendor_block(vendor), lines=rows,
                                total=po.total, ship_to=ship, notes=reorder, paper=paper)


def render_pdf(session: Session, po: PurchaseOrder, ws: Workspace) -> bytes:
    """The PDF of ``po``."""
    return pdf.render(document(session, po, ws))


def _body(doc: pdf.PurchaseOrderDoc, vendor: VendorRow, ws: Workspace) -> str:
    data = profile(ws)
    greeting = f"Hello {vendor.contact_name.split()[0]}," if vendor.contact_name else "Hello,"
    count = len(doc.lines)
    lines = [f"- {line.description}{f' ({line.sku})' if line.sku else ''}: {line.quantity} "
             f"{line.unit} at {pdf.money(line.unit_price, doc.currency)} = "
             f"{pdf.money(line.total, doc.currency)}" for line in doc.lines]
    deliver = [doc.ship_to.name, *doc.ship_to.lines] if doc.ship_to else []
    signature = str(data.get("signature") or f"{ws.client_name}\n{data['business_name']}")
    parts = [greeting, "",
             f"Please find attached our purchase order {doc.number} ({count} "
             f"{'line' if count == 1 else 'lines'}, {pdf.money(doc.total, doc.currency)} in all):",
             "", *lines, ""]
    if deliver:
        parts += ["Please deliver to:", *deliver, ""]
    parts += ["Could you confirm the order and let us know the expected delivery date? Please "
              f"quote {doc.number} on the delivery note and the invoice.", "", "Thank you,",
              signature]
    return "\n".join(parts) + "\n"


def po_action(session: Session, po: PurchaseOrder, ws: Workspace, *, reorder: bool = False,
              initiative: Initiative = Initiative.REACTIVE) -> Action:
    """The email that sends ``po`` to its vendor, with the PDF attached, as an action."""
    vendor = session.get(VendorRow, po.vendor_id)
    if vendor is None or not vendor.email:
        raise BadInput(f"{po.number} has no vendor email to go to",
                       hint="Add it with `righthand supplies vendor update NAME --email ...`.")
    doc = document(session, po, ws)
    data = profile(ws)
    payload: dict[str, Any] = {
        "recipients": [vendor.email],
        "to": [{"name": vendor.contact_name or vendor.name, "address": vendor.email}],
        "subject": f"Purchase order {po.number} from {business_name(ws)}",
        "body": _body(doc, vendor, ws),
        "attachments": [attachment(f"{po.number}.pdf", "application/pdf", pdf.render(doc))],
        "amount": str(po.total),
        "currency": po.currency,
        "po_id": po.id,
        "po_number": po.number,
        "vendor": vendor.name,
    }
    if data.get("email"):
        payload["headers"] = {"Reply-To": str(data["email"])}
    what = ", ".join(f"{line.description}: {line.quantity} {line.unit}" for line in doc.lines)
    duty, kind = (REORDER_DUTY, REORDER_KIND) if reorder else (ORDER_DUTY, ORDER_KIND)
    return Action(duty=duty, kind=kind, payload=payload, initiative=initiative,
                  summary=f"Send purchase order {po.number} to {vendor.name}: {what} "
                          f"({pdf.money(po.total, po.currency)})")


def line_total(item: ItemRow, quantity: int) -> Decimal:
    """What ``quantity`` of ``item`` costs at today's price."""
    return (item.unit_price * quantity).quantize(lifecycle.CENT)


def issued_on(po: PurchaseOrder, ws: Workspace) -> datetime:
    """When ``po`` was drafted, in the workspace's zone."""
    return po.created_at.astimezone(ZoneInfo(ws.timezone))
