"""The rules of the house that keep the architecture honest (DESIGN.md §4)."""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "righthand"

# Connectors that change the world. Only the dispatcher (and the connectors package itself,
# whose factory builds them for the dispatcher) may import these.
WORLD_CHANGING = {"righthand.connectors.smtp", "righthand.connectors.outgoing",
                  "righthand.connectors.caldav_client",
                  "righthand.connectors.imap_write", "righthand.connectors.maildir_write",
                  "righthand.connectors.factory", "righthand.connectors.sms"}
ALLOWED_IMPORTERS = {"righthand.service.dispatcher"}
CLOCK_CALLS = {("datetime", "now"), ("datetime", "utcnow"), ("date", "today"),
               ("time", "time"), ("time", "monotonic"), ("datetime", "today")}


def _modules() -> list[tuple[str, Path]]:
    found = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found.append((name, path))
    return found


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def test_only_the_dispatcher_imports_world_changing_connectors() -> None:
    offenders = []
    for name, path in _modules():
        if name.startswith("righthand.connectors") or name in ALLOWED_IMPORTERS:
            continue
        hit = _imports(path) & WORLD_CHANGING
        if hit:
            offenders.append(f"{name} imports {sorted(hit)}")
    assert offenders == []


def test_the_dispatcher_does_import_them() -> None:
    """Guard against the rule passing vacuously (e.g. the module list being empty)."""
    dispatcher = dict(_modules())["righthand.service.dispatcher"]
    assert _imports(dispatcher) & WORLD_CHANGING


def test_duties_never_speak_protocols() -> None:
    offenders = []
    for name, path in _modules():
        if not name.startswith("righthand.duties"):
            continue
        bad = {i for i in _imports(path) if i.split(".")[0] in {"smtplib", "imaplib", "caldav",
                                                                 "socket", "requests", "httpx"}
               or i.startswith("righthand.connectors")}
        if bad:
            offenders.append(f"{name} imports {sorted(bad)}")
    assert offenders == []


def test_domain_and_policy_read_no_clock() -> None:
    offenders = []
    for name, path in _modules():
        if not name.startswith(("righthand.domain", "righthand.policy")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                    and isinstance(node.func.value, ast.Name) \
                    and (node.func.value.id, node.func.attr) in CLOCK_CALLS:
                offenders.append(f"{name}:{node.lineno} calls {node.func.value.id}."
                                 f"{node.func.attr}()")
    assert offenders == []


def test_import_linter_contracts_hold() -> None:
    """domain/ and policy/ import no I/O; duties and conversation import no protocol code."""
    linter = shutil.which("lint-imports", path=str(Path(sys.executable).parent))
    if linter is None:
        pytest.fail("lint-imports is not installed: pip install -e '.[dev]'")
    result = subprocess.run([linter], capture_output=True, text=True, cwd=SRC.parents[1],
                            check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "BROKEN" not in result.stdout


def test_nothing_connects_at_import_time() -> None:
    """Importing every module opens no socket and no database file."""
    code = (
        "import socket, sqlite3, pkgutil, importlib\n"
        "def refuse(*a, **k):\n    raise SystemExit('connected at import time')\n"
        "socket.socket.connect = refuse\nsqlite3.connect = refuse\n"
        "import righthand\n"
        "for m in pkgutil.walk_packages(righthand.__path__, 'righthand.'):\n"
        "    if '.migrations' in m.name: continue\n"
        "    importlib.import_module(m.name)\n"
        "print('ok')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False, env={"RIGHTHAND_HOME": "/nonexistent/righthand"})
    assert result.stdout.strip() == "ok", result.stderr


def test_modules_stay_small() -> None:
    big = [f"{name} ({len(path.read_text().splitlines())} lines)" for name, path in _modules()
           if len(path.read_text().splitlines()) > 600 and ".migrations." not in name]
    assert big == []


def test_registering_the_duties_imports_no_heavy_library() -> None:
    """Duty plugins name their handlers lazily, so `righthand ask` starts quickly."""
    code = ("import sys\nfrom righthand.duties.registry import load\nload()\n"
            "heavy = sorted(m for m in ('bs4', 'reportlab', 'jinja2', 'rapidfuzz', 'vobject',"
            " 'icalendar', 'fastapi') if m in sys.modules)\nprint(','.join(heavy) or 'none')\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=False)
    assert result.stdout.strip() == "none", result.stdout + result.stderr
