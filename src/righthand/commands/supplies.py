"""``righthand supplies``: items and stock, vendors, purchase orders, receiving, reordering."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from righthand.commands import common
from righthand.errors import BadInput

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.duties.supplies.ops import Gatekeeping
    from righthand.service.executor import Proposed
    from righthand.store.tables import Workspace

app = typer.Typer(help="Office supplies: stock, vendors, purchase orders, receiving, reordering.",
                  no_args_is_help=True)
item_app = typer.Typer(help="Add or change an item of the supplies catalog.",
                       no_args_is_help=True)
vendor_app = typer.Typer(help="Add or change a vendor.", no_args_is_help=True)
orders_app = typer.Typer(help="Purchase orders: list, show, pdf.")
app.add_typer(item_app, name="item")
app.add_typer(vendor_app, name="vendor")
app.add_typer(orders_app, name="orders")

Opt = typer.Option


# -- helpers ------------------------------------------------------------------------------------
def _gate(application: App, session: Session, ws: Workspace) -> Gatekeeping:
    from righthand.duties.supplies.ops import Gatekeeping
    from righthand.service import workspaces

    return Gatekeeping(workspaces.job_description(session, ws), application.catalog,
                       application.approval_ttl, "client")


def _audit(session: Session, ws: Workspace, event: str, subject: str,
           data: dict[str, Any], application: App) -> None:
    from righthand.service import audit

    audit.append(session, ws.id, "client", event, subject, data, at=application.clock())


def _decision(proposed: Proposed, what: str) -> tuple[str, bool]:
    """A line about the gate's decision on ``what``; and whether it was refused."""
    decision = proposed.decision
    if decision.name == "ask":
        return (f"{what} waits for your approval (#{proposed.approval_id}): {decision.reason} "
                f"Approve with `righthand approvals approve {proposed.approval_id}`."), False
    if decision.name == "deny":
        return f"{what} was refused: {decision.reason}", True
    return "", False


def _deliver(application: App, action_id: int) -> str:
    """Deliver an allowed action now; returns its state."""
    from righthand.store.tables import ActionRow

    application.dispatcher().run_once(only=[action_id])
    with application.db.unit(None, write=False) as session:
        row = session.get(ActionRow, action_id)
        return row.state if row is not None else "missing"


# -- items and vendors --------------------------------------------------------------------------
@app.command("items")
def items() -> None:
    """The stock table; items below their reorder point are marked LOW."""
    from rich.table import Table

    from righthand.duties.supplies import catalog, lifecycle

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        lifecycle.refresh(session, application.clock())
        lines = catalog.stock(session)
        currency = ws.currency
    if not lines:
        typer.echo("No items yet. Add one with `righthand supplies item add NAME --vendor ... "
                   "--price ...`.")
        return
    from righthand.duties.supplies.pdf import money

    table = Table(title="Supplies")
    for column in ("SKU", "item", "vendor", "unit", "pack", "price", "on hand", "on order",
                   "reorder at", "target", "status"):
        table.add_column(column, justify="right" if column in {
            "pack", "price", "on hand", "on order", "reorder at", "target"} else "left")
    for line in lines:
        item = line.item
        state = "LOW" if line.low else "ok"
        if line.low and not line.short:
            state = "LOW (on order)"
        table.add_row(item.sku or "-", item.name, line.vendor or "-", item.unit,
                      str(item.pack_size), money(item.unit_price, currency), str(item.on_hand),
                      str(line.on_order), str(item.reorder_point), str(item.target_level), state,
                      style="bold red" if line.short else ("yellow" if line.low else None))
    common.console().print(table)


@item_app.command("add")
def item_add(
    name: Annotated[str, typer.Argument(help="The item's name, e.g. 'Printer paper'.")],
    sku: Annotated[str | None, Opt(help="Your or the vendor's stock code.")] = None,
    vendor: Annotated[str | None, Opt(help="The vendor it is ordered from.")] = None,
    unit: Annotated[str, Opt(help="What stock is counted in: box, cartridge, pen...")] = "each",
    pack_size: Annotated[int, Opt(help="Units per pack the vendor sells.")] = 1,
    price: Annotated[str, Opt(help="Price per unit, e.g. 42.00.")] = "0",
    on_hand: Annotated[int, Opt(help="Units in stock now.")] = 0,
    reorder_point: Annotated[int, Opt(help="Reorder when the forecast falls below this.")] = 0,
    target: Annotated[int, Opt(help="Order up to this level.")] = 0,
    lead_time: Annotated[int, Opt(help="Days from order to delivery.")] = 3,
) -> None:
    """Add an item to the catalog."""
    from righthand.duties.supplies import catalog
    from righthand.duties.supplies.quantities import plural

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        item = catalog.add_item(session, ws.id, name, {
            "sku": sku, "vendor": vendor, "unit": unit, "pack_size": pack_size,
            "unit_price": price, "reorder_point": reorder_point,
            "target_level": target or max(reorder_point, 0), "lead_time_days": lead_time},
            on_hand, application.clock())
        _audit(session, ws, "supplies.item_added", item.name, {"sku": item.sku}, application)
    typer.echo(f"Added {item.name}{f' ({item.sku})' if item.sku else ''}: {on_hand} "
               f"{plural(item.unit, on_hand)} on hand, reorder at {reorder_point}, target "
               f"{item.target_level}.")


@item_app.command("update")
def item_update(
    item: Annotated[str, typer.Argument(help="SKU or name of the item.")],
    name: Annotated[str | None, Opt(help="New name.")] = None,
    sku: Annotated[str | None, Opt(help="New SKU.")] = None,
    vendor: Annotated[str | None, Opt(help="New vendor.")] = None,
    unit: Annotated[str | None, Opt(help="New unit.")] = None,
    pack_size: Annotated[int | None, Opt(help="New pack size.")] = None,
    price: Annotated[str | None, Opt(help="New price per unit.")] = None,
    on_hand: Annotated[int | None, Opt(help="Counted stock (recorded as a stock move).")] = None,
    reorder_point: Annotated[int | None, Opt(help="New reorder point.")] = None,
    target: Annotated[int | None, Opt(help="New target level.")] = None,
    lead_time: Annotated[int | None, Opt(help="New lead time in days.")] = None,
) -> None:
    """Change an item; a new on-hand figure is recorded as a stock count."""
    from righthand.duties.supplies import catalog

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        row = catalog.find_item(session, item)
        changed = catalog.apply_item_fields(session, row, {
            "name": name, "sku": sku, "vendor": vendor, "unit": unit, "pack_size": pack_size,
            "unit_price": price, "reorder_point": reorder_point, "target_level": target,
            "lead_time_days": lead_time})
        if on_hand is not None and catalog.set_on_hand(session, row, on_hand,
                                                       application.clock()) is not None:
            changed.append("on_hand")
        if not changed:
            raise BadInput("nothing to change", hint="Pass an option, e.g. --on-hand 5.")
        _audit(session, ws, "supplies.item_changed", row.name,
               {"fields": changed, "on_hand": row.on_hand}, application)
    typer.echo(f"Updated {row.name}: {', '.join(c.replace('_', ' ') for c in changed)}.")


@app.command("vendors")
def vendors() -> None:
    """The vendors and where their orders go."""
    from righthand.duties.supplies import catalog

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        rows = catalog.vendors(session)
    if not rows:
        typer.echo("No vendors yet. Add one with `righthand supplies vendor add NAME --email "
                   "ADDRESS`.")
    for v in rows:
        extra = ", ".join(x for x in (v.contact_name, v.phone) if x)
        typer.echo(f"{v.name} <{v.email or 'no ordering email'}>{f' ({extra})' if extra else ''}")


@vendor_app.command("add")
def vendor_add(name: str,
               email: Annotated[str | None, Opt(help="Where orders are emailed.")] = None,
               contact: Annotated[str | None, Opt(help="Your contact there.")] = None,
               phone: Annotated[str | None, Opt(help="Their phone number.")] = None) -> None:
    """Add a vendor."""
    from righthand.duties.supplies import catalog

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        vendor = catalog.add_vendor(session, ws.id, name, email, contact, phone)
        _audit(session, ws, "supplies.vendor_added", vendor.name, {"email": vendor.email},
               application)
    typer.echo(f"Added vendor {vendor.name}.")


@vendor_app.command("update")
def vendor_update(name: str,
                  email: Annotated[str | None, Opt(help="Where orders are emailed.")] = None,
                  contact: Annotated[str | None, Opt(help="Your contact there.")] = None,
                  phone: Annotated[str | None, Opt(help="Their phone number.")] = None) -> None:
    """Change a vendor's ordering email, contact or phone."""
    from righthand.duties.supplies import catalog

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        vendor = catalog.find_vendor(session, name)
        catalog.update_vendor(vendor, email=email, contact_name=contact, phone=phone)
        _audit(session, ws, "supplies.vendor_changed", vendor.name, {"email": vendor.email},
               application)
    typer.echo(f"Updated vendor {vendor.name}.")


# -- orders -------------------------------------------------------------------------------------
@orders_app.callback(invoke_without_command=True)
def orders_default(ctx: typer.Context,
                   all_: Annotated[bool, Opt("--all", help="Include closed orders.")] = False,
                   ) -> None:
    """List open purchase orders when no subcommand is given."""
    if ctx.invoked_subcommand is None:
        orders_list(all_)


@orders_app.command("list")
def orders_list(all_: Annotated[bool, Opt("--all", help="Include closed orders.")] = False,
                ) -> None:
    """Purchase orders, newest first."""
    from sqlalchemy import select

    from righthand.duties.supplies import catalog, lifecycle, proposal
    from righthand.duties.supplies.pdf import money
    from righthand.store.tables import PurchaseOrder

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        lifecycle.refresh(session, application.clock())
        query = select(PurchaseOrder).order_by(PurchaseOrder.id.desc())
        if not all_:
            query = query.where(PurchaseOrder.status.in_(catalog.OPEN_STATUSES))
        rows = session.scalars(query).all()
        names = catalog.vendor_names(session)
        listed = [f"{po.number}  {lifecycle.label(po.status):<15} "
                  f"{money(po.total, po.currency):>10}  {names.get(po.vendor_id, '?')}  "
                  f"({proposal.issued_on(po, ws):%Y-%m-%d}{', reorder' if po.reorder_key else ''})"
                  for po in rows]
    if not listed:
        typer.echo("No open purchase orders." if not all_ else "No purchase orders yet.")
    for line in listed:
        typer.echo(line)


@orders_app.command("show")
def orders_show(number: Annotated[str, typer.Argument(help="e.g. PO-0007 or 7.")]) -> None:
    """One purchase order: vendor, lines (ordered and received), status, history notes."""
    from sqlalchemy import select

    from righthand.duties.supplies import lifecycle
    from righthand.duties.supplies.pdf import money
    from righthand.store.tables import Approval, ItemRow, VendorRow

    application = common.build_app()
    with common.workspace(application) as (session, _ws):
        lifecycle.refresh(session, application.clock())
        po = lifecycle.find(session, number)
        vendor = session.get(VendorRow, po.vendor_id)
        out = [f"{po.number} to {vendor.name if vendor else '?'} "
               f"<{vendor.email if vendor else '-'}>: {lifecycle.label(po.status)}, "
               f"{money(po.total, po.currency)}"]
        for line in lifecycle.lines_of(session, po):
            item = session.get(ItemRow, line.item_id)
            name = (f"{item.name} ({item.sku})" if item.sku else item.name) if item else "?"
            out.append(f"  {line.quantity:>5} x {name} at {money(line.unit_price, po.currency)}"
                       f"  received {line.received}/{line.quantity}")
        if po.action_id:
            approval = session.scalars(select(Approval).where(
                Approval.action_id == po.action_id, Approval.status == "pending")).first()
            out.append(f"  action #{po.action_id}" + (
                f", waiting for approval #{approval.id}" if approval else ""))
        if po.notes:
            out += [f"  note: {n}" for n in po.notes.splitlines()]
    typer.echo("\n".join(out))


@orders_app.command("pdf")
def orders_pdf(number: Annotated[str, typer.Argument(help="e.g. PO-0007.")],
               out: Annotated[Path | None, Opt("--out", "-o", help="File to write.")] = None,
               ) -> None:
    """Write the purchase order's PDF to a file."""
    from righthand.duties.supplies import lifecycle, proposal

    application = common.build_app()
    with common.workspace(application, write=False) as (session, ws):
        po = lifecycle.find(session, number)
        data = proposal.render_pdf(session, po, ws)
    target = out or Path(f"{po.number}.pdf")
    try:
        target.write_bytes(data)
    except OSError as exc:
        raise BadInput(f"cannot write {target}: {exc.strerror}",
                       hint="Pick a folder you can write to with --out.") from None
    typer.echo(f"Wrote {target} ({len(data) / 1024:.1f} kB).")


@app.command("order")
def order(item: Annotated[str, typer.Argument(help="What to order: a SKU or the item's name.")],
          quantity: Annotated[str, typer.Argument(help="How many: 3, two, a dozen.")],
          unit: Annotated[str | None, Opt(help="Unit of the quantity: the item's own, or "
                                               "pack/box/case.")] = None) -> None:
    """Draft a purchase order and put its email to the vendor before the gate."""
    from righthand.duties.supplies import catalog, ops
    from righthand.duties.supplies.quantities import parse_quantity, to_units

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        match = catalog.resolve_item(session, item)
        if match.item is None:
            names = " or ".join(f"{i.name} ({i.sku})" if i.sku else i.name
                                for i in match.candidates)
            raise BadInput(f"{item!r} could be {names}" if names and not match.guess else
                           f"{item!r} is not in the supplies catalog" +
                           (f" (did you mean {names}?)" if names else ""),
                           hint="Use the SKU or name from `righthand supplies items`, or add "
                                "the item with `righthand supplies item add`.")
        wanted = parse_quantity(quantity)
        if wanted is None:
            raise BadInput("how many?", hint="Give a quantity, e.g. 2.")
        chosen = match.item
        amount = to_units(wanted, unit, chosen.unit, chosen.pack_size, chosen.name)
        po, proposed = ops.order(session, ws, chosen, amount, _gate(application, session, ws),
                                 application.clock())
        said = ops.describe_order(chosen, amount, po)
        line, refused = _decision(proposed, po.number)
        action_id, allowed = proposed.row.id, proposed.decision.name == "allow"
    typer.echo(said)
    if allowed:
        state = _deliver(application, action_id)
        typer.echo(f"Sent {po.number} to the vendor." if state == "done" else
                   f"{po.number} is queued; the worker sends it (`righthand worker`).")
    if line:
        typer.echo(line)
    if refused:
        raise typer.Exit(1)


@app.command("receive")
def receive(number: Annotated[str, typer.Argument(help="The order, e.g. PO-0007.")],
            item: Annotated[list[str] | None, Opt(help="SKU or name of a line received "
                                                       "(repeatable; default: everything).")]
            = None,
            qty: Annotated[list[int] | None, Opt(help="Quantity received of each --item "
                                                      "(in the item's unit).")] = None) -> None:
    """Record a delivery into stock (full, or partial with --item and --qty); undoable."""
    from righthand.duties.supplies import lifecycle, ops, receiving
    from righthand.duties.supplies.catalog import find_item

    items_, qtys = item or [], qty or []
    if len(qtys) > len(items_) or (items_ and len(qtys) not in (0, len(items_))):
        raise BadInput("give one --qty for each --item, or none to receive those lines in full",
                       hint="e.g. --item PAP-A4-500 --qty 1")
    application = common.build_app()
    with common.workspace(application) as (session, ws):
        po = lifecycle.find(session, number)
        if items_ and not qtys:
            lines = lifecycle.lines_of(session, po)
            outstanding = {ln.item_id: ln.quantity - ln.received for ln in lines}
            qtys = [outstanding.get(find_item(session, ref).id, 0) for ref in items_]
        proposed = ops.receive(session, ws, po, list(zip(items_, qtys, strict=True)),
                               _gate(application, session, ws), application.clock())
        summary = receiving.describe(proposed.row.payload["lines"])
        line, refused = _decision(proposed, f"The receipt of {po.number}")
        action_id, allowed = proposed.row.id, proposed.decision.name == "allow"
    if allowed:
        state = _deliver(application, action_id)
        if state == "done":
            with common.workspace(application, write=False) as (session, _ws):
                status = lifecycle.label(lifecycle.find(session, number).status)
            typer.echo(f"Received {summary} into stock; {po.number} is {status}. "
                       f"(Undo with `righthand undo {action_id}`.)")
        else:
            typer.echo(f"The receipt of {po.number} is queued (action #{action_id}).")
    if line:
        typer.echo(line)
    if refused:
        raise typer.Exit(1)


@app.command("cancel")
def cancel(number: Annotated[str, typer.Argument(help="The order, e.g. PO-0007.")]) -> None:
    """Cancel an order that has not been received; stops its email if it has not gone out."""
    from righthand.duties.supplies import lifecycle, ops

    application = common.build_app()
    with common.workspace(application) as (session, _ws):
        message = ops.cancel(session, lifecycle.find(session, number), application.clock())
    typer.echo(message)


@app.command("reorder")
def reorder() -> None:
    """Run a reorder check now: one draft order per vendor for items below reorder points."""
    from righthand.domain.actions import Initiative
    from righthand.duties.supplies.reorder import run_reorder
    from righthand.service import workspaces

    application = common.build_app()
    with common.workspace(application) as (session, ws):
        report = run_reorder(session, ws, workspaces.job_description(session, ws),
                             application.catalog, application.clock(),
                             initiative=Initiative.REACTIVE, actor="client",
                             approval_ttl=application.approval_ttl)
    allowed = [p.action_id for p in report.proposed if p.decision == "allow"]
    if allowed:
        application.dispatcher().run_once(only=allowed)
    typer.echo(report.text())
