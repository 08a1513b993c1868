"""Sub-command groups of the ``righthand`` CLI, one module per area (registered in cli.py).

Each module defines a ``typer.Typer()`` called ``app``; heavy imports stay inside commands so
that ``righthand ask`` starts quickly."""
