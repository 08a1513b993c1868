"""Evaluate the offline understanding engine on the held-out set.

``python benchmarks/understanding.py [--errors]`` reads tests/fixtures/understanding/eval.jsonl
(never used for training) and prints, last line, ``{"examples": N, "intent_accuracy": A,
"slot_accuracy": S, "oos_recall": R, "p50_ms": L}``.
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

EVAL = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "understanding" / "eval.jsonl"
NOW = datetime.fromisoformat("2026-11-26T15:00:00+00:00")  # a Thursday, 10:00 in New York
TZ = "America/New_York"


def _same(found: Any, wanted: Any) -> bool:
    if isinstance(wanted, str) and isinstance(found, str):
        return found.strip().lower() == wanted.strip().lower()
    return bool(found == wanted)


def evaluate(path: Path = EVAL, show_errors: bool = False) -> dict[str, Any]:
    """Accuracy, slot accuracy, out-of-scope recall and warm p50 latency over ``path``."""
    from righthand.conversation.engine import OfflineUnderstander

    engine = OfflineUnderstander()
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    engine.understand("warm up", NOW, TZ)
    right = slot_right = slot_total = oos = oos_right = 0
    timings: list[float] = []
    for row in rows:
        start = time.perf_counter()
        found = engine.understand(row["text"], NOW, TZ)
        timings.append((time.perf_counter() - start) * 1000)
        ok = found.intent == row["intent"]
        right += ok
        if row["intent"] == "out_of_scope":
            oos += 1
            oos_right += ok
        if "slots" in row:
            slot_total += 1
            good = ok and all(_same(found.slots.get(k), v) for k, v in row["slots"].items())
            slot_right += good
            if show_errors and ok and not good:
                print(f"SLOTS {row['text']!r}: {found.slots} != {row['slots']}")
        if show_errors and not ok:
            ruled = engine.rules.understand(row["text"], NOW, TZ).intent
            print(f"INTENT {row['text']!r}: {found.intent} ({found.confidence:.2f}, rules "
                  f"{ruled}) != {row['intent']}")
    return {"examples": len(rows), "intent_accuracy": round(right / len(rows), 4),
            "slot_accuracy": round(slot_right / max(slot_total, 1), 4),
            "oos_recall": round(oos_right / max(oos, 1), 4),
            "p50_ms": round(statistics.median(timings), 3)}


if __name__ == "__main__":
    print(json.dumps(evaluate(show_errors="--errors" in sys.argv)))
