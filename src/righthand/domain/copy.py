"""Ad copy, purely: the brief, the channel presets with their hard limits, the checks every
draft must pass (whoever wrote it: the offline generator or a language model), and the brand
voice learned from the client's edits.

Limits (characters, counted as Python ``len`` of the text as it will be uploaded):

* ``google-rsa`` / ``microsoft-rsa`` -- responsive search ads: 3-15 headlines of at most 30
  characters, 2-4 descriptions of at most 90, no duplicates (Google Ads and Microsoft Advertising
  publish the same limits).
* ``meta`` -- Facebook/Instagram: one primary text and one headline. Meta accepts far longer
  text (primary text 2,200, headline 255) but truncates in the feed after about 125 and 40
  characters; we enforce Meta's *recommended* 125 / 40 so nothing the client approves is cut off.
* ``listing`` -- a directory or marketplace listing blurb: one headline of at most 60 and a blurb
  of at most 250 characters (fits Google Business Profile's short description, Yelp and most
  property portals' summary field without truncation).
* ``email-subject`` -- a subject line of at most 60 characters (what most mail clients show).
* ``flyer`` -- a headline of at most 40 characters and body text of at most 300.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Brief:
    """What the copy is about, in the client's words."""

    offer: str
    audience: str = ""
    differentiators: tuple[str, ...] = ()
    tone: str = "friendly"
    avoid: tuple[str, ...] = ()
    facts: tuple[str, ...] = ()  # must appear, word for word
    business: str = ""

    def as_json(self) -> dict[str, Any]:
        """A JSON-friendly form (for action payloads)."""
        return {"offer": self.offer, "audience": self.audience,
                "differentiators": list(self.differentiators), "tone": self.tone,
                "avoid": list(self.avoid), "facts": list(self.facts), "business": self.business}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Brief:
        """The inverse of :meth:`as_json`."""
        def items(key: str) -> tuple[str, ...]:
            raw = data.get(key) or ()
            values = [raw] if isinstance(raw, str) else list(raw)
            return tuple(str(v).strip() for v in values if str(v).strip())
        return cls(offer=str(data.get("offer") or "").strip(),
                   audience=str(data.get("audience") or "").strip(),
                   differentiators=items("differentiators"),
                   tone=str(data.get("tone") or "friendly").strip().lower(),
                   avoid=items("avoid"), facts=items("facts"),
                   business=str(data.get("business") or "").strip())

    @property
    def source_text(self) -> str:
        """Everything the client said: the only source of numbers and claims."""
        return " ".join([self.offer, self.audience, self.business, *self.differentiators,
                         *self.facts])


@dataclass(frozen=True)
class Slot:
    """One field of a preset: how many lines, how long each."""

    name: str
    label: str
    max_chars: int
    min_count: int = 1
    max_count: int = 1


@dataclass(frozen=True)
class Preset:
    """A channel and its hard limits."""

    id: str
    title: str
    slots: tuple[Slot, ...]

    def slot(self, name: str) -> Slot:
        """The slot called ``name``."""
        return next(s for s in self.slots if s.name == name)


_RSA = (Slot("headlines", "Headline", 30, 3, 15), Slot("descriptions", "Description", 90, 2, 4))
PRESETS: dict[str, Preset] = {p.id: p for p in (
    Preset("google-rsa", "Google Ads responsive search ad", _RSA),
    Preset("microsoft-rsa", "Microsoft Advertising responsive search ad", _RSA),
    Preset("meta", "Facebook/Instagram ad", (Slot("primary_text", "Primary text", 125),
                                             Slot("headline", "Headline", 40))),
    Preset("listing", "Listing blurb", (Slot("headline", "Headline", 60),
                                        Slot("blurb", "Blurb", 250))),
    Preset("email-subject", "Email subject line", (Slot("subject", "Subject", 60),)),
    Preset("flyer", "Flyer", (Slot("headline", "Headline", 40), Slot("body", "Body", 300))),
)}
ALIASES = {"google": "google-rsa", "rsa": "google-rsa", "search": "google-rsa",
           "microsoft": "microsoft-rsa", "bing": "microsoft-rsa", "facebook": "meta",
           "instagram": "meta", "fb": "meta", "ig": "meta", "listing": "listing",
           "blurb": "listing", "email": "email-subject", "subject": "email-subject",
           "subject-line": "email-subject", "flyer": "flyer", "poster": "flyer"}

Variant = dict[str, list[str]]

# Words that make a claim; a draft may use one only when the brief does.
CLAIMS = ("best", "#1", "number one", "no. 1", "guarantee", "guaranteed", "cheapest", "lowest",
          "free", "award", "award-winning", "certified", "official", "leading", "top-rated",
          "unbeatable", "fastest", "largest", "biggest", "cure", "risk-free")
_NUMBER = re.compile(r"(?<![\w.])[$£€]?\d[\d,.]*(?:\s?%|k\b)?")


def preset(name: str) -> Preset:
    """The preset called ``name`` (or an alias such as ``facebook``); ValueError otherwise."""
    key = name.strip().lower()
    key = ALIASES.get(key, key)
    if key not in PRESETS:
        raise ValueError(f"unknown channel {name!r}; known: {', '.join(PRESETS)}")
    return PRESETS[key]


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.strip().lower())


def numbers(text: str) -> set[str]:
    """The numbers written in ``text`` ("20%", "$49", "3"), normalised."""
    return {re.sub(r"[\s,]", "", m.group(0)).rstrip(".").lower() for m in _NUMBER.finditer(text)}


def contains_word(text: str, word: str) -> bool:
    """True when ``word`` (or phrase) occurs in ``text`` as whole words, any case."""
    pattern = r"(?<![\w])" + re.escape(word.strip().lower()) + r"(?![\w])"
    return re.search(pattern, text.lower()) is not None


def invented(text: str, brief: Brief) -> list[str]:
    """Numbers and claims in ``text`` that the brief does not make."""
    source = brief.source_text
    known = numbers(source)
    found = [f"the number {n}" for n in sorted(numbers(text) - known)]
    found += [f"the claim {c!r}" for c in CLAIMS
              if contains_word(text, c) and not contains_word(source, c)]
    return found


def problems(preset_: Preset, variant: Mapping[str, Sequence[str]], brief: Brief,
             extra_avoid: Iterable[str] = ()) -> list[str]:
    """Every way ``variant`` breaks the preset's limits or the brief; empty when it is fine."""
    found: list[str] = []
    unknown = set(variant) - {s.name for s in preset_.slots}
    if unknown:
        found.append(f"unknown fields {sorted(unknown)}")
    avoid = [*brief.avoid, *extra_avoid]
    for slot in preset_.slots:
        lines = [str(line) for line in variant.get(slot.name, [])]
        if not slot.min_count <= len(lines) <= slot.max_count:
            found.append(f"{slot.label.lower()}: {len(lines)} given, "
                         f"{slot.min_count}-{slot.max_count} allowed")
        seen: set[str] = set()
        for line in lines:
            if not line.strip():
                found.append(f"{slot.label.lower()}: an empty line")
            if len(line) > slot.max_chars:
                found.append(f"{slot.label.lower()} {line!r} is {len(line)} characters "
                             f"(at most {slot.max_chars})")
            if _norm(line) in seen:
                found.append(f"{slot.label.lower()} {line!r} appears twice")
            seen.add(_norm(line))
            found += [f"{slot.label.lower()} {line!r} uses {w!r}, which is to be avoided"
                      for w in avoid if w and contains_word(line, w)]
            found += [f"{slot.label.lower()} {line!r} adds {what}, which the brief does not "
                      f"state" for what in invented(line, brief)]
    everything = " ".join(" ".join(variant.get(s.name, [])) for s in preset_.slots).lower()
    found += [f"the fact {fact!r} is missing" for fact in brief.facts
              if _norm(fact) not in _norm(everything)]
    return found


def longest(preset_: Preset) -> int:
    """The longest line the preset allows."""
    return max(s.max_chars for s in preset_.slots)


def brief_problems(preset_: Preset, brief: Brief) -> list[str]:
    """What makes a brief impossible for a preset (before any writing)."""
    found = [] if brief.offer else ["the brief has no offer"]
    room = longest(preset_)
    found += [f"the fact {f!r} is {len(f)} characters; the longest {preset_.title} field "
              f"holds {room}" for f in brief.facts if len(f) > room]
    found += [f"the fact {f!r} uses the word {w!r} that is to be avoided"
              for f in brief.facts for w in brief.avoid if contains_word(f, w)]
    if preset_.slots == (PRESETS["email-subject"].slots[0],):
        joined = " | ".join(brief.facts)
        if len(joined) > room:
            found.append(f"the facts together are {len(joined)} characters, more than a "
                         f"{room}-character subject line holds")
    return found


# -- the brand voice ---------------------------------------------------------------------

_WORD = re.compile(r"[a-z][a-z'-]+")
_STOP = frozenset({"a", "an", "and", "the", "of", "to", "for", "in", "on", "at", "with", "our",
                   "your", "you", "we", "is", "are", "it", "this", "that", "by", "from", "or",
                   "as", "be"})


@dataclass(frozen=True)
class Voice:
    """How the client likes copy to sound, learned from their edits of drafts."""

    prefer: tuple[str, ...] = ()
    avoid: tuple[str, ...] = ()
    sign_off: str = ""
    length: float = 1.0  # preferred length relative to the drafts (0.8: a fifth shorter)
    exclaim: bool = True
    edits: int = 0

    def as_json(self) -> dict[str, Any]:
        """JSON form, for answers and the CLI."""
        return {"prefer": list(self.prefer), "avoid": list(self.avoid),
                "sign_off": self.sign_off, "length": round(self.length, 2),
                "exclaim": self.exclaim, "edits": self.edits}


@dataclass
class _Tally:
    added: Counter[str] = field(default_factory=Counter)
    removed: Counter[str] = field(default_factory=Counter)
    endings: Counter[str] = field(default_factory=Counter)
    ratios: list[float] = field(default_factory=list)
    bangs_removed: int = 0
    bangs_added: int = 0


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def _added_ending(before: str, after: str) -> str:
    """The closing phrase ``after`` has and ``before`` lacks ("-- The Sparkle Team")."""
    split = r"(?<=[.!?])\s+|\s+[\u2014\u2013-]{1,2}\s+|\n+"
    parts = [p for p in re.split(split, after.strip()) if p]
    last = parts[-1].strip(" .!") if parts else ""
    return last if last and len(parts) > 1 and last.lower() not in before.lower() else ""


def learn(edits: Iterable[tuple[str, str]]) -> Voice:
    """The voice the client's edits (draft, edited) show: words they add again and again are
    preferred, words they take out are avoided, a closing line they keep adding becomes the
    sign-off, and the length they cut to becomes the length preference."""
    tally = _Tally()
    count = 0
    for before, after in edits:
        if before == after:
            continue
        count += 1
        old, new = Counter(_words(before)), Counter(_words(after))
        tally.added.update(w for w in new if w not in old)
        tally.removed.update(w for w in old if w not in new)
        ending = _added_ending(before, after)
        if ending:
            tally.endings[ending] += 1
        if before:
            tally.ratios.append(len(after) / len(before))
        tally.bangs_removed += before.count("!") > after.count("!")
        tally.bangs_added += after.count("!") > before.count("!")
    if not count:
        return Voice()
    prefer = tuple(w for w, n in tally.added.most_common(8) if n >= 2 and w not in tally.removed)
    avoid = tuple(sorted(w for w, n in tally.removed.items() if n >= 1 and w not in tally.added))
    ending, times = tally.endings.most_common(1)[0] if tally.endings else ("", 0)
    ratios = sorted(tally.ratios)
    length = ratios[len(ratios) // 2] if ratios else 1.0
    return Voice(prefer=prefer, avoid=avoid[:20], sign_off=ending if times >= 2 else "",
                 length=min(max(length, 0.5), 1.5),
                 exclaim=tally.bangs_removed <= tally.bangs_added, edits=count)
