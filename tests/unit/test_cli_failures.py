"""How the command line ends: a usage mistake is the parser's explanation (exit 2), never
"this is a bug"; a true bug is one line on the terminal and a traceback in the data folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from righthand.cli import main
from righthand.commands import failures


@pytest.mark.parametrize(("argv", "said"), [
    (["pending"], "No such command 'pending'"),
    (["approvals", "--bogus"], "No such option: --bogus"),
    (["phase", "set"], "Missing argument"),
])
def test_a_usage_mistake_is_explained_not_called_a_bug(argv: list[str], said: str,
                                                      capsys: pytest.CaptureFixture[str],
                                                      tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTHAND_HOME", str(tmp_path))
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert said in err and "--help" in err
    assert "bug" not in err
    assert not (tmp_path / "logs").exists(), "a usage mistake is not logged as a bug"


def test_a_bug_is_one_line_and_a_logged_traceback(capsys: pytest.CaptureFixture[str],
                                                  tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RIGHTHAND_HOME", str(tmp_path))
    try:
        raise KeyError("the-missing-key")
    except KeyError as exc:
        assert not failures.usage_mistake(exc)
        assert failures.report_bug(exc) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "this is a bug" in err and "the-missing-key" in err
    log = (tmp_path / "logs" / "errors.log").read_text()
    assert "Traceback" in log and "KeyError: 'the-missing-key'" in log
