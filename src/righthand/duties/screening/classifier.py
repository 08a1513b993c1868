"""The learned classifier: multinomial naive Bayes over binary token features (each token
counted once per message).

Why hand-written naive Bayes rather than scikit-learn: it trains incrementally by adding one
example's counts (exactly what learning from a correction needs), its whole state is a few
count tables that serialise to a small compressed JSON blob per workspace, it explains itself
(the tokens that weighed most), it needs no numpy/scipy (a cold ``righthand ask`` stays quick),
and on spam/not-spam it is the classic strong baseline (benchmarks/screening.py measures it).
"""

from __future__ import annotations

import json
import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from righthand.duties.screening.html import link_domain
from righthand.duties.screening.parse import MailFacts

_WORD = re.compile(r"[a-z0-9$€£][a-z0-9'$€£%.-]{1,24}")
MAX_BODY = 4000  # characters of body text tokenised
MAX_VOCAB = 60_000  # per label, pruned to the most frequent when exceeded


def features(facts: MailFacts) -> list[str]:
    """Distinct tokens of a message: words of subject and body, sender, structure, headers."""
    tokens: set[str] = set()
    for word in _WORD.findall(facts.subject.lower()):
        tokens.add("s:" + word.strip(".-'"))
    for word in _WORD.findall(facts.text[:MAX_BODY].lower()):
        tokens.add(word.strip(".-'"))
    domain = facts.from_domain
    if domain:
        tokens.add("fd:" + domain)
        tokens.add("ftld:" + domain.rpartition(".")[2])
    local = facts.from_address.partition("@")[0]
    if local:
        tokens.add("fl:" + re.sub(r"\d+", "#", local)[:20])
    if facts.from_name:
        tokens.add("fn:" + ("same" if facts.from_name.lower() == facts.from_address else "set"))
    tokens.add("html_only" if facts.html_only else "has_plain")
    if facts.hidden_text:
        tokens.add("hidden_text")
    if facts.attachments:
        tokens.update("att:" + a.content_type for a in facts.attachments[:5])
    for href, _text in facts.links[:30]:
        host = link_domain(href)
        if host:
            tokens.add("ld:" + host)
    tokens.add(f"links:{min(len(facts.links), 5)}")
    for name in ("list-id", "list-unsubscribe", "precedence", "x-mailer", "reply-to"):
        if facts.header(name):
            tokens.add("h:" + name)
    if facts.in_reply_to:
        tokens.add("h:in-reply-to")
    if facts.reply_to and facts.reply_to[0].lower() != facts.from_address:
        tokens.add("replyto:differs")
    if facts.subject.isupper() and len(facts.subject) > 8:
        tokens.add("s:ALLCAPS")
    tokens.discard("")
    return sorted(tokens)


@dataclass
class NaiveBayes:
    """Per-label document counts and token document frequencies."""

    docs: Counter[str] = field(default_factory=Counter)
    tokens: dict[str, Counter[str]] = field(default_factory=dict)
    vocabulary: set[str] = field(default_factory=set)
    alpha: float = 1.0

    @property
    def examples(self) -> int:
        """How many examples it has learned from."""
        return sum(self.docs.values())

    def learn(self, tokens: Iterable[str], label: str) -> None:
        """Add one example (incremental training)."""
        self.docs[label] += 1
        counts = self.tokens.setdefault(label, Counter())
        for token in set(tokens):
            counts[token] += 1
            self.vocabulary.add(token)

    def unlearn(self, tokens: Iterable[str], label: str) -> None:
        """Take one example back (the client changed their mind about a correction)."""
        if self.docs[label] <= 0:
            return
        self.docs[label] -= 1
        counts = self.tokens.get(label, Counter())
        for token in set(tokens):
            if counts[token] > 0:
                counts[token] -= 1

    def scores(self, tokens: Iterable[str]) -> dict[str, float]:
        """Posterior probability of each known label."""
        labels = [label for label, n in self.docs.items() if n > 0]
        if not labels:
            return {}
        total = sum(self.docs[label] for label in labels)
        present = [t for t in set(tokens) if t in self.vocabulary]
        width = self.alpha * len(self.vocabulary)
        logs: dict[str, float] = {}
        for label in labels:
            counts = self.tokens.get(label, Counter())
            score = math.log(self.docs[label] / total)
            # Multinomial over binary (presence) counts, Laplace-smoothed.
            denominator = math.log(sum(counts.values()) + width)
            for token in present:
                score += math.log(counts.get(token, 0) + self.alpha) - denominator
            logs[label] = score
        top = max(logs.values())
        exp = {label: math.exp(value - top) for label, value in logs.items()}
        norm = sum(exp.values())
        return {label: value / norm for label, value in exp.items()}

    def predict(self, tokens: Iterable[str]) -> tuple[str | None, float]:
        """The likeliest label and its probability (None when untrained)."""
        found = self.scores(tokens)
        if not found:
            return None, 0.0
        label = max(found, key=lambda k: found[k])
        return label, found[label]

    def dumps(self) -> bytes:
        """Compressed JSON (rare tokens pruned when a label's vocabulary grows too big)."""
        tables = {}
        for label, counts in self.tokens.items():
            kept = counts if len(counts) <= MAX_VOCAB else Counter(
                dict(counts.most_common(MAX_VOCAB)))
            tables[label] = {t: c for t, c in kept.items() if c > 0}
        data = {"v": 1, "docs": dict(self.docs), "tokens": tables, "alpha": self.alpha}
        return zlib.compress(json.dumps(data, separators=(",", ":")).encode(), 6)

    @classmethod
    def loads(cls, blob: bytes | None) -> NaiveBayes:
        """Read :meth:`dumps` output back (an empty model for None)."""
        if not blob:
            return cls()
        data = json.loads(zlib.decompress(blob))
        tokens = {label: Counter(counts) for label, counts in data["tokens"].items()}
        vocabulary = {t for counts in tokens.values() for t in counts}
        return cls(docs=Counter(data["docs"]), tokens=tokens, vocabulary=vocabulary,
                   alpha=float(data.get("alpha", 1.0)))
