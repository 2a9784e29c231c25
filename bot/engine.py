"""The quiz engine: the one API every adapter calls.  Knows no platform.

Each public method is async and runs its queries on a database thread in a
single transaction, returning platform-neutral views (``bot.views``).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from bot import answering, leaderboard, practice, rounds, scoreboard, stats, wording
from bot.clock import Clock
from bot.config import Settings
from bot.content import LEVELS, Library, LoadedQuestion
from bot.engine_base import _uncsv
from bot.errors import DrillError, NotFound, UserError
from bot.grading import Grade
from bot.identity import Member, Place
from bot.schedules import ScheduleAdmin
from bot.scoring import Period
from bot.storage.batch import GroupCommit
from bot.storage.db import Database
from bot.storage.models import (
    Account,
    Answer,
    Card,
    PracticeAnswer,
    ProcessedEvent,
    Report,
    Round,
    Schedule,
    Streak,
)
from bot.storage.upsert import insert_for
from bot.views import (
    Feedback,
    Help,
    Leaderboard,
    Notice,
    QuestionCard,
    Stats,
    StreakChange,
    Summary,
)


@dataclass(frozen=True, slots=True)
class OpenedRound:
    round_id: int
    place: Place
    card: QuestionCard
    closes_at: datetime
    channel_id: int = 0


@dataclass(frozen=True, slots=True)
class ClosedRound:
    place: Place
    message_ref: str | None
    summary: Summary


def card_for(lq: LoadedQuestion, *, mode: str, round_id: int | None = None,
             closes_at: datetime | None = None, answered: int = 0, reason: str = "",
             warning: str = "") -> QuestionCard:
    q = lq.q
    return QuestionCard(question_id=q.id, topic=lq.topic, topic_title=lq.topic_title, level=q.level,
                        kind=q.kind, prompt=q.prompt, code=q.code, options=q.options, mode=mode,
                        round_id=round_id, closes_at=closes_at, answered=answered, reason=reason,
                        warning=warning)


def feedback_for(lq: LoadedQuestion, g: Grade, *, mode: str, points: int = 0,
                 next_review: datetime | None = None) -> Feedback:
    q = lq.q
    idx = q.correct_index
    return Feedback(
        question_id=q.id, correct=g.correct, mode=mode,
        chosen=q.options[g.choice] if g.choice is not None else None,
        right=q.options[idx] if idx is not None else None,
        explanation=q.explanation, references=tuple(q.references),
        covered=g.covered, missed=g.missed, model_answer=q.model_answer,
        points=points, next_review=next_review)


class Engine(ScheduleAdmin):
    """Daily rounds, practice, boards and stats over one database and one content library."""

    def __init__(self, *, db: Database, library: Library, settings: Settings, clock: Clock) -> None:
        super().__init__(db=db, library=library, settings=settings, clock=clock)
        self._rng = random.Random()
        self._claims = 0
        self._round_questions: dict[int, asyncio.Future[str | None]] = {}
        self._answers: GroupCommit[answering.DailyAnswer, answering.Stored] = GroupCommit(db, self._store_answers)

    # -- practice -------------------------------------------------------------------------

    async def practice(self, member: Member, *, topic: str | None = None,
                       level: str | None = None) -> QuestionCard:
        """A private question for ``member``, chosen by spaced repetition."""
        if topic and topic not in self.library.topics():
            raise UserError(wording.UNKNOWN_TOPIC.format(topic=topic, topics=", ".join(sorted(self.library.topics()))))
        if level and level not in LEVELS:
            raise UserError(wording.UNKNOWN_LEVEL.format(level=level, levels=", ".join(LEVELS)))
        ids = await self.resolve(member)
        assert ids.account_id is not None
        now = self.clock.now()
        choice = await self._tx(lambda s: practice.choose(
            s, self.library, account_id=ids.account_id or 0, now=now,
            topics=[topic] if topic else [], levels=[level] if level else [], rng=self._rng))
        if choice is None:
            raise UserError(wording.NO_QUESTIONS.format(cmd=wording.COMMAND))
        return card_for(choice.question, mode="practice", reason=wording.REASON[choice.reason])

    async def answer_practice(self, member: Member, question_id: str, *, choice: int | None = None,
                              text: str | None = None) -> Feedback:
        """Grade a practice answer, feed it to spaced repetition; no leaderboard points."""
        lq = self.library.get(question_id)
        if lq is None:
            raise NotFound(wording.QUESTION_GONE)
        g = answering.grade(lq, choice, text)
        ids = await self.resolve(member)
        now = self.clock.now()
        due = await self._tx(lambda s: practice.record(
            s, account_id=ids.account_id or 0, question=lq, correct=g.correct, now=now))
        return feedback_for(lq, g, mode="practice", next_review=due)

    # -- daily rounds ---------------------------------------------------------------------

    async def open_round(self, place: Place, *, slot: str | None = None,
                         window: timedelta | None = None) -> OpenedRound | None:
        """Open a round in ``place`` for ``slot`` (None: a manual "post now" round).

        Returns None when that slot already has a round (another process or an
        earlier run got there first).  Raises UserError if a round is still open.
        """
        now = self.clock.now()
        cfg = self.settings.rounds

        def work(s: Session) -> OpenedRound | None:
            _comm, ch = self._channel(s, place)
            existing = rounds.open_round_in(s, ch.id)
            if existing is not None:
                if slot is not None:
                    return None
                raise UserError(wording.ROUND_OPEN.format(when=existing.closes_at.strftime("%Y-%m-%d %H:%M UTC")))
            sched = s.get(Schedule, ch.id)
            filters = rounds.Filters(
                packs=_uncsv(sched.packs) if sched else (), topics=_uncsv(sched.topics) if sched else (),
                levels=_uncsv(sched.levels) if sched else ())
            minutes = sched.window_minutes if sched else cfg.window_minutes
            key = slot or f"manual-{uuid.uuid4().hex}"
            pick = rounds.pick_question(s, self.library, ch.id, filters, seed=f"{ch.id}:{key}")
            rnd = rounds.open_round(s, channel_id=ch.id, slot=key, question_id=pick.question.id,
                                    now=now, window=window or timedelta(minutes=minutes))
            if rnd is None:
                if slot is None:  # lost a race with another "post now" in this channel
                    raise UserError(wording.ROUND_OPEN.format(when="soon"))
                return None
            s.flush()
            warning = (wording.LOW_POOL.format(n=pick.remaining)
                       if pick.remaining < cfg.low_pool_warning else "")
            card = card_for(pick.question, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                            warning=warning)
            return OpenedRound(rnd.id, place, card, rnd.closes_at, ch.id)

        opened = await self._tx(work)
        if opened is not None:  # answers to it will not need to look its question up
            known: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
            known.set_result(opened.card.question_id)
            self._round_questions[opened.round_id] = known
        return opened

    async def open_scheduled(self, channel_id: int, slot: str) -> OpenedRound | None:
        """Open the round for a schedule's slot (None if it exists, or the schedule is paused)."""
        def where(s: Session) -> Place | None:
            sched = s.get(Schedule, channel_id)
            return None if sched is None or sched.paused else self._place_of(s, channel_id)
        place = await self._tx(where)
        if place is None:
            return None
        return await self.open_round(place, slot=slot)

    async def open_round_of(self, channel_id: int) -> tuple[int, str] | None:
        """The (id, slot) of the round open in a channel, if any."""
        def work(s: Session) -> tuple[int, str] | None:
            rnd = rounds.open_round_in(s, channel_id)
            return (rnd.id, rnd.slot) if rnd is not None else None
        return await self._tx(work)

    async def set_post_state(self, round_id: int, state: str, message_ref: str | None = None) -> None:
        def work(s: Session) -> None:
            rnd = s.get(Round, round_id)
            if rnd is not None:
                rnd.post_state = state
                if message_ref is not None:
                    rnd.message_ref = message_ref
        await self._tx(work)

    async def channel_of(self, round_id: int) -> int:
        return await self._tx(lambda s: s.execute(select(Round.channel_id).where(Round.id == round_id)).scalar_one())

    async def round_card(self, round_id: int) -> tuple[Place, str | None, QuestionCard]:
        """The round as it should look now (with the live answer count), for updating the post."""
        def work(s: Session) -> tuple[Place, str | None, QuestionCard]:
            rnd = s.get(Round, round_id)
            if rnd is None:
                raise NotFound(wording.NO_ROUND)
            lq = self.library.get(rnd.question_id)
            if lq is None:
                raise NotFound(wording.QUESTION_GONE)
            card = card_for(lq, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                            answered=rounds.answer_count(s, rnd.id))
            return self._place_of(s, rnd.channel_id), rnd.message_ref, card
        return await self._tx(work)

    async def current_round(self, place: Place) -> int | None:
        """The id of the round open in ``place``, if any."""
        def work(s: Session) -> int | None:
            _c, ch = self._channel(s, place)
            rnd = rounds.open_round_in(s, ch.id)
            return rnd.id if rnd is not None else None
        return await self._tx(work)

    async def answer_round(self, member: Member, round_id: int, *, choice: int | None = None,
                           text: str | None = None) -> Feedback:
        """Grade and store a daily answer; once acknowledged it is never lost or counted twice."""
        qid = await self._question_of(round_id)
        lq = self.library.get(qid)
        if lq is None:
            raise NotFound(wording.QUESTION_GONE)
        # Graded here, not on the database thread, which then only has to write.
        g = answering.grade(lq, choice, text)
        ids = await self.resolve(member)
        stored = await self._answers.submit(answering.DailyAnswer(
            round_id, qid, ids.account_id or 0, ids.community_id, ids.timezone, g, text, self.clock.now()))
        return feedback_for(stored.question, stored.grade, mode="daily", points=stored.points,
                            next_review=stored.next_review)

    async def _question_of(self, round_id: int) -> str:
        """The question a round asks (it never changes), looked up once per round however many ask."""
        known = self._round_questions.get(round_id)
        if known is None:
            if len(self._round_questions) > 10_000:
                self._round_questions.clear()
            known = self._round_questions[round_id] = asyncio.ensure_future(self._tx(
                lambda s: s.execute(select(Round.question_id).where(Round.id == round_id)).scalar_one_or_none()))
        try:
            qid = await asyncio.shield(known)
        except Exception:
            self._round_questions.pop(round_id, None)
            raise
        if qid is None:
            self._round_questions.pop(round_id, None)
            raise NotFound(wording.NO_ROUND)
        return qid

    def _store_answers(self, s: Session, items: list[answering.DailyAnswer]) -> list[answering.Stored | DrillError]:
        return answering.store_answers(s, items, library=self.library, scoring=self.settings.scoring)

    async def close_round(self, round_id: int, *, only_if_due: bool = False) -> ClosedRound | None:
        """Close a round and build its summary; None if it was already closed (or not yet due)."""
        now = self.clock.now()

        def work(s: Session) -> ClosedRound | None:
            closed = rounds.close_round(s, library=self.library, round_id=round_id, now=now,
                                        only_if_due=only_if_due)
            if closed is None:
                return None
            rnd, lq = closed.round, closed.question
            if lq is None:
                raise NotFound(f"round {round_id}: question {rnd.question_id} is gone from the packs")
            idx = lq.q.correct_index
            summary = Summary(
                round_id=rnd.id,
                question=card_for(lq, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                                  answered=closed.answered),
                right=lq.q.options[idx] if idx is not None else None,
                model_answer=lq.q.model_answer, explanation=lq.q.explanation,
                references=tuple(lq.q.references), answered=closed.answered, correct=closed.correct,
                first_correct=closed.first_correct,
                streaks=tuple(StreakChange(n, b, a) for n, b, a in closed.streaks))
            return ClosedRound(self._place_of(s, rnd.channel_id), rnd.message_ref, summary)

        return await self._tx(work)

    async def overdue_rounds(self) -> list[int]:
        now = self.clock.now()
        return await self._tx(lambda s: rounds.overdue_rounds(s, now))

    async def open_rounds(self) -> list[tuple[int, datetime]]:
        return await self._tx(lambda s: [(rid, at) for rid, at in s.execute(
            select(Round.id, Round.closes_at).where(Round.closed_at.is_(None)))])

    async def retryable_rounds(self) -> list[int]:
        """Open rounds whose post definitely failed (never those left 'posting' by a crash)."""
        return await self._tx(lambda s: list(s.execute(
            select(Round.id).where(Round.closed_at.is_(None), Round.post_state.in_(("pending", "failed"))))
            .scalars()))

    # -- boards, stats, members -----------------------------------------------------------

    async def leaderboard(self, member: Member, period: Period = "week") -> Leaderboard:
        ids = await self.resolve(member)
        now = self.clock.now()
        return await self._tx(lambda s: leaderboard.board(
            s, community_id=ids.community_id, account_id=ids.account_id, period=period, now=now,
            tz=ids.timezone, size=self.settings.leaderboard.size))

    async def stats(self, member: Member) -> Stats:
        ids = await self.resolve(member)
        now = self.clock.now()
        return await self._tx(lambda s: stats.member_stats(
            s, account_id=ids.account_id or 0, community_id=ids.community_id, now=now))

    async def forget(self, member: Member) -> Notice:
        """Delete every row about ``member``'s account (answers, scores, streaks, reviews)."""
        def work(s: Session) -> bool:
            acc = s.execute(select(Account).where(Account.platform == member.platform,
                                                  Account.external_id == member.user)).scalar_one_or_none()
            if acc is None:
                return False
            scoreboard.forget(s.connection(), acc.id)
            for model in (Answer, PracticeAnswer, Card, Streak):
                s.execute(delete(model).where(model.account_id == acc.id))
            s.execute(delete(Report).where(Report.account_id == acc.id))
            s.delete(acc)
            return True
        existed = await self._tx(work)
        self._ids.forget(member)
        return Notice(wording.FORGOTTEN if existed else wording.NOTHING_TO_FORGET)

    async def report(self, member: Member, question_id: str, reason: str) -> Notice:
        if self.library.get(question_id) is None:
            raise NotFound(wording.NO_SUCH_QUESTION.format(qid=question_id))
        if not reason.strip():
            raise UserError(wording.REPORT_REASON)
        ids = await self.resolve(member)
        now = self.clock.now()
        await self._tx(lambda s: s.add(Report(account_id=ids.account_id, question_id=question_id,
                                              reason=reason.strip()[:2000], created_at=now)))
        return Notice(wording.REPORTED.format(qid=question_id))

    def help(self) -> Help:
        return Help(wording.HELP, tuple(sorted(self.library.topics())), LEVELS)

    # -- platform deliveries --------------------------------------------------------------

    async def claim(self, platform: str, event_id: str) -> bool:
        """True the first time a platform delivery (interaction id, Slack retry) is seen, else False."""
        now = self.clock.now()

        def work(s: Session) -> bool:
            conn = s.connection()
            table = ProcessedEvent.__table__
            done = conn.execute(insert_for(conn.dialect.name, table)
                                .values(platform=platform, event_id=event_id[:200], created_at=now)
                                .on_conflict_do_nothing().returning(table.c.event_id)).scalar_one_or_none()
            self._claims += 1
            if self._claims % 1000 == 0:  # forget deliveries too old to be replayed
                conn.execute(delete(ProcessedEvent).where(ProcessedEvent.created_at < now - timedelta(days=2)))
            return done is not None
        return await self._tx(work)
