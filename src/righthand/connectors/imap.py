"""IMAP (``imapclient``): connecting, and reading without changing anything.

Messages are fetched with ``BODY.PEEK[]`` so fetching never marks them read. ``wait`` uses
IDLE (RFC 2177) where the server has it and re-issues it every ``idle_seconds`` -- under the
29 minutes after which a server may drop an idle client -- and polls where it has not.
Moving, flagging and labelling live in ``imap_write`` (only the dispatcher uses them).
"""

from __future__ import annotations

import ssl
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from email.parser import BytesHeaderParser
from typing import Any

from imapclient import IMAPClient
from imapclient.exceptions import IMAPClientAbortError, IMAPClientError, LoginError

from righthand.connectors.ports import FetchedMail, FolderStatus, MailboxConfig
from righthand.errors import BadCredentials, BadInput, NotFound, ServiceUnavailable

BATCH = 25
_NEWS = {b"EXISTS", b"RECENT", b"EXPUNGE", b"FETCH"}


def _port(config: MailboxConfig) -> int:
    return config.port or (993 if config.security == "ssl" else 143)


@contextmanager
def connected(config: MailboxConfig) -> Iterator[IMAPClient]:
    """A logged-in client; errors say exactly what failed (connect, TLS or login)."""
    if not config.host:
        raise BadInput("no IMAP server is configured",
                       hint="Run `righthand mail connect --imap-host HOST ...`.")
    where = f"{config.host}:{_port(config)}"
    context = ssl.create_default_context()
    try:
        client = IMAPClient(config.host, port=_port(config), ssl=config.security == "ssl",
                            ssl_context=context, timeout=config.timeout)
    except ssl.SSLError as exc:
        raise ServiceUnavailable(f"TLS with the IMAP server {where} failed: {exc}",
                                 hint="Check the port and security (ssl on 993, starttls on "
                                      "143).") from exc
    except (OSError, IMAPClientError) as exc:  # refused, or hung up before its greeting
        raise ServiceUnavailable(f"cannot connect to the IMAP server {where}: {exc}",
                                 hint="Check the host name and port, and that the server is "
                                      "up.") from exc
    try:
        if config.security == "starttls":
            client.starttls(context)
        client.login(config.username or "", config.password or "")
    except LoginError as exc:
        _close(client)
        raise BadCredentials(f"the IMAP server {where} refused the login for "
                             f"{config.username}") from exc
    except (IMAPClientError, OSError) as exc:
        _close(client)
        raise ServiceUnavailable(f"the IMAP server {where} failed during "
                                 f"{'STARTTLS' if config.security == 'starttls' else 'login'}:"
                                 f" {exc}") from exc
    try:
        yield client
    except (OSError, IMAPClientAbortError) as exc:  # cut mid-fetch or mid-IDLE
        raise ServiceUnavailable(f"the connection to the IMAP server {where} broke: {exc}") \
            from exc
    finally:
        _close(client)


def _close(client: IMAPClient) -> None:
    try:
        client.logout()
    except Exception:  # already broken: nothing more to say to it
        with suppress(Exception):
            client.shutdown()


def capabilities(client: IMAPClient, config: MailboxConfig) -> frozenset[str]:
    """The server's capabilities, less those the configuration disables."""
    found = {c.decode() if isinstance(c, bytes) else str(c) for c in client.capabilities()}
    return frozenset(c.upper() for c in found) - {c.upper() for c in
                                                   config.disabled_capabilities}


def select(client: IMAPClient, folder: str, readonly: bool = True) -> dict[bytes, Any]:
    """Select ``folder``; a missing folder is the client's to fix."""
    try:
        return dict(client.select_folder(folder, readonly=readonly))
    except IMAPClientError as exc:
        raise NotFound(f"the IMAP folder {folder!r} cannot be opened: {exc}",
                       hint="Check the folder names (`righthand mail connect --watch ...`).") \
            from exc


class ImapReadSession:
    """A read-only IMAP session."""

    def __init__(self, client: IMAPClient, config: MailboxConfig) -> None:
        self.client = client
        self.config = config
        self.capabilities = capabilities(client, config)
        self.idle_reissued = 0  # how many times IDLE was re-issued (watched by tests)
        self._seen: dict[str, tuple[Any, Any]] = {}  # folder -> (UIDNEXT, EXISTS) last read

    def status(self, folder: str) -> FolderStatus:
        """UIDVALIDITY, UIDNEXT and EXISTS of ``folder``."""
        info = select(self.client, folder)
        return FolderStatus(folder, int(info[b"UIDVALIDITY"]),
                            int(info[b"UIDNEXT"]) if b"UIDNEXT" in info else None,
                            int(info.get(b"EXISTS", 0)))

    def uids(self, folder: str, above: int = 0) -> list[int]:
        """UIDs above ``above`` (``n:*`` always matches the last message: filtered)."""
        info = select(self.client, folder)
        self._seen[folder] = (info.get(b"UIDNEXT"), info.get(b"EXISTS"))
        found = self.client.search(["UID", f"{above + 1}:*"])
        return sorted(int(u) for u in found if int(u) > above)

    def fetch(self, folder: str, uids: Sequence[int]) -> list[FetchedMail]:
        """Full messages, without setting \\Seen."""
        info = select(self.client, folder)
        validity = int(info[b"UIDVALIDITY"])
        found: list[FetchedMail] = []
        for start in range(0, len(uids), BATCH):
            chunk = list(uids[start:start + BATCH])
            for uid, data in sorted(self.client.fetch(chunk, ["BODY.PEEK[]"]).items()):
                raw = data.get(b"BODY[]")
                if isinstance(raw, bytes):
                    found.append(FetchedMail(folder, validity, int(uid), raw))
        return found

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str | None]:
        """Message-ID of each UID, from the headers alone."""
        select(self.client, folder)
        parser = BytesHeaderParser()
        out: dict[int, str | None] = {}
        part = "BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)]"
        for start in range(0, len(uids), 200):
            for uid, data in self.client.fetch(list(uids[start:start + 200]), [part]).items():
                raw = next((v for k, v in data.items() if k.startswith(b"BODY[HEADER")), b"")
                value = str(parser.parsebytes(raw or b"").get("Message-ID") or "").strip()
                out[int(uid)] = value or None
        return out

    def wait(self, folder: str, timeout: float) -> bool:
        """IDLE until news or ``timeout`` (re-issuing IDLE in time); poll without IDLE."""
        if "IDLE" not in self.capabilities:
            return self._poll(folder, timeout)
        info = select(self.client, folder)
        if folder in self._seen and self._seen[folder] != (info.get(b"UIDNEXT"),
                                                          info.get(b"EXISTS")):
            return True  # arrived after the last read, before IDLE began
        deadline = time.monotonic() + timeout
        self.client.idle()
        idling, started = True, time.monotonic()
        try:
            while (remaining := deadline - time.monotonic()) > 0:
                if time.monotonic() - started >= self.config.idle_seconds:
                    idling = False
                    _text, pending = self.client.idle_done()
                    if _news(pending):  # arrived just as IDLE was ended
                        return True
                    self.client.idle()
                    idling, started = True, time.monotonic()
                    self.idle_reissued += 1
                left_in_idle = self.config.idle_seconds - (time.monotonic() - started)
                asked = max(0.05, min(remaining, left_in_idle))
                woke = time.monotonic()
                responses = self.client.idle_check(timeout=asked)
                if _news(responses):
                    return True
                if not responses and asked > 0.2 and time.monotonic() - woke < asked / 2:
                    # Woken with nothing to read: imapclient hides the end of the stream
                    # here, so ending IDLE finds out (it raises when the server is gone,
                    # and ``connected`` reports that the connection broke).
                    idling = False
                    _text, pending = self.client.idle_done()
                    if _news(pending):
                        return True
                    self.client.idle()
                    idling, started = True, time.monotonic()
            return False
        finally:
            if idling:
                self.client.idle_done()

    def _poll(self, folder: str, timeout: float) -> bool:
        before = self.status(folder)
        deadline = time.monotonic() + timeout
        while (remaining := deadline - time.monotonic()) > 0:
            time.sleep(min(self.config.poll_seconds, remaining))
            now = self.status(folder)
            if (now.uidnext, now.exists, now.uidvalidity) != (before.uidnext, before.exists,
                                                              before.uidvalidity):
                return True
        return False


def _news(responses: Any) -> bool:
    return any(isinstance(r, tuple) and len(r) > 1 and r[1] in _NEWS for r in responses or ())


class ImapReader:
    """Opens read-only IMAP sessions."""

    name = "imap"

    def __init__(self, config: MailboxConfig) -> None:
        self.config = config

    def __repr__(self) -> str:  # never show the password
        return f"ImapReader({self.config.username}@{self.config.host}:{_port(self.config)})"

    @contextmanager
    def open(self) -> Iterator[ImapReadSession]:
        """Connect, log in, and yield a session."""
        with connected(self.config) as client:
            yield ImapReadSession(client, self.config)
