"""Phase presets: the classic phased approach, as job descriptions.

Phase I  -- only the three clerical duties, all reactive (the client asks, the assistant does).
Phase II -- adds the secretarial duties, about half of the work proactive.
Phase III -- adds the executive duties, mostly proactive; the assistant runs the client's day.

A duty that a preset does not name (a third-party plugin) is switched on at ``ask`` and
its manifest's own nature once the preset's phase reaches the duty's default phase.
"""

from __future__ import annotations

from datetime import time
from decimal import Decimal

from righthand.domain.actions import Initiative
from righthand.policy.autonomy import Autonomy
from righthand.policy.duties import DutyCatalog, Phase
from righthand.policy.job import DutySetting, JobDescription
from righthand.policy.limits import Limits, QuietHours, RecipientRule, WhenExceeded

R, P = Initiative.REACTIVE, Initiative.PROACTIVE
A = Autonomy
QUIET = QuietHours(time(20, 0), time(8, 0))

_SUPPLY_LIMITS_I = Limits(spend_per_order=Decimal("150"), spend_per_month=Decimal("400"),
                          when_exceeded={"spend_per_month": WhenExceeded.DENY})
_SUPPLY_LIMITS_II = Limits(spend_per_order=Decimal("250"), spend_per_month=Decimal("600"),
                           when_exceeded={"spend_per_month": WhenExceeded.DENY})
_SUPPLY_LIMITS_III = Limits(spend_per_order=Decimal("400"), spend_per_month=Decimal("1000"),
                            when_exceeded={"spend_per_month": WhenExceeded.DENY})
_MAILING_LIMITS = Limits(recipients_per_mailing=2000, quiet_hours=QUIET)
_KNOWN_ONLY = Limits(recipients=RecipientRule.KNOWN, quiet_hours=QUIET)

_PRESETS: dict[Phase, dict[str, DutySetting]] = {
    Phase.I: {
        "lists.maintain": DutySetting(A.NOTIFY, R),
        "supplies.order": DutySetting(A.ASK, R, _SUPPLY_LIMITS_I),
        "mailings.send": DutySetting(A.ASK, R, _MAILING_LIMITS),
    },
    Phase.II: {
        "lists.maintain": DutySetting(A.AUTO, R),
        "supplies.order": DutySetting(A.NOTIFY, R, _SUPPLY_LIMITS_II),
        "mailings.send": DutySetting(A.ASK, R, _MAILING_LIMITS),
        "appointments.confirm": DutySetting(A.NOTIFY, P, Limits(quiet_hours=QUIET)),
        "copy.write": DutySetting(A.ASK, R),
        # Sorting mail is delegated; writing to anyone (drafted replies, forwards) waits for
        # the client's yes: no message of screening may reach a recipient without asking.
        "screening.email": DutySetting(A.NOTIFY, P, Limits(recipients_per_mailing=0)),
        "screening.calls": DutySetting(A.NOTIFY, R),
        "email.send": DutySetting(A.ASK, R, _KNOWN_ONLY),
        "supplies.reorder": DutySetting(A.ASK, P, _SUPPLY_LIMITS_II),
    },
    Phase.III: {
        "lists.maintain": DutySetting(A.AUTO, P),
        "supplies.order": DutySetting(A.NOTIFY, R, _SUPPLY_LIMITS_III),
        "mailings.send": DutySetting(A.NOTIFY, R, Limits(recipients_per_mailing=500,
                                                           quiet_hours=QUIET)),
        "appointments.confirm": DutySetting(A.AUTO, P, Limits(quiet_hours=QUIET)),
        "copy.write": DutySetting(A.NOTIFY, P),
        "screening.email": DutySetting(A.AUTO, P),
        "screening.calls": DutySetting(A.AUTO, P),
        "email.send": DutySetting(A.NOTIFY, P, _KNOWN_ONLY),
        "supplies.reorder": DutySetting(A.NOTIFY, P, _SUPPLY_LIMITS_III),
        "calendar.manage": DutySetting(A.NOTIFY, P, Limits(quiet_hours=QUIET)),
        "sales.track": DutySetting(A.NOTIFY, P),
        "appointments.schedule": DutySetting(A.ASK, P, _KNOWN_ONLY),
        "briefing.manage": DutySetting(A.AUTO, P),
    },
}


def preset(phase: Phase, catalog: DutyCatalog, timezone: str) -> JobDescription:
    """The job description of ``phase`` for every duty in ``catalog``."""
    lines = _PRESETS[phase]
    duties: dict[str, DutySetting] = {}
    for duty_id, manifest in catalog.items():
        if duty_id in lines:
            duties[duty_id] = lines[duty_id]
        elif manifest.phase <= phase:
            duties[duty_id] = DutySetting(Autonomy.ASK, manifest.nature)
        else:
            duties[duty_id] = DutySetting()
    return JobDescription(timezone=timezone, duties=duties, phase=int(phase))


def preset_lines(phase: Phase) -> dict[str, DutySetting]:
    """The raw lines of a shipped preset (for docs and tests)."""
    return dict(_PRESETS[phase])
