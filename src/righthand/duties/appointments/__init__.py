"""Appointments: confirmations (Phase II) and scheduling (Phase III).

The plugin is built on first access of ``plugin`` so that importing the availability engine
stays light.
"""

from __future__ import annotations

from typing import Any


def __getattr__(name: str) -> Any:
    if name == "plugin":
        from righthand.duties.appointments.duty import plugin

        return plugin
    raise AttributeError(name)
