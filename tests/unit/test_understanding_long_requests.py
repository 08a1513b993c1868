"""The offline engine on requests its training never saw (none of these phrasings is in
data/train.txt): ad copy asked for with a long brief, long requests it does not do, and
no-shows said in the client's words. Training and evaluation phrasings stay apart."""

from __future__ import annotations

import json
import re
from datetime import datetime
from pathlib import Path

import pytest

from righthand.conversation.engine import OfflineUnderstander
from righthand.conversation.train import read_examples

NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")  # 10:00 in New York
TZ = "America/New_York"
EVAL = Path(__file__).resolve().parents[1] / "fixtures" / "understanding" / "eval.jsonl"
ENGINE = OfflineUnderstander()

LONG_BRIEFS = [
    "draft two facebook ads for the new bakery aimed at local families, mention fresh bread "
    "daily and open from 7am",
    "write three google ads for our plumbing service targeting homeowners in Springfield, "
    "mention 24/7 emergency callouts and free quotes, friendly tone",
    "Jane, I need a facebook post for the spring open house at 12 Oak Street aimed at "
    "first-time buyers, say there's a free coffee bar and it runs 10am to 2pm on saturday",
    "draft a google search ad for the dental practice, audience young families, must mention "
    "evening appointments and free parking, tone reassuring",
    "could you come up with a flyer for the charity bake sale on the 12th, for parents at the "
    "school, mention all proceeds go to the library",
    "write ad copy for our music lessons aimed at kids, mention the first lesson is free",
    "Instagram ad for the cafe: new winter menu, hot soup and sandwiches, open till 9pm, "
    "aimed at students",
    "come up with microsoft ads for the estate agency, aimed at people selling their first "
    "home, mention free valuations and no sale no fee",
    "draft 3 google ads for the driving school targeting 17 year olds and their parents, "
    "mention a high pass rate and automatic cars",
]
LONG_ELSEWHERE = [
    "book me a flight to Rome next friday, window seat, and a hotel near the station for "
    "three nights",
    "can you write a poem for my wife's birthday, mention our trip to Paris and her love of "
    "gardening",
    "find me a good italian restaurant near the office for a team dinner of twelve people on "
    "friday, somewhere with vegetarian options",
    "help me plan a two week holiday in Portugal for the family in august, we like beaches and "
    "quiet towns",
    "write an essay about the causes of the first world war for my son's homework, about 500 "
    "words",
    "give me a recipe for sourdough bread that's ready by 7am, for a family of four",
    "tell me a bedtime story about a dragon who opens a bakery, for my daughter who is five",
    "write a letter to my landlord asking for the deposit back, mention the flat was left "
    "spotless and the keys were returned on time",
    "write a song for our ad",
]
NO_SHOWS = [
    ("Mark Tom Reed as a no-show", {"contact": "Tom Reed"}),
    ("Tom didn't show up for his 3pm", {"contact": "Tom", "time": "15:00"}),
    ("flag the Reed appointment as no-show", {"contact": "Reed"}),
    ("Jane, Tom Reed was a no-show today", {"contact": "Tom Reed", "date": "2026-11-26"}),
    ("log a no-show for Tom Reed", {"contact": "Tom Reed"}),
    ("Tom Reed never turned up", {"contact": "Tom Reed"}),
]


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9 ]", "", text.lower()).strip()


def test_training_and_evaluation_phrasings_are_apart() -> None:
    trained = {_norm(text) for text, _ in read_examples()}
    held_out = [json.loads(line)["text"] for line in EVAL.read_text().splitlines() if line]
    assert [t for t in held_out if _norm(t) in trained] == []
    mine = LONG_BRIEFS + LONG_ELSEWHERE + [t for t, _ in NO_SHOWS]
    assert [t for t in mine if _norm(t) in trained] == []


@pytest.mark.parametrize("text", LONG_BRIEFS)
def test_a_long_brief_is_a_copy_request(text: str) -> None:
    found = ENGINE.understand(text, NOW, TZ)
    assert found.intent == "copy.write", found
    assert found.slots["subject"]


@pytest.mark.parametrize("text", LONG_ELSEWHERE)
def test_a_long_request_for_something_else_stays_out_of_scope(text: str) -> None:
    found = ENGINE.understand(text, NOW, TZ)
    assert found.intent == "out_of_scope", found
    assert found.slots == {}  # no stray "time" from "7am"


@pytest.mark.parametrize(("text", "slots"), NO_SHOWS)
def test_a_no_show_is_an_answer_to_record(text: str, slots: dict[str, str]) -> None:
    found = ENGINE.understand(text, NOW, TZ)
    assert found.intent == "appointments.confirm", found
    assert found.slots["answer"] == "no-show"
    assert {k: found.slots.get(k) for k in slots} == slots


@pytest.mark.parametrize("text", ["Who didn't show up today?", "did Tom Reed turn up for the "
                                  "consultation?", "were there any no-shows last week"])
def test_asking_about_no_shows_is_a_status_question(text: str) -> None:
    found = ENGINE.understand(text, NOW, TZ)
    assert found.intent == "appointments.status", found
    assert "answer" not in found.slots
