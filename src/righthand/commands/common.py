"""Helpers shared by the CLI's command modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from righthand.bootstrap import App
    from righthand.store.tables import Workspace

# Set by the root callback in cli.py (--workspace / RIGHTHAND_WORKSPACE).
state: dict[str, Any] = {"workspace": None}


def build_app(create_schema: bool = False) -> App:
    """The assembled app from the environment's settings."""
    from righthand.bootstrap import build

    return build(create_schema=create_schema)


@contextmanager
def workspace(application: App, write: bool = True) -> Iterator[tuple[Session, Workspace]]:
    """A unit of work scoped to the selected workspace."""
    from righthand.service import workspaces

    with application.db.unit(None, write=write) as session:
        ws = workspaces.resolve(session, state["workspace"])
        session.info["workspace_id"] = ws.id
        yield session, ws


def console() -> Any:
    """A Rich console that doesn't squeeze tables when output is piped."""
    from rich.console import Console

    out = Console(highlight=False)
    if not out.is_terminal:
        out.width = 160
    return out
