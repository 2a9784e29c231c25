"""Every engine call the console makes, in one place."""

from __future__ import annotations

import random

from bot import wording
from bot.config import ConsoleSection
from bot.content import LEVELS, LoadedQuestion
from bot.content.present import question_card
from bot.errors import UserError
from bot.members.identity import Member, Place
from bot.runtime import commands, dispatch
from bot.runtime.service import Service
from bot.views import Feedback, Help, Notice, QuestionCard


class EngineCalls:
    """The console's view of the engine: plain values in, views out."""

    def __init__(self, service: Service) -> None:
        self.service = service
        self._rng = random.Random()
        self._ids: frozenset[str] | None = None

    @property
    def console_settings(self) -> ConsoleSection:
        return self.service.engine.settings.console

    def help(self) -> Help:
        return self.service.engine.help()

    def question(self, question_id: str) -> LoadedQuestion | None:
        return self.service.engine.library.get(question_id)

    def parse(self, text: str, *, strict: bool) -> commands.Command:
        library = self.service.engine.library
        if self._ids is None:
            self._ids = frozenset(q.id for q in library.questions)
        return commands.parse(text, topics=library.topic_ids, levels=LEVELS,
                              questions=self._ids, strict=strict)

    async def run(self, cmd: commands.Command, member: Member, place: Place) -> dispatch.View:
        # The console's one user owns the machine: they are the admin of its channel.
        return await dispatch.run(self.service, cmd, member=member, place=place, is_admin=True)

    async def practice(self, member: Member, *, topic: str | None, level: str | None,
                       avoid: frozenset[str] = frozenset()) -> QuestionCard:
        """The next practice question, other than those in ``avoid`` (skipped ones) where possible."""
        engine = self.service.engine
        card = await engine.practice.ask(member, topic=topic, level=level)
        if card.question_id not in avoid:
            return card
        # A due review always comes back first, so skipping it needs another pick.
        for _ in range(3):
            card = await engine.practice.ask(member, topic=topic, level=level)
            if card.question_id not in avoid:
                return card
        pool = [q for q in engine.library.select(topics=[topic] if topic else [], levels=[level] if level else [])
                if q.id not in avoid]
        if not pool:
            return card
        return self.card(self._rng.choice(pool).id, reason=wording.REASON["skipped"])

    def card(self, question_id: str, *, reason: str = wording.REASON["chosen"]) -> QuestionCard:
        lq = self.question(question_id)
        if lq is None:
            raise UserError(wording.NO_SUCH_QUESTION.format(qid=question_id))
        return question_card(lq, mode="practice", reason=reason)

    async def answer_practice(self, member: Member, question_id: str, *, choice: int | None,
                              text: str | None) -> Feedback:
        return await self.service.engine.practice.answer(member, question_id, choice=choice, text=text)

    async def rate(self, member: Member, question_id: str, rating: str) -> Notice:
        """The member's own rating (again/hard/good/easy), or "right" to overrule the grader."""
        practice = self.service.engine.practice
        if rating == "right":
            return await practice.overrule(member, question_id)
        return await practice.rate(member, question_id, rating)

    async def dispute(self, member: Member, round_id: int) -> Notice:
        return await self.service.engine.disputes.file(member, round_id)

    async def answer_daily(self, member: Member, round_id: int, *, choice: int | None,
                           text: str | None) -> Feedback:
        return await self.service.engine.rounds.answer(member, round_id, choice=choice, text=text)

    async def open_daily(self, place: Place) -> QuestionCard | None:
        """The card of the daily round open in ``place`` (also one opened by an earlier run)."""
        engine = self.service.engine
        round_id = await engine.rounds.current(place)
        if round_id is None:
            return None
        _place, _ref, card = await engine.rounds.card(round_id)
        return card
