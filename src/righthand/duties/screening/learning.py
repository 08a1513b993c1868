"""Learning from the client's corrections, and how well the classifier does on them.

Each correction is first used as a test -- what would the classifier have said before learning
from it? -- and then as a training example (test-then-train). The accuracy shown is over the
client's most recent corrections, so it measures exactly the mail the client cares about.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from righthand.duties.screening.classifier import NaiveBayes, features
from righthand.duties.screening.parse import MailFacts
from righthand.store.tables import MailMessage, ScreeningCorrection, ScreeningModel


def load_model(session: Session, lock: bool = False) -> NaiveBayes:
    """The workspace's classifier (empty when it has learned nothing yet)."""
    query = select(ScreeningModel)
    if lock:
        query = query.with_for_update()
    row = session.scalars(query).first()
    return NaiveBayes.loads(row.data if row else None)


def save_model(session: Session, workspace_id: int, model: NaiveBayes, now: datetime) -> None:
    """Store the classifier."""
    row = session.scalars(select(ScreeningModel)).first()
    if row is None:
        session.add(ScreeningModel(workspace_id=workspace_id, data=model.dumps(),
                                   examples=model.examples, version=1, updated_at=now))
    else:
        row.data, row.examples, row.updated_at = model.dumps(), model.examples, now
        row.version += 1
    session.flush()


def correct(session: Session, row: MailMessage, category: str, source: str,
            now: datetime) -> ScreeningCorrection:
    """Record the client's category for ``row`` and learn from it (incrementally)."""
    model = load_model(session, lock=True)
    tokens = features(MailFacts.from_json(row.facts)) if row.facts else []
    guess, _ = model.predict(tokens) if model.examples else (None, 0.0)
    if row.corrected_category:
        model.unlearn(tokens, row.corrected_category)  # the client changed their mind
    model.learn(tokens, category)
    save_model(session, row.workspace_id, model, now)
    correction = ScreeningCorrection(workspace_id=row.workspace_id, message_id=row.id,
                                     from_category=row.category, to_category=category,
                                     model_guess=guess, source=source, at=now)
    session.add(correction)
    row.corrected_category = category
    row.category = category
    session.flush()
    return correction


@dataclass(frozen=True)
class Accuracy:
    """The classifier's record on the client's recent corrections (guessed before learning)."""

    right: int
    judged: int
    corrections: int
    examples: int

    @property
    def rate(self) -> float | None:
        """Share right, or None before anything could be judged."""
        return self.right / self.judged if self.judged else None

    def describe(self) -> str:
        """One sentence for the client."""
        if not self.corrections:
            return "No corrections yet: re-categorise a message to teach me."
        if self.rate is None:
            return (f"{self.corrections} corrections learned; too few yet to judge my "
                    "accuracy.")
        return (f"On your last {self.judged} corrections I would have been right "
                f"{self.right} times ({self.rate:.0%}) before learning from them; "
                f"{self.examples} examples learned in all.")


def accuracy(session: Session, last: int = 50) -> Accuracy:
    """Test-then-train accuracy over the ``last`` corrections."""
    rows = list(session.scalars(select(ScreeningCorrection)
                                .order_by(ScreeningCorrection.id.desc()).limit(last)))
    judged = [r for r in rows if r.model_guess is not None]
    right = sum(1 for r in judged if r.model_guess == r.to_category)
    model_row = session.scalars(select(ScreeningModel)).first()
    return Accuracy(right, len(judged), len(rows), model_row.examples if model_row else 0)


def message(session: Session, message_row_id: int) -> MailMessage | None:
    """A stored message of this workspace."""
    return session.get(MailMessage, message_row_id)
