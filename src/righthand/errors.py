"""The one error hierarchy of Righthand.

Every error falls in exactly one of three families, and the family tells the caller what to do:

* :class:`RetryLater` -- a transient condition (a server is down, a lock is busy). Background work
  retries it with backoff; a person is told it will be retried.
* :class:`ClientMustAct` -- only the client (or an admin) can fix it: bad input, bad credentials,
  a duty that is switched off, an approval that expired. The message says what to do next.
* :class:`Bug` -- Righthand itself is wrong. It is logged with its traceback and reported.

Every user-facing error carries a ``hint``: one sentence that says what to do next.
"""

from __future__ import annotations


class RighthandError(Exception):
    """Base of every error Righthand raises on purpose."""

    hint: str = "See `righthand --help`."

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if hint is not None:
            self.hint = hint

    def one_line(self) -> str:
        """The error and what to do next, on one line, for people."""
        return f"{self.message} -- {self.hint}" if self.hint else self.message


class RetryLater(RighthandError):
    """A transient failure; the same operation may succeed later."""

    hint = "It will be retried automatically; nothing is lost."


class ServiceUnavailable(RetryLater):
    """A server (mail, calendar, database, queue) did not answer or refused for now."""


class DiskFull(ServiceUnavailable):
    """A file could not be written for want of space: nothing was half-written (files are
    written to a temporary name, then renamed), so doing it again later is safe."""

    hint = ("Free some disk space on the server; the work is retried by itself once there is "
            "room, and nothing is lost.")


class DatabaseUnavailable(ServiceUnavailable):
    """The database did not answer, dropped the connection or is out of space: the unit of work
    was rolled back whole, so doing it again later is safe."""

    hint = "It will be retried automatically; nothing is lost. If it lasts, check the database."


class ClientMustAct(RighthandError):
    """Only the client or an admin can fix this; the hint says how."""


class BadInput(ClientMustAct):
    """The request or a file could not be understood as given."""

    hint = "Check the value and try again."


class NotFound(ClientMustAct):
    """The thing named does not exist in this workspace."""

    hint = "List what exists first (for example `righthand approvals list`)."


class BadCredentials(ClientMustAct):
    """A server refused the credentials Righthand holds for it."""

    hint = "Update the connection's credentials in the settings."


class NotConfigured(ClientMustAct):
    """Something must be set up before this can work (a workspace, a connection)."""

    hint = "Run `righthand init` (or `righthand demo`) first."


class NotDelegated(ClientMustAct):
    """The request needs a duty that the job description has switched off."""


class ApprovalError(ClientMustAct):
    """An approval cannot be used: expired, already used, or for another payload."""

    hint = "List the pending approvals with `righthand approvals list`."


class CannotUndo(ClientMustAct):
    """The action cannot be reversed (the world does not allow it, or it never happened)."""

    hint = "Undo is possible for list changes, created or moved events and deal updates."


class Bug(RighthandError):
    """Righthand is wrong; this is never the client's fault."""

    hint = "This is a bug in Righthand; please report it with `righthand audit list`'s last lines."


class IntegrityBroken(Bug):
    """Stored data contradicts itself (for example a broken audit chain)."""

    hint = "Run `righthand audit verify` and restore from a backup if the chain is broken."


class DeliveryRefused(ClientMustAct):
    """The receiving server refused the message for good (5xx)."""

    hint = "Check the address; `righthand outbox resend ID` sends it again once it is fixed."


class DeliveryUncertain(ClientMustAct):
    """The connection broke after the message was handed over but before the server said yes:
    it may or may not have arrived. Never retried automatically (a retry could send it twice)."""

    hint = ("Check with the recipient; `righthand outbox resend ID` sends it again, "
            "`righthand outbox mark-sent ID` records that it arrived.")
