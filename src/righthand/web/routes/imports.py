"""Importing contacts from the browser: upload a CSV or vCard file, see it checked, then watch
the import (the page polls its ImportJob with htmx) and read the report. The file is read and
checked by ``duties.lists.importer`` exactly as ``righthand contacts import`` does; applying it
is the ``contacts.import`` Action, delivered after the response so a big file never holds up
the page."""

from __future__ import annotations

from typing import Annotated

from fastapi import BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from righthand.domain.actions import Action
from righthand.duties.lists import importer
from righthand.duties.lists.normalise import default_region
from righthand.duties.lists.subscriptions import resolve_list
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ActionRow, ImportJob, MailingListRow, OutboxRow
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import render
from righthand.web.routing import page_router

router = page_router()
FINISHED = {"done", "failed", "refused", "checked"}


def _job(session: Session, import_id: int) -> ImportJob:
    job = session.get(ImportJob, import_id)
    if job is None:
        raise NotFound(f"there is no import #{import_id} in this workspace")
    return job


def _action_of(session: Session, import_id: int) -> ActionRow | None:
    """The contacts.import action that applies this job (the newest version)."""
    rows = session.scalars(select(ActionRow).where(ActionRow.kind == "contacts.import")
                           .order_by(ActionRow.id.desc()).limit(200))
    return next((r for r in rows if (r.payload or {}).get("import_job_id") == import_id), None)


def _progress(session: Session, job: ImportJob) -> dict[str, object]:
    """Where the import is: the stage in words, a percentage (None while it runs), and
    whether the page should keep polling."""
    action = _action_of(session, job.id)
    state = action.state if action is not None else "none"
    if job.status == "done":
        return {"stage": "Imported.", "percent": 100, "poll": False, "action": action}
    if job.status in {"failed", "refused"} or state in {"denied", "failed", "rejected",
                                                         "expired"}:
        why = session.scalar(select(OutboxRow.last_error).where(
            OutboxRow.action_id == action.id)) if action is not None else None
        return {"stage": f"Not imported ({state.replace('_', ' ')})."
                         + (f" {why}" if why else ""), "percent": 0, "poll": False,
                "action": action}
    if state == "awaiting_approval":
        return {"stage": "Checked; waiting for the client's approval.", "percent": 33,
                "poll": True, "slow": True, "action": action}
    return {"stage": f"Importing {job.total - job.invalid:,} contacts…", "percent": None,
            "poll": True, "action": action}


@router.get("/contacts/import", response_class=HTMLResponse)
def import_form(request: Request, ctx: PageContext) -> HTMLResponse:
    """The upload form and the latest imports."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        jobs = [] if refusal else importer.recent_jobs(session, 20)
        lists = [] if refusal else list(session.scalars(select(MailingListRow)
                                                        .order_by(MailingListRow.name)))
    return render(request, "import_form.html", ctx=ctx, active="contacts",
                  title="Import contacts", jobs=jobs, lists=lists, refusal=refusal)


@router.post("/contacts/import", response_model=None)
async def import_upload(request: Request, ctx: PageContext, tasks: BackgroundTasks,
                        file: Annotated[UploadFile, File()],
                        mode: Annotated[str, Form(max_length=8)] = "add",
                        list_slug: Annotated[str, Form(max_length=100)] = "") -> Response:
    """Check the file, record it as an import job and propose applying it."""
    data = await file.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        raise BadInput("the file is larger than 200 MB", hint="Split it and import the parts.")
    if not data:
        raise BadInput("the file is empty", hint="Choose a CSV or vCard file with contacts.")
    name = file.filename or "upload.csv"
    job_id = await run_in_threadpool(_propose_import, request, ctx, data, name, mode.lower(),
                                     list_slug.strip() or None, tasks)
    return RedirectResponse(ctx.url(f"contacts/imports/{job_id}"), 303)


def _propose_import(request: Request, ctx: Context, data: bytes, name: str, mode: str,
                    list_slug: str | None, tasks: BackgroundTasks) -> int:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        ws = operations.workspace_row(session, ctx)
        options = importer.ImportOptions(mode=mode, list_name=list_slug,
                                         region=default_region(ws.timezone, ws.profile))
        # Read and check the whole file before the write transaction (as the CLI does).
        parsed = importer.check(session, data, name, options)
    made: dict[str, int] = {}

    def build(session: Session) -> list[Action]:
        """Record the checked file and the action that applies it, in one transaction."""
        if options.list_name:
            resolve_list(session, options.list_name)
        job = importer.record(session, ctx.workspace_id, parsed, data, name, options,
                              app.clock())
        made["job"] = job.id
        return [importer.import_action(job)]

    [outcome] = acting.propose(app, ctx, build=build, deliver=False)
    if outcome.decision == "deny":
        with app.db.unit(ctx.workspace_id) as session:
            _job(session, made["job"]).status = "refused"
    elif outcome.decision == "allow":
        tasks.add_task(acting.deliver, app, [outcome.action_id])
    return made["job"]


def _report(request: Request, ctx: Context, import_id: int, template: str) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        if refusal:
            return render(request, template, ctx=ctx, active="contacts", title="Import",
                          refusal=refusal, job=None, lines=[], progress={})
        job = _job(session, import_id)
        progress = _progress(session, job)
        lines = importer.describe(job)
        session.expunge(job)
    return render(request, template, ctx=ctx, active="contacts", title=f"Import #{job.id}",
                  job=job, lines=lines, progress=progress, refusal=None)


@router.get("/contacts/imports/{import_id}", response_class=HTMLResponse)
def import_page(request: Request, ctx: PageContext, import_id: int) -> HTMLResponse:
    """One import: its progress (polled) and its report."""
    return _report(request, ctx, import_id, "import.html")


@router.get("/contacts/imports/{import_id}/progress", response_class=HTMLResponse)
def import_progress(request: Request, ctx: PageContext, import_id: int) -> HTMLResponse:
    """The progress and report fragment the import page polls."""
    return _report(request, ctx, import_id, "import_progress.html")


@router.get("/contacts/imports/{import_id}/invalid.csv", response_model=None)
def invalid_rows(request: Request, ctx: PageContext, import_id: int) -> Response:
    """The rows left out, with the reason per row, to fix and import again."""
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        text = _job(session, import_id).invalid_rows or ""
    return Response(("\ufeff" + text).encode(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition":
                             f"attachment; filename=import-{import_id}-invalid.csv",
                             "Cache-Control": "no-store"})
