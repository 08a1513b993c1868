"""`righthand supplies ...` through typer's CliRunner, on the default SQLite install with a
workspace set up from the command line: stock table, catalog edits, order -> approve -> sent, receive, PDF, reorder,
cancel, and errors that are one line with what to do next."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from pypdf import PdfReader
from typer.testing import CliRunner

from righthand.cli import app as cli_app
from righthand.cli import main


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data folder with the demo workspace."""
    for name in ("RIGHTHAND_DATABASE_URL", "RIGHTHAND_WORKSPACE", "RIGHTHAND_SMTP_URL",
                 "RIGHTHAND_REDIS_URL", "RIGHTHAND_MAIL_FROM"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RIGHTHAND_HOME", str(tmp_path / "home"))
    run("init", "--client", "Pat Lee", "--timezone", "America/New_York", "--phase", "I",
        "--name", "office")
    run("supplies", "vendor", "add", "Harbor Office Supply", "--email",
        "orders@harboroffice.example")
    run("supplies", "vendor", "add", "SignPro", "--email", "sales@signpro.example")
    for name, sku, vendor, unit, price, on_hand, point, target in CATALOG:
        run("supplies", "item", "add", name, "--sku", sku, "--vendor", vendor, "--unit", unit,
            "--price", price, "--on-hand", on_hand, "--reorder-point", point, "--target", target)
    return tmp_path / "home"


CATALOG = [  # as in the demo workspace
    ("Printer paper", "PAP-A4-500", "Harbor", "box", "42.00", "2", "3", "8"),
    ("Toner cartridge", "TON-HP-26A", "Harbor", "cartridge", "89.00", "1", "1", "3"),
    ("Manila folders", "FOL-MAN-100", "Harbor", "box", "18.50", "6", "2", "6"),
    ("Ballpoint pens", "PEN-BLK-50", "Harbor", "pack", "9.99", "4", "2", "5"),
    ("For Sale signs", "SGN-FS-24", "SignPro", "sign", "35.00", "3", "4", "10"),
]


def run(*args: str) -> str:
    """Run ``righthand ARGS``; it must succeed."""
    result = CliRunner().invoke(cli_app, list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


def fail(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    """Run ``righthand ARGS`` as the installed command does; returns (exit code, stderr)."""
    capsys.readouterr()
    code = main(list(args))
    err = capsys.readouterr().err
    assert code != 0 and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1, err
    return code, err


def test_the_stock_table_and_catalog_edits(home: Path) -> None:
    table = run("supplies", "items")
    def row(name: str) -> str:
        return next(line for line in table.splitlines() if name in line)

    assert "LOW" in row("Printer paper") and "LOW" in row("For Sale signs")
    assert "LOW" not in row("Manila folders") and " ok " in row("Manila folders")
    assert "Harbor Office Supply <orders@harboroffice.example>" in run("supplies", "vendors")

    assert "Added vendor Acme Paper." in run("supplies", "vendor", "add", "Acme Paper",
                                             "--email", "orders@acme.example")
    run("supplies", "vendor", "update", "acme", "--contact", "Ann Acme")
    assert "(Ann Acme)" in run("supplies", "vendors")
    added = run("supplies", "item", "add", "Copy paper", "--sku", "CP-1", "--vendor", "Acme",
                "--unit", "ream", "--pack-size", "5", "--price", "6.50", "--on-hand", "3",
                "--reorder-point", "5", "--target", "20")
    assert "Added Copy paper (CP-1): 3 reams on hand, reorder at 5, target 20." in added
    assert "Updated Copy paper: on hand." in run("supplies", "item", "update", "CP-1",
                                                 "--on-hand", "4")
    copy = next(line for line in run("supplies", "items").splitlines() if "CP-1" in line)
    assert " 4 " in copy and "LOW" in copy


def test_order_approve_receive_and_the_pdf(home: Path, tmp_path: Path) -> None:
    ordered = run("supplies", "order", "printer paper", "two")
    assert "Purchase order PO-0001: Printer paper (PAP-A4-500), 2 boxes" in ordered
    assert "waits for your approval (#1)" in ordered
    assert "PO-0001  draft" in run("supplies", "orders")

    out = tmp_path / "po.pdf"
    assert "Wrote" in run("supplies", "orders", "pdf", "PO-0001", "--out", str(out))
    text = PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text()
    assert "Pat Lee" in text and "PO-0001" in text and "$84.00" in text

    assert "done" in run("approvals", "approve", "1")
    assert "PO-0001  sent" in run("supplies", "orders")
    assert len(list((home / "outgoing").glob("*.eml"))) == 1

    receipt = run("supplies", "receive", "PO-1", "--item", "PAP-A4-500", "--qty", "1")
    assert "The receipt of PO-0001 waits for your approval (#2)" in receipt
    run("approvals", "approve", "2")
    shown = run("supplies", "orders", "show", "1")
    assert "partly received" in shown and "received 1/2" in shown
    assert "Received: Printer paper: 1 box." in shown


def test_reorder_from_the_command_line(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    held = run("supplies", "reorder")
    assert "Held back:" in held and "not delegated" in held and "phase set II" in held
    run("phase", "set", "II")
    proposed = run("supplies", "reorder")
    assert "Proposed PO-0001 to Harbor Office Supply ($252.00): Printer paper: 6 boxes" \
        in proposed
    assert "Proposed PO-0002 to SignPro ($245.00): For Sale signs: 7 signs" in proposed
    assert "Nothing is below its reorder point" in run("supplies", "reorder")

    assert "approval request is withdrawn" in run("supplies", "cancel", "PO-0002")
    code, err = fail(capsys, "supplies", "cancel", "PO-0002")
    assert code == 2 and "already cancelled" in err and "righthand supplies orders" in err


def test_errors_say_what_to_do(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, err = fail(capsys, "supplies", "order", "paper clips", "2")
    assert code == 2 and "not in the supplies catalog" in err and "supplies item add" in err
    code, err = fail(capsys, "supplies", "order", "paper", "lots")
    assert code == 2 and "not a quantity" in err and "digits" in err
    code, err = fail(capsys, "supplies", "receive", "PO-0009")
    assert "no purchase order 'PO-0009'" in err and "righthand supplies orders" in err
    run("supplies", "order", "toner", "1")
    code, err = fail(capsys, "supplies", "receive", "PO-0001")
    assert "only sent or partly received" in err and "righthand approvals" in err
    code, err = fail(capsys, "supplies", "item", "update", "PAP-A4-500", "--target", "1")
    assert "below the reorder point" in err
    code, err = fail(capsys, "supplies", "vendor", "update", "SignPro", "--email", "nope")
    assert "not an email address" in err
    code, err = fail(capsys, "supplies", "order", "toner", "2", "--unit", "litres")
    assert "counted in cartridges" in err
