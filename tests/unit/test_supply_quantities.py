"""Quantities in words and units, pack rounding, and how supply requests are understood."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from righthand.conversation.patterns import PatternUnderstander
from righthand.duties.supplies.lifecycle import ALLOWED, STATUSES, UNDO_ALLOWED
from righthand.duties.supplies.quantities import (
    parse_quantity,
    plural,
    round_to_packs,
    singular,
    to_units,
)
from righthand.errors import BadInput

NOW = datetime(2026, 11, 26, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "number"), [
    ("3", 3), ("two", 2), ("a", 1), ("an", 1), ("a dozen", 12), ("half a dozen", 6),
    ("two dozen", 24), ("twenty-five", 25), ("a couple of", 2), ("one hundred", 100),
    (7, 7), (None, None), ("", None)])
def test_quantities_in_words_and_digits(text: str | int | None, number: int | None) -> None:
    assert parse_quantity(text) == number


def test_a_quantity_that_is_not_one() -> None:
    with pytest.raises(BadInput, match="not a quantity") as refused:
        parse_quantity("lots")
    assert "digits" in refused.value.hint


@pytest.mark.parametrize(("word", "one"), [("boxes", "box"), ("batteries", "battery"),
                                           ("cartridges", "cartridge"), ("pens", "pen"),
                                           ("glass", "glass"), ("box", "box")])
def test_singular(word: str, one: str) -> None:
    assert singular(word) == one


def test_plural() -> None:
    assert [plural("box", 2), plural("box", 1), plural("battery", 3), plural("each", 4),
            plural("cartridge", 2)] == ["boxes", "box", "batteries", "each", "cartridges"]


def test_units_and_packs() -> None:
    # Pens are counted one by one and sold twelve to a pack.
    assert to_units(30, None, "pen", 12).units == 36
    assert to_units(30, "pens", "pen", 12).rounded
    assert to_units(2, "packs", "pen", 12).units == 24
    assert to_units(2, "boxes", "pen", 12).units == 24
    assert to_units(3, "each", "pen", 12).units == 12
    # Paper is counted in boxes: "boxes" is its own unit, not a pack of boxes.
    assert to_units(2, "boxes", "box", 1).units == 2
    assert to_units(2, "box", "box", 5).units == 5
    with pytest.raises(BadInput, match="counted in boxes") as refused:
        to_units(2, "liters", "box", 1, "Printer paper")
    assert "how many boxes" in refused.value.hint
    with pytest.raises(BadInput, match="can't order 0"):
        to_units(0, None, "box", 1)
    assert round_to_packs(0, 10).units == 10  # an order is at least one pack


def test_transitions_cover_every_status_and_only_go_forward() -> None:
    assert set(ALLOWED) == set(STATUSES)
    order = {s: i for i, s in enumerate(STATUSES)}
    for start, ends in ALLOWED.items():
        assert all(order[end] > order[start] for end in ends), start
    for start, ends in UNDO_ALLOWED.items():
        assert all(order[end] < order[start] for end in ends), start


@pytest.mark.parametrize(("text", "slots"), [
    ("Order two boxes of printer paper",
     {"item": "printer paper", "quantity": 2, "unit": "boxes"}),
    ("we need 3 toner cartridges", {"item": "toner cartridges", "quantity": 3}),
    ("order paper", {"item": "paper"}),
    ("Jane, please order a dozen pens", {"item": "pens", "quantity": 12}),
    ("Can you order 2 more packs of pens for the office?",
     {"item": "pens", "quantity": 2, "unit": "packs"}),
    ("We're out of toner", {"item": "toner"}),
    ("order half a dozen boxes of folders", {"item": "folders", "quantity": 6, "unit": "boxes"}),
    ("Order 2 liters of paper", {"item": "paper", "quantity": 2, "unit": "liters"}),
])
def test_order_requests_are_understood(text: str, slots: dict[str, object]) -> None:
    understood = PatternUnderstander().understand(text, NOW, "America/New_York")
    assert (understood.intent, understood.slots) == ("supplies.order", slots)


@pytest.mark.parametrize("text", ["How are we on supplies?", "What's running low?",
                                  "Are we low on anything?", "what should we reorder?"])
def test_status_requests_are_understood(text: str) -> None:
    assert PatternUnderstander().understand(text, NOW, "UTC").intent == "supplies.status"


@pytest.mark.parametrize(("text", "intent"), [
    ("we need to talk about the Jones closing", "out_of_scope"),
    ("Add Sue Park, sue@example.com, to the newsletter list", "lists.subscribe"),
    ("Email Bob that we need to order paper", "email.send"),
])
def test_other_requests_are_not_orders(text: str, intent: str) -> None:
    assert PatternUnderstander().understand(text, NOW, "UTC").intent == intent


@pytest.mark.parametrize("text", ["Reorder what's running low", "reorder supplies",
                                  "restock everything that's low", "run a reorder check"])
def test_reorder_requests_are_understood(text: str) -> None:
    assert PatternUnderstander().understand(text, NOW, "UTC").intent == "supplies.reorder"
    # ...while reordering one thing is an order
    assert PatternUnderstander().understand("reorder paper", NOW, "UTC").slots == \
        {"item": "paper"}
