"""The approvals page's preview of a purchase order: the order at a glance (number, vendor,
total, what) above the email exactly as it will go to the vendor, PDF attached."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from righthand.duties.supplies.pdf import money
from righthand.store.tables import ActionRow
from righthand.web import previews

KINDS = ("supplies.purchase_order", "supplies.reorder_po")
EDITABLE = ("subject", "body")


def purchase_order(row: ActionRow, sender: previews.Sender, now: datetime) -> previews.Preview:
    """The order's figures and its email."""
    payload = row.payload
    fields = [(label, str(payload[key])) for label, key in
              (("Purchase order", "po_number"), ("Vendor", "vendor")) if payload.get(key)]
    if payload.get("amount") is not None:
        fields.append(("Total", money(Decimal(str(payload["amount"])),
                                      str(payload.get("currency") or "USD"))))
    _, _, what = row.summary.partition(": ")
    if what:
        fields.append(("What", what))
    email = previews.email_preview(row, sender, now)
    return previews.Preview("email" if email is not None else "fields", email=email,
                            fields=fields, editable=previews.editable_fields(payload, row.kind),
                            external=True)


def install() -> None:
    """Register the preview for both purchase order kinds (idempotent): only the email's
    subject and text may be edited -- the number, vendor and total are the PDF's."""
    for kind in KINDS:
        previews.register(kind, purchase_order, editable=EDITABLE)
