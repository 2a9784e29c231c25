"""One entry point for grading any kind of question."""

from __future__ import annotations

from bot import wording
from bot.content import LoadedQuestion
from bot.errors import UserError
from bot.grading import guards
from bot.grading.lexical import Grade, grade_choice, grade_open


def grade(question: LoadedQuestion, choice: int | None, text: str | None) -> Grade:
    """Grade an answer of the right shape for the question's kind."""
    if question.q.kind == "open":
        if not text or not text.strip():
            raise UserError(wording.TYPE_ANSWER)
        return grade_open(question.q, guards.check("open", text), question.misconceptions)
    if choice is None:
        raise UserError(wording.PICK_OPTION)
    return grade_choice(question.q, choice)
