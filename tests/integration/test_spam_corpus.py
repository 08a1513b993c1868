"""The learned classifier on a slice of the SpamAssassin public corpus (read in place from
../shared/data; the full comparison with SpamAssassin is benchmarks/screening.py)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _benchmark():
    spec = importlib.util.spec_from_file_location("screening_benchmark",
                                                  ROOT / "benchmarks" / "screening.py")
    assert spec and spec.loader
    sys.path.insert(0, str(ROOT / "benchmarks"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_model_trained_on_the_training_part_sorts_unseen_spam() -> None:
    bench = _benchmark()
    if not bench.CORPUS.exists():
        pytest.skip(f"the SpamAssassin corpus is not at {bench.CORPUS} (it ships in the "
                    "project's shared data, not in a clone)")
    messages = bench.load(bench.CORPUS)
    assert len(messages) == 6046 and sum(m[2] for m in messages) == 1896
    train, test = bench.split(messages)
    assert not {m[0] for m in train} & {m[0] for m in test}
    heads = [raw.partition(b"\n\n")[0] for _, raw, _ in messages]
    assert not [h for h in heads if b"\nX-Spam-" in h or h.startswith(b"X-Spam-")]
    small_train = train[::6]  # a slice keeps the test quick; the benchmark uses it all
    small_test = test[::6]
    ctx = bench.office_context(bench.train_model(small_train))
    right = sum(bench.righthand_is_spam(raw, ctx) == spam for _, raw, spam in small_test)
    assert right / len(small_test) >= 0.93
