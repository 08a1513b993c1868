"""`righthand channels` from the command line: the assistant's address, a client address
verified by the code mailed to it, a phone number with a hashed PIN, and clear errors."""

from __future__ import annotations

import email
import email.policy

from sqlalchemy import select
from typer.testing import CliRunner

from righthand.cli import app as cli_app
from righthand.policy.duties import Phase
from righthand.service import channels
from righthand.store.tables import ChannelIdentity
from tests.conftest import new_workspace, workspace_slug


def test_channels_from_the_cli(single_app, monkeypatch):
    from righthand.commands import common

    ws = new_workspace(single_app, Phase.II)
    monkeypatch.setattr(common, "build_app", lambda create_schema=False: single_app)
    monkeypatch.setitem(common.state, "workspace", workspace_slug(single_app, ws))
    runner = CliRunner()
    said = runner.invoke(cli_app, ["channels", "set-address", "Jane@Office.example"])
    assert said.exit_code == 0 and "jane@office.example" in said.output
    added = runner.invoke(cli_app, ["channels", "add-email", "pat@office.example"])
    assert added.exit_code == 0 and "confirm-email pat@office.example" in added.output
    [sent] = list(single_app.settings.outgoing_mail_dir.rglob("*.eml"))
    mail = email.message_from_bytes(sent.read_bytes(), policy=email.policy.default)
    assert str(mail["To"]).endswith("pat@office.example")
    code = str(mail["Subject"]).rsplit(" ", 1)[-1]
    listed = runner.invoke(cli_app, ["channels", "list"])
    assert "waiting for its code" in listed.output
    wrong = runner.invoke(cli_app, ["channels", "confirm-email", "pat@office.example",
                                    "999999" if code != "999999" else "000000"])
    assert wrong.exit_code != 0 and "does not match" in str(wrong.exception)
    with single_app.db.unit(ws, write=False) as session:
        assert session.scalars(select(ChannelIdentity.failures)).one() == 1  # kept
    right = runner.invoke(cli_app, ["channels", "confirm-email", "pat@office.example", code])
    assert right.exit_code == 0 and "verified" in right.output
    phone = runner.invoke(cli_app, ["channels", "add-phone", "+1 202 555 0199"],
                          input="2468\n2468\n")
    assert phone.exit_code == 0 and "+12025550199" in phone.output
    short = runner.invoke(cli_app, ["channels", "add-phone", "+1 202 555 0199"],
                          input="12\n12\n")
    assert short.exit_code != 0 and "4 to 10 digits" in str(short.exception)
    bad = runner.invoke(cli_app, ["channels", "add-phone", "555"], input="2468\n2468\n")
    assert bad.exit_code != 0 and "country code" in str(bad.exception.hint)
    listed = runner.invoke(cli_app, ["channels", "list"])
    assert "pat@office.example  verified" in listed.output and "+12025550199" in listed.output
    with single_app.db.unit(ws) as session:
        row = session.scalars(select(ChannelIdentity).where(
            ChannelIdentity.kind == "phone")).one()
        assert "2468" not in (row.secret_hash or "")
        email_row = session.scalars(select(ChannelIdentity).where(
            ChannelIdentity.kind == "email")).one()
        assert email_row.failures == 0 and email_row.verified_at  # reset once verified
        assert channels.check_pin(session, "+12025550199", "2468")
        assert not channels.check_pin(session, "+12025550199", "1357")
        assert not channels.check_pin(session, "+12025550111", "2468")
