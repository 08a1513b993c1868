"""Read access: a duty that is off grants no read scope."""

from __future__ import annotations

from dataclasses import dataclass

from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription


@dataclass(frozen=True)
class ReadGrant:
    """The duty may read these scopes."""

    duty: str
    scopes: frozenset[str]


@dataclass(frozen=True)
class ReadRefusal:
    """The duty may not read; ``reason`` names the duty and phase that would allow it."""

    duty: str
    reason: str
    phase: int


def check_read(duty: str, scopes: frozenset[str], job: JobDescription,
               catalog: DutyCatalog) -> ReadGrant | ReadRefusal:
    """May ``duty`` read ``scopes`` now? Only an enabled duty reads, and only what it declares."""
    manifest = catalog.get(duty)
    if manifest is None:
        return ReadRefusal(duty, f"There is no duty called {duty}.", 0)
    undeclared = scopes - manifest.read_scopes
    if undeclared:
        return ReadRefusal(duty, f"{manifest.title} does not read {', '.join(sorted(undeclared))}"
                                 " (not in its manifest).", int(manifest.phase))
    if not job.setting(duty).enabled:
        phase = manifest.phase
        return ReadRefusal(
            duty,
            f"{manifest.title} is a Phase {phase.roman} duty ({duty}), and it is off in your job "
            f"description, so I don't look at that for you yet. To hand it to me: "
            f"`righthand phase set {phase.roman}`, or just this duty: "
            f"`righthand duties set {duty} --autonomy ask`.",
            int(phase))
    return ReadGrant(duty, scopes)
