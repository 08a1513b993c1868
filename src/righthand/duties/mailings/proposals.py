"""The actions mailings.send proposes (it never acts): send a campaign, send a test to the
client, print letters and labels -- and the handlers behind ``righthand ask``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.domain.actions import Action
from righthand.duties.mailings import preview, store
from righthand.duties.mailings.preview import DryRun
from righthand.duties.plugin import Reply, Request
from righthand.errors import BadInput, NotFound
from righthand.store.tables import ActionRow, Mailing, MailingListRow, Segment, Workspace

DUTY = "mailings.send"
CAMPAIGN = "mailings.send_campaign"
TEST_SEND = "mailings.test_send"
PRINT = "mailings.print"
DEFAULT_CONNECTIONS = 2
OPEN_STATES = ("awaiting_approval", "queued")


def open_campaign_action(session: Session, mailing: Mailing) -> ActionRow | None:
    """A send of ``mailing`` that is waiting for approval or for delivery, if any."""
    rows = session.scalars(select(ActionRow).where(
        ActionRow.kind == CAMPAIGN, ActionRow.state.in_(OPEN_STATES))
        .order_by(ActionRow.id.desc()).limit(50))
    return next((r for r in rows if r.payload.get("mailing_id") == mailing.id), None)


def campaign_action(session: Session, mailing: Mailing, report: DryRun,
                    connections: int = DEFAULT_CONNECTIONS) -> Action:
    """ONE action for the whole campaign: the gate sees the recipient count, the approval is
    bound to the content hash (the addresses are not in the payload)."""
    if mailing.status != "draft":
        raise BadInput(f"the mailing {mailing.name!r} is {mailing.status}, not a draft",
                       hint="Only a draft is proposed for sending; see `righthand mailings "
                            "status NAME`.")
    if not report.ok:
        raise BadInput(report.summary(), hint="Fix what the dry run found, then send again.")
    if connections < 1 or connections > 20:
        raise BadInput("connections must be between 1 and 20")
    segment = session.get(Segment, mailing.segment_id) if mailing.segment_id else None
    mailing_list = session.get(MailingListRow, mailing.list_id) if mailing.list_id else None
    payload: dict[str, Any] = {
        "mailing_id": mailing.id, "mailing": mailing.name,
        "list_id": mailing.list_id, "list": mailing_list.name if mailing_list else None,
        "segment_id": mailing.segment_id, "segment": segment.name if segment else None,
        "subject": mailing.subject, "content_hash": report.content_hash,
        "recipient_count": report.would_send,
        "per_second": float(mailing.per_second) if mailing.per_second else None,
        "connections": connections}
    where = f"{report.list_name}" + (f" / {segment.name}" if segment else "")
    return Action(duty=DUTY, kind=CAMPAIGN, payload=payload,
                  summary=f"Send the mailing \"{mailing.name}\" to {where} "
                          f"({report.would_send} recipients)")


def test_send_action(session: Session, mailing: Mailing, workspace: Workspace,
                     to: str | None = None, as_address: str | None = None) -> Action:
    """A test message to the client's own address, rendered for one recipient."""
    profile: Mapping[str, Any] = workspace.profile or {}
    address = (to or str(profile.get("email") or "")).strip().lower()
    if "@" not in address:
        raise BadInput("I don't know your email address for the test",
                       hint="Give it with --to you@example.com (or set email in the workspace "
                            "profile).")
    person, rendered = preview.preview(session, mailing, as_address,
                                       str(profile.get("business_name") or ""))
    payload: dict[str, Any] = {
        "recipients": [address], "to": [{"name": workspace.client_name, "address": address}],
        "subject": f"[Test] {rendered.subject}", "body": rendered.text,
        "mailing_id": mailing.id, "content_hash": store.templates_of(mailing).content_hash,
        "rendered_for": person.address}
    if rendered.html:
        payload["html"] = rendered.html
    return Action(duty=DUTY, kind=TEST_SEND, payload=payload,
                  summary=f"Test \"{mailing.name}\" to {address} (as {person.address})")


def print_action(mailing: Mailing, *, letters: str | None, labels: str | None, offset: int = 0,
                 sort: str | None = None) -> Action:
    """Merged letters and/or address labels as PDF files (a local effect)."""
    if not letters and not labels:
        raise BadInput("nothing to print", hint="Give --letters FILE and/or --labels FILE.")
    if not 0 <= offset < 30:
        raise BadInput(f"--offset {offset}: a sheet has 30 labels (0 to 29 already used)")
    for path in (letters, labels):
        if path and not path.lower().endswith(".pdf"):
            raise BadInput(f"{path} does not end in .pdf",
                           hint="Give file names like letters.pdf and labels.pdf.")
    if sort not in (None, "postal"):
        raise BadInput(f"unknown sort order {sort!r}", hint="Use --sort postal.")
    payload = {"mailing_id": mailing.id, "mailing": mailing.name,
               "content_hash": store.templates_of(mailing).content_hash,
               "letters": letters, "labels": labels, "offset": offset, "sort": sort}
    what = " and ".join(w for w, p in (("letters", letters), ("labels", labels)) if p)
    return Action(duty=DUTY, kind=PRINT, payload=payload,
                  summary=f"Print {what} for \"{mailing.name}\"")


# -- righthand ask ----------------------------------------------------------------------------
def _business(session: Session, workspace_id: int) -> str:
    ws = session.get(Workspace, workspace_id)
    return str((ws.profile or {}).get("business_name") or "") if ws else ""


def send_handler(request: Request) -> Reply:
    """'Send the spring newsletter to the newsletter list'."""
    session = request.session
    name = str(request.slots.get("mailing") or "").strip()
    if not name:
        return Reply("Which mailing should I send?")
    try:
        mailing = store.find(session, name, statuses=("draft",))
    except NotFound as exc:
        return Reply(f"I can't find that mailing: {exc.one_line()}")
    wanted_list = str(request.slots.get("list") or "").strip()
    if wanted_list and mailing.list_id is not None:
        try:
            named = store.find_list(session, wanted_list)
        except NotFound as exc:
            return Reply(exc.one_line())
        if named.id != mailing.list_id:
            current = session.get(MailingListRow, mailing.list_id)
            return Reply(f"\"{mailing.name}\" is addressed to {current.name if current else '?'}"
                         f", not {named.name}. Change it with `righthand mailings edit "
                         f"\"{mailing.name}\" --list {named.slug}` and ask again.")
    if mailing.status != "draft":
        return Reply(f"\"{mailing.name}\" is already {mailing.status}. "
                     f"`righthand mailings status \"{mailing.name}\"` shows how it is going.")
    waiting = open_campaign_action(session, mailing)
    if waiting is not None:
        return Reply(f"\"{mailing.name}\" is already {waiting.state.replace('_', ' ')} "
                     f"(action #{waiting.id}).")
    report = preview.dry_run(session, mailing, _business(session, request.workspace.id))
    if not report.ok:
        return Reply(report.summary())
    return Reply(report.summary(), actions=[campaign_action(session, mailing, report)])


def status_text(session: Session, mailing: Mailing) -> str:
    """One paragraph on how a mailing is doing."""
    figures = store.counts(session, mailing.id)
    total = sum(figures.values())
    if mailing.status == "draft" or not total:
        waiting = open_campaign_action(session, mailing)
        extra = f" A send is {waiting.state.replace('_', ' ')} (action #{waiting.id})." \
            if waiting else ""
        return f"\"{mailing.name}\" is {mailing.status}; nothing has been sent yet.{extra}"
    parts = [f"{figures['sent']} sent"]
    for state in ("failed", "skipped", "uncertain", "pending", "sending"):
        if figures[state]:
            parts.append(f"{figures[state]} {state}")
    text = f"\"{mailing.name}\" is {mailing.status}: {', '.join(parts)} of {total}."
    if figures["failed"]:
        text += f" Retry the failed ones with `righthand mailings retry \"{mailing.name}\"`."
    if figures["uncertain"]:
        text += (f" {figures['uncertain']} may or may not have arrived (the sender stopped "
                 f"mid-message): `righthand mailings resend-uncertain \"{mailing.name}\"` or "
                 "`mark-sent`.")
    return text


def status_handler(request: Request) -> Reply:
    """'How did the spring newsletter do?'."""
    name = str(request.slots.get("mailing") or "").strip()
    try:
        mailing = store.find(request.session, name) if name else None
    except NotFound as exc:
        return Reply(f"I can't find that mailing: {exc.one_line()}")
    if mailing is None:
        return Reply("Which mailing do you mean?")
    return Reply(status_text(request.session, mailing),
                 data={"counts": store.counts(request.session, mailing.id)})
