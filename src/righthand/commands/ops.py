"""Operating the installation: backup and restore, workspace export and deletion, secrets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from righthand.commands.common import build_app

workspaces_app = typer.Typer(help="Whole workspaces: export everything, delete on request.")
secrets_app = typer.Typer(help="The key that seals stored credentials.")
installation_app = typer.Typer(help="The installation log (deletions, exports, restores).")


def backup(path: Annotated[Path, typer.Argument(help="The backup file to write.")],
           format: Annotated[str | None, typer.Option(
               "--format", help="sqlite, pg_dump or logical (default: the best for the "
                                "database).")] = None) -> None:
    """Write a consistent backup of every workspace while Righthand keeps running."""
    from righthand.service import backup as backups

    application = build_app()
    report = backups.backup(application.db.engine, path, kind=format)
    typer.echo(f"Backup written to {report.path} ({report.kind}, schema "
               f"{'+'.join(report.revisions)}). It holds credentials sealed with this "
               "installation's key: keep the key too.")


def restore(path: Annotated[Path, typer.Argument(help="A file written by `righthand backup`.")],
            yes: Annotated[bool, typer.Option("--yes", help="Replace the database.")] = False
            ) -> None:
    """Replace the database with a backup (stop the web server and workers first)."""
    from righthand.config import load_settings
    from righthand.service import backup as backups
    from righthand.service import oplog
    from righthand.store.db import make_engine

    if not yes:
        typer.echo("This replaces everything in the database with the backup. Stop the web "
                   "server and the workers, then run again with --yes.", err=True)
        raise typer.Exit(1)
    settings = load_settings()
    engine = make_engine(settings.database_url)
    from righthand import secrets

    secrets.use_settings(settings)
    report = backups.restore(engine, path)
    chains = backups.verify_audit(engine)
    engine.dispose()
    application = build_app()
    with application.db.unit(None) as session:
        oplog.append(session, "operator", "backup.restored", str(path.name),
                     {"kind": report.kind, "audit": chains}, at=application.clock())
    typer.echo(f"Restored {report.kind} backup {path}; audit chains verified: "
               + (", ".join(f"{slug} ({n} entries)" for slug, n in chains.items()) or "none"))


@workspaces_app.command("export")
def export(slug: Annotated[str, typer.Argument(help="The workspace to export.")],
           output: Annotated[Path, typer.Option("--output", "-o",
                                                help="A new or empty folder.")]) -> None:
    """Export everything a workspace holds (vCard, iCalendar, mbox, CSV, JSON)."""
    from righthand.service.export import export_workspace

    report = export_workspace(build_app(), slug, output)
    typer.echo(f"Exported {slug} to {output}: " + ", ".join(
        f"{name} {count}" for name, count in report.files.items() if count))


@workspaces_app.command("delete")
def delete(slug: Annotated[str, typer.Argument(help="The workspace to delete.")],
           confirm: Annotated[str | None, typer.Option(
               "--confirm", help="Type the workspace's name again to confirm.")] = None,
           reason: Annotated[str, typer.Option(help="Why (kept in the installation log).")]
           = "") -> None:
    """Delete a workspace and everything in it, for good (export it first if needed)."""
    from righthand.service.export import delete_workspace

    if confirm != slug:
        typer.echo(f"This deletes {slug!r} and everything in it for good. Run again with "
                   f"--confirm {slug}.", err=True)
        raise typer.Exit(1)
    counts = delete_workspace(build_app(), slug, reason=reason)
    typer.echo(f"Deleted workspace {slug!r} ({sum(counts.values())} rows); recorded in the "
               "installation log.")


@secrets_app.command("rotate")
def rotate() -> None:
    """Seal every stored credential with a new key and retire the old one."""
    from righthand.service.credentials import rotate as run

    result = run(build_app())
    typer.echo(f"Key rotated ({result.source}): {result.resealed} credential(s) re-sealed, "
               f"{result.newly_sealed} sealed for the first time."
               + (f" Now {result.note}." if result.note else ""))


@secrets_app.command("status")
def status() -> None:
    """Where the key comes from and how many credentials are sealed."""
    from sqlalchemy import Text, select
    from sqlalchemy import column as sa_column
    from sqlalchemy import table as sa_table

    from righthand import secrets
    from righthand.service.credentials import sealed_columns

    application = build_app()
    keyring = secrets.load(application.settings)
    sealed = plain = 0
    with application.db.unit(None, write=False) as session:
        for table, columns in sealed_columns():
            raw = sa_table(table.name, *(sa_column(c.name, Text) for c in columns))
            for row in session.connection().execute(select(raw)).all():
                for value in row:
                    if value:
                        sealed, plain = (sealed + 1, plain) if secrets.is_sealed(value) \
                            else (sealed, plain + 1)
    typer.echo(f"Key from: {keyring.source}; keys held: {len(keyring.keys)}; "
               f"credentials sealed: {sealed}; in plaintext: {plain}.")


@installation_app.command("log")
def log(limit: Annotated[int, typer.Option(help="How many entries.")] = 20) -> None:
    """The newest entries of the installation log."""
    from righthand.service import oplog

    application = build_app()
    with application.db.unit(None, write=False) as session:
        for entry in oplog.recent(session, limit):
            typer.echo(f"{entry.seq:>5} {entry.at:%Y-%m-%d %H:%M} {entry.actor:<10} "
                       f"{entry.event:<20} {entry.subject}")


@installation_app.command("verify")
def verify() -> None:
    """Check the installation log's hash chain."""
    from righthand.service import oplog

    application = build_app()
    with application.db.unit(None, write=False) as session:
        result = oplog.verify(session)
    if not result.ok:
        typer.echo(f"BROKEN at entry {result.first_broken_seq}: {result.problem}", err=True)
        raise typer.Exit(1)
    typer.echo(f"Installation log OK: {result.entries} entries.")
