"""What a member is told after answering: the platform-neutral feedback view."""

from __future__ import annotations

from datetime import datetime

from bot.content import LoadedQuestion
from bot.grading.lexical import Grade
from bot.views import Feedback


def feedback(lq: LoadedQuestion, g: Grade, *, mode: str, points: int = 0,
             next_review: datetime | None = None) -> Feedback:
    """Right or wrong, why, the points covered and missed, the model answer and the docs."""
    q = lq.q
    idx = q.correct_index
    return Feedback(
        question_id=q.id, correct=g.correct, mode=mode,
        chosen=q.options[g.choice] if g.choice is not None else None,
        right=q.options[idx] if idx is not None else None,
        explanation=q.explanation, references=tuple(q.references),
        covered=g.covered, missed=g.missed, contradicted=g.contradicted, model_answer=q.model_answer,
        points=points, next_review=next_review)
