"""Filing messages on an IMAP server: flags, labels (IMAP keywords; Gmail labels where the
server has X-GM-EXT-1) and moves (MOVE, RFC 6851, where supported; otherwise COPY, mark
\\Deleted and UID EXPUNGE -- plain EXPUNGE when the server lacks UIDPLUS).

Every operation finds the message by UID when the folder's UIDVALIDITY still matches, else by
its Message-ID, and looks in the target folder when it is not in the source: filing is
idempotent, so a dispatcher that died half-way can simply do it again.
Changes the world: only the dispatcher uses it (through ``connectors.factory``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from imapclient import DELETED, IMAPClient

from righthand.connectors.imap import capabilities, connected, select
from righthand.connectors.ports import MailboxConfig, MessageGone


class ImapWriteSession:
    """Moves, flags and labels messages on one IMAP connection."""

    def __init__(self, client: IMAPClient, config: MailboxConfig) -> None:
        self.client = client
        self.capabilities = capabilities(client, config)

    def _locate(self, folder: str, message: Mapping[str, Any]) -> int | None:
        if not self.client.folder_exists(folder):
            return None
        info = select(self.client, folder, readonly=False)
        uid = message.get("uid")
        if uid is not None and message.get("uidvalidity") == int(info[b"UIDVALIDITY"]) \
                and self.client.search(["UID", str(int(uid))]):
            return int(uid)
        wanted = message.get("message_id")
        if wanted:
            found = self.client.search(["HEADER", "Message-ID", str(wanted)])
            if found:
                return int(sorted(found)[0])
        return None

    def file(self, message: Mapping[str, Any], move_to: str | None,
             add_flags: Sequence[str] = (), remove_flags: Sequence[str] = (),
             add_labels: Sequence[str] = (), remove_labels: Sequence[str] = ()) -> dict[str, Any]:
        """Flag and label the message where it is, then move it; already done is fine."""
        source = str(message.get("folder") or "INBOX")
        folder, uid = source, self._locate(source, message)
        if uid is None and move_to:
            folder, uid = move_to, self._locate(move_to, message)
        if uid is None:
            raise MessageGone(f"the message {message.get('message_id') or ''} is no longer in "
                              f"{source}" + (f" or {move_to}" if move_to else ""))
        self._mark(uid, add_flags, remove_flags, add_labels, remove_labels)
        moved = False
        if move_to and move_to != folder:
            if not self.client.folder_exists(move_to):
                self.client.create_folder(move_to)
            if "MOVE" in self.capabilities:
                self.client.move([uid], move_to)
            else:
                self.client.copy([uid], move_to)
                self.client.add_flags([uid], [DELETED], silent=True)
                if "UIDPLUS" in self.capabilities:
                    self.client.uid_expunge([uid])
                else:
                    self.client.expunge()
            folder, moved = move_to, True
            uid = self._locate(move_to, {"message_id": message.get("message_id")}) or 0
        info = select(self.client, folder)
        return {"folder": folder, "uidvalidity": int(info[b"UIDVALIDITY"]),
                "uid": uid or None, "moved": moved, "from_folder": source,
                "method": ("MOVE" if "MOVE" in self.capabilities else "COPY+EXPUNGE")
                if moved else None}

    def _mark(self, uid: int, add_flags: Sequence[str], remove_flags: Sequence[str],
              add_labels: Sequence[str], remove_labels: Sequence[str]) -> None:
        if add_flags:
            self.client.add_flags([uid], list(add_flags), silent=True)
        if remove_flags:
            self.client.remove_flags([uid], list(remove_flags), silent=True)
        if "X-GM-EXT-1" in self.capabilities:
            if add_labels:
                self.client.add_gmail_labels([uid], list(add_labels), silent=True)
            if remove_labels:
                self.client.remove_gmail_labels([uid], list(remove_labels), silent=True)
            return
        if add_labels:
            self.client.add_flags([uid], list(add_labels), silent=True)
        if remove_labels:
            self.client.remove_flags([uid], list(remove_labels), silent=True)


class ImapWriter:
    """Opens IMAP sessions that file messages."""

    name = "imap"

    def __init__(self, config: MailboxConfig) -> None:
        self.config = config

    def __repr__(self) -> str:  # never show the password
        return f"ImapWriter({self.config.username}@{self.config.host})"

    @contextmanager
    def open(self) -> Iterator[ImapWriteSession]:
        """Connect, log in, and yield a session."""
        with connected(self.config) as client:
            yield ImapWriteSession(client, self.config)
