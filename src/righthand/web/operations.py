"""What the pages and the API do, once: thin orchestration over the services.

Every change goes through the same services the CLI uses (approvals, workspaces, the assistant),
with the web user's actor string (``client:pat``, ``staff:alice``), so a staff assistant's work
meets the same gate as the AI assistant's and the audit log says who did what.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Initiative
from righthand.errors import BadInput, NotDelegated, NotFound
from righthand.policy.access import ReadRefusal, check_read
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import Phase
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.limits import LIMIT_NAMES, Limits
from righthand.service import approvals, audit, ledger, workspaces
from righthand.store.tables import ActionRow, Approval, Workspace
from righthand.web.auth import Context
from righthand.web.previews import DEFAULT_SENDER, Sender, coerce_changes, editable_fields

if TYPE_CHECKING:
    from righthand.bootstrap import App

# What may follow a limit's value (mirrors policy.limits, which validates it again).
LIMIT_MODES: dict[str, tuple[str, ...]] = {
    "spend_per_order": ("ask", "deny"), "spend_per_month": ("ask", "deny"),
    "recipients_per_mailing": ("ask", "deny"), "recipients": ("ask", "deny"),
    "quiet_hours": ("defer", "ask", "deny"),
}
LIMIT_LABELS: dict[str, str] = {
    "spend_per_order": "Spend per order", "spend_per_month": "Spend per month",
    "recipients_per_mailing": "Recipients per mailing",
    "recipients": "Who may be written to (known or anyone)",
    "quiet_hours": "Quiet hours (e.g. 20:00-08:00)",
}
PROFILE_FIELDS = ("business_name", "email", "phone", "signature", "working_hours")


@dataclass(frozen=True)
class Decided:
    """The result of a decision on one approval."""

    approval_id: int
    action_id: int
    state: str
    message: str
    ok: bool = True


def sender(app: App, ws_client_name: str) -> Sender:
    """Who mail goes out as (the dispatcher's rule)."""
    return Sender(ws_client_name, app.settings.mail_from or DEFAULT_SENDER)


def workspace_row(session: Session, ctx: Context) -> Workspace:
    """The context's workspace row."""
    ws = session.get(Workspace, ctx.workspace_id)
    if ws is None:
        raise NotFound("the workspace is gone")
    return ws


def readable(session: Session, app: App, ctx: Context, scope: str) -> str | None:
    """None when this user may see ``scope`` data here, else why not.

    The client sees all of their own data. A staff assistant sees only what some duty that is
    switched on reads -- the same rule the AI assistant follows.
    """
    if ctx.is_owner:
        return None
    job = workspaces.job_description(session, workspace_row(session, ctx))
    duties = app.catalog.by_scope(scope)
    for manifest in duties:
        if not isinstance(check_read(manifest.id, frozenset({scope}), job, app.catalog),
                          ReadRefusal):
            return None
    names = ", ".join(m.title for m in duties) or "no duty"
    return f"No duty that reads {scope} is switched on ({names}), so assistants do not see it."



def require_readable(session: Session, app: App, ctx: Context, scope: str,
                     hint: str | None = "The client can switch one of these duties on in the "
                                        "job description.") -> None:
    """NotDelegated (a 403 saying why, and ``hint``; None: the error's own) unless this user may
    see ``scope`` data here (:func:`readable`)."""
    refusal = readable(session, app, ctx, scope)
    if refusal is not None:
        raise NotDelegated(refusal, hint=hint)

def _deliver(app: App, action_id: int) -> str:
    report = app.dispatcher().run_once(only=[action_id])
    if report.delivered:
        return "done"
    if report.failed:
        return "failed"
    return "queued"


def _state(app: App, ctx: Context, action_id: int) -> str:
    with app.db.unit(ctx.workspace_id, write=False) as session:
        row = session.get(ActionRow, action_id)
        return row.state if row is not None else "unknown"


def approve(app: App, ctx: Context, approval_id: int, expected_hash: str | None) -> Decided:
    """Approve exactly the version that was shown, then deliver it."""
    ctx.require("approve")
    with app.db.unit(ctx.workspace_id) as session:
        job = workspaces.job_description(session, workspace_row(session, ctx))
        row = approvals.approve(session, approval_id, job, app.catalog, app.clock(), ctx.actor,
                                expected_hash=expected_hash)
        action_id = row.id
    delivered = _deliver(app, action_id)
    message = {"done": "Approved and done.", "failed": "Approved, but delivery failed.",
               "queued": "Approved; queued for delivery."}[delivered]
    return Decided(approval_id, action_id, _state(app, ctx, action_id), message)


def reject(app: App, ctx: Context, approval_id: int, note: str | None) -> Decided:
    """Say no; it is never carried out."""
    ctx.require("approve")
    with app.db.unit(ctx.workspace_id) as session:
        row = approvals.reject(session, approval_id, app.clock(), ctx.actor,
                               (note or "").strip()[:1000] or None)
        return Decided(approval_id, row.id, row.state, "Rejected.")


def edit(app: App, ctx: Context, approval_id: int, submitted: Mapping[str, Any],
         *, typed: bool = False) -> Decided:
    """Apply the client's edits (a new version, decided again) and approve it."""
    ctx.require("approve")
    with app.db.unit(ctx.workspace_id) as session:
        approval = session.get(Approval, approval_id)
        action = session.get(ActionRow, approval.action_id) if approval else None
        if approval is None or action is None:
            raise NotFound(f"there is no approval #{approval_id} in this workspace")
        allowed = {f.name for f in editable_fields(action.payload, action.kind)}
        fixed = sorted(set(submitted) - allowed)
        if fixed:
            # Recipients, amounts and attachments are what the gate judged and what the other
            # fields must agree with: changing them is a new request, not an edit.
            raise BadInput(f"{', '.join(fixed)} cannot be edited here",
                           hint=f"Editable: {', '.join(sorted(allowed)) or 'nothing'}; or "
                                "reject it and ask again.")
        try:
            changes = dict(submitted) if typed else coerce_changes(
                action.payload, {k: str(v) for k, v in submitted.items()}, action.kind)
        except ValueError as exc:
            raise BadInput(f"a number field has a value that is not a number: {exc}") from None
        job = workspaces.job_description(session, workspace_row(session, ctx))
        if not changes:
            row = approvals.approve(session, approval_id, job, app.catalog, app.clock(),
                                    ctx.actor, expected_hash=approval.payload_hash)
        else:
            row = approvals.edit(session, approval_id, changes, job, app.catalog, app.clock(),
                                 app.approval_ttl, ctx.actor).row
        action_id = row.id
    delivered = _deliver(app, action_id)
    message = "Edited and approved." if changes else "Approved (nothing was changed)."
    if delivered == "queued":
        message += " Queued for delivery."
    return Decided(approval_id, action_id, _state(app, ctx, action_id), message)


def bulk_safe(app: App, action: ActionRow) -> bool:
    """True when approving without looking one by one is safe: the effect stays inside
    Righthand (nothing is sent to anyone) and can be undone."""
    manifest = app.catalog.duty_for_kind(action.kind)
    spec = manifest.kind(action.kind) if manifest else None
    return spec is not None and not spec.external and spec.undoable


def bulk(app: App, ctx: Context, approval_ids: list[int], how: str) -> list[Decided]:
    """Approve or reject several; approving is refused for any that reach the outside world."""
    ctx.require("approve")
    results = []
    for approval_id in approval_ids[:200]:
        if how == "reject":
            results.append(reject(app, ctx, approval_id, "rejected in bulk"))
            continue
        with app.db.unit(ctx.workspace_id, write=False) as session:
            approval = session.get(Approval, approval_id)
            action = session.get(ActionRow, approval.action_id) if approval else None
            if approval is None or action is None:
                raise NotFound(f"there is no approval #{approval_id} in this workspace")
            safe, expected = bulk_safe(app, action), approval.payload_hash
        if not safe:
            results.append(Decided(approval_id, action.id, action.state,
                                   "Not approved: it reaches people outside, so approve it on "
                                   "its own after reading it.", ok=False))
            continue
        results.append(approve(app, ctx, approval_id, expected))
    return results


def parse_limits(values: Mapping[str, str], modes: Mapping[str, str]) -> Limits:
    """Limits from per-limit text values and modes (empty value: no limit)."""
    limits = Limits()
    for name in LIMIT_NAMES:
        text = (values.get(name) or "").strip()
        mode = (modes.get(name) or "").strip().lower() or None
        if not text:
            continue
        try:
            limits = limits.with_limit(name, text, mode)
        except ValueError as exc:
            raise BadInput(str(exc), hint="Fix that limit, or clear it for no limit.") from None
    return limits


def set_duty(app: App, ctx: Context, duty: str, autonomy: str | None, initiative: str | None,
             limits: Limits | None) -> DutySetting:
    """Change one line of the job description (audited as this user)."""
    ctx.require("job")
    if duty not in app.catalog:
        raise NotFound(f"there is no duty called {duty!r}")
    with app.db.unit(ctx.workspace_id) as session:
        ws = workspace_row(session, ctx)
        setting = workspaces.job_description(session, ws).setting(duty)
        try:
            if autonomy:
                setting = replace(setting, autonomy=Autonomy(autonomy.lower()))
            if initiative:
                setting = replace(setting, initiative=Initiative(initiative.lower()))
        except ValueError:
            raise BadInput("autonomy is off, ask, notify or auto; initiative is reactive or "
                           "proactive") from None
        if limits is not None:
            setting = replace(setting, limits=limits)
        workspaces.set_duty(session, ws, duty, setting, app.catalog, app.clock(), ctx.actor)
    return setting


def set_phase(app: App, ctx: Context, phase: str) -> Phase:
    """Replace the job description with a phase preset."""
    ctx.require("job")
    try:
        chosen = Phase.parse(phase)
    except ValueError as exc:
        raise BadInput(str(exc), hint="Use I, II or III.") from None
    with app.db.unit(ctx.workspace_id) as session:
        workspaces.set_phase(session, workspace_row(session, ctx), chosen, app.catalog,
                             app.clock(), ctx.actor)
    return chosen


def accept_advice(app: App, ctx: Context, duty: str) -> Autonomy:
    """Apply the advisor's current proposal for ``duty`` (the client decides, here)."""
    ctx.require("job")
    with app.db.unit(ctx.workspace_id) as session:
        ws = workspace_row(session, ctx)
        job = workspaces.job_description(session, ws)
        proposal = next((p for p in ledger.advice(session, job, app.catalog, app.clock(),
                                                  app.thresholds()) if p.duty == duty), None)
        if proposal is None:
            raise NotFound(f"the advisor has no proposal for {duty} now")
        workspaces.set_duty(session, ws, duty,
                            replace(job.setting(duty), autonomy=proposal.proposed), app.catalog,
                            app.clock(), f"{ctx.actor} (advisor proposal)")
        return proposal.proposed


def phase_changes(current: JobDescription, target: JobDescription,
                  titles: Mapping[str, str]) -> list[str]:
    """In words: what moving from ``current`` to ``target`` changes, duty by duty."""
    lines = []
    for duty, new in target.duties.items():
        old = current.setting(duty)
        if old == new:
            continue
        title = titles.get(duty, duty)
        if not old.enabled and new.enabled:
            lines.append(f"{title}: switched on at '{new.autonomy}', {new.initiative}.")
        elif old.enabled and not new.enabled:
            lines.append(f"{title}: switched off.")
        else:
            parts = []
            if old.autonomy != new.autonomy:
                parts.append(f"autonomy {old.autonomy} → {new.autonomy}")
            if old.initiative != new.initiative:
                parts.append(f"{old.initiative} → {new.initiative}")
            if old.limits != new.limits:
                parts.append(f"limits {old.limits.describe()} → {new.limits.describe()}")
            lines.append(f"{title}: {', '.join(parts)}.")
    return lines


_HOURS = re.compile(r"\d{1,2}:\d{2}-\d{1,2}:\d{2}(,\d{1,2}:\d{2}-\d{1,2}:\d{2})*")
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _hours_text(text: str, day: str) -> str:
    """One day's hours as the availability rules store them ("" is a day off)."""
    value = text.replace(" ", "").replace("\u2013", "-")
    if value and not _HOURS.fullmatch(value):
        raise BadInput(f"the working hours of {day}, {text!r}, are not like 09:00-17:30",
                       hint="Write them as 09:00-17:30, or 09:00-12:00,13:00-17:30; leave the "
                            "day empty when it is a day off.")
    return value


def working_hours(session: Session) -> dict[str, str]:
    """The bookable hours per weekday (``mon``..``sun``), as the settings page shows them."""
    from righthand.duties.appointments import rules

    return dict(rules.load(session).to_json()["hours"])


def _save_hours(session: Session, workspace_id: int, hours: Mapping[str, str],
                now: datetime) -> bool:
    """Store changed weekday hours in the availability rules, which the calendar's proposed
    slots and scheduling use; True when something changed."""
    from righthand.duties.appointments import rules
    from righthand.duties.appointments.availability import WEEKDAYS

    wanted = {day: _hours_text(hours[day], WEEKDAY_NAMES[WEEKDAYS.index(day)])
              for day in WEEKDAYS if day in hours}
    current = working_hours(session)
    if all(current.get(day) == value for day, value in wanted.items()):
        return False
    try:
        rules.save(session, workspace_id, {"hours": {**current, **wanted}}, now)
    except BadInput as exc:
        raise BadInput(f"those working hours don't work: {exc.message}",
                       hint="Each window must end after it starts, e.g. 09:00-17:30.") from None
    return True


def update_profile(app: App, ctx: Context, form: Mapping[str, Any]) -> list[str]:
    """Save the workspace profile (names, zone, signature...); returns what changed (audited)."""
    ctx.require("job")
    with app.db.unit(ctx.workspace_id) as session:
        ws = workspace_row(session, ctx)
        before = {"client_name": ws.client_name, "assistant_name": ws.assistant_name,
                  "address_form": ws.address_form or "", "timezone": ws.timezone,
                  **{k: str((ws.profile or {}).get(k) or "") for k in PROFILE_FIELDS},
                  "postal_address": "\n".join((ws.profile or {}).get("postal_address") or [])}
        # A field the form did not send (None) keeps its value.
        after = {k: before[k] if form.get(k) is None else
                 str(form.get(k)).replace("\r\n", "\n").strip()[:2000] for k in before}
        if not after["client_name"]:
            raise BadInput("the client's name is empty")
        workspaces.check_timezone(after["timezone"])
        changed = sorted(k for k in before if before[k] != after[k])
        from righthand.duties.appointments.availability import WEEKDAYS

        every_day = bool(form.get("hours_sent"))  # the page sends all seven; empty is off
        days = {day: str(form.get(f"hours_{day}") or "").strip() for day in WEEKDAYS
                if every_day or form.get(f"hours_{day}") is not None}
        if days and _save_hours(session, ws.id, days, app.clock()):
            changed.append("weekly hours")
        if not changed:
            return []
        ws.client_name = after["client_name"][:200]
        ws.assistant_name = after["assistant_name"][:100] or "Jane"
        ws.address_form = after["address_form"][:100] or None
        ws.timezone = after["timezone"]
        profile = dict(ws.profile or {})
        for key in PROFILE_FIELDS:
            profile[key] = after[key]
        profile["postal_address"] = [line for line in after["postal_address"].split("\n") if line]
        ws.profile = profile
        if "timezone" in changed:  # recurring series are expanded in the client's zone
            from righthand.duties.calendar import index

            index.reindex_all(session, app.clock(), ws.timezone)
        if "working_hours" in changed and after["working_hours"]:  # Monday to Friday at once
            value = _hours_text(after["working_hours"], "Monday to Friday")
            _save_hours(session, ws.id, dict.fromkeys(("mon", "tue", "wed", "thu", "fri"),
                                                      value), app.clock())
        audit.append(session, ws.id, ctx.actor, "profile.changed", ws.slug,
                     {"fields": changed}, at=app.clock())
        return changed


Row = TypeVar("Row")


def found(session: Session, table: type[Row], row_id: int, what: str) -> Row:
    """Row ``row_id`` of ``table`` in the session's workspace; NotFound (a 404) for none, and so
    for another workspace's id -- the session is scoped."""
    row = session.get(table, row_id)
    if row is None:
        raise NotFound(f"there is no {what} #{row_id} in this workspace")
    return row


def pending_hashes(session: Session, approval_ids: list[int]) -> dict[int, str]:
    """The payload hash each pending approval is bound to (for inline approve buttons)."""
    if not approval_ids:
        return {}
    rows = session.execute(select(Approval.id, Approval.payload_hash).where(
        Approval.id.in_(approval_ids), Approval.status == "pending")).all()
    return {approval_id: digest for approval_id, digest in rows}
