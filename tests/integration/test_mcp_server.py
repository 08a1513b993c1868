"""`righthand mcp` as a real process spoken to in JSON-RPC over stdin/stdout: initialize,
tools/list, tools/call -- and every call meets the gate (Phase I refuses the calendar;
email waits for approval; a list subscription is done)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest


class Session:
    def __init__(self, env: dict[str, str]) -> None:
        self.process = subprocess.Popen([sys.executable, "-m", "righthand.cli", "mcp"],
                                        env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=subprocess.PIPE, text=True)
        self.next_id = 0

    def send(self, message: dict[str, Any]) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(json.dumps(message) + "\n")
        self.process.stdin.flush()

    def call(self, method: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        self.next_id += 1
        self.send({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                   **({"params": params} if params is not None else {})})
        assert self.process.stdout is not None
        while True:
            line = self.process.stdout.readline()
            assert line, self.process.stderr.read() if self.process.stderr else "closed"
            reply = json.loads(line)
            if reply.get("id") == self.next_id:
                return reply

    def tool(self, name: str, **arguments: Any) -> dict[str, Any]:
        reply = self.call("tools/call", {"name": name, "arguments": arguments})
        assert "result" in reply, reply
        return reply["result"]

    def close(self) -> None:
        if self.process.stdin:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RIGHTHAND_")}
    env["RIGHTHAND_HOME"] = str(tmp_path / "home")
    subprocess.run([sys.executable, "-m", "righthand.cli", "demo"], env=env, check=True,
                   capture_output=True, timeout=120)
    subprocess.run([sys.executable, "-m", "righthand.cli", "duties", "set", "email.send",
                    "--autonomy", "ask"], env=env, check=True, capture_output=True, timeout=60)
    return env


def test_mcp_tools_meet_the_gate(env):
    mcp = Session(env)
    try:
        hello = mcp.call("initialize", {"protocolVersion": "2025-06-18", "capabilities": {},
                                        "clientInfo": {"name": "test", "version": "1"}})
        assert hello["result"]["serverInfo"]["name"] == "righthand"
        assert "tools" in hello["result"]["capabilities"]
        mcp.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        tools = {t["name"]: t for t in mcp.call("tools/list")["result"]["tools"]}
        assert {"ask", "calendar_agenda", "email_send", "lists_subscribe"} <= set(tools)
        assert tools["email_send"]["inputSchema"]["required"] == ["request"]

        refused = mcp.tool("calendar_agenda", request="What's on today?")
        data = refused["structuredContent"]
        assert data["intent"] == "calendar.agenda" and "Phase III" in data["answer"]
        assert data["actions"] == []

        email = mcp.tool("email_send", request="Email Bob Chen that the keys are ready")
        [action] = email["structuredContent"]["actions"]
        assert (action["kind"], action["decision"], action["state"]) == \
            ("email.send", "ask", "awaiting_approval")
        assert "approval" in email["content"][0]["text"]

        added = mcp.tool("lists_subscribe",
                         request="Add Sue Park, sue@example.com, to the newsletter list")
        [done] = added["structuredContent"]["actions"]
        assert (done["decision"], done["state"]) == ("allow", "done")

        asked = mcp.tool("ask", text="Email Bob that I'm late", conversation="c1")
        assert "Which Bob" in asked["structuredContent"]["answer"]
        picked = mcp.tool("ask", text="Miller", conversation="c1")
        [second] = picked["structuredContent"]["actions"]
        assert second["decision"] == "ask" and "bob.miller@example.com" in second["summary"]
    finally:
        mcp.close()
    audit = subprocess.run([sys.executable, "-m", "righthand.cli", "audit", "list", "--limit",
                            "50"], env=env, capture_output=True, text=True, timeout=60,
                           check=True).stdout
    assert "client (mcp)" in audit
