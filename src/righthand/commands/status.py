"""``righthand status``: the workspace's connection problems and what to do about them."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from righthand.commands import common


def status(as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False) -> None:
    """What is not working right now, in plain words, and what to do about it."""
    from righthand.service import health

    application = common.build_app()
    with common.workspace(application, write=False) as (session, _ws):
        found = health.problems(session, now=application.clock())
    if as_json:
        typer.echo(json.dumps([{"text": p.text, "what_to_do": p.what_to_do,
                                "since": p.since.isoformat() if p.since else None,
                                "connector": p.connector} for p in found]))
        return
    if not found:
        typer.echo("All is well: every connection is working and nothing is waiting on you.")
        return
    for problem in found:
        since = f" (since {problem.since:%Y-%m-%d %H:%M} UTC)" if problem.since else ""
        typer.echo(f"- {problem.text}{since}\n  What to do: {problem.what_to_do}")
