"""A real SMTP server (aiosmtpd) that records every message it accepts."""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import sys
import threading
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

from tests.support.servers import free_port


@dataclass
class Recorder:
    """aiosmtpd handler: keeps messages, optionally slow or failing."""

    delay: float = 0.0
    fail_codes: list[str] = field(default_factory=list)  # e.g. ["451 try later"] per message
    log_path: Path | None = None
    messages: list[EmailMessage] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.fail_codes:
            return self.fail_codes.pop(0)
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        assert isinstance(message, EmailMessage)
        self.messages.append(message)
        if self.log_path is not None:
            with self.log_path.open("a", encoding="utf-8") as log:
                log.write(json.dumps({"message_id": str(message["Message-ID"]),
                                      "to": envelope.rcpt_tos}) + "\n")
                log.flush()
        return "250 OK queued"

    def message_ids(self) -> list[str]:
        """Message-IDs of everything accepted, in order."""
        return [str(m["Message-ID"]) for m in self.messages]


class SmtpServer:
    """Runs a Recorder on a free loopback port in a background thread."""

    def __init__(self, recorder: Recorder | None = None) -> None:
        self.recorder = recorder or Recorder()
        self.port = free_port()
        self.controller = Controller(self.recorder, hostname="127.0.0.1", port=self.port)

    @property
    def url(self) -> str:
        """An smtp:// URL for Righthand's settings."""
        return f"smtp://127.0.0.1:{self.port}"

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.controller.stop()


def serve_forever(port: int, log_path: str, delay: float) -> None:
    """Entry point for running the recorder as its own process (crash tests)."""
    recorder = Recorder(delay=delay, log_path=Path(log_path))
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        controller.stop()


if __name__ == "__main__":
    serve_forever(int(sys.argv[1]), sys.argv[2], float(sys.argv[3]))
    threading.Event().wait()
