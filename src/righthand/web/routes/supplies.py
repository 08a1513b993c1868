"""Supplies: stock with the items below their reorder point, ordering (``ops.order``: a draft
purchase order whose email meets the gate), purchase orders and receiving deliveries
(``ops.receive``). Also registers the approvals page's preview of a purchase order."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Request
from fastapi.responses import HTMLResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from righthand.duties.supplies import catalog, lifecycle, ops
from righthand.duties.supplies.quantities import to_units
from righthand.errors import BadInput
from righthand.service import executor, workspaces
from righthand.store.tables import ItemRow, PurchaseOrder, VendorRow
from righthand.web import acting, operations, supply_preview
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import NavItem, render
from righthand.web.routing import page_router

router = page_router()
NAV = [NavItem("supplies", "Supplies", "supplies", order=60)]
supply_preview.install()


def _gate(app: Any, session: Session, ctx: Context) -> ops.Gatekeeping:
    ws = operations.workspace_row(session, ctx)
    return ops.Gatekeeping(workspaces.job_description(session, ws), app.catalog,
                           app.approval_ttl, ctx.actor)


def _outcome(proposed: executor.Proposed) -> acting.Outcome:
    """What became of a proposal (read inside its transaction)."""
    name, reason, summary = proposed.decision.name, proposed.decision.reason, \
        proposed.row.summary
    message = {"deny": f"Not done: {reason}",
               "ask": f"Waiting for the client's approval (#{proposed.approval_id}): "
                      f"{summary}. {reason}"}.get(name, f"Done: {summary}.")
    return acting.Outcome(proposed.row.id, name, proposed.row.state, message,
                          proposed.approval_id)


def _delivered(app: Any, outcome: acting.Outcome) -> acting.Outcome:
    if outcome.decision == "allow":
        acting.deliver(app, [outcome.action_id])
    return outcome


def _page(request: Request, ctx: Context,
          notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "supplies")
        lines: list[catalog.StockLine] = []
        orders: list[tuple[PurchaseOrder, str]] = []
        if refusal is None:
            lines = catalog.stock(session)
            names = catalog.vendor_names(session)
            orders = [(po, names.get(po.vendor_id, "?")) for po in session.scalars(
                select(PurchaseOrder).order_by(PurchaseOrder.id.desc()).limit(50))]
        session.expunge_all()
    return render(request, "supplies.html", ctx=ctx, active="supplies", title="Supplies",
                  lines=lines, low=[line for line in lines if line.low], orders=orders,
                  label=lifecycle.label, refusal=refusal, notices=notices or [])


@router.get("/supplies", response_class=HTMLResponse)
def supplies(request: Request, ctx: PageContext) -> HTMLResponse:
    """Stock, what is below its reorder point, and the purchase orders."""
    return _page(request, ctx)


@router.post("/supplies/items/{item_id}/order", response_class=HTMLResponse)
def order(request: Request, ctx: PageContext, item_id: int,
          quantity: Annotated[int, Form(ge=1, le=100_000)]) -> HTMLResponse:
    """Draft a purchase order for the item; its email to the vendor meets the gate."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        item = operations.found(session, ItemRow, item_id, "item")
        amount = to_units(quantity, None, item.unit, item.pack_size, item.name)
        ws = operations.workspace_row(session, ctx)
        _po, proposed = ops.order(session, ws, item, amount, _gate(app, session, ctx),
                                  app.clock())
        outcome = _outcome(proposed)
    return _page(request, ctx, [_delivered(app, outcome)])


def _order_page(request: Request, ctx: Context, po_id: int,
                notices: list[acting.Outcome] | None = None) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "supplies")
        po = operations.found(session, PurchaseOrder, po_id, "purchase order")
        vendor = session.get(VendorRow, po.vendor_id)
        lines = [] if refusal else [(line, session.get(ItemRow, line.item_id))
                                    for line in lifecycle.lines_of(session, po)]
        session.expunge_all()
    return render(request, "purchase_order.html", ctx=ctx, active="supplies",
                  title=po.number, po=po, vendor=vendor, lines=lines, label=lifecycle.label,
                  refusal=refusal, notices=notices or [])


@router.get("/supplies/orders/{po_id}", response_class=HTMLResponse)
def purchase_order(request: Request, ctx: PageContext, po_id: int) -> HTMLResponse:
    """One purchase order: its lines, what was received, and the receiving form."""
    return _order_page(request, ctx, po_id)


@router.post("/supplies/orders/{po_id}/receive", response_class=HTMLResponse)
async def receive(request: Request, ctx: PageContext, po_id: int) -> HTMLResponse:
    """Record a delivery: every line's quantity received (blank or 0: none of it)."""
    form = await request.form()
    picks_raw = {key.removeprefix("qty_"): str(value) for key, value in form.items()
                 if key.startswith("qty_") and isinstance(value, str)}
    return await run_in_threadpool(_receive, request, ctx, po_id, picks_raw)


def _receive(request: Request, ctx: Context, po_id: int,
             picks_raw: dict[str, str]) -> HTMLResponse:
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        po = operations.found(session, PurchaseOrder, po_id, "purchase order")
        picks: list[tuple[str, int]] = []
        for item_id, text in picks_raw.items():
            quantity = int(text) if text.strip().isdigit() else 0
            item = session.get(ItemRow, int(item_id)) if item_id.isdigit() else None
            if item is not None and quantity > 0:
                picks.append((item.sku or item.name, quantity))
        if picks_raw and not picks:
            raise BadInput("no quantity was entered", hint="Enter how many of each line "
                                                           "arrived, then record it.")
        ws = operations.workspace_row(session, ctx)
        proposed = ops.receive(session, ws, po, picks, _gate(app, session, ctx), app.clock())
        outcome = _outcome(proposed)
    return _order_page(request, ctx, po_id, [_delivered(app, outcome)])
