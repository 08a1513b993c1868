"""Request and response bodies of the JSON API (they make up the OpenAPI schema)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field


class Problem(BaseModel):
    """An error: what went wrong and what to do next."""

    detail: str
    hint: str | None = None


class WorkspaceOut(BaseModel):
    """A workspace the caller belongs to."""

    slug: str
    client_name: str
    role: str


class MeOut(BaseModel):
    """Who is calling, how, and with which rights in the workspace asked for."""

    username: str
    display_name: str
    is_admin: bool
    via: str = Field(description="session or token")
    workspace: str
    role: str
    actor: str = Field(description="How the audit log names this caller's actions")
    scopes: list[str]
    workspaces: list[WorkspaceOut]


class AskIn(BaseModel):
    """A request to the assistant, in your own words."""

    text: str = Field(min_length=1, max_length=2000,
                      examples=["What's on my calendar today?"])
    conversation: str | None = Field(
        default=None, max_length=100, pattern=r"^[\w.:-]+$",
        description="Any name for a conversation: requests under the same name carry "
                    "follow-ups (\"move it to Friday\") and answers to the assistant's "
                    "questions (\"Which Bob?\" -- \"Miller\"). Omit for one-off requests.")


class ActionOut(BaseModel):
    """An action the request proposed, with the gate's decision."""

    id: int
    duty: str
    kind: str
    decision: str = Field(description="allow, ask or deny")
    reason: str
    summary: str
    state: str
    approval_id: int | None = None


class AnswerOut(BaseModel):
    """The assistant's answer."""

    answer: str
    intent: str
    slots: dict[str, Any]
    confidence: float
    actions: list[ActionOut]


class EventOut(BaseModel):
    """One calendar event (times in UTC, ISO 8601)."""

    id: int
    summary: str
    start: datetime
    end: datetime
    all_day: bool
    location: str | None
    calendar: str
    attendees: list[str]


class AgendaOut(BaseModel):
    """The events of one or more days in the workspace's zone."""

    workspace: str
    timezone: str
    date: date
    days: int
    events: list[EventOut]


class ActionDetail(BaseModel):
    """An action version exactly as stored (the approval is bound to ``payload_hash``)."""

    id: int
    duty: str
    kind: str
    summary: str
    payload: dict[str, Any]
    payload_hash: str
    version: int
    state: str
    requested_by: str
    decision_reason: str


class ApprovalOut(BaseModel):
    """A waiting or decided approval."""

    id: int
    status: str
    reason: str
    created_at: datetime
    expires_at: datetime
    decided_at: datetime | None
    decided_by: str | None
    note: str | None
    action: ActionDetail


class ApproveIn(BaseModel):
    """Approve exactly the version you looked at."""

    payload_hash: str = Field(min_length=64, max_length=64)


class EditIn(BaseModel):
    """Change payload fields (a new version meets the gate again) and approve it."""

    changes: dict[str, Any] = Field(min_length=1)


class RejectIn(BaseModel):
    """Say no, optionally saying why."""

    note: str | None = Field(None, max_length=1000)


class DecisionOut(BaseModel):
    """What a decision did."""

    approval_id: int
    action_id: int
    state: str
    message: str


class LimitOut(BaseModel):
    """One limit of a duty."""

    value: str
    when_exceeded: str


class DutyOut(BaseModel):
    """One line of the job description."""

    duty: str
    title: str
    phase: str
    risk: str
    nature: str
    autonomy: str
    initiative: str
    limits: dict[str, LimitOut]


class ProposalOut(BaseModel):
    """The advisor's proposal for one duty, with its evidence."""

    duty: str
    current: str
    proposed: str
    evidence: str
    question: str


class JobOut(BaseModel):
    """The job description and the advisor's proposals."""

    workspace: str
    phase: str | None
    duties: list[DutyOut]
    advice: list[ProposalOut]


class DutyIn(BaseModel):
    """Change a duty's autonomy, initiative and/or limits (omitted fields stay)."""

    autonomy: str | None = Field(None, pattern="^(off|ask|notify|auto)$")
    initiative: str | None = Field(None, pattern="^(reactive|proactive)$")
    limits: dict[str, str] | None = Field(
        None, description="Replaces all limits: name -> 'value' or 'value:ask|deny|defer'",
        examples=[{"spend_per_order": "200:ask", "spend_per_month": "600:deny"}])


class PhaseIn(BaseModel):
    """Switch to a phase preset."""

    phase: str = Field(pattern="^(I|II|III|i|ii|iii|1|2|3)$")


class AuditEntryOut(BaseModel):
    """One audit log entry."""

    seq: int
    at: datetime
    actor: str
    event: str
    subject: str
    data: dict[str, Any]
    hash: str


class AuditOut(BaseModel):
    """A page of the audit log, newest first; pass ``before=next_before`` for older ones."""

    entries: list[AuditEntryOut]
    next_before: int | None


class VerifyOut(BaseModel):
    """The hash chain's state."""

    ok: bool
    entries: int
    first_broken_seq: int | None
    problem: str


class TrustOut(BaseModel):
    """Per-duty figures from the ledger."""

    duty: str
    title: str
    volume: int
    approved_unchanged: int
    approved_with_edits: int
    rejected: int
    incidents: int
    failed: int
    acceptance_rate: float | None
    edit_rate: float | None
    last_incident_at: datetime | None
