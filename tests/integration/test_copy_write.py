"""copy.write end to end, offline (no model configured): the request in words or from the
CLI, drafts as a ``copy.draft`` action that waits for approval in Phase II, saved when approved,
and the client's edits teaching the brand voice used by later drafts. SQLite and PostgreSQL."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from righthand.bootstrap import App
from righthand.domain.copy import PRESETS, Brief, problems
from righthand.policy.duties import Phase
from righthand.service import approvals, copywriting, workspaces
from righthand.service.assistant import ask
from righthand.store.tables import ActionRow, CopyDraft, CopyEdit, OutboxRow, Workspace
from tests.conftest import new_workspace, workspace_slug


def _approve(app: App, ws_id: int, approval_id: int, edit: dict[str, str] | None = None) -> int:
    with app.db.unit(ws_id) as session:
        ws = session.get(Workspace, ws_id)
        assert ws is not None
        job = workspaces.job_description(session, ws)
        if edit is not None:
            row = approvals.edit(session, approval_id, edit, job, app.catalog, app.clock(),
                                 app.approval_ttl).row
        else:
            row = approvals.approve(session, approval_id, job, app.catalog, app.clock())
        action_id = row.id
    app.dispatcher().run_once(only=[action_id])
    return action_id


def test_ad_copy_in_words_waits_for_approval_then_is_saved(app: App) -> None:
    ws_id = new_workspace(app, Phase.II)
    answer = ask(app, "Jane, write three Google ad headlines for our spring cleaning special: "
                      "20% off all cleaning; offer ends March 31. Avoid cheap.",
                 workspace_slug(app, ws_id))
    assert answer.intent == "copy.write"
    assert answer.answer.startswith("Here are three responsive search ads for your spring "
                                    "cleaning special")
    assert "20% off all cleaning" in answer.answer and "(20/30)" in answer.answer
    [action] = answer.actions
    assert (action.duty, action.kind, action.decision, action.state) == \
        ("copy.write", "copy.draft", "ask", "awaiting_approval")
    assert f"approvals approve {action.approval_id}" in answer.answer
    brief = Brief(offer="spring cleaning special", facts=("20% off all cleaning",
                                                         "offer ends March 31"), avoid=("cheap",))
    assert len(answer.data["variants"]) == 3
    for variant in answer.data["variants"]:
        assert problems(PRESETS["google-rsa"], variant, brief) == []
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(CopyDraft)).all() == []  # not before the client's yes
    assert action.approval_id is not None
    _approve(app, ws_id, action.approval_id)
    with app.db.unit(ws_id, write=False) as session:
        [saved] = session.scalars(select(CopyDraft)).all()
        assert saved.channel == "google-rsa" and saved.status == "saved"
        assert saved.variants["variants"] == answer.data["variants"]
        assert session.scalars(select(CopyEdit)).all() == []  # approved unchanged
        row = session.get(ActionRow, action.id)
        assert row is not None and row.state == "done"
        assert session.scalars(select(OutboxRow).where(OutboxRow.via != "local")).all() == []


def test_phase_one_does_not_write_copy_and_says_how_to_enable_it(app: App) -> None:
    ws_id = new_workspace(app, Phase.I)
    answer = ask(app, "write a facebook ad for our spring sale", workspace_slug(app, ws_id))
    assert answer.intent == "copy.write"
    assert answer.actions == [] or all(a.decision == "deny" for a in answer.actions)
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(CopyDraft)).all() == []


def test_edits_teach_the_voice_that_later_drafts_follow(app: App) -> None:
    ws_id = new_workspace(app, Phase.II)
    slug = workspace_slug(app, ws_id)
    brief = Brief(offer="Spring cleaning special", facts=("20% off all cleaning",),
                  differentiators=("Great prices",))
    first = copywriting.write(app, brief, "flyer", 1, slug)
    drafted = str(first.actions[0].payload["text"])
    assert "!" in drafted and "Great prices" in drafted
    assert "(" not in drafted  # the editable text has no character counts
    edited = drafted.replace("!", ".").replace("Great prices", "Fair prices")
    edited = "\n".join(line + " - The Sparkle Team" if "Body:" in line else line
                       for line in edited.splitlines())
    approval_id = first.actions[0].approval_id
    assert approval_id is not None
    _approve(app, ws_id, approval_id, {"text": edited})
    copywriting.learn(app, "Call us today! Great prices.",
                      "Call us today. Fair prices. - The Sparkle Team", "flyer", slug)
    voice = copywriting.voice(app, slug)
    assert voice.edits == 2 and voice.sign_off == "- The Sparkle Team"
    assert "great" in voice.avoid and not voice.exclaim
    later = copywriting.write(app, brief, "meta", 2, slug)
    for variant in later.data["variants"]:
        text = " ".join(" ".join(lines) for lines in variant.values())
        assert "The Sparkle Team" in text and "!" not in text
        assert "Great prices" not in text  # an optional phrase the client keeps removing
        assert problems(PRESETS["meta"], variant, brief) == []
    with app.db.unit(ws_id, write=False) as session:
        assert session.scalars(select(CopyDraft)).one().text == edited


def test_cli_writes_copy_and_a_csv_for_upload(app: App, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    from righthand import cli
    from righthand.commands import common

    ws_id = new_workspace(app, Phase.II)
    slug = workspace_slug(app, ws_id)
    target = tmp_path / "ads.csv"
    monkeypatch.setattr(common, "build_app", lambda create_schema=False: app)
    result = CliRunner().invoke(cli.app, [
        "--workspace", slug, "copy", "write", "--channel", "google-rsa", "--offer",
        "Spring cleaning special", "--fact", "20% off all cleaning", "--fact",
        "Offer ends March 31", "--avoid", "cheap", "--variants", "2", "--csv", str(target),
        "--campaign", "Spring", "--ad-group", "Cleaning", "--final-url",
        "https://sparkle.example/spring"])
    assert result.exit_code == 0, result.output
    assert "Here are two responsive search ads" in result.output
    assert "waiting for your approval" in result.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert len(rows) == 2 and rows[0]["Headline 1"] == "20% off all cleaning"
    assert (rows[1]["Campaign"], rows[1]["Ad group"], rows[1]["Final URL"]) == \
        ("Spring", "Cleaning", "https://sparkle.example/spring")
    assert all(len(r[f"Headline {i}"]) <= 30 for r in rows for i in range(1, 16))
    assert all(len(r[f"Description {i}"]) <= 90 for r in rows for i in range(1, 5))
    for args, expected in (
            (["--channel", "email-subject", "--offer", "Sale", "--fact", "x" * 61],
             "61 characters"),
            (["--channel", "tiktok", "--offer", "Sale"], "unknown channel")):
        capsys.readouterr()
        code = cli.main(["--workspace", slug, "copy", "write", *args])
        err = capsys.readouterr().err
        assert code != 0 and expected in err and "Traceback" not in err
        assert len(err.strip().splitlines()) == 1, err
    with app.db.unit(ws_id, write=False) as session:
        assert len(session.scalars(select(ActionRow)).all()) == 1  # bad briefs propose nothing
