"""The seam a duty plugs into: manifests, intent handlers, local effects, periodic jobs."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from righthand.domain.actions import Action
from righthand.policy.duties import DutyManifest

if TYPE_CHECKING:
    from sqlalchemy.orm import Session


@dataclass(frozen=True)
class Workspace:
    """What a handler knows of the workspace it works for."""

    id: int
    client_name: str
    assistant_name: str
    timezone: str
    address_form: str | None = None

    @property
    def addressee(self) -> str:
        """How the assistant addresses the client."""
        return self.address_form or self.client_name.split()[0]


class TextModel(Protocol):
    """A language model bound to one workspace (its token budget, its delimiting of outside
    text): see righthand.service.language_model. ``data`` is outside text, passed as data and
    never as instructions. Raises a RighthandError when the model cannot answer."""

    def ask(self, instructions: str, data: Mapping[str, str], *, max_tokens: int = 800) -> str:
        ...


@dataclass
class Request:
    """One understood request, handed to a duty's handler."""

    text: str
    intent: str
    slots: dict[str, Any]
    now: datetime
    workspace: Workspace
    session: Session
    requested_by: str = "client"
    #: the optional language model (None when none is configured); duties must work without
    model: TextModel | None = None


@dataclass
class Reply:
    """A handler's answer: text for the client, and actions it proposes."""

    text: str
    actions: list[Action] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


class IntentHandler(Protocol):
    """Answers one intent for one duty."""

    def __call__(self, request: Request) -> Reply: ...


@dataclass(frozen=True)
class EffectResult:
    """What applying a local effect did, and what undoing it would need."""

    result: dict[str, Any]
    undo: dict[str, Any] | None = None


class LocalEffect(Protocol):
    """Applies an action whose effect lives in Righthand's own store (a list, an event...)."""

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult: ...

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str: ...


class DeliveryHook(Protocol):
    """Runs in the transaction that records an external action as delivered (e.g. a purchase
    order becomes 'sent' exactly when its email was accepted)."""

    def __call__(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
                 result: Mapping[str, Any], now: datetime) -> None: ...


@dataclass(frozen=True)
class PeriodicJob:
    """A job the worker runs on a schedule for every workspace where its duty is on.

    ``run`` gets ``context`` (``app``, ``workspace_id``, ``session``: the run's write unit).
    ``prepare``, when given, is work done *before* that unit, with no transaction open --
    network calls such as the optional language model, so no write lock is held while they
    wait. It gets the same context without ``session`` (it opens units of its own) and its
    result reaches ``run`` as ``context["prepared"]`` (None when it failed with a
    RighthandError: the run then goes on offline). It runs before the duty's setting is read
    in the unit, so it checks for itself whether there is work. Both share the run's one
    model call (:func:`righthand.service.language_model.proactive`)."""

    name: str
    duty: str
    minutes: int  # period
    run: Callable[[Any], None]
    prepare: Callable[[Any], Any] | None = None


@dataclass(frozen=True)
class Route:
    """Which duty answers an intent, and with what."""

    intent: str
    duty: str
    handler: IntentHandler


@dataclass(frozen=True)
class DutyPlugin:
    """Everything one duty family contributes."""

    name: str
    manifests: Sequence[DutyManifest]
    routes: Sequence[Route] = ()
    effects: Mapping[str, LocalEffect] = field(default_factory=dict)
    on_delivered: Mapping[str, DeliveryHook] = field(default_factory=dict)
    jobs: Sequence[PeriodicJob] = ()


def _resolve(path: str) -> Any:
    module, _, attribute = path.partition(":")
    target: Any = importlib.import_module(module)
    for part in attribute.split("."):
        target = getattr(target, part)
    return target


class lazy:
    """A handler, hook or job body named by ``"package.module:attribute"`` and imported on its
    first call, so that registering every duty does not import every duty's dependencies
    (``righthand ask`` from a cold start stays quick)."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._target: Any = None

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if self._target is None:
            self._target = _resolve(self.path)
        return self._target(*args, **kwargs)

    def __repr__(self) -> str:
        return f"lazy({self.path!r})"


class LazyEffect:
    """A :class:`LocalEffect` named by ``"package.module:Class"``, built on first use."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._effect: Any = None

    def _get(self) -> Any:
        if self._effect is None:
            target = _resolve(self.path)
            self._effect = target() if isinstance(target, type) else target
        return self._effect

    def apply(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
              now: datetime) -> EffectResult:
        """Apply the named effect."""
        result: EffectResult = self._get().apply(session, workspace_id, payload, now)
        return result

    def undo(self, session: Session, workspace_id: int, payload: Mapping[str, Any],
             undo: Mapping[str, Any], now: datetime) -> str:
        """Undo through the named effect."""
        return str(self._get().undo(session, workspace_id, payload, undo, now))

    def __repr__(self) -> str:
        return f"LazyEffect({self.path!r})"
