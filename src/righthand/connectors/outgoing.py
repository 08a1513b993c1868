"""The no-server stand-in for SMTP: each message becomes an .eml file in a folder.

Files are named by Message-ID and written atomically (temporary file, then rename), so
writing the same message twice leaves exactly one file.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from email.message import EmailMessage
from pathlib import Path


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
        tmp.write_bytes(bytes(message))
        os.replace(tmp, final)
        return f"written to {final}"


class FolderSender:
    """Mail 'server' for installs with no SMTP configured (the demo)."""

    name = "folder"

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @contextmanager
    def open(self) -> Iterator[FolderSession]:
        """Make sure the folder exists and yield a session."""
        self.folder.mkdir(parents=True, exist_ok=True)
        yield FolderSession(self.folder)
