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


def mailbox_writer(config: MailboxConfig) -> MailboxWriter:
    """The connector that moves, flags and labels messages: IMAP or the local Maildir."""
    if config.kind == "imap":
        return ImapWriter(config)
    return MaildirWriter(config)
