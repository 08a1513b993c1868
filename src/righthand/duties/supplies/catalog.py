"""The supplies catalog: items, vendors, stock levels and the forecast, and finding an item by
what the client calls it (fuzzy, with rapidfuzz)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from rapidfuzz import fuzz
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from righthand.duties.supplies import lifecycle
from righthand.duties.supplies.quantities import singular
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ItemRow, PurchaseOrder, PurchaseOrderLine, StockMove, VendorRow

# Orders whose outstanding quantities count as "on order" (drafts too: a draft is a proposal
# already made, and counting it is what keeps reorder runs from proposing the same thing twice).
OPEN_STATUSES = (lifecycle.DRAFT, lifecycle.APPROVED, lifecycle.SENT, lifecycle.PARTLY_RECEIVED)
MATCH = 75  # fuzzy score from which a name is taken as meant
CLOSE = 5  # runner-up within this many points of the best: ask which one


def normalise(text: str) -> str:
    """Lower-case words, singular, without punctuation: "Toner Cartridges" -> "toner cartridge"."""
    words = re.findall(r"[a-z0-9]+", text.lower())
    return " ".join(singular(w) for w in words)


def items(session: Session) -> list[ItemRow]:
    """All items, by name."""
    return list(session.scalars(select(ItemRow).order_by(func.lower(ItemRow.name))))


def vendors(session: Session) -> list[VendorRow]:
    """All vendors, by name."""
    return list(session.scalars(select(VendorRow).order_by(func.lower(VendorRow.name))))


def vendor_names(session: Session) -> dict[int, str]:
    """Vendor id -> name."""
    return {v.id: v.name for v in vendors(session)}


def find_item(session: Session, ref: str) -> ItemRow:
    """The item with SKU or exact name ``ref`` (case-insensitive), or a clear error."""
    wanted = ref.strip().lower()
    for item in items(session):
        if wanted in {(item.sku or "").lower(), item.name.lower()} or \
                normalise(ref) == normalise(item.name):
            return item
    raise NotFound(f"there is no item {ref!r} in the supplies catalog",
                   hint="See the items with `righthand supplies items`, or add one with "
                        "`righthand supplies item add NAME --sku ...`.")


def find_vendor(session: Session, name: str) -> VendorRow:
    """The vendor called ``name`` (case-insensitive; a unique prefix will do)."""
    wanted = name.strip().lower()
    rows = vendors(session)
    exact = [v for v in rows if v.name.lower() == wanted]
    near = exact or [v for v in rows if v.name.lower().startswith(wanted)]
    if len(near) == 1:
        return near[0]
    known = ", ".join(v.name for v in rows) or "none yet"
    if near:
        raise BadInput(f"{name!r} could be {', '.join(v.name for v in near)}",
                       hint="Give more of the vendor's name.")
    raise NotFound(f"there is no vendor {name!r} (vendors: {known})",
                   hint="Add it with `righthand supplies vendor add NAME --email ADDRESS`.")


@dataclass(frozen=True)
class Match:
    """What a name the client used refers to."""

    item: ItemRow | None
    candidates: list[ItemRow] = field(default_factory=list)  # when ambiguous or a guess
    guess: bool = False  # one weak candidate: ask before ordering


def resolve_item(session: Session, text: str) -> Match:
    """The item meant by ``text``: by SKU, by name, or fuzzily.

    A fuzzy candidate must share the request's head noun ("clip" in "paper clips"), so a thing
    the catalog lacks is reported as unknown rather than matched to something that merely
    shares a word with it."""
    query = normalise(text)
    rows = items(session)
    if not query or not rows:
        return Match(None)
    for item in rows:
        if text.strip().lower() == (item.sku or "").lower() or query == normalise(item.name):
            return Match(item)
    head = query.split()[-1]
    scored: list[tuple[float, float, ItemRow]] = []
    for item in rows:
        name = normalise(item.name)
        words = [*name.split(), normalise(item.sku or "")]
        if not any(w and fuzz.ratio(head, w) >= 80 for w in words):
            continue
        scored.append((fuzz.token_set_ratio(query, name), fuzz.ratio(query, name), item))
    if not scored:
        return Match(None)
    scored.sort(key=lambda s: (-s[0], -s[1], s[2].name))
    best = scored[0][0]
    close = [s[2] for s in scored if s[0] >= best - CLOSE]
    if best < MATCH:
        return Match(None, close[:4], guess=True)
    if len(close) > 1:
        return Match(None, close[:4])
    return Match(scored[0][2])


# -- stock --------------------------------------------------------------------------------------
def on_order(session: Session) -> dict[int, int]:
    """Item id -> quantity outstanding on open (and draft) purchase orders."""
    rows = session.execute(
        select(PurchaseOrderLine.item_id,
               func.sum(PurchaseOrderLine.quantity - PurchaseOrderLine.received))
        .join(PurchaseOrder, PurchaseOrder.id == PurchaseOrderLine.po_id)
        .where(PurchaseOrder.status.in_(OPEN_STATUSES))
        .group_by(PurchaseOrderLine.item_id)).all()
    return {int(item_id): max(0, int(qty or 0)) for item_id, qty in rows}


@dataclass(frozen=True)
class StockLine:
    """One item's stock position."""

    item: ItemRow
    vendor: str | None
    on_order: int

    @property
    def forecast(self) -> int:
        """On hand plus what is on order."""
        return self.item.on_hand + self.on_order

    @property
    def low(self) -> bool:
        """On hand is below the reorder point (whatever is on order)."""
        return self.item.on_hand < self.item.reorder_point

    @property
    def short(self) -> bool:
        """Even with what is on order, the forecast is below the reorder point."""
        return self.forecast < self.item.reorder_point


def stock(session: Session) -> list[StockLine]:
    """Every item's stock position, by name."""
    names = vendor_names(session)
    ordered = on_order(session)
    return [StockLine(i, names.get(i.vendor_id) if i.vendor_id else None, ordered.get(i.id, 0))
            for i in items(session)]


def last_move_id(session: Session, item_id: int) -> int:
    """The newest stock move of an item (0 when none): part of a shortage's identity."""
    return int(session.scalar(select(func.max(StockMove.id))
                              .where(StockMove.item_id == item_id)) or 0)


def set_on_hand(session: Session, item: ItemRow, count: int, now: datetime,
                reason: str = "count") -> StockMove | None:
    """Record a stock count: the difference becomes a stock move."""
    if count < 0:
        raise BadInput("stock on hand cannot be negative", hint="Give the counted quantity.")
    lifecycle.lock(session, item.workspace_id)
    delta = count - item.on_hand
    if delta == 0:
        return None
    move = StockMove(workspace_id=item.workspace_id, item_id=item.id, delta=delta,
                     reason=reason, at=now)
    item.on_hand = count
    session.add(move)
    session.flush()
    return move


# -- editing the catalog ------------------------------------------------------------------------
_ITEM_FIELDS = ("name", "sku", "vendor", "unit", "pack_size", "unit_price", "reorder_point",
                "target_level", "lead_time_days")


def _whole(name: str, value: Any, minimum: int = 0) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise BadInput(f"{name.replace('_', ' ')} must be a whole number, not {value!r}") \
            from None
    if number < minimum:
        raise BadInput(f"{name.replace('_', ' ')} must be at least {minimum}")
    return number


def _price(value: Any) -> Decimal:
    try:
        price = Decimal(str(value).strip().lstrip("$\u20ac\u00a3"))
    except InvalidOperation:
        raise BadInput(f"the unit price must be an amount like 42.00, not {value!r}") from None
    if not price.is_finite() or price < 0:
        raise BadInput(f"the unit price must be an amount of 0 or more, not {value!r}")
    return price.quantize(Decimal("0.01"))


def apply_item_fields(session: Session, item: ItemRow, values: Mapping[str, Any]) -> list[str]:
    """Set the given fields of ``item`` (validated); returns the names changed."""
    if item.workspace_id is not None:
        lifecycle.lock(session, item.workspace_id)
    changed = []
    for key, value in values.items():
        if value is None:
            continue
        if key not in _ITEM_FIELDS:
            raise BadInput(f"items have no field {key!r}",
                           hint=f"Fields: {', '.join(_ITEM_FIELDS)}")
        if key == "vendor":
            item.vendor_id = find_vendor(session, str(value)).id
        elif key == "name":
            if not str(value).strip():
                raise BadInput("an item needs a name")
            item.name = str(value).strip()
        elif key == "sku":
            sku = str(value).strip() or None
            clash = sku and session.scalars(select(ItemRow).where(
                func.lower(ItemRow.sku) == sku.lower(), ItemRow.id != (item.id or -1))).first()
            if clash:
                raise BadInput(f"SKU {sku} is already used by {clash.name}",
                               hint="SKUs identify items; pick another one.")
            item.sku = sku
        elif key == "unit":
            item.unit = str(value).strip().lower() or "each"
        elif key == "unit_price":
            item.unit_price = _price(value)
        else:
            setattr(item, key, _whole(key, value, 1 if key == "pack_size" else 0))
        changed.append(key)
    if item.target_level and item.target_level < item.reorder_point:
        raise BadInput(f"the target level ({item.target_level}) is below the reorder point "
                       f"({item.reorder_point})",
                       hint="Orders fill stock up to the target level; make it at least the "
                            "reorder point.")
    return changed


def add_item(session: Session, workspace_id: int, name: str, values: Mapping[str, Any],
             on_hand: int, now: datetime) -> ItemRow:
    """A new item; its starting stock is recorded as a stock move."""
    if any(normalise(i.name) == normalise(name) for i in items(session)):
        raise BadInput(f"there is already an item called {name!r}",
                       hint="Change it with `righthand supplies item update`.")
    lifecycle.lock(session, workspace_id)
    item = ItemRow(workspace_id=workspace_id, name=name.strip(), unit="each", pack_size=1,
                   unit_price=Decimal(0), on_hand=0, reorder_point=0, target_level=0,
                   lead_time_days=3)
    apply_item_fields(session, item, {**values, "name": name})
    session.add(item)
    session.flush()
    set_on_hand(session, item, _whole("on_hand", on_hand), now, reason="initial")
    return item


def add_vendor(session: Session, workspace_id: int, name: str, email: str | None,
               contact_name: str | None, phone: str | None) -> VendorRow:
    """A new vendor."""
    if not name.strip():
        raise BadInput("a vendor needs a name")
    lifecycle.lock(session, workspace_id)
    if any(v.name.lower() == name.strip().lower() for v in vendors(session)):
        raise BadInput(f"there is already a vendor called {name!r}",
                       hint="Change it with `righthand supplies vendor update`.")
    vendor = VendorRow(workspace_id=workspace_id, name=name.strip())
    update_vendor(vendor, email=email, contact_name=contact_name, phone=phone)
    session.add(vendor)
    session.flush()
    return vendor


def update_vendor(vendor: VendorRow, *, email: str | None = None,
                  contact_name: str | None = None, phone: str | None = None) -> None:
    """Change a vendor's ordering email, contact or phone (None leaves a field as it is)."""
    if email is not None:
        address = email.strip().lower()
        if address and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", address):
            raise BadInput(f"{email!r} is not an email address",
                           hint="Purchase orders are emailed there, e.g. orders@vendor.com.")
        vendor.email = address or None
    if contact_name is not None:
        vendor.contact_name = contact_name.strip() or None
    if phone is not None:
        vendor.phone = phone.strip() or None
