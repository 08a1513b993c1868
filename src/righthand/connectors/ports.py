"""The ports connectors implement; services depend on these, not on protocols."""

from __future__ import annotations

from contextlib import AbstractContextManager
from email.message import EmailMessage
from typing import Protocol


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
