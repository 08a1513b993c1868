"""Filing messages in the local Maildir: flags (Maildir info letters), labels (a
``righthand-labels`` side file per folder) and moves between folders. Changes the mailbox, so
only the dispatcher uses it (through ``connectors.factory``)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from email.parser import BytesHeaderParser
from pathlib import Path
from typing import Any

from righthand.connectors.maildir import LABELS, MaildirStore
from righthand.connectors.ports import MailboxConfig, MessageGone
from righthand.errors import BadInput

_FLAG_LETTERS = {"\\flagged": "F", "\\seen": "S", "\\answered": "R", "\\draft": "D"}


class MaildirWriteSession:
    """Moves, flags and labels messages in a Maildir tree."""

    def __init__(self, store: MaildirStore) -> None:
        self.store = store

    def _locate(self, folder: str, message: Mapping[str, Any]) -> str | None:
        with self.store.locked(folder) as state:
            uid = message.get("uid")
            if uid is not None and message.get("uidvalidity") == state["uidvalidity"]:
                key = self.store.key_of(state, int(uid))
                if key is not None:
                    return key
        wanted = message.get("message_id")
        if not wanted:
            return None
        box = self.store.maildir(folder)
        parser = BytesHeaderParser()
        for key in box.iterkeys():
            try:
                found = str(parser.parsebytes(box.get_bytes(key)).get("Message-ID") or "")
            except KeyError:
                continue
            if found.strip() == wanted:
                return key
        return None

    def file(self, message: Mapping[str, Any], move_to: str | None,
             add_flags: Sequence[str] = (), remove_flags: Sequence[str] = (),
             add_labels: Sequence[str] = (), remove_labels: Sequence[str] = ()) -> dict[str, Any]:
        """Flag, label and move one message; already done means nothing to do."""
        source = str(message.get("folder") or "INBOX")
        folder, key = source, self._locate(source, message)
        if key is None and move_to:
            folder, key = move_to, self._locate(move_to, message)
        if key is None:
            raise MessageGone(f"the message {message.get('message_id') or ''} is no longer in "
                              f"{source}" + (f" or {move_to}" if move_to else ""))
        box = self.store.maildir(folder)
        msg = box.get_message(key)
        letters = set(msg.get_flags())
        letters |= {_FLAG_LETTERS[f.lower()] for f in add_flags if f.lower() in _FLAG_LETTERS}
        letters -= {_FLAG_LETTERS[f.lower()] for f in remove_flags if f.lower() in _FLAG_LETTERS}
        if letters != set(msg.get_flags()):
            msg.set_flags("".join(sorted(letters)))
            box[key] = msg
        labels = self._labels(folder)
        current = set(labels.get(key, [])) | set(add_labels)
        current -= set(remove_labels)
        moved = False
        if move_to and move_to != folder:
            target = self.store.maildir(move_to, create=True)
            new_key = target.add(box.get_message(key))
            box.remove(key)
            labels.pop(key, None)
            self._save_labels(folder, labels)
            folder, key, moved = move_to, new_key, True
            labels = self._labels(folder)
        labels[key] = sorted(current)
        self._save_labels(folder, labels)
        with self.store.locked(folder) as state:
            uid = state["uids"].get(key)
            uidvalidity = state["uidvalidity"]
        return {"folder": folder, "uidvalidity": uidvalidity, "uid": uid, "moved": moved,
                "from_folder": source}

    def _labels(self, folder: str) -> dict[str, list[str]]:
        path = self.store.folder_path(folder) / LABELS
        try:
            data: dict[str, list[str]] = json.loads(path.read_text(encoding="utf-8"))
            return data
        except FileNotFoundError:
            return {}

    def _save_labels(self, folder: str, labels: dict[str, list[str]]) -> None:
        path = self.store.folder_path(folder) / LABELS
        path.write_text(json.dumps(labels), encoding="utf-8")


class MaildirWriter:
    """Opens write sessions on a Maildir."""

    name = "maildir"

    def __init__(self, config: MailboxConfig) -> None:
        if not config.maildir_path:
            raise BadInput("no Maildir path is configured")
        self.store = MaildirStore(Path(config.maildir_path).expanduser())

    @contextmanager
    def open(self) -> Iterator[MaildirWriteSession]:
        """A session."""
        self.store.maildir("INBOX", create=True)
        yield MaildirWriteSession(self.store)


def labels_of(root: Path, folder: str) -> dict[str, list[str]]:
    """The labels kept for a folder (for tests and `righthand mail show`)."""
    store = MaildirStore(root)
    try:
        return dict(json.loads((store.folder_path(folder) / LABELS).read_text("utf-8")))
    except FileNotFoundError:
        return {}
