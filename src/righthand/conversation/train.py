"""Train the intent classifier: ``python -m righthand.conversation.train`` reads
``data/train.txt`` and writes ``data/intent_model.json``."""

from __future__ import annotations

import json
from pathlib import Path

from righthand.conversation.classifier import MODEL_PATH, train

TRAIN_PATH = Path(__file__).with_name("data") / "train.txt"


def read_examples(path: Path = TRAIN_PATH) -> list[tuple[str, str]]:
    """``(text, intent)`` pairs from the training file (``= intent`` headers, ``#`` comments)."""
    examples: list[tuple[str, str]] = []
    intent = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("= "):
            intent = line[2:].strip()
        elif intent:
            examples.append((line, intent))
    return examples


def main() -> None:
    """Write the model file and say how big it is."""
    examples = read_examples()
    model = train(examples)
    MODEL_PATH.write_text(json.dumps(model, separators=(",", ":")), encoding="utf-8")
    print(f"{len(examples)} examples, {len(model['weights'])} features -> {MODEL_PATH}")


if __name__ == "__main__":
    main()
