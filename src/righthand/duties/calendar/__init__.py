"""The client's calendar (calendar.manage).

The package itself imports nothing heavy: ``righthand calendar agenda`` reads through
:mod:`render` on its quick path, and the plugin is built on first access of ``plugin``.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "plugin":
        from righthand.duties.calendar.duty import plugin

        return plugin
    raise AttributeError(name)
