"""Builds the connectors the settings ask for. Used by the dispatcher only."""

from __future__ import annotations

from righthand.config import Settings
from righthand.connectors.imap_write import ImapWriter
from righthand.connectors.maildir_write import MaildirWriter
from righthand.connectors.outgoing import FolderSender
from righthand.connectors.ports import MailboxConfig, MailboxWriter, MailSender
from righthand.connectors.smtp import SmtpSender


def mail_sender(settings: Settings) -> MailSender:
    """SMTP when configured, otherwise .eml files in the data folder."""
    if settings.smtp_url:
        return SmtpSender(settings.smtp_url)
    return FolderSender(settings.outgoing_mail_dir)


def account_sender(host: str, port: int | None, security: str | None, user: str | None,
                   password: str | None) -> SmtpSender:
    """SMTP to a workspace's own mail server (``security``: starttls, ssl or none)."""
    from urllib.parse import quote

    scheme = "smtps" if security == "ssl" else "smtp"
    login = f"{quote(user, safe='')}:{quote(password or '', safe='')}@" if user else ""
    query = "?starttls=1" if security in (None, "starttls") else ""
    default = 465 if scheme == "smtps" else 587
    return SmtpSender(f"{scheme}://{login}{host}:{port or default}{query}")


def mailbox_writer(config: MailboxConfig) -> MailboxWriter:
    """The connector that moves, flags and labels messages: IMAP or the local Maildir."""
    if config.kind == "imap":
        return ImapWriter(config)
    return MaildirWriter(config)
