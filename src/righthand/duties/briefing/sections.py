"""The briefing's sections come from a small registry, so any duty can contribute one.

A section names the duty whose data it shows and the scopes it reads; before it is built,
``policy.access.check_read`` must grant that duty those scopes under the client's job
description. So a duty that is off contributes nothing -- not even a heading. A duty plugin
adds its own section by calling :func:`register` when it is imported (the screening duty can
add "Calls" the same way the built-in "Mail" section is added).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from righthand.duties.plugin import Workspace
from righthand.policy.access import ReadGrant, check_read
from righthand.policy.duties import DutyCatalog
from righthand.policy.job import JobDescription


@dataclass(frozen=True)
class Context:
    """What a section builder may use."""

    session: Session
    workspace: Workspace
    now: datetime
    today: date
    job: JobDescription
    catalog: DutyCatalog

    @property
    def zone(self) -> str:
        """The client's time zone."""
        return self.workspace.timezone

    def may_read(self, duty: str, scopes: frozenset[str]) -> bool:
        """True when ``duty`` is on and declares ``scopes`` (for data a section borrows)."""
        return isinstance(check_read(duty, scopes, self.job, self.catalog), ReadGrant)


@dataclass(frozen=True)
class Section:
    """A built section: a few lines, and optionally a picture for the HTML email and web."""

    key: str
    title: str
    lines: list[str]
    svg: str | None = None
    data: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SectionSource:
    """A registered section: whose data it is, what it reads, where it goes, how to build it."""

    key: str
    title: str
    duty: str
    scopes: frozenset[str]
    order: int
    build: Callable[[Context], Section | None]
    daily: bool = True


_REGISTRY: dict[str, SectionSource] = {}


def register(source: SectionSource) -> None:
    """Add (or replace, by key) a section."""
    _REGISTRY[source.key] = source


def sources() -> list[SectionSource]:
    """Every registered section, in briefing order."""
    return sorted(_REGISTRY.values(), key=lambda s: (s.order, s.key))


def readable(source: SectionSource, context: Context) -> bool:
    """May this section be built for this client? (Its duty on, its scopes declared.)"""
    return context.may_read(source.duty, source.scopes)


def build_all(context: Context, off: frozenset[str] = frozenset()) -> list[Section]:
    """The sections that have something to say today, skipping unreadable and switched-off
    ones."""
    built = []
    for source in sources():
        if not source.daily or source.key in off or not readable(source, context):
            continue
        section = source.build(context)
        if section is not None and section.lines:
            built.append(section)
    return built
