"""``righthand chat``: an interactive session with the assistant.

Multi-turn: the conversation's memory (service/conversation.py) carries follow-ups ("move it
to Friday") and answers to clarifying questions ("Which Bob?" -- "Miller"). On a terminal,
lines are edited with readline and the history is kept in ``DATA_DIR/chat_history``. Piped
input works too (one request per line), which is how the tests drive it.
"""

from __future__ import annotations

import contextlib
import sys
from pathlib import Path
from typing import Annotated

import typer

from righthand.commands import common

HISTORY_LINES = 1000
_BYE = {"exit", "quit", "bye", "goodbye", ":q"}


def _readline(history: Path) -> bool:
    """Turn on line editing and the history file; False when unavailable."""
    try:
        import readline
    except ImportError:  # pragma: no cover - Windows without pyreadline
        return False
    with contextlib.suppress(OSError):
        readline.read_history_file(history)
    readline.set_history_length(HISTORY_LINES)
    return True


def _save_history(history: Path) -> None:
    try:
        import readline

        history.parent.mkdir(parents=True, exist_ok=True)
        readline.write_history_file(history)
    except (ImportError, OSError):
        pass


def chat(as_json: Annotated[bool, typer.Option("--json", help="One JSON answer per line.")]
         = False) -> None:
    """Talk with the assistant: follow-ups and clarifications carry over; 'exit' ends."""
    import json

    from righthand.errors import RighthandError
    from righthand.service.assistant import ask

    application = common.build_app()
    interactive = sys.stdin.isatty()
    history = application.settings.data_dir / "chat_history"
    editing = interactive and _readline(history)
    with common.workspace(application, write=False) as (_, ws):
        slug, name = ws.slug, ws.assistant_name
        channel = f"cli:{slug}"
    if interactive:
        typer.echo(f"{name} here. What can I do for you? (exit to end)")
    try:
        while True:
            try:
                line = input("you> " if interactive else "")
            except EOFError:
                break
            text = line.strip()
            if not text:
                continue
            if text.lower() in _BYE:
                break
            try:
                answer = ask(application, text, slug, channel=channel)
            except RighthandError as exc:  # one bad request must not end the session
                typer.echo(exc.one_line(), err=True)
                continue
            if as_json:
                typer.echo(json.dumps(answer.as_json(), ensure_ascii=False))
            else:
                typer.echo(f"{name}> {answer.answer}" if interactive else answer.answer)
                if not interactive:
                    typer.echo("")
    finally:
        if editing:
            _save_history(history)
