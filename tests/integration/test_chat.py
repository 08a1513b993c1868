"""`righthand chat` through the real command, driven by stdin: a clarification answered in
the next line completes the request; "move it" refers to the event just moved; the memory
is per conversation (`ask` is not part of it)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from righthand.service.conversation import choose


@pytest.fixture
def rh(tmp_path: Path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")

    def run(*args: str, stdin: str | None = None) -> str:
        result = subprocess.run([sys.executable, "-m", "righthand.cli", *args], env=env,
                                input=stdin, capture_output=True, text=True, timeout=120,
                                check=False)
        assert result.returncode == 0, result.stderr
        return result.stdout

    return run


def test_chat_carries_clarifications_and_follow_ups(rh):
    rh("demo")
    rh("phase", "set", "III")
    lines = [json.loads(x) for x in rh("chat", "--json", stdin=(
        "Email Bob that I'm running ten minutes late\n"
        "Miller\n"
        "Move the dentist to 11am\n"
        "actually move it to 2pm\n"
        "cancel it\n"
        "Where are we on the Nguyen deal?\n"
        "move it to closing\n"
        "exit\n"
        "Email Bob that this line is never read\n")).splitlines()]
    assert len(lines) == 7
    asked, picked, moved, again, cancelled, deal, advanced = lines
    assert "Which Bob" in asked["answer"] and "Bob Miller" in asked["answer"]
    assert asked["actions"] == []
    assert picked["intent"] == "email.send"
    assert picked["slots"]["contact"] == "Bob Miller"
    [email] = picked["actions"]
    assert email["kind"] == "email.send" and "bob.miller@example.com" in email["summary"]
    assert "Dentist" in moved["answer"] and "11 am" in moved["answer"]
    assert again["intent"] == "calendar.move" and again["slots"]["what"] == "Dentist"
    assert "Dentist" in again["answer"] and "2 pm" in again["answer"]
    [move] = again["actions"]
    assert move["state"] == "done"
    assert cancelled["intent"] == "calendar.cancel" and "Dentist" in cancelled["answer"]
    # After talking about a deal, "move it" moves the deal, not the last event.
    assert deal["intent"] == "sales.deal_status" and "Nguyen" in deal["answer"]
    assert advanced["intent"] == "sales.update" and advanced["slots"]["stage"] == "closing"
    assert "Moving the Nguyen purchase from Offer to Closing" in advanced["answer"]
    # The calendar shows what the conversation did.
    assert "Dentist" not in rh("ask", "What's on my calendar this week?")


def test_a_new_session_of_chat_forgets_nothing_it_should_not(rh):
    rh("demo")
    rh("phase", "set", "III")
    first = rh("chat", stdin="Email Bob that the keys are ready\n")
    assert "Which Bob" in first
    # `righthand ask` is not part of the chat's conversation: "Chen" alone means nothing there.
    assert "Bob Chen" not in rh("ask", "Chen")
    # The chat conversation still holds its question.
    assert "Here is the email to Bob Chen" in rh("chat", stdin="Chen\n")


@pytest.mark.parametrize(("said", "expected"), [
    ("Miller", "Bob Miller"), ("bob chen", "Bob Chen"), ("the second one", "Bob Chen"),
    ("Miller please", "Bob Miller"), ("Bob", None), ("Smith", None),
    ("Email Bob Miller that the keys are ready", None)])
def test_choosing_an_option(said, expected):
    assert choose(["Bob Miller", "Bob Chen"], said) == expected


def test_on_a_terminal_lines_are_edited_and_kept_in_the_history_file(rh, tmp_path):
    """A real pseudo-terminal: readline is on, and the session's lines land in
    DATA_DIR/chat_history for the next session's up-arrow."""
    import pty
    import select
    import time

    rh("demo")
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")
    env["TERM"] = "dumb"
    controller, terminal = pty.openpty()
    process = subprocess.Popen([sys.executable, "-m", "righthand.cli", "chat"], env=env,
                               stdin=terminal, stdout=terminal, stderr=terminal)
    os.close(terminal)
    seen = b""

    def until(marker: bytes, seconds: float = 60) -> None:
        nonlocal seen
        deadline = time.monotonic() + seconds
        while marker not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([controller], [], [], 0.5)
            if ready:
                try:
                    seen += os.read(controller, 4096)
                except OSError:
                    break
        assert marker in seen, seen.decode(errors="replace")

    try:
        until(b"you> ")
        os.write(controller, b"Whats waiting for my approval?\r")
        until(b"Jane> ")
        os.write(controller, b"exit\r")
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
        os.close(controller)
    history = (tmp_path / "home" / "chat_history").read_text()
    assert "Whats waiting for my approval?" in history
