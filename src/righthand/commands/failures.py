"""How the CLI ends on an exception: a usage mistake is explained by the command-line parser,
a Righthand error becomes one line that says what to do next, anything else is a bug (logged
in full to the data folder, one line on the terminal)."""

from __future__ import annotations

import os
import sys
import traceback
from datetime import datetime

import typer


def usage_mistake(exc: BaseException) -> bool:
    """An unknown command, a missing argument, a bad option value: the parser's own errors.

    Typer 0.2x raises its vendored click's exceptions (``typer.exceptions.TyperException``),
    earlier Typer raises click's; both can ``show()`` themselves and carry an ``exit_code``."""
    kinds: list[type[BaseException]] = []
    vendored = getattr(getattr(typer, "exceptions", None), "TyperException", None)
    if isinstance(vendored, type) and issubclass(vendored, BaseException):  # Typer 0.2x
        kinds.append(vendored)
    try:
        import click

        kinds.append(click.ClickException)
    except ImportError:  # pragma: no cover - Typer without click
        pass
    return isinstance(exc, tuple(kinds)) and callable(getattr(exc, "show", None)) \
        and isinstance(getattr(exc, "exit_code", None), int)


def report_bug(exc: BaseException) -> int:
    """Write the traceback to ``logs/errors.log`` in the data folder; say so in one line."""
    from righthand.config import load_settings

    try:
        folder = load_settings().data_dir / "logs"
        folder.mkdir(parents=True, exist_ok=True)
        with open(folder / "errors.log", "a", encoding="utf-8") as log:
            log.write(f"--- {datetime.now().isoformat()} pid {os.getpid()}\n")
            log.write("".join(traceback.format_exception(exc)))
    except OSError:
        traceback.print_exception(exc, file=sys.stderr)
    typer.echo(f"righthand: unexpected error ({type(exc).__name__}: {exc}) -- this is a bug; "
               "details were written to the log in the data folder.", err=True)
    return 70
