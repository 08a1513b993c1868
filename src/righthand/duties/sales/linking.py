"""Which deal a phrase means: "the Joneses", "the Jones closing", "Birch Lane", "Miller".

Each deal is known by the words of its title, its people's names (family names count more than
given names: there are many Bobs), its company and its tags. Words that name no deal in
particular ("closing", "purchase", stage names) are ignored, and plurals and possessives are
forgiven (Joneses, Jones's, Millers). Close spellings match too (rapidfuzz), so "Jonse" works.
Two deals that fit about equally well are not guessed between: the caller asks which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from rapidfuzz import fuzz

from righthand.duties.sales.records import DealView

GENERIC = frozenset({
    "the", "a", "an", "our", "my", "their", "them", "they", "his", "her", "its", "this", "that",
    "deal", "deals", "closing", "close", "closed", "purchase", "sale", "sell", "listing",
    "house", "home", "property", "referral", "account", "opportunity", "file", "transaction",
    "on", "with", "for", "of", "and", "to", "in", "at", "where", "are", "we", "is", "how",
    "what", "status", "update", "family", "couple", "folks", "people", "mr", "mrs", "ms",
    "dr", "one", "client", "clients", "buyer", "buyers", "seller", "sellers", "s", "done",
    "complete", "completed", "finished", "over", "through", "now", "stage", "move", "please"})
THRESHOLD = 70.0
MARGIN = 6.0


@dataclass(frozen=True)
class Link:
    """The deal a phrase means, or the candidates when it is not clear."""

    deal: DealView | None
    candidates: tuple[DealView, ...] = field(default=())

    @property
    def ambiguous(self) -> bool:
        """True when several deals fit about equally well."""
        return self.deal is None and len(self.candidates) > 1


def words(text: str) -> list[str]:
    """Lower-case words, possessives dropped: "the Jones's closing" -> [the, jones, closing]."""
    text = re.sub(r"[\u2019`]", "'", text.lower())
    text = re.sub(r"'s\b|s'\B|'", lambda m: "s" if m.group(0) == "s'" else "", text)
    return re.findall(r"[a-z0-9][a-z0-9-]*", text)


def _variants(token: str) -> set[str]:
    found = {token}
    if len(token) > 4 and token.endswith("es"):
        found.add(token[:-2])
    if len(token) > 3 and token.endswith("s"):
        found.add(token[:-1])
    return found


def _keys(deal: DealView) -> list[tuple[str, float]]:
    keys: list[tuple[str, float]] = []
    keys += [(w, 1.0) for w in words(deal.title) if w not in GENERIC]
    for party in deal.parties:
        keys += [(w, 0.9) for w in words(party.family_name)]
        keys += [(w, 0.7) for w in words(party.given_name)]
    if deal.company:
        keys += [(w, 0.85) for w in words(deal.company) if w not in GENERIC]
    keys += [(w, 0.6) for tag in deal.tags for w in words(tag)]
    return keys


def _score(query: list[str], deal: DealView) -> float:
    keys = _keys(deal)
    if not keys or not query:
        return 0.0
    total = 0.0
    for token in query:
        best = 0.0
        for variant in _variants(token):
            for key, weight in keys:
                if variant.isdigit() or key.isdigit():
                    ratio = 100.0 if variant == key else 0.0
                else:
                    ratio = fuzz.ratio(variant, key)
                best = max(best, ratio * weight)
        total += best
    return total / len(query)


def significant(phrase: str, extra_generic: Iterable[str] = ()) -> list[str]:
    """The words of ``phrase`` that can tell deals apart."""
    generic = GENERIC | {w for g in extra_generic for w in words(g)}
    return [w for w in words(phrase) if w not in generic]


def link_deal(phrase: str, deals: Sequence[DealView],
              extra_generic: Iterable[str] = ()) -> Link:
    """The deal ``phrase`` names among ``deals`` (stage names given in ``extra_generic``)."""
    query = significant(phrase, extra_generic)
    if not query or not deals:
        return Link(None)
    scored = sorted(((_score(query, d), d) for d in deals), key=lambda pair: -pair[0])
    fitting = [(s, d) for s, d in scored if s >= THRESHOLD]
    if not fitting:
        return Link(None)
    best_score, best = fitting[0]
    close = [d for s, d in fitting if s >= best_score - MARGIN]
    if len(close) > 1:
        return Link(None, tuple(close))
    return Link(best, (best,))
