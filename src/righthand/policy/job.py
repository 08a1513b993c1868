"""The job description: per duty, its autonomy, initiative and limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from righthand.domain.actions import Initiative
from righthand.policy.autonomy import Autonomy
from righthand.policy.limits import Limits


@dataclass(frozen=True)
class DutySetting:
    """One line of the job description."""

    autonomy: Autonomy = Autonomy.OFF
    initiative: Initiative = Initiative.REACTIVE
    limits: Limits = field(default_factory=Limits)

    @property
    def enabled(self) -> bool:
        """True unless the duty is off."""
        return self.autonomy is not Autonomy.OFF


OFF = DutySetting()


@dataclass(frozen=True)
class JobDescription:
    """The client's delegation: which duties, at what autonomy, within which limits."""

    timezone: str
    duties: Mapping[str, DutySetting]
    phase: int | None = None  # the preset it started from, if any; edits keep it as a label

    def setting(self, duty: str) -> DutySetting:
        """The setting of ``duty`` (off when the description does not name it)."""
        return self.duties.get(duty, OFF)

    def with_setting(self, duty: str, setting: DutySetting) -> JobDescription:
        """A copy with one duty's line replaced."""
        return replace(self, duties={**self.duties, duty: setting})
