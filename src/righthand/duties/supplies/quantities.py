"""Quantities in words and units: "two boxes", "a dozen", "3" -> units of an item, whole packs.

An item is counted (and priced) in its ``unit`` ("box", "cartridge", "pen"); the vendor sells it
in packs of ``pack_size`` units. Asking for "2 packs" of pens sold 12 to a pack means 24 pens;
an order is always rounded up to whole packs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from righthand.errors import BadInput

_ONES = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
         "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
         "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
         "nineteen": 19}
_TENS = {"twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
         "eighty": 80, "ninety": 90}
_PHRASES = {"a": 1, "an": 1, "single": 1, "a single": 1, "another": 1, "one more": 1,
            "a couple": 2, "a couple of": 2, "couple": 2, "a pair": 2, "a pair of": 2,
            "pair": 2, "a dozen": 12, "dozen": 12, "half a dozen": 6, "a half dozen": 6,
            "a hundred": 100, "hundred": 100}

# Words that mean "one of the vendor's packs" when they are not the item's own unit.
PACK_WORDS = frozenset({"pack", "packet", "box", "case", "carton", "bundle", "pk"})
# Words that mean "one of the item's own units", whatever that unit is called.
EACH_WORDS = frozenset({"each", "ea", "piece", "pc", "pcs", "unit", "item", "one"})


def parse_quantity(value: str | int | None) -> int | None:
    """A whole number from digits or words ("3", "two", "a dozen", "twenty-five"); None if
    there is none. Raises :class:`BadInput` for text that is not a quantity."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = re.sub(r"[\s-]+", " ", value.strip().lower()).removesuffix(" of").strip()
    if not text:
        return None
    if re.fullmatch(r"\d{1,6}", text):
        return int(text)
    if text in _PHRASES:
        return _PHRASES[text]
    match = re.fullmatch(r"(.+?) dozen", text)
    if match:
        inner = parse_quantity(match.group(1))
        if inner is not None:
            return inner * 12
    total = 0
    words = text.split(" ")
    for word in words:
        if word in _ONES:
            total += _ONES[word]
        elif word in _TENS:
            total += _TENS[word]
        elif word == "hundred":
            total = max(total, 1) * 100
        elif word != "and":
            raise BadInput(f"{value!r} is not a quantity I understand",
                           hint="Say it with digits, e.g. 3, or words like two or a dozen.")
    return total


def singular(word: str) -> str:
    """A rough singular of an English noun ("boxes" -> "box", "batteries" -> "battery")."""
    lowered = word.strip().lower()
    if len(lowered) <= 3 or lowered.endswith(("ss", "us", "is")):
        return lowered
    if lowered.endswith("ies"):
        return lowered[:-3] + "y"
    if lowered.endswith(("ches", "shes", "xes", "sses", "zes")):
        return lowered[:-2]
    if lowered.endswith("s"):
        return lowered[:-1]
    return lowered


def plural(unit: str, count: int) -> str:
    """``unit`` for ``count`` of it ("1 box", "2 boxes", "3 each")."""
    if count == 1 or unit.lower() in EACH_WORDS or unit.endswith("s"):
        return unit
    if unit.endswith(("ch", "sh", "x", "z")):
        return unit + "es"
    if unit.endswith("y") and len(unit) > 1 and unit[-2] not in "aeiou":
        return unit[:-1] + "ies"
    return unit + "s"


def line_text(name: str, quantity: int, unit: str) -> str:
    """One order line in words: "Printer paper: 2 boxes"."""
    return f"{name}: {quantity} {plural(unit, quantity)}"


@dataclass(frozen=True)
class Conversion:
    """A request turned into the item's units, rounded up to whole packs."""

    requested: int  # in the item's units, before rounding
    units: int  # what will be ordered (a multiple of the pack size)
    packs: int

    @property
    def rounded(self) -> bool:
        """True when rounding up to whole packs changed the quantity."""
        return self.units != self.requested


def round_to_packs(units: int, pack_size: int) -> Conversion:
    """``units`` rounded up to whole packs of ``pack_size``."""
    size = max(1, pack_size)
    packs = max(1, math.ceil(units / size))
    return Conversion(requested=units, units=packs * size, packs=packs)


def to_units(quantity: int, unit: str | None, item_unit: str, pack_size: int,
             item_name: str = "it") -> Conversion:
    """``quantity`` of ``unit`` as the item's units, rounded up to whole packs.

    The item's own unit (or "each", "piece") counts units; a pack word ("pack", "box", "case")
    that is not the item's unit counts packs. Any other unit is a question for the client."""
    if quantity <= 0:
        raise BadInput(f"I can't order {quantity} of {item_name}",
                       hint="Give a quantity of one or more.")
    own = singular(item_unit)
    said = singular(unit) if unit else None
    if said is None or said == own or said in EACH_WORDS:
        return round_to_packs(quantity, pack_size)
    if said in PACK_WORDS:
        return round_to_packs(quantity * max(1, pack_size), pack_size)
    size = max(1, pack_size)
    packs = f", sold in packs of {size}" if size > 1 else ""
    raise BadInput(f"{item_name} is counted in {plural(item_unit, 2)}{packs}; I don't know how "
                   f"many {plural(item_unit, 2)} make a {said}",
                   hint=f"Say how many {plural(item_unit, 2)} (or packs) you want.")
