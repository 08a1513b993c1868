"""A small linear intent classifier (softmax regression) over word and character n-grams.

Its counts ship as ``data/intent_model.json`` (written by :mod:`righthand.conversation.train`
from ``data/train.txt``); loading is lazy and pure standard library, so ``righthand ask`` pays
for it only when the rules leave a request unrecognised.
"""

from __future__ import annotations

import json
import math
import random
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).with_name("data") / "intent_model.json"
_WORD = re.compile(r"[a-z0-9@.]+(?:'[a-z]+)?")
_FILLER = {"please", "pls", "plz", "jane", "could", "can", "you", "would", "kindly", "the", "a",
           "an", "hey", "hi", "ok", "okay", "so", "um", "uh", "just"}


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` with the politeness fillers removed."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    cleaned = [w.strip(".").replace("'s", "").replace("'", "") for w in words]
    return [w for w in cleaned if w and w not in _FILLER]


#: a request says what it wants first; the words after these are often a long brief's detail
HEAD_WORDS = 6


def features(text: str) -> list[str]:
    """Word unigrams and bigrams, the first :data:`HEAD_WORDS` words once more as head words
    (so a long brief's details do not drown the request), and character 3- and 4-grams
    (robust to typos)."""
    words = tokens(text)
    shaped = ["@email" if "@" in w else ("#num" if w.isdigit() else w) for w in words]
    found = [f"w:{w}" for w in shaped]
    found += [f"h:{w}" for w in shaped[:HEAD_WORDS]]
    found += [f"b:{a}_{b}" for a, b in zip(["^", *shaped], [*shaped, "$"], strict=True)]
    for word in shaped:
        padded = f"<{word}>"
        for size in (3, 4):
            found += [f"c:{padded[i:i + size]}" for i in range(len(padded) - size + 1)]
    return found


@dataclass(frozen=True)
class Prediction:
    """The best intent, its probability and the runner-up."""

    intent: str
    probability: float
    runner_up: str
    runner_up_probability: float


class LinearModel:
    """Multinomial logistic regression over sparse binary features (weights from :func:`train`)."""

    def __init__(self, model: dict[str, Any]) -> None:
        self.classes: list[str] = list(model["classes"])
        self._bias: list[float] = list(model["bias"])
        self._weights: dict[str, list[list[float]]] = model["weights"]

    def scores(self, text: str) -> list[float]:
        """One score per class (before the softmax)."""
        scores = list(self._bias)
        for feature in set(features(text)):
            for index, weight in self._weights.get(feature, ()):
                scores[int(index)] += weight
        return scores

    def predict(self, text: str) -> Prediction:
        """The most probable intent of ``text``."""
        scores = self.scores(text)
        top = max(scores)
        weights = [math.exp(s - top) for s in scores]
        total = sum(weights)
        order = sorted(range(len(scores)), key=lambda i: scores[i], reverse=True)
        first, second = order[0], order[1]
        return Prediction(self.classes[first], weights[first] / total, self.classes[second],
                          weights[second] / total)


def train(examples: list[tuple[str, str]], epochs: int = 15, rate: float = 0.2,
          l2: float = 1e-4, seed: int = 7) -> dict[str, Any]:
    """Softmax-regression weights by plain SGD (deterministic for a given ``seed``)."""
    classes = sorted({intent for _, intent in examples})
    index = {c: i for i, c in enumerate(classes)}
    rows = [(sorted(set(features(text))), index[intent]) for text, intent in examples]
    weights: dict[str, list[float]] = {}
    bias = [0.0] * len(classes)
    order = list(range(len(rows)))
    generator = random.Random(seed)
    for epoch in range(epochs):
        generator.shuffle(order)
        step = rate / (1 + epoch * 0.1)
        for position in order:
            feats, gold = rows[position]
            scores = list(bias)
            for feature in feats:
                vector = weights.get(feature)
                if vector is not None:
                    for ci in range(len(classes)):
                        scores[ci] += vector[ci]
            top = max(scores)
            exps = [math.exp(s - top) for s in scores]
            total = sum(exps)
            grads = [e / total for e in exps]
            grads[gold] -= 1.0
            for ci in range(len(classes)):
                bias[ci] -= step * grads[ci] * 0.1
            for feature in feats:
                vector = weights.setdefault(feature, [0.0] * len(classes))
                for ci in range(len(classes)):
                    vector[ci] -= step * (grads[ci] + l2 * vector[ci])
    packed = {f: [[ci, round(w, 3)] for ci, w in enumerate(vector) if abs(w) >= 0.03]
              for f, vector in sorted(weights.items())}
    return {"classes": classes, "bias": [round(b, 4) for b in bias],
            "weights": {f: row for f, row in packed.items() if row}}


@cache
def load(path: Path = MODEL_PATH) -> LinearModel:
    """The shipped model (read once per process)."""
    return LinearModel(json.loads(path.read_text(encoding="utf-8")))
