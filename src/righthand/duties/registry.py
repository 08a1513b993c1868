"""Loads duty plugins from the ``righthand.duties`` entry points."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from importlib.metadata import entry_points

from righthand.duties.plugin import DeliveryHook, DutyPlugin, LocalEffect, PeriodicJob, Route
from righthand.errors import Bug
from righthand.policy.duties import DutyCatalog

GROUP = "righthand.duties"


@dataclass
class DutyRegistry:
    """The catalog of duties and what each contributes."""

    catalog: DutyCatalog = field(default_factory=DutyCatalog)
    routes: dict[str, Route] = field(default_factory=dict)
    effects: dict[str, LocalEffect] = field(default_factory=dict)
    on_delivered: dict[str, DeliveryHook] = field(default_factory=dict)
    jobs: list[PeriodicJob] = field(default_factory=list)
    plugins: list[str] = field(default_factory=list)

    def register(self, plugin: DutyPlugin) -> None:
        """Add one plugin; conflicting ids, intents or effects are a bug in the plugin."""
        for manifest in plugin.manifests:
            try:
                self.catalog.add(manifest)
            except ValueError as exc:
                raise Bug(f"duty plugin {plugin.name!r}: {exc}") from exc
        owned = {m.id for m in plugin.manifests}
        for route in plugin.routes:
            if route.intent in self.routes:
                raise Bug(f"intent {route.intent!r} is claimed by two duty plugins")
            if route.duty not in owned:
                raise Bug(f"plugin {plugin.name!r} routes {route.intent} to a duty it does not own")
            self.routes[route.intent] = route
        for kind, effect in plugin.effects.items():
            if self.catalog.duty_for_kind(kind) is None:
                raise Bug(f"plugin {plugin.name!r} applies unknown action kind {kind!r}")
            self.effects[kind] = effect
        for kind, hook in plugin.on_delivered.items():
            if self.catalog.duty_for_kind(kind) is None:
                raise Bug(f"plugin {plugin.name!r} hooks unknown action kind {kind!r}")
            self.on_delivered[kind] = hook
        self.jobs.extend(plugin.jobs)
        self.plugins.append(plugin.name)


def load(plugins: Iterable[DutyPlugin] | None = None) -> DutyRegistry:
    """A registry of ``plugins``, or of every installed entry point when none are given."""
    registry = DutyRegistry()
    if plugins is None:
        found = sorted(entry_points(group=GROUP), key=lambda ep: ep.name)
        if not found:
            raise Bug("no duty plugins are installed (entry point group righthand.duties)",
                      hint="Reinstall Righthand: pip install -e .")
        plugins = [ep.load() for ep in found]
    for plugin in plugins:
        if not isinstance(plugin, DutyPlugin):
            raise Bug(f"entry point in {GROUP} is not a DutyPlugin: {plugin!r}")
        registry.register(plugin)
    return registry
