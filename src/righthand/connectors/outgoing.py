"""The no-server stand-in for SMTP: each message becomes an .eml file in a folder.

Files are named by Message-ID and written atomically (temporary file, then rename), so
writing the same message twice leaves exactly one file.
"""

from __future__ import annotations

import errno
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path

from righthand.errors import DiskFull, ServiceUnavailable


class FolderSession:
    """Writes messages into the folder."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, message: EmailMessage) -> str:
        """Write ``message`` as ``<hash of Message-ID>.eml``."""
        key = str(message.get("Message-ID") or id(message))
        name = hashlib.sha256(key.encode()).hexdigest()[:24] + ".eml"
        final = self.folder / name
        tmp = self.folder / f".{name}.tmp"
        try:
            tmp.write_bytes(bytes(message))
            os.replace(tmp, final)
        except OSError as exc:  # nothing was written whole: safe to retry
            tmp.unlink(missing_ok=True)
            raise _unwritable(self.folder, exc) from exc
        return f"written to {final}"


def _unwritable(folder: Path, exc: OSError) -> ServiceUnavailable:
    if exc.errno in {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}:
        return DiskFull(f"the disk is full: cannot write the message to {folder}")
    return ServiceUnavailable(f"cannot write the message to {folder}: {exc.strerror}",
                              hint="Make the folder writable; the mail is kept and retried.")


class FolderSender:
    """Mail 'server' for installs with no SMTP configured (the demo)."""

    name = "folder"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def open(self) -> Iterator[FolderSession]:
        """Make sure the folder exists and yield a session."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _unwritable(self.folder, exc) from exc
        yield FolderSession(self.folder)
