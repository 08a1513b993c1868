"""Builds the read-only mailbox connector a workspace's settings ask for. Reading changes
nothing in the world, so the service-layer poller may use it (the writers that move and flag
messages are built by ``connectors.factory``, for the dispatcher only)."""

from __future__ import annotations

from righthand.connectors.imap import ImapReader
from righthand.connectors.maildir import MaildirReader
from righthand.connectors.ports import MailboxConfig, MailboxReader
from righthand.errors import BadInput


def reader(config: MailboxConfig) -> MailboxReader:
    """IMAP or the local Maildir."""
    if config.kind == "imap":
        return ImapReader(config)
    if config.kind == "maildir":
        return MaildirReader(config)
    raise BadInput(f"unknown mailbox kind {config.kind!r}", hint="Use imap or maildir.")
