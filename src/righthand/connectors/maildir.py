"""The no-server mailbox: a local Maildir (Maildir++ folders: ``INBOX`` is the root, other
folders are ``.Name`` inside it), read through the standard library's ``mailbox``.

Maildir has no UIDs, so each folder keeps a ``righthand-uidlist`` file the way Dovecot keeps
``dovecot-uidlist``: a UIDVALIDITY chosen when the folder is first seen and a UID per message
file, assigned in arrival order and never reused. The file is updated under an exclusive lock.
"""

from __future__ import annotations

import fcntl
import json
import mailbox
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from righthand.connectors.ports import FetchedMail, FolderStatus, MailboxConfig
from righthand.errors import BadInput, NotFound

UIDLIST = "righthand-uidlist"
LABELS = "righthand-labels"


class MaildirStore:
    """Folders of one Maildir tree, with persistent UIDs."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def folder_path(self, name: str) -> Path:
        """The directory of folder ``name``."""
        if name.upper() == "INBOX":
            return self.root
        if "/" in name or name.startswith("."):
            raise BadInput(f"unsupported Maildir folder name {name!r}")
        return self.root / f".{name}"

    def maildir(self, name: str, create: bool = False) -> mailbox.Maildir:
        """The folder as a ``mailbox.Maildir``."""
        path = self.folder_path(name)
        if not (path / "cur").is_dir():
            if not create:
                raise NotFound(f"the mail folder {name!r} does not exist in {self.root}",
                               hint="Check the folder names with `righthand mail connect`.")
            for sub in ("cur", "new", "tmp"):
                (path / sub).mkdir(parents=True, exist_ok=True)
            if path != self.root:
                (path / "maildirfolder").touch()
        return mailbox.Maildir(str(path), factory=None, create=False)

    @contextmanager
    def locked(self, name: str) -> Iterator[dict[str, Any]]:
        """The folder's UID list, synchronised with its files, under an exclusive lock;
        changes made to it are written back."""
        path = self.folder_path(name)
        box = self.maildir(name, create=name.upper() == "INBOX")
        with open(path / f".{UIDLIST}.lock", "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                state = self._read(path)
                self._sync(box, path, state)
                yield state
                self._write(path, state)
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def _read(self, path: Path) -> dict[str, Any]:
        try:
            data: dict[str, Any] = json.loads((path / UIDLIST).read_text(encoding="utf-8"))
            return data
        except FileNotFoundError:
            return {"uidvalidity": int(time.time()), "next": 1, "uids": {}}

    def _write(self, path: Path, state: dict[str, Any]) -> None:
        tmp = path / f".{UIDLIST}.tmp"
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, path / UIDLIST)

    @staticmethod
    def _sync(box: mailbox.Maildir, path: Path, state: dict[str, Any]) -> None:
        keys = set(box.keys())
        uids: dict[str, int] = state["uids"]
        for gone in set(uids) - keys:
            del uids[gone]
        fresh = sorted(keys - set(uids), key=lambda k: (_mtime(path, box, k), k))
        for key in fresh:
            uids[key] = state["next"]
            state["next"] += 1

    def key_of(self, state: dict[str, Any], uid: int) -> str | None:
        """The file key of ``uid``."""
        return next((k for k, u in state["uids"].items() if u == uid), None)


def _mtime(path: Path, box: mailbox.Maildir, key: str) -> float:
    try:
        return os.path.getmtime(path / box._lookup(key))  # type: ignore[attr-defined]
    except (OSError, KeyError):
        return 0.0


class MaildirReadSession:
    """Read-only view of a Maildir tree."""

    capabilities: frozenset[str] = frozenset({"MAILDIR"})

    def __init__(self, store: MaildirStore, poll_seconds: float) -> None:
        self.store = store
        self.poll_seconds = poll_seconds
        self._seen: dict[str, int] = {}  # folder -> next UID when last read

    def status(self, folder: str) -> FolderStatus:
        """UIDVALIDITY, next UID and count."""
        with self.store.locked(folder) as state:
            return FolderStatus(folder, int(state["uidvalidity"]), int(state["next"]),
                                len(state["uids"]))

    def uids(self, folder: str, above: int = 0) -> list[int]:
        """UIDs above ``above``."""
        with self.store.locked(folder) as state:
            self._seen[folder] = int(state["next"])
            return sorted(u for u in state["uids"].values() if u > above)

    def fetch(self, folder: str, uids: Sequence[int]) -> list[FetchedMail]:
        """The messages with these UIDs."""
        box = self.store.maildir(folder)
        found: list[FetchedMail] = []
        with self.store.locked(folder) as state:
            by_uid = {u: k for k, u in state["uids"].items()}
            for uid in uids:
                key = by_uid.get(uid)
                if key is None:
                    continue
                try:
                    raw = box.get_bytes(key)
                except KeyError:
                    continue
                found.append(FetchedMail(folder, int(state["uidvalidity"]), uid, raw))
        return found

    def message_ids(self, folder: str, uids: Sequence[int]) -> dict[int, str | None]:
        """Message-IDs of these UIDs."""
        from email.parser import BytesHeaderParser

        parser = BytesHeaderParser()
        return {m.uid: (str(parser.parsebytes(m.raw).get("Message-ID") or "").strip() or None)
                for m in self.fetch(folder, uids)}

    def wait(self, folder: str, timeout: float) -> bool:
        """Poll the folder until a new message file appears or ``timeout`` passes."""
        if folder in self._seen and self.status(folder).uidnext != self._seen[folder]:
            return True  # arrived after the last read
        before = set(self.store.maildir(folder).keys())
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            time.sleep(max(0.05, min(self.poll_seconds, deadline - time.monotonic())))
            if set(self.store.maildir(folder).keys()) - before:
                return True
        return False


class MaildirReader:
    """Opens read sessions on a Maildir."""

    name = "maildir"

    def __init__(self, config: MailboxConfig) -> None:
        if not config.maildir_path:
            raise BadInput("no Maildir path is configured")
        self.store = MaildirStore(Path(config.maildir_path).expanduser())
        self.poll_seconds = min(config.poll_seconds, 2.0)

    def __repr__(self) -> str:
        return f"MaildirReader({self.store.root})"

    @contextmanager
    def open(self) -> Iterator[MaildirReadSession]:
        """A session (the Maildir must exist)."""
        self.store.maildir("INBOX", create=True)
        yield MaildirReadSession(self.store, self.poll_seconds)
