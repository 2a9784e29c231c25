"""The practice component: a private question on demand, and its answer fed to spaced repetition."""

from __future__ import annotations

import random
from datetime import datetime

import fsrs
from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.content import LEVELS, LoadedQuestion
from bot.content.present import question_card
from bot.core import Core
from bot.errors import DrillError, NotFound, UserError
from bot.grading import grade
from bot.grading.feedback import feedback
from bot.grading.guards import MAX_ANSWER
from bot.members.identity import Ids, Member
from bot.practice import cards
from bot.practice.state import StateCache
from bot.storage.batch import GroupCommit
from bot.storage.models import PracticeAnswer, Report
from bot.views import Feedback, Notice, QuestionCard


class Practice:
    """Questions chosen by FSRS; answers earn no points (see ``bot.practice.cards``)."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self._rng = random.Random()
        # What ``choose`` needs per member, checked against the database at every ask (``state``).
        self.states = StateCache()
        # Asks that arrive together are chosen together: one transaction, one stamp query; answers too.
        self._asks: GroupCommit[cards.Ask, cards.Choice | None] = GroupCommit(core.db, self._choose_many)
        self._attempts: GroupCommit[cards.Attempt, datetime] = GroupCommit(core.db, self._record_many)
        self._scheduler = cards.scheduler_for(core.settings.practice)
        self._pools: dict[tuple[tuple[str, ...], tuple[str, ...]], tuple[list[LoadedQuestion], frozenset[str]]] = {}
        self._cards: dict[tuple[str, str], QuestionCard] = {}  # (question id, reason) -> the card, shared

    def _pool(self, topics: tuple[str, ...], levels: tuple[str, ...]) -> tuple[list[LoadedQuestion], frozenset[str]]:
        key = (topics, levels)
        found = self._pools.get(key)
        if found is None:
            pool = self.core.library.select(topics=topics, levels=levels)
            found = self._pools[key] = (pool, frozenset(q.id for q in pool))
        return found

    def _choose_many(self, s: Session, asks: list[cards.Ask]) -> list[cards.Choice | DrillError | None]:
        return list(cards.choose_many(s, self.core.library, asks, self.states, self._rng, self._pool))

    def _record_many(self, s: Session, attempts: list[cards.Attempt]) -> list[datetime | DrillError]:
        return list(cards.record_many(s, attempts, self._scheduler))

    def _card(self, choice: cards.Choice) -> QuestionCard:
        """The practice card for a question and reason: nothing in it is about the member, so one is shared."""
        key = (choice.question.id, choice.reason)
        card = self._cards.get(key)
        if card is None:
            card = self._cards[key] = question_card(choice.question, mode="practice",
                                                    reason=wording.REASON[choice.reason])
        return card

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
        choice = await self._asks.submit(cards.Ask(ids.account_id or 0, self.core.clock.now(),
                                                   (topic,) if topic else (), (level,) if level else ()))
        if choice is None:
            raise UserError(wording.NO_QUESTIONS.format(cmd=wording.COMMAND))
        return self._card(choice)

    async def answer(self, member: Member, question_id: str, *, choice: int | None = None,
                     text: str | None = None) -> Feedback:
        """Grade a practice answer and feed it to spaced repetition; no leaderboard points."""
        lq = self.core.library.get(question_id)
        if lq is None:
            raise NotFound(wording.QUESTION_GONE)
        self.core.limits.take("practice", member)
        g = grade(lq, choice, text)
        g = await self.core.second_opinion(lq, text, g, (await self.core.resolve(member)).community_id)
        now = self.core.clock.now()
        kept = text[:MAX_ANSWER] if lq.q.kind == "open" and text else None
        # Answers that arrive together share one transaction (each in its own savepoint if one fails).
        due = await self.core.with_ids(member, lambda ids: self._attempts.submit(
            cards.Attempt(ids.account_id or 0, lq, g.correct, now, kept)))
        # The member's cached state is kept: at their next ask its stamp is out of date, and it is
        # patched with just this answer's rows (``state.refresh``).
        return feedback(lq, g, mode="practice", next_review=due)

    async def rate(self, member: Member, question_id: str, rating: str) -> Notice:
        """The member's own rating of their last practice answer (again/hard/good/easy) replaces the grader's."""
        want = cards.RATINGS.get(rating.strip().casefold())
        if want is None:
            raise UserError(wording.BAD_RATING)
        scheduler = self._scheduler

        async def work(ids: Ids) -> datetime:
            due = await self.core.tx(lambda s: cards.rate(s, account_id=ids.account_id or 0, question_id=question_id,
                                                          rating=want, scheduler=scheduler))
            self.states.drop(ids.account_id or 0)
            if due is None:  # nothing to rate (or their account is gone: see ``Core.with_ids``)
                raise NotFound(wording.NOTHING_TO_RATE)
            return due
        due = await self.core.with_ids(member, work, also=(NotFound,))
        return Notice(wording.RATED.format(rating=rating.casefold()), next_review=due)

    async def overrule(self, member: Member, question_id: str) -> Notice:
        """"I was right": the member overrules the grader on their last open practice answer.

        It counts as Good for spaced repetition (never for points), and the answer goes to the
        maintainers' queue with the question, so they see where the grader is weak.
        """
        scheduler = self._scheduler
        now = self.core.clock.now()

        def work(s: Session, ids: Ids) -> datetime | None:
            account_id = ids.account_id or 0
            last = s.execute(select(PracticeAnswer).where(
                PracticeAnswer.account_id == account_id, PracticeAnswer.question_id == question_id)
                .order_by(PracticeAnswer.answered_at.desc(), PracticeAnswer.id.desc()).limit(1)).scalar_one_or_none()
            if last is None or last.text is None:
                return None
            due = cards.rate(s, account_id=account_id, question_id=question_id, rating=fsrs.Rating.Good,
                             scheduler=scheduler)
            s.add(Report(account_id=account_id, question_id=question_id, kind="overrule", reason="I was right",
                         answer_text=last.text, created_at=now, community_id=ids.community_id))
            return due

        async def overruled(ids: Ids) -> datetime:
            due = await self.core.tx(lambda s: work(s, ids))
            self.states.drop(ids.account_id or 0)
            if due is None:  # nothing to overrule (or their account is gone: see ``Core.with_ids``)
                raise NotFound(wording.NOTHING_TO_OVERRULE)
            return due
        due = await self.core.with_ids(member, overruled, also=(NotFound,))
        return Notice(wording.OVERRULED, next_review=due)
