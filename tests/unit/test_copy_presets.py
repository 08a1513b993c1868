"""Ad copy: every preset's drafts pass its hard limits (checked here independently of the
code's own checker), use only the brief's facts, and follow the voice learned from edits."""

from __future__ import annotations

import csv
import io
import re

import pytest

from righthand.domain.copy import PRESETS, Brief, Voice, brief_problems, invented, learn, problems
from righthand.duties.copywriting.assisted import repair
from righthand.duties.copywriting.briefs import parse
from righthand.duties.copywriting.generate import CannotWrite, Writer, render, to_csv

# The published limits, written out again so a change in the code cannot pass unnoticed.
LIMITS = {
    "google-rsa": {"headlines": (3, 15, 30), "descriptions": (2, 4, 90)},
    "microsoft-rsa": {"headlines": (3, 15, 30), "descriptions": (2, 4, 90)},
    "meta": {"primary_text": (1, 1, 125), "headline": (1, 1, 40)},
    "listing": {"headline": (1, 1, 60), "blurb": (1, 1, 250)},
    "email-subject": {"subject": (1, 1, 60)},
    "flyer": {"headline": (1, 1, 40), "body": (1, 1, 300)},
}
BRIEFS = [
    Brief(offer="Spring cleaning special", audience="busy families",
          differentiators=("Family-owned since 1998", "Eco-friendly products"),
          facts=("20% off all cleaning", "Offer ends March 31"), avoid=("cheap",),
          business="Sparkle Home Services"),
    Brief(offer="Two-bedroom flat to let in Harbour Street", tone="professional",
          facts=("$1,450 a month",), avoid=("luxury", "stunning")),
    Brief(offer="Holiday open house", facts=("Doors open Dec 12",), tone="urgent"),
    Brief(offer="Free first consultation for new clients of Lee & Park Accountants, "
                 "Harbour Street", facts=("Free first consultation",)),
]


def _check_independently(preset_id: str, variant: dict[str, list[str]], brief: Brief) -> None:
    assert set(variant) == set(LIMITS[preset_id])
    for name, (low, high, chars) in LIMITS[preset_id].items():
        lines = variant[name]
        assert low <= len(lines) <= high, (name, lines)
        assert all(0 < len(line) <= chars for line in lines), (name, lines)
        assert len({line.lower() for line in lines}) == len(lines), (name, lines)
    text = " ".join(" ".join(v) for v in variant.values())
    for fact in brief.facts:
        assert fact.lower() in text.lower()
    for word in brief.avoid:
        assert not re.search(rf"\b{re.escape(word)}\b", text, re.I)
    source = brief.source_text
    for number in re.findall(r"\d[\d,]*", text):
        assert number in source, f"invented number {number} in {text!r}"


@pytest.mark.parametrize("preset_id", sorted(LIMITS))
@pytest.mark.parametrize("brief", BRIEFS, ids=["cleaning", "flat", "open-house", "long-offer"])
def test_every_preset_drafts_within_its_limits(preset_id: str, brief: Brief) -> None:
    preset = PRESETS[preset_id]
    variants = Writer(brief, preset).write(3)
    assert len(variants) >= 2, "several variants per request"
    assert len({repr(v) for v in variants}) == len(variants), "variants differ"
    for variant in variants:
        _check_independently(preset_id, variant, brief)
        assert problems(preset, variant, brief) == []
    text = render(preset, variants)
    assert "Variant 1:" in text and f"/{LIMITS[preset_id][next(iter(LIMITS[preset_id]))][2]})" \
        in text


def test_the_checker_catches_every_kind_of_fault() -> None:
    brief = BRIEFS[0]
    rsa = PRESETS["google-rsa"]
    good = Writer(brief, rsa).write(1)[0]
    assert problems(rsa, good, brief) == []
    faults = {
        "too long": {**good, "headlines": [*good["headlines"][:14], "X" * 31]},
        "too many": {**good, "headlines": [f"Line {chr(65 + i)}" for i in range(16)]},
        "too few": {**good, "descriptions": good["descriptions"][:1]},
        "duplicate": {**good, "headlines": [*good["headlines"][:13], "Book Today",
                                            "book today"]},
        "invented number": {**good, "descriptions": [good["descriptions"][0],
                                                     "Save 50% now."]},
        "invented claim": {**good, "descriptions": [good["descriptions"][0],
                                                    "The best cleaners in town."]},
        "avoided word": {**good, "descriptions": [good["descriptions"][0],
                                                  "Cheap and quick."]},
        "missing fact": {"headlines": ["Spring cleaning special", "Book today", "Learn more"],
                         "descriptions": ["Spring cleaning special.", "Call us today."]},
    }
    for name, variant in faults.items():
        assert problems(rsa, variant, brief), name
    assert invented("Only $49, guaranteed", brief) == ["the number $49",
                                                       "the claim 'guaranteed'"]


def test_a_brief_that_cannot_fit_is_refused_with_the_reason() -> None:
    subject = PRESETS["email-subject"]
    long_fact = Brief(offer="Sale", facts=("x" * 61,))
    assert "61 characters" in brief_problems(subject, long_fact)[0]
    with pytest.raises(CannotWrite):
        Writer(Brief(offer="Sale", facts=("a" * 40, "b" * 40)), subject).write(1)
    assert brief_problems(subject, Brief(offer="Sale", facts=("cheap seats",),
                                          avoid=("cheap",)))


def test_csv_is_ready_for_google_ads_editor() -> None:
    rsa = PRESETS["google-rsa"]
    variants = Writer(BRIEFS[0], rsa).write(2)
    rows = list(csv.DictReader(io.StringIO(to_csv(rsa, variants, "Spring", "Cleaning"))))
    assert len(rows) == 2
    assert rows[0]["Campaign"] == "Spring" and rows[0]["Ad group"] == "Cleaning"
    assert [rows[0][f"Headline {i}"] for i in range(1, 16)][:len(variants[0]["headlines"])] == \
        variants[0]["headlines"]
    assert rows[1]["Description 1"] == variants[1]["descriptions"][0]
    meta = PRESETS["meta"]
    rows = list(csv.DictReader(io.StringIO(to_csv(meta, Writer(BRIEFS[0], meta).write(2)))))
    assert set(rows[0]) == {"Ad name", "Body", "Title"} and len(rows[0]["Body"]) <= 125


def test_the_voice_is_learned_from_edits_and_applied() -> None:
    edits = [("Spring cleaning special. Book today!", "Spring cleaning special. Book today. "
              "- The Sparkle Team"),
             ("Call us today! Great prices.", "Call us today. Fair prices. - The Sparkle Team"),
             ("Come see us! Great service.", "Come see us. Friendly service. "
              "- The Sparkle Team")]
    voice = learn(edits)
    assert voice.sign_off == "- The Sparkle Team"  # as the client writes it
    assert "great" in voice.avoid and voice.exclaim is False and voice.edits == 3
    brief = BRIEFS[0]
    for preset_id in ("meta", "flyer", "google-rsa"):
        preset = PRESETS[preset_id]
        plain = Writer(brief, preset).write(1)[0]
        voiced = Writer(brief, preset, voice).write(1)[0]
        text = " ".join(" ".join(v) for v in voiced.values())
        assert "The Sparkle Team" in text and "!" not in text
        assert "The Sparkle Team" not in " ".join(" ".join(v) for v in plain.values())
        assert problems(preset, voiced, brief) == []
    shorter = Writer(brief, PRESETS["listing"], Voice(length=0.6)).write(1)[0]
    longer = Writer(brief, PRESETS["listing"]).write(1)[0]
    assert len(shorter["blurb"][0]) < len(longer["blurb"][0])


def test_repair_turns_a_rule_breaking_model_draft_into_a_valid_one() -> None:
    brief = BRIEFS[0]
    rsa = PRESETS["google-rsa"]
    offline = Writer(brief, rsa).write(1)[0]
    broken = {"headlines": ["20% off all cleaning", "The best cleaners in the county!",
                            "Offer ends March 31", "Offer ends March 31", "Cheap and cheerful",
                            "Save 50% on windows"],
              "descriptions": ["Spring cleaning special for busy families, with every room "
                               "cleaned top to bottom by our friendly, careful local team."]}
    assert problems(rsa, broken, brief)
    fixed = repair(rsa, broken, brief, offline)
    assert problems(rsa, fixed, brief) == []
    assert "Save 50% on windows" not in fixed["headlines"]
    assert not any("best" in h.lower() or "cheap" in h.lower() for h in fixed["headlines"])


def test_requests_in_words_become_briefs() -> None:
    brief, channel, count = parse(
        "Write three Google ad headlines for our spring cleaning special: 20% off all "
        "cleaning; offer ends March 31. Avoid cheap.", {})
    assert (channel, count) == ("google-rsa", 3)
    assert brief.offer == "spring cleaning special"
    assert brief.facts == ("20% off all cleaning", "offer ends March 31")
    assert brief.avoid == ("cheap",)
    brief, channel, count = parse("Jane, draft two facebook ads for the new bakery aimed at "
                                  "local families, mention fresh bread daily", {})
    assert (channel, count, brief.offer, brief.audience, brief.facts) == \
        ("meta", 2, "new bakery", "local families", ("fresh bread daily",))
    assert parse("subject lines about our holiday open house", {})[1] == "email-subject"
    assert parse("a flyer for the spring fair", {})[1] == "flyer"
    assert parse("a listing blurb for the flat", {})[1] == "listing"
    assert parse("bing ads for the flat", {})[1] == "microsoft-rsa"
