"""The workspace's mailbox account: stored settings, turned into connector configuration.

Passwords live in the ``mail_accounts`` table and go nowhere else: not in the audit log (which
records that the settings changed, without them), not in reprs, not in error messages.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.connectors.ports import MailboxConfig
from righthand.errors import BadInput, NotConfigured
from righthand.service import audit
from righthand.store.tables import MailAccount

SECURITY = ("ssl", "starttls", "none")


@dataclass(frozen=True)
class AccountSettings:
    """What ``righthand mail connect`` stores (None leaves a field as it was)."""

    kind: str = "imap"
    imap_host: str | None = None
    imap_port: int | None = None
    imap_security: str | None = None
    username: str | None = None
    password: str | None = None
    maildir_path: str | None = None
    smtp_host: str | None = None
    smtp_port: int | None = None
    smtp_security: str | None = None
    smtp_username: str | None = None
    smtp_password: str | None = None
    address: str | None = None
    watch: tuple[str, ...] | None = None
    targets: dict[str, str] | None = None
    idle_seconds: int | None = None


def account(session: Session) -> MailAccount | None:
    """The workspace's mail account, if any."""
    return session.scalars(select(MailAccount)).first()


def save(session: Session, workspace_id: int, wanted: AccountSettings, now: datetime,
         actor: str = "client") -> MailAccount:
    """Create or update the account (audited without secrets)."""
    if wanted.kind not in {"imap", "maildir"}:
        raise BadInput(f"unknown mailbox kind {wanted.kind!r}", hint="Use imap or maildir.")
    for value in (wanted.imap_security, wanted.smtp_security):
        if value is not None and value not in SECURITY:
            raise BadInput(f"security must be one of {', '.join(SECURITY)}, not {value!r}")
    row = account(session)
    if row is None:
        row = MailAccount(workspace_id=workspace_id, kind=wanted.kind, folders={},
                          created_at=now, updated_at=now)
        session.add(row)
    row.kind = wanted.kind
    fields: dict[str, Any] = {"imap_host": wanted.imap_host, "imap_port": wanted.imap_port,
              "imap_security": wanted.imap_security, "imap_username": wanted.username,
              "imap_password": wanted.password, "maildir_path": wanted.maildir_path,
              "smtp_host": wanted.smtp_host, "smtp_port": wanted.smtp_port,
              "smtp_security": wanted.smtp_security, "smtp_username": wanted.smtp_username,
              "smtp_password": wanted.smtp_password, "address": wanted.address,
              "idle_seconds": wanted.idle_seconds}
    for name, value in fields.items():
        if value is not None:
            setattr(row, name, value)
    folders: dict[str, Any] = dict(row.folders or {})
    if wanted.watch is not None:
        folders["watch"] = list(wanted.watch)
    if wanted.targets is not None:
        folders["targets"] = {**folders.get("targets", {}), **wanted.targets}
    row.folders = folders
    row.updated_at = now
    session.flush()
    shown = {k: v for k, v in fields.items() if v is not None and "password" not in k}
    audit.append(session, workspace_id, actor, "mail.account_saved", row.kind,
                 {"settings": shown, "passwords_changed": bool(wanted.password or
                                                               wanted.smtp_password)}, at=now)
    return row


def config(row: MailAccount, **overrides: Any) -> MailboxConfig:
    """Connector configuration of ``row``."""
    made = MailboxConfig(kind=row.kind, host=row.imap_host, port=row.imap_port,
                         security=row.imap_security or "ssl", username=row.imap_username,
                         password=row.imap_password, maildir_path=row.maildir_path,
                         idle_seconds=float(row.idle_seconds or 1500),
                         disabled_capabilities=frozenset(
                             (row.folders or {}).get("disable_capabilities") or ()))
    return replace(made, **overrides) if overrides else made


def config_of(session: Session) -> MailboxConfig:
    """Connector configuration of the workspace's account, or a clear error."""
    row = account(session)
    if row is None:
        raise NotConfigured("no mailbox is connected to this workspace",
                            hint="Run `righthand mail connect` (or `righthand demo` for a "
                                 "local demo mailbox).")
    return config(row)


def watched(row: MailAccount) -> list[str]:
    """Folders screened (INBOX unless the client said otherwise)."""
    return list((row.folders or {}).get("watch") or ["INBOX"])


def backfill(row: MailAccount) -> int:
    """How many of the newest messages the first sync of a folder takes."""
    return int((row.folders or {}).get("backfill") or 200)


def demo_maildir(data_dir: Path, slug: str) -> Path:
    """Where a workspace's local (no-server) Maildir lives."""
    return data_dir / "mail" / slug
