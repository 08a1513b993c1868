"""The ports connectors implement; services depend on these, not on protocols."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any, Protocol

from righthand.errors import NotFound


class MailSession(Protocol):
    """An open connection to a mail server (or a stand-in) for a batch of messages."""

    def send(self, message: EmailMessage) -> str:
        """Deliver one message; returns the server's answer. Raises RetryLater,
        DeliveryRefused or DeliveryUncertain."""
        ...


class MailSender(Protocol):
    """Opens mail sessions."""

    name: str

    def open(self) -> AbstractContextManager[MailSession]:
        """A session that is closed when the ``with`` block ends."""
        ...


# -- the mailbox (IMAP, or a local Maildir) -----------------------------------------------------
class MessageGone(NotFound):
    """The message is no longer in the mailbox (deleted, or moved by the client)."""

    hint = "Nothing to do: the message was moved or deleted in the mailbox itself."


@dataclass(frozen=True)
class MailboxConfig:
    """How to reach one workspace's mailbox. The password is never shown."""

    kind: str  # "imap" or "maildir"
    host: str | None = None
    port: int | None = None
    security: str = "ssl"  # ssl starttls none
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    maildir_path: str | None = None
    # IDLE is re-issued after this many seconds: under the 29 minutes after which RFC 2177
    # lets a server drop an idle client (tests use a few seconds).
    idle_seconds: float = 25 * 60
    poll_seconds: float = 60.0  # when the server has no IDLE
    timeout: float = 30.0
    # Capabilities to ignore even when the server has them (tests use it to take the
    # fallbacks: polling instead of IDLE, COPY+EXPUNGE instead of MOVE).
    disabled_capabilities: frozenset[str] = frozenset()


@dataclass(frozen=True)
class FolderStatus:
    """A folder's UIDVALIDITY, next UID and message count."""

    name: str
    uidvalidity: int
    uidnext: int | None
    exists: int


@dataclass(frozen=True)
class FetchedMail:
    """One message as fetched (never marked as read by fetching)."""

    folder: str
    uidvalidity: int
    uid: int
    raw: bytes


class MailboxReadSession(Protocol):
    """An open, read-only view of the mailbox."""

    capabilities: frozenset[str]

    def status(self, folder: str) -> FolderStatus:
        """The folder's UIDVALIDITY and counters."""
        ...

    def uids(self, folder: str, above: int = 0) -> list[int]:
        """UIDs in ``folder`` greater than ``above``, ascending."""
        ...

    def fetch(self, folder: str, uids: Sequence[int]) -> list[FetchedMail]:
        """The full messages with these UIDs (those that still exist)."""
        ...

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str | None]:
        """Message-ID header of each UID (for a resync after UIDVALIDITY changed)."""
        ...

    def wait(self, folder: str, timeout: float) -> bool:
        """Block until the folder changes (IDLE, re-issued in time; or polling) or
        ``timeout`` seconds pass; True when something arrived or changed."""
        ...


class MailboxReader(Protocol):
    """Opens read-only mailbox sessions. Reading changes nothing in the world."""

    name: str

    def open(self) -> AbstractContextManager[MailboxReadSession]:
        """A session closed when the ``with`` block ends."""
        ...


class MailboxWriteSession(Protocol):
    """An open mailbox session that moves, flags and labels messages (world-changing)."""

    def file(self, message: Mapping[str, Any], move_to: str | None,
             add_flags: Sequence[str] = (), remove_flags: Sequence[str] = (),
             add_labels: Sequence[str] = (), remove_labels: Sequence[str] = ()) -> dict[str, Any]:
        """Flag/label the message (found by UID, else by Message-ID), then move it. Idempotent:
        a message already where it should be is left there. Returns where it ends up."""
        ...


class MailboxWriter(Protocol):
    """Opens mailbox sessions that change the mailbox. Only the dispatcher uses these."""

    name: str

    def open(self) -> AbstractContextManager[MailboxWriteSession]:
        """A session closed when the ``with`` block ends."""
        ...
