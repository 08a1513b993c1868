"""The composition root: the one place that builds Righthand's parts from the settings.

Nothing connects at import time; :func:`build` creates the engine (lazily connecting), loads
the duty plugins and wires the services together.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from righthand.config import Settings, load_settings
from righthand.conversation.engine import OfflineUnderstander
from righthand.conversation.understanding import Understander
from righthand.duties import registry as duty_registry
from righthand.duties.plugin import DutyPlugin
from righthand.errors import BadInput
from righthand.policy.advisor import Thresholds
from righthand.policy.duties import DutyCatalog
from righthand.store.db import ensure_schema, make_engine, migrate
from righthand.store.uow import Database

if TYPE_CHECKING:
    from righthand.connectors.ports import MailSender
    from righthand.service.dispatcher import Dispatcher


def utcnow() -> datetime:
    """The current instant, UTC (the only clock the services use)."""
    return datetime.now(UTC)


@dataclass
class App:
    """Righthand, assembled."""

    settings: Settings
    db: Database
    registry: duty_registry.DutyRegistry
    understander: Understander
    clock: Callable[[], datetime] = utcnow
    mail: MailSender | None = None
    _dispatcher: Dispatcher | None = field(default=None, repr=False)

    @property
    def catalog(self) -> DutyCatalog:
        """All registered duties."""
        return self.registry.catalog

    @property
    def approval_ttl(self) -> timedelta:
        """How long an approval stays valid."""
        return timedelta(hours=self.settings.approval_ttl_hours)

    def thresholds(self) -> Thresholds:
        """The advisor's thresholds: the documented defaults, overridden by the settings."""
        fields = {f.name: f.type for f in dataclasses.fields(Thresholds)}
        unknown = sorted(set(self.settings.advisor) - set(fields))
        if unknown:
            raise BadInput(f"unknown advisor threshold(s): {', '.join(unknown)}",
                           hint="Known: " + ", ".join(fields))
        values: dict[str, Any] = {name: (int(value) if fields[name] in (int, "int") else value)
                                  for name, value in self.settings.advisor.items()}
        return Thresholds(**values)

    def dispatcher(self) -> Dispatcher:
        """The outbox dispatcher (the only caller of world-changing connectors)."""
        if self._dispatcher is None:
            from righthand.service.dispatcher import Dispatcher

            self._dispatcher = Dispatcher(self.db, self.registry, self.settings, mail=self.mail,
                                          clock=self.clock)
        return self._dispatcher


def build(settings: Settings | None = None, *, plugins: Iterable[DutyPlugin] | None = None,
          clock: Callable[[], datetime] = utcnow, mail: MailSender | None = None,
          create_schema: bool = False) -> App:
    """Assemble an :class:`App`; with ``create_schema`` run migrations, else check the schema."""
    settings = settings or load_settings()
    from righthand import secrets

    secrets.use_settings(settings)  # sealed credentials use this installation's key
    engine = make_engine(settings.database_url)
    if create_schema:
        migrate(engine)
    else:
        ensure_schema(engine)
    return App(settings=settings, db=Database(engine), registry=duty_registry.load(plugins),
               understander=OfflineUnderstander(), clock=clock, mail=mail)

