"""Importing contacts from the browser: upload a CSV or vCard file, watch it checked and then
imported (the page polls its ImportJob with htmx: a progress bar of ``rows_done`` of
``rows_total``) and read the report. The file is read and checked by
``duties.lists.importer`` exactly as ``righthand contacts import`` does; applying it is the
``contacts.import`` Action.

The upload answers at once: it records a ``checking`` job and redirects to its page; the check
(seconds for tens of thousands of rows), the proposal and, when allowed, the import run after
the response, and the check moves the job's counter as it goes."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Annotated

from fastapi import BackgroundTasks, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from righthand.domain.actions import Action
from righthand.duties.lists import importer
from righthand.duties.lists.normalise import default_region
from righthand.errors import BadInput, RighthandError
from righthand.store.tables import ActionRow, ImportJob, MailingListRow, OutboxRow
from righthand.web import acting, operations
from righthand.web.auth import Context, PageContext, get_app
from righthand.web.render import render
from righthand.web.routing import page_router

if TYPE_CHECKING:
    from righthand.bootstrap import App

router = page_router()
FINISHED = {"done", "failed", "refused", "checked"}
STALLED = timedelta(minutes=15)  # a check still running after this died with its process
log = logging.getLogger(__name__)


def _job(session: Session, import_id: int) -> ImportJob:
    return operations.found(session, ImportJob, import_id, "import")


def _action_of(session: Session, import_id: int) -> ActionRow | None:
    """The contacts.import action that applies this job (the newest version)."""
    rows = session.scalars(select(ActionRow).where(ActionRow.kind == "contacts.import")
                           .order_by(ActionRow.id.desc()).limit(200))
    return next((r for r in rows if (r.payload or {}).get("import_job_id") == import_id), None)


def _counted(done: int, total: int, unit: str = "rows", about: bool = False) -> str:
    return f"{min(done, total):,} of {'about ' if about else ''}{total:,} {unit}"


def _progress(request: Request, session: Session, job: ImportJob) -> dict[str, object]:
    """Where the import is: the stage in words, the bar (``done`` of ``total``, or no total
    for a bar without a value), its text equivalent (``count``), and whether the page should
    keep polling (``slow``: every 5 s instead of every second)."""
    app = get_app(request)
    cards = job.kind.endswith("vcard")
    if job.status == "checking":
        total = job.rows_total or 0
        if app.clock() - job.started_at > STALLED:
            return {"stage": "The check stopped before it finished (the server restarted?). "
                             "Upload the file again.", "poll": False, "action": None}
        unit = "cards" if cards else "rows"
        if cards:  # vCards are read all at once: no counter until they are
            return {"stage": f"Checking about {total:,} cards…", "poll": True, "action": None}
        count = _counted(job.rows_done, total, unit, about=True)
        return {"stage": f"Checking the file: {count}…", "done": min(job.rows_done, total),
                "total": total, "count": count, "poll": True, "action": None}
    action = _action_of(session, job.id)
    state = action.state if action is not None else "none"
    total = job.rows_total if job.rows_total is not None else job.total - job.invalid
    if job.status == "done":
        return {"stage": "Imported.", "done": total, "total": total,
                "count": _counted(total, total), "poll": False, "action": action}
    if job.status == "undone":
        return {"stage": "Imported, then undone.", "poll": False, "action": action}
    if job.status == "failed" and job.report.get("error"):
        hint = job.report.get("hint")
        return {"stage": f"Not imported: {job.report['error']}." + (f" {hint}" if hint else ""),
                "poll": False, "action": action}
    if job.status in {"failed", "refused"} or state in {"denied", "failed", "rejected",
                                                         "expired"}:
        why = session.scalar(select(OutboxRow.last_error).where(
            OutboxRow.action_id == action.id)) if action is not None else None
        return {"stage": f"Not imported ({state.replace('_', ' ')})."
                         + (f" {why}" if why else ""), "poll": False, "action": action}
    if state == "awaiting_approval":
        return {"stage": "Checked; waiting for the client's approval.", "done": 0,
                "total": total, "count": _counted(0, total) + " imported", "poll": True,
                "slow": True, "action": action}
    done = job.rows_done
    running = importer.live(app.db.engine, job.id)  # SQLite: this process's counter
    if running is not None:
        done = max(done, running[0])
    count = _counted(done, total)
    return {"stage": f"Importing: {count}…", "done": min(done, total), "total": total,
            "count": count, "poll": True, "action": action}


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
    """Record the file as an import job being checked, and check it (then propose applying
    it) after the response: the job's page shows the check's progress."""
    data = await file.read(importer.MAX_BYTES + 1)
    if len(data) > importer.MAX_BYTES:
        raise BadInput("the file is larger than 200 MB", hint="Split it and import the parts.")
    if not data:
        raise BadInput("the file is empty", hint="Choose a CSV or vCard file with contacts.")
    name = file.filename or "upload.csv"
    job_id, options = await run_in_threadpool(_start_import, request, ctx, data, name,
                                              mode.lower(), list_slug.strip() or None)
    tasks.add_task(_check_and_propose, get_app(request), ctx, job_id, data, name, options)
    return RedirectResponse(ctx.url(f"contacts/imports/{job_id}"), 303)


def _start_import(request: Request, ctx: Context, data: bytes, name: str, mode: str,
                  list_slug: str | None) -> tuple[int, importer.ImportOptions]:
    """The ``checking`` job (a wrong mode or list is refused here, before any row is read)."""
    ctx.require("ask")
    app = get_app(request)
    with app.db.unit(ctx.workspace_id) as session:
        ws = operations.workspace_row(session, ctx)
        options = importer.ImportOptions(mode=mode, list_name=list_slug,
                                         region=default_region(ws.timezone, ws.profile))
        return importer.start(session, ctx.workspace_id, data, name, options, app.clock()).id, \
            options


def _check_and_propose(app: App, ctx: Context, job_id: int, data: bytes, name: str,
                       options: importer.ImportOptions) -> None:
    """After the response: check the file (moving the job's counter), record it and propose
    the ``contacts.import`` action; deliver it when the gate allows it at once. A file that
    cannot be read leaves the job ``failed`` with the reason and what to do."""
    try:
        progress = importer.Progress(app.db.engine, ctx.workspace_id, job_id,
                                     importer.estimate_rows(data, name))
        with app.db.unit(ctx.workspace_id, write=False) as session:
            # Read and check the whole file before the write transaction (as the CLI does).
            parsed = importer.check(session, data, name, options, progress)
        made: dict[str, int] = {}

        def build(session: Session) -> list[Action]:
            """Record the checked file and the action that applies it, in one transaction."""
            job = importer.record(session, ctx.workspace_id, parsed, data, name, options,
                                  app.clock(), job_id=job_id)
            made["job"] = job.id
            return [importer.import_action(job)]

        [outcome] = acting.propose(app, ctx, build=build, deliver=False)
    except RighthandError as exc:
        with app.db.unit(ctx.workspace_id) as session:
            importer.fail(session, job_id, exc.message, exc.hint)
        return
    except Exception:
        log.exception("checking import #%s failed", job_id)
        with app.db.unit(ctx.workspace_id) as session:
            importer.fail(session, job_id, "the file could not be checked (an internal error)",
                          "Try again; if it fails again, tell the administrator.")
        return
    if outcome.decision == "deny":
        with app.db.unit(ctx.workspace_id) as session:
            _job(session, made["job"]).status = "refused"
    elif outcome.decision == "allow":
        acting.deliver(app, [outcome.action_id])


def _report(request: Request, ctx: Context, import_id: int, template: str) -> HTMLResponse:
    app = get_app(request)
    with app.db.unit(ctx.workspace_id, write=False) as session:
        refusal = operations.readable(session, app, ctx, "contacts")
        if refusal:
            return render(request, template, ctx=ctx, active="contacts", title="Import",
                          refusal=refusal, job=None, lines=[], progress={})
        job = _job(session, import_id)
        progress = _progress(request, session, job)
        lines = [] if job.status == "checking" or job.report.get("error") else \
            importer.describe(job)
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
