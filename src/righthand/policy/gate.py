"""The gate: the one decision every action meets before it may touch the world.

``decide(action, job, ledger_view, now)`` is a pure function: everything it needs is passed
in, so the same inputs always give the same decision and a table of cases tests it whole.

Order of checks (the first that applies wins, except that limits are gathered together):

1. the duty is off                              -> Deny
2. a proactive action for a reactive duty       -> Deny
3. an action kind the duty does not have        -> Deny (when the catalog is given)
4. limits whose rule is ``deny`` that are exceeded -> Deny (even when the duty is at ``ask``:
   a hard limit is one the client has said never to cross, with or without asking)
5. quiet hours for an action that reaches someone: ``deny`` -> Deny, ``ask`` -> Ask,
   ``defer`` (the default) -> Allow, not before the hours end
6. the duty is at ``ask``                       -> Ask
7. limits whose rule is ``ask`` that are exceeded -> Ask
8. otherwise                                     -> Allow (``notify`` marks it for the digest)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from righthand.domain.actions import Action, Initiative
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription
from righthand.policy.limits import RecipientRule, WhenExceeded


@dataclass(frozen=True)
class LedgerView:
    """What the gate may know of history: spend so far this month, and who is a known contact."""

    month_spend: Mapping[str, Decimal] = field(default_factory=dict)
    known_addresses: frozenset[str] = frozenset()

    def spent(self, duty: str) -> Decimal:
        """Spend this calendar month (client's zone) on ``duty`` by allowed or approved actions."""
        return self.month_spend.get(duty, Decimal(0))


@dataclass(frozen=True)
class Allow:
    """Go ahead. ``notify`` puts it in the digest; ``not_before`` defers delivery."""

    notify: bool = False
    not_before: datetime | None = None
    reason: str = ""
    code: str = "allowed"

    @property
    def name(self) -> str:
        """``allow``."""
        return "allow"


@dataclass(frozen=True)
class Ask:
    """The client must approve this exact action first."""

    reason: str
    code: str = "ask"

    @property
    def name(self) -> str:
        """``ask``."""
        return "ask"


@dataclass(frozen=True)
class Deny:
    """Not allowed; ``reason`` explains why and what would allow it."""

    reason: str
    code: str = "deny"

    @property
    def name(self) -> str:
        """``deny``."""
        return "deny"


Decision = Allow | Ask | Deny


@dataclass(frozen=True)
class _Breach:
    limit: str
    mode: WhenExceeded
    message: str


def decide(action: Action, job: JobDescription, ledger_view: LedgerView, now: datetime,
           catalog: DutyCatalog | None = None) -> Decision:
    """Allow, Ask or Deny ``action`` under ``job`` at ``now`` (an aware datetime)."""
    if now.tzinfo is None:
        raise ValueError("the gate needs an aware datetime (UTC) for now")
    setting = job.setting(action.duty)
    title = _title(action.duty, catalog)
    if setting.autonomy is Autonomy.OFF:
        return Deny(f"{title} is not delegated (the duty {action.duty} is off). "
                    f"{_how_to_enable(action.duty, catalog)}", code="duty_off")
    if action.initiative is Initiative.PROACTIVE and setting.initiative is Initiative.REACTIVE:
        return Deny(f"{title} is reactive in the job description: the assistant acts only when "
                    f"asked. To let it start this work itself: `righthand duties set {action.duty}"
                    f" --initiative proactive`.", code="not_proactive")
    if catalog is not None:
        manifest = catalog.get(action.duty)
        if manifest is None or manifest.kind(action.kind) is None:
            return Deny(f"{action.kind} is not an action of {action.duty}.", code="unknown_kind")

    try:
        breaches = _limit_breaches(action, job, ledger_view)
    except ValueError as exc:  # an amount or count the limits cannot be checked against
        return Deny(f"The action cannot be checked against its limits: {exc}.",
                    code="bad_payload")
    hard = [b for b in breaches if b.mode is WhenExceeded.DENY]
    if hard:
        return Deny(" ".join(b.message for b in hard) + " (a limit set to deny; change it with "
                    f"`righthand duties set {action.duty} --limit ...`)", code="limit_deny")

    not_before: datetime | None = None
    quiet = setting.limits.quiet_hours
    if quiet is not None and quiet_until(action, job, now) is not None:
        mode = setting.limits.mode("quiet_hours")
        message = f"It is within quiet hours ({quiet}, {job.timezone})."
        if mode is WhenExceeded.DENY:
            return Deny(message + " Nobody outside is contacted then.", code="quiet_hours")
        if mode is WhenExceeded.ASK:
            breaches.append(_Breach("quiet_hours", mode, message))
        else:
            not_before = quiet_until(action, job, now)

    if setting.autonomy is Autonomy.ASK:
        extra = " ".join(b.message for b in breaches)
        return Ask((f"Your job description says to ask before {title.lower()} acts. " + extra)
                   .strip(), code="autonomy_ask")
    if breaches:
        return Ask(" ".join(b.message for b in breaches), code="limit_ask")
    deferred = f" Deferred until {not_before.isoformat()} (quiet hours)." if not_before else ""
    return Allow(notify=setting.autonomy is Autonomy.NOTIFY, not_before=not_before,
                 reason=f"Allowed: {action.duty} is at {setting.autonomy} and this is within its "
                        f"limits.{deferred}")


def quiet_until(action: Action, job: JobDescription, now: datetime) -> datetime | None:
    """When ``now`` is in the duty's quiet hours and the action reaches someone: the instant
    the quiet hours end (what an approved action waits for, too); otherwise None."""
    quiet = job.setting(action.duty).limits.quiet_hours
    if quiet is None or not (action.recipients or action.data.get("recipient_count")):
        return None
    local = now.astimezone(ZoneInfo(job.timezone))
    if not quiet.contains(local.time().replace(tzinfo=None)):
        return None
    return _end_of_quiet(local, quiet.end).astimezone(now.tzinfo)


def _limit_breaches(action: Action, job: JobDescription, view: LedgerView) -> list[_Breach]:
    limits = job.setting(action.duty).limits
    breaches: list[_Breach] = []
    amount = action.amount
    if amount is not None:
        if limits.spend_per_order is not None and amount > limits.spend_per_order:
            breaches.append(_Breach("spend_per_order", limits.mode("spend_per_order"),
                                    f"This order ({amount}) is over the per-order limit of "
                                    f"{limits.spend_per_order}."))
        if limits.spend_per_month is not None:
            total = view.spent(action.duty) + amount
            if total > limits.spend_per_month:
                breaches.append(_Breach("spend_per_month", limits.mode("spend_per_month"),
                                        f"It would bring this month's spend to {total}, over the "
                                        f"monthly limit of {limits.spend_per_month}."))
    count = _recipient_count(action)
    if limits.recipients_per_mailing is not None and count > limits.recipients_per_mailing:
        breaches.append(_Breach("recipients_per_mailing", limits.mode("recipients_per_mailing"),
                                f"It goes to {count} recipients, over the limit of "
                                f"{limits.recipients_per_mailing}."))
    if limits.recipients is RecipientRule.KNOWN:
        # Action.recipients are lower-cased; contacts may be stored as typed (Ann@Example.com).
        known = {a.strip().lower() for a in view.known_addresses}
        unknown = sorted(r for r in action.recipients if r not in known)
        if unknown:
            shown = ", ".join(unknown[:3]) + (" ..." if len(unknown) > 3 else "")
            breaches.append(_Breach("recipients", limits.mode("recipients"),
                                    f"{shown} {'is' if len(unknown) == 1 else 'are'} not among "
                                    "your known contacts."))
    return breaches


def _recipient_count(action: Action) -> int:
    explicit = action.data.get("recipient_count")
    if explicit is None:
        return len(action.recipients)
    try:
        return int(explicit)
    except (TypeError, ValueError):
        raise ValueError(f"recipient_count is not a whole number: {explicit!r}") from None


def _end_of_quiet(local: datetime, end: time) -> datetime:
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate


def _title(duty: str, catalog: DutyCatalog | None) -> str:
    if catalog is not None and duty in catalog:
        return catalog[duty].title
    return duty


def _how_to_enable(duty: str, catalog: DutyCatalog | None) -> str:
    if catalog is not None and duty in catalog:
        phase = catalog[duty].phase
        return (f"It is a Phase {phase.roman} duty: `righthand phase set {phase.roman}` or "
                f"`righthand duties set {duty} --autonomy ask` switches it on.")
    return f"`righthand duties set {duty} --autonomy ask` switches it on."
