"""A question as players see it: the platform-neutral card."""

from __future__ import annotations

from datetime import datetime

from bot.content.packs import LoadedQuestion
from bot.views import QuestionCard


def question_card(lq: LoadedQuestion, *, mode: str, round_id: int | None = None,
                  closes_at: datetime | None = None, answered: int = 0, reason: str = "",
                  warning: str = "") -> QuestionCard:
    """The card for a practice question (``mode="practice"``) or a daily round (``"daily"``)."""
    q = lq.q
    return QuestionCard(question_id=q.id, topic=lq.topic, topic_title=lq.topic_title, level=q.level,
                        kind=q.kind, prompt=q.prompt, code=q.code, options=q.options, mode=mode,
                        round_id=round_id, closes_at=closes_at, answered=answered, reason=reason,
                        warning=warning)
