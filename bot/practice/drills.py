"""The practice component: a private question on demand, and its answer fed to spaced repetition."""

from __future__ import annotations

import random

from bot import wording
from bot.content import LEVELS
from bot.content.present import question_card
from bot.core import Core
from bot.errors import NotFound, UserError
from bot.grading import grade
from bot.grading.feedback import feedback
from bot.members.identity import Member
from bot.practice import cards
from bot.views import Feedback, QuestionCard


class Practice:
    """Questions chosen by FSRS; answers earn no points (see ``bot.practice.cards``)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._rng = random.Random()

    async def ask(self, member: Member, *, topic: str | None = None, level: str | None = None) -> QuestionCard:
        """A private question for ``member``, chosen by spaced repetition."""
        library = self.core.library
        if topic and topic not in library.topics():
            raise UserError(wording.UNKNOWN_TOPIC.format(topic=wording.shown(topic),
                                                         topics=", ".join(sorted(library.topics()))))
        if level and level not in LEVELS:
            raise UserError(wording.UNKNOWN_LEVEL.format(level=wording.shown(level), levels=", ".join(LEVELS)))
        self.core.limits.take("practice", member)
        ids = await self.core.resolve(member)
        now = self.core.clock.now()
        choice = await self.core.tx(lambda s: cards.choose(
            s, library, account_id=ids.account_id or 0, now=now,
            topics=[topic] if topic else [], levels=[level] if level else [], rng=self._rng))
        if choice is None:
            raise UserError(wording.NO_QUESTIONS.format(cmd=wording.COMMAND))
        return question_card(choice.question, mode="practice", reason=wording.REASON[choice.reason])

    async def answer(self, member: Member, question_id: str, *, choice: int | None = None,
                     text: str | None = None) -> Feedback:
        """Grade a practice answer and feed it to spaced repetition; no leaderboard points."""
        lq = self.core.library.get(question_id)
        if lq is None:
            raise NotFound(wording.QUESTION_GONE)
        self.core.limits.take("practice", member)
        g = grade(lq, choice, text)
        ids = await self.core.resolve(member)
        now = self.core.clock.now()
        due = await self.core.tx(lambda s: cards.record(
            s, account_id=ids.account_id or 0, question=lq, correct=g.correct, now=now))
        return feedback(lq, g, mode="practice", next_review=due)
