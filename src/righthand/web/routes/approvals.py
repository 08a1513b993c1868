"""Approvals: each waiting action shown exactly as it will happen; approve, edit or reject;
in bulk where that is safe; and the history of decisions with what became of each."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from righthand.errors import NotFound
from righthand.service import approvals
from righthand.store.tables import ActionRow, Approval
from righthand.web import operations, previews, queries
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import is_htmx, render
from righthand.web.routing import page_router

router = page_router()
EDIT_PREFIX = "field__"


def _page(request: Request, ctx: Context, notices: list[operations.Decided] | None = None,
          status: int = 200) -> HTMLResponse:
    app = get_app(request)
    now = app.clock()
    with app.db.unit(ctx.workspace_id) as session:
        items = approvals.pending(session, now)
        sender = operations.sender(app, ctx.client_name)
        cards = [{"approval": p.approval, "action": p.action,
                  "preview": previews.preview(p.action, app.catalog, sender, now),
                  "bulk_safe": operations.bulk_safe(app, p.action)} for p in items]
        past = queries.history(session, limit=50)
    return render(request, "approvals.html", ctx=ctx, active="approvals", title="Approvals",
                  cards=cards, history=past, notices=notices or [], status=status)


def _answer(request: Request, ctx: Context, decided: operations.Decided) -> HTMLResponse:
    if is_htmx(request):
        return render(request, "approval_result.html", ctx=ctx, decided=decided)
    return _page(request, ctx, [decided])


@router.get("/approvals", response_class=HTMLResponse)
def approvals_page(request: Request, ctx: PageContext) -> HTMLResponse:
    """Waiting actions and the history."""
    return _page(request, ctx)


@router.post("/approvals/{approval_id}/approve", response_class=HTMLResponse)
def approve(request: Request, ctx: PageContext, approval_id: int,
            payload_hash: Annotated[str, Form(max_length=64)]) -> HTMLResponse:
    """Approve the version whose hash the page showed."""
    return _answer(request, ctx, operations.approve(get_app(request), ctx, approval_id,
                                                    payload_hash))


@router.post("/approvals/{approval_id}/reject", response_class=HTMLResponse)
def reject(request: Request, ctx: PageContext, approval_id: int,
           note: Annotated[str, Form(max_length=1000)] = "") -> HTMLResponse:
    """Say no (the note teaches the assistant)."""
    return _answer(request, ctx, operations.reject(get_app(request), ctx, approval_id, note))


@router.get("/approvals/{approval_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, ctx: PageContext, approval_id: int) -> HTMLResponse:
    """The action's editable fields."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        approval = session.get(Approval, approval_id)
        action = session.get(ActionRow, approval.action_id) if approval else None
        if approval is None or action is None:
            raise NotFound(f"there is no approval #{approval_id} in this workspace")
        preview = previews.preview(action, app.catalog,
                                   operations.sender(app, ctx.client_name), app.clock())
    return render(request, "approval_edit.html", ctx=ctx, active="approvals",
                  title=f"Edit approval #{approval_id}", approval=approval, action=action,
                  preview=preview, prefix=EDIT_PREFIX)


@router.post("/approvals/{approval_id}/edit", response_class=HTMLResponse)
async def edit(request: Request, ctx: PageContext, approval_id: int) -> HTMLResponse:
    """Save the edits as a new version, decided again, and approve it."""
    form = await request.form()
    submitted = {key.removeprefix(EDIT_PREFIX): str(value) for key, value in form.items()
                 if key.startswith(EDIT_PREFIX) and isinstance(value, str)}
    decided = await run_in_threadpool(operations.edit, get_app(request), ctx, approval_id,
                                      submitted)
    return _page(request, ctx, [decided])


@router.post("/approvals/bulk", response_class=HTMLResponse)
def bulk(request: Request, ctx: PageContext,
         how: Annotated[str, Form(pattern="^(approve|reject)$")],
         ids: Annotated[list[int] | None, Form()] = None) -> HTMLResponse:
    """Approve (only the safe ones) or reject several at once."""
    decided = operations.bulk(get_app(request), ctx, ids or [], how)
    return _page(request, ctx, decided)


@router.get("/approvals/{approval_id}/attachments/{index}", response_model=None)
def attachment(request: Request, ctx: PageContext, approval_id: int, index: int) -> Response:
    """Download a file the action would attach (e.g. the purchase order PDF)."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        approval = session.get(Approval, approval_id)
        action = session.get(ActionRow, approval.action_id) if approval else None
        found = previews.attachment_bytes(action, operations.sender(app, ctx.client_name),
                                          app.clock(), index) if action is not None else None
    if found is None:
        raise NotFound(f"approval #{approval_id} has no attachment {index}")
    filename, content_type, data = found
    safe = quote(filename, safe="")
    return Response(data, media_type=content_type, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{safe}",
        "Cache-Control": "no-store"})
