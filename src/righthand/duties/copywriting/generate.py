"""The offline copywriter: several complete variants per request, built only from the brief's
own words (offer, facts, differentiators, audience, business name) plus neutral calls to action
that claim nothing. Every variant passes :func:`righthand.domain.copy.problems` -- the same check
a language model's draft must pass -- or the generator says why it cannot.

The brand voice (learned from the client's edits) shapes the drafts: avoided words are left
out of everything optional, preferred words go first, a sign-off the client keeps adding is
added where it fits, a preference for shorter copy drops the optional parts, and a client who
removes exclamation marks gets none.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence

from righthand.domain.copy import Brief, Preset, Variant, Voice, contains_word, problems

_CTAS = {
    "friendly": ["Book today", "Call us today", "Come see us", "Get in touch", "Ask us how",
                 "Stop by this week", "Reserve your spot", "Learn more", "Talk to us today",
                 "See what's new", "Get started today", "Drop in and say hello"],
    "professional": ["Contact us today", "Learn more", "Request a consultation",
                     "Schedule a call", "Get in touch", "Book an appointment", "Find out more",
                     "Speak with our team", "Visit our office", "Request details"],
}
_CTAS["playful"] = _CTAS["friendly"]
_CTAS["urgent"] = ["Book now", "Call now", "Don't miss out", "Reserve now", "Act now",
                   "Get yours now", "Come in today", "Learn more"]


class CannotWrite(ValueError):
    """The brief cannot be written within the preset's limits."""


def _cap(text: str) -> str:
    text = text.strip()
    return text[:1].upper() + text[1:] if text else text


def _sentence(text: str, bang: bool = False) -> str:
    text = _cap(text).rstrip(" .!")
    return text + ("!" if bang else ".") if text else ""


def _unique(lines: Sequence[str]) -> list[str]:
    seen: set[str] = set()
    out = []
    for line in lines:
        key = " ".join(line.lower().split())
        if line and key not in seen:
            seen.add(key)
            out.append(line)
    return out


def _rotate(items: Sequence[str], by: int) -> list[str]:
    if not items:
        return []
    by %= len(items)
    return [*items[by:], *items[:by]]


class Writer:
    """Drafts for one brief, one preset and one voice."""

    def __init__(self, brief: Brief, preset: Preset, voice: Voice | None = None) -> None:
        self.brief, self.preset, self.voice = brief, preset, voice or Voice()
        avoid = [*brief.avoid, *self.voice.avoid]
        self._ok: Callable[[str], bool] = lambda text: not any(
            w and contains_word(text, w) for w in avoid)
        ctas = [c for c in _CTAS.get(brief.tone, _CTAS["friendly"]) if self._ok(c)]
        ctas.sort(key=lambda c: not any(contains_word(c, w) for w in self.voice.prefer))
        self.ctas = ctas or ["Learn more"]
        self.bang = self.voice.exclaim and brief.tone in {"friendly", "playful", "urgent"}
        self.short = self.voice.length < 0.9

    # -- pieces -------------------------------------------------------------------------
    def _optional(self) -> list[str]:
        b = self.brief
        found = [d for d in b.differentiators if self._ok(d)]
        found.sort(key=lambda d: not any(contains_word(d, w) for w in self.voice.prefer))
        return found

    def _pack(self, required: list[str], optional: list[str], limit: int,
              closing: str = "") -> str:
        """Sentences from ``required`` (all of them) then ``optional`` while they fit."""
        text = " ".join(required)
        if len(text) > limit:
            raise CannotWrite(f"the facts need {len(text)} characters, the "
                              f"{self.preset.title} field holds {limit}")
        for piece in optional:
            candidate = f"{text} {piece}".strip()
            if len(candidate) + (len(closing) + 1 if closing else 0) <= limit:
                text = candidate
        if closing and len(f"{text} {closing}".strip()) <= limit:
            text = f"{text} {closing}".strip()
        return text

    def _lead(self) -> str:
        b = self.brief
        lead = b.offer if self.short or not b.audience else f"{b.offer} for {b.audience}"
        return lead if self._ok(lead) or not self._ok(b.offer) else b.offer

    def _body(self, limit: int, turn: int, skip: Sequence[str] = ()) -> str:
        """Body text: the offer, the facts (but those in ``skip``, already in the headline),
        what sets the client apart while it fits, a call to action, the sign-off."""
        facts = [_sentence(f) for f in self.brief.facts if f not in skip]
        lead = _sentence(self._lead())
        extras = [] if self.short else [_sentence(d) for d in self._optional()]
        cta = _sentence(self.ctas[turn % len(self.ctas)], self.bang)
        sign = self.voice.sign_off
        try:  # the offer first, then the facts, when it all fits
            return self._pack([lead, *facts], [*_rotate(extras, turn), cta], limit, sign)
        except CannotWrite:
            return self._pack(facts, [lead, *_rotate(extras, turn), cta], limit, sign)

    # -- presets --------------------------------------------------------------------------
    def variant(self, turn: int) -> Variant:
        """The ``turn``-th variant (0, 1, 2...), complete on its own."""
        kind = self.preset.id
        if kind in {"google-rsa", "microsoft-rsa"}:
            return self._rsa(turn)
        if kind == "meta":
            return self._pair("primary_text", "headline", turn)
        if kind == "listing":
            return self._pair("blurb", "headline", turn)
        if kind == "flyer":
            return self._pair("body", "headline", turn)
        if kind == "email-subject":
            return {"subject": [self._subject(turn)]}
        raise CannotWrite(f"no writer for {kind}")

    def _headlines(self, limit: int, turn: int) -> list[str]:
        b = self.brief
        own = [b.offer, *b.facts, *self._optional(), b.business]
        if b.audience:
            own += [f"{b.offer} for {b.audience}", f"For {b.audience}"]
        if b.business:
            own.append(f"{b.business}: {b.offer}")
        fitting = [_cap(x) for x in own if x and len(_cap(x)) <= limit and self._ok(x)]
        # Facts first so a short RSA still carries them; then the rest, turned per variant.
        facts = [_cap(f) for f in b.facts if len(f) <= limit]
        rest = [x for x in fitting if x not in facts]
        ctas = [c for c in _rotate(self.ctas, turn) if len(c) <= limit]
        own_lines = _unique([*facts, *_rotate(rest, turn)])
        # Calls to action fill out a thin brief, but a handful is enough.
        return _unique([*own_lines, *ctas[:max(4, 3 - len(own_lines))]])

    def _rsa(self, turn: int) -> Variant:
        head = self.preset.slot("headlines")
        desc = self.preset.slot("descriptions")
        headlines = self._headlines(head.max_chars, turn)
        wanted = head.max_count if not self.short else max(head.min_count, 8)
        headlines = headlines[:wanted]
        if len(headlines) < head.min_count:
            raise CannotWrite("not enough short phrases in the brief for three headlines")
        b = self.brief
        facts = [_sentence(f) for f in b.facts]
        pieces = _rotate([_sentence(self._lead()), *[_sentence(d) for d in self._optional()]],
                         turn)
        descriptions: list[str] = []
        # Long facts must go into descriptions; pack them, then the other sentences.
        for fact in facts:
            if descriptions and len(f"{descriptions[-1]} {fact}") <= desc.max_chars:
                descriptions[-1] = f"{descriptions[-1]} {fact}"
            else:
                descriptions.append(fact)
        for piece in pieces:
            if descriptions and len(f"{descriptions[-1]} {piece}") <= desc.max_chars and \
                    len(descriptions) >= desc.min_count:
                descriptions[-1] = f"{descriptions[-1]} {piece}"
            elif len(piece) <= desc.max_chars and len(descriptions) < desc.max_count:
                descriptions.append(piece)
        for cta in _rotate(self.ctas, turn):
            if len(descriptions) >= desc.min_count:
                break
            line = _sentence(f"{b.offer}. {cta}", self.bang) if len(b.offer) + len(cta) < 85 \
                else _sentence(cta, self.bang)
            descriptions.append(line)
        closing = _sentence(self.ctas[turn % len(self.ctas)], self.bang)
        if self.voice.sign_off:
            closing = f"{closing} {self.voice.sign_off}"
        for i in range(len(descriptions) - 1, -1, -1):
            if len(f"{descriptions[i]} {closing}") <= desc.max_chars:
                descriptions[i] = f"{descriptions[i]} {closing}"
                break
        descriptions = _unique(descriptions)[:desc.max_count]
        if len(descriptions) > desc.max_count or any(len(d) > desc.max_chars
                                                      for d in descriptions):
            raise CannotWrite("the facts do not fit in four descriptions of 90 characters")
        return {"headlines": headlines, "descriptions": descriptions}

    def _pair(self, body_name: str, head_name: str, turn: int) -> Variant:
        body_slot, head_slot = self.preset.slot(body_name), self.preset.slot(head_name)
        b = self.brief
        options = [b.offer, *self._optional(), *b.facts, b.business, *self.ctas]
        options = [_cap(o) for o in options if o and len(o) <= head_slot.max_chars
                   and self._ok(o)]
        headline = _rotate(_unique(options), turn)[0] if options else ""
        if not headline:
            raise CannotWrite(f"nothing in the brief fits a {head_slot.max_chars}-character "
                              "headline; give a shorter offer")
        in_head = [f for f in b.facts if " ".join(f.lower().split()) in headline.lower()]
        body = self._body(body_slot.max_chars, turn, skip=in_head)
        return {body_name: [body], head_name: [headline]}

    def _subject(self, turn: int) -> str:
        b = self.brief
        limit = self.preset.slot("subject").max_chars
        facts = [_cap(f) for f in b.facts]
        joiners = [", ", " | ", " - "]
        core = joiners[turn % 3].join(facts) if facts else ""
        offer = _cap(b.offer)
        choices = [f"{offer}: {core}" if core else offer,
                   f"{core} - {self.ctas[turn % len(self.ctas)].lower()}" if core else
                   f"{offer} - {self.ctas[turn % len(self.ctas)].lower()}",
                   core if core else f"{offer} for {b.audience}" if b.audience else offer]
        for choice in _rotate(choices, turn):
            if choice and len(choice) <= limit and self._ok(choice):
                return choice
        if core and len(core) <= limit:
            return core
        raise CannotWrite(f"the facts do not fit a {limit}-character subject line")

    def write(self, count: int = 3) -> list[Variant]:
        """``count`` distinct variants, each passing every limit."""
        variants: list[Variant] = []
        seen: set[str] = set()
        for turn in range(count * 4):
            variant = self.variant(turn)
            key = repr(sorted((k, [x.lower() for x in v]) for k, v in variant.items()))
            if key in seen or problems(self.preset, variant, self.brief):
                continue
            seen.add(key)
            variants.append(variant)
            if len(variants) == count:
                break
        if not variants:
            broken = problems(self.preset, self.variant(0), self.brief)
            raise CannotWrite("; ".join(broken[:3]) or "the brief gives too little to write")
        return variants


def render(preset: Preset, variants: Sequence[Variant], counts: bool = True) -> str:
    """The variants as plain text, with character counts against the limits (``counts``)."""
    out: list[str] = []

    def count(line: str, slot_chars: int) -> str:
        return f"  ({len(line)}/{slot_chars})" if counts else ""

    for n, variant in enumerate(variants, 1):
        out.append(f"Variant {n}:")
        for slot in preset.slots:
            lines = variant.get(slot.name, [])
            label = slot.label + ("s" if slot.max_count > 1 else "")
            if len(lines) == 1 and slot.max_count == 1:
                out.append(f"  {label}: {lines[0]}{count(lines[0], slot.max_chars)}")
                continue
            out.append(f"  {label}:")
            out += [f"    {i}. {line}{count(line, slot.max_chars)}"
                    for i, line in enumerate(lines, 1)]
    return "\n".join(out)


def to_csv(preset: Preset, variants: Sequence[Variant], campaign: str = "",
           ad_group: str = "", final_url: str = "") -> str:
    """CSV ready for upload. Responsive search ads use Google Ads Editor's columns (Campaign,
    Ad group, Ad type, Headline 1-15, Description 1-4, Final URL, Path 1, Path 2; one row per
    ad; Microsoft Advertising's "Import from Google Ads" reads the same file); the other
    presets have one row per variant and one column per field."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    if preset.id in {"google-rsa", "microsoft-rsa"}:
        header = ["Campaign", "Ad group", "Ad type", *[f"Headline {i}" for i in range(1, 16)],
                  *[f"Description {i}" for i in range(1, 5)], "Final URL", "Path 1", "Path 2"]
        writer.writerow(header)
        for variant in variants:
            heads = list(variant.get("headlines", []))
            descs = list(variant.get("descriptions", []))
            writer.writerow([campaign, ad_group, "Responsive search ad",
                             *(heads + [""] * (15 - len(heads))),
                             *(descs + [""] * (4 - len(descs))), final_url, "", ""])
        return buffer.getvalue()
    names = {"primary_text": "Body", "headline": "Title"} if preset.id == "meta" else {}
    writer.writerow(["Ad name", *[names.get(s.name, s.label) for s in preset.slots]])
    for n, variant in enumerate(variants, 1):
        writer.writerow([f"{campaign or preset.title} {n}",
                         *[" ".join(variant.get(s.name, [])) for s in preset.slots]])
    return buffer.getvalue()
