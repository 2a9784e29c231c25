"""The rounds component: a daily round's whole life, in one place.

Opening (a scheduled slot or "post now"), posting through the platform's
Poster, answers (group-committed), the live answer count, closing at the end
of the window and revealing the answer, and catching up after downtime.  A
round's id travels down from here into ``store`` and ``answers``; the
scheduler (``bot.runtime.service``) only says "this channel is due" and "this
round's window is over".
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.content.present import question_card
from bot.core import Core
from bot.errors import ChannelUnavailable, DrillError, NotAllowed, NotFound, UserError
from bot.grading import grade
from bot.grading.feedback import feedback
from bot.members.identity import Member, Place
from bot.rounds import answers, store
from bot.rounds.schedules import LostChannel, Schedules, round_rules, schedule_active
from bot.rounds.slots import last_slot
from bot.storage.batch import GroupCommit
from bot.storage.models import Round
from bot.views import Feedback, QuestionCard, StreakChange, Summary

log = logging.getLogger(__name__)


class Poster(Protocol):
    """What a platform adapter implements so rounds can be posted to its channels."""

    platform: str

    async def post_round(self, place: Place, card: QuestionCard) -> str | None:
        """Post a daily question; return a reference to the message (for later edits)."""
        ...

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        """Refresh a posted question (answer count, or the reveal when ``summary`` is given)."""
        ...

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        """Post the round's summary (in the question's thread where the platform has one)."""
        ...

    async def channel_lost(self, place: Place, user: str) -> None:
        """Tell ``user`` (an admin) privately that the bot can no longer post in ``place`` and
        has paused its schedule (``wording.CHANNEL_LOST``, with the platform's channel link)."""
        ...

    async def tell(self, place: Place, user: str, text: str) -> None:
        """Tell a member of ``place``'s community something privately (a direct message)."""
        ...


class Timers(Protocol):
    """What the scheduler does for rounds: close timers, and jobs rebuilt after a schedule change."""

    def arm_close(self, round_id: int, closes_at: datetime) -> None:
        ...

    async def schedules_changed(self) -> None:
        ...


class _NoTimers:
    """Until a scheduler runs (tests, one-off commands): rounds close only when asked."""

    def arm_close(self, round_id: int, closes_at: datetime) -> None:
        return None

    async def schedules_changed(self) -> None:
        return None


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


class Rounds:
    """Daily rounds over one database, posted through the platforms' Posters."""

    def __init__(self, core: Core, schedules: Schedules, *, grace: timedelta) -> None:
        self.core = core
        self.schedules = schedules
        self.grace = grace
        self.posters: dict[str, Poster] = {}
        self.timers: Timers = _NoTimers()
        self._round_questions: dict[int, asyncio.Future[str | None]] = {}
        self._round_places: dict[int, Place] = {}  # where each round lives (it never moves)
        self._answers: GroupCommit[answers.DailyAnswer, answers.Stored] = GroupCommit(core.db, self._store_answers)
        self._refreshing: set[int] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    def add_poster(self, poster: Poster) -> None:
        self.posters[poster.platform] = poster

    # -- opening and posting ----------------------------------------------------------------

    async def post_due(self, channel_id: int) -> OpenedRound | None:
        """Post the channel's latest scheduled slot if it has no round yet and is not too late."""
        sched = await self.schedules.active_one(channel_id)
        if sched is None:
            return None
        now = self.core.clock.now()
        slot = last_slot(sched.timing, now)
        if slot is None or now - slot.at > self.grace:
            return None
        previous = await self._open_in(channel_id)
        if previous is not None and previous[1] != slot.key:
            # A window longer than the gap between posts: reveal the old question first.
            await self.close(previous[0])
        try:
            opened = await self.core.tx(lambda s: self._open_scheduled(s, channel_id, slot.key))
        except DrillError:
            log.exception("channel %s: could not open the %s round", channel_id, slot.key)
            return None
        if opened is not None:
            self._know_question(opened)
            await self.publish(opened)
        return opened

    async def post_now(self, place: Place) -> OpenedRound:
        """Open and post a round right away (the "post now" command)."""
        opened = await self.open(place)
        assert opened is not None  # manual slots are unique
        await self.publish(opened)
        return opened

    async def open(self, place: Place, *, slot: str | None = None,
                   window: timedelta | None = None) -> OpenedRound | None:
        """Open a round in ``place`` for ``slot`` (None: a manual "post now" round), without posting it.

        Returns None when that slot already has a round (another process or an
        earlier run got there first).  Raises UserError if a round is still open.
        """
        def work(s: Session) -> OpenedRound | None:
            _comm, ch = self.core.channel(s, place)
            return self._open_tx(s, ch.id, place, slot, window)
        opened = await self.core.tx(work)
        if opened is not None:
            self._know_question(opened)
        return opened

    def _open_scheduled(self, s: Session, channel_id: int, slot: str) -> OpenedRound | None:
        if not schedule_active(s, channel_id):
            return None
        return self._open_tx(s, channel_id, self.core.place_of(s, channel_id), slot, None)

    def _open_tx(self, s: Session, channel_id: int, place: Place, slot: str | None,
                 window: timedelta | None) -> OpenedRound | None:
        cfg = self.core.settings.rounds
        existing = store.open_round_in(s, channel_id)
        if existing is not None:
            if slot is not None:
                return None
            raise UserError(wording.ROUND_OPEN.format(when=existing.closes_at.strftime("%Y-%m-%d %H:%M UTC")))
        filters, minutes = round_rules(s, channel_id, cfg.window_minutes)
        key = slot or f"manual-{uuid.uuid4().hex}"
        pick = store.pick_question(s, self.core.library, channel_id, filters, seed=f"{channel_id}:{key}")
        rnd = store.open_round(s, channel_id=channel_id, slot=key, question_id=pick.question.id,
                               now=self.core.clock.now(), window=window or timedelta(minutes=minutes))
        if rnd is None:
            if slot is None:  # lost a race with another "post now" in this channel
                raise UserError(wording.ROUND_OPEN.format(when="soon"))
            return None
        s.flush()
        warning = wording.LOW_POOL.format(n=pick.remaining) if pick.remaining < cfg.low_pool_warning else ""
        card = question_card(pick.question, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                             warning=warning)
        return OpenedRound(rnd.id, place, card, rnd.closes_at, channel_id)

    def _know_question(self, opened: OpenedRound) -> None:
        """Answers to a round just opened will not need to look its question up."""
        known: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        known.set_result(opened.card.question_id)
        self._round_questions[opened.round_id] = known
        self._round_places[opened.round_id] = opened.place

    async def publish(self, opened: OpenedRound) -> None:
        """Post an opened round to its platform and arm its close timer."""
        poster = self.posters.get(opened.place.platform)
        self.timers.arm_close(opened.round_id, opened.closes_at)
        if poster is None:
            log.warning("round %s: no adapter for %s is running; it will post when one is",
                        opened.round_id, opened.place.platform)
            return
        await self.set_post_state(opened.round_id, "posting")
        try:
            ref = await poster.post_round(opened.place, opened.card)
        except ChannelUnavailable as exc:
            await self._lost(poster, opened, exc)
            return
        except Exception:
            log.exception("round %s: posting to %s failed", opened.round_id, opened.place)
            await self.set_post_state(opened.round_id, "failed")
            return
        await self.set_post_state(opened.round_id, "posted", ref)

    async def _lost(self, poster: Poster, opened: OpenedRound, exc: ChannelUnavailable) -> None:
        """The platform refused the post for good: pause the channel and tell the admin who set it.

        Retrying would only collect more refusals (Discord bans IPs for too many 403s).
        """
        channel_id = opened.channel_id or await self.core.tx(lambda s: s.execute(
            select(Round.channel_id).where(Round.id == opened.round_id)).scalar_one())
        lost = await self.schedules.pause_lost(
            channel_id, wording.LOST_REASON.format(when=f"{self.core.clock.now():%Y-%m-%d %H:%M} UTC", error=exc))
        await self.set_post_state(opened.round_id, "unavailable")
        await self._close_in_db(opened.round_id)
        log.warning("round %s: %s refused the post (%s); the channel's schedule is paused until an "
                    "admin resumes it", opened.round_id, opened.place, exc)
        await self.timers.schedules_changed()
        await self._report_lost(poster, lost)

    async def _report_lost(self, poster: Poster, lost: LostChannel) -> None:
        """Tell the admin who set the schedule, privately; the log line above is the fallback."""
        if lost.admin is None:
            return
        try:
            await poster.channel_lost(lost.place, lost.admin)
        except Exception as exc:  # they may not take direct messages: the log still has it
            log.warning("could not tell admin %s that %s was lost: %s", lost.admin, lost.place, exc)

    async def tell(self, place: Place, user: str, text: str) -> bool:
        """A private message to a member through their platform; False when it could not be sent."""
        poster = self.posters.get(place.platform)
        if poster is None:
            return False
        try:
            await poster.tell(place, user, text)
        except Exception as exc:  # they may not take direct messages
            log.warning("could not tell %s on %s: %s", user, place.platform, exc)
            return False
        return True

    async def set_post_state(self, round_id: int, state: str, message_ref: str | None = None) -> None:
        def work(s: Session) -> None:
            rnd = s.get(Round, round_id)
            if rnd is not None:
                rnd.post_state = state
                if message_ref is not None:
                    rnd.message_ref = message_ref
        await self.core.tx(work)

    # -- answers and the live count ---------------------------------------------------------

    async def answer(self, member: Member, round_id: int, *, choice: int | None = None,
                     text: str | None = None, where: Place | None = None) -> Feedback:
        """Grade and store a daily answer; once acknowledged it is never lost or counted twice.

        ``where``: the channel the platform says the answer was given in.  An answer from another
        community is refused unless it was given in the round's own (shared) channel; see
        ``bot.rounds.answers``.
        """
        qid = await self._question_of(round_id)
        # Refused before the member is looked up (and created): a refusal stores nothing.  The
        # transaction checks again by database ids (bot.rounds.answers).
        home = await self._place_of(round_id)
        if (member.platform, member.community) != (home.platform, home.community) and (
                where is None or (where.platform, where.channel) != (home.platform, home.channel)):
            raise NotAllowed(wording.ROUND_OTHER_COMMUNITY)
        lq = self.core.library.get(qid)
        if lq is None:
            raise NotFound(wording.QUESTION_GONE)
        # Graded here, not on the database thread, which then only has to write.
        g = grade(lq, choice, text)
        ids = await self.core.resolve(member)
        g = await self.core.second_opinion(lq, text, g, ids.community_id)
        stored = await self._answers.submit(answers.DailyAnswer(
            round_id, qid, ids.account_id or 0, ids.community_id, ids.timezone, g, text, self.core.clock.now(),
            platform=member.platform, channel=where.channel if where is not None else None))
        return feedback(stored.question, stored.grade, mode="daily", points=stored.points,
                        next_review=stored.next_review)

    async def _place_of(self, round_id: int) -> Place:
        """The channel a round was posted in, looked up once per round."""
        known = self._round_places.get(round_id)
        if known is None:
            if len(self._round_places) > 10_000:
                self._round_places.clear()

            def work(s: Session) -> Place:
                channel_id = s.execute(select(Round.channel_id).where(Round.id == round_id)).scalar_one_or_none()
                if channel_id is None:
                    raise NotFound(wording.NO_ROUND)
                return self.core.place_of(s, channel_id)
            known = self._round_places[round_id] = await self.core.tx(work)
        return known

    async def _question_of(self, round_id: int) -> str:
        """The question a round asks (it never changes), looked up once per round however many ask."""
        known = self._round_questions.get(round_id)
        if known is None:
            if len(self._round_questions) > 10_000:
                self._round_questions.clear()
            known = self._round_questions[round_id] = asyncio.ensure_future(self.core.tx(
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

    def _store_answers(self, s: Session, items: list[answers.DailyAnswer]) -> list[answers.Stored | DrillError]:
        settings = self.core.settings
        return answers.store_answers(s, items, library=self.core.library, scoring=settings.scoring,
                                     practice=settings.practice)

    def answered(self, round_id: int, *, delay: float = 2.0) -> None:
        """Note an answer: the post's live count is refreshed once per ``delay`` seconds at most."""
        if round_id in self._refreshing:
            return

        async def later() -> None:
            try:
                await asyncio.sleep(delay)
                self._refreshing.discard(round_id)
                await self.refresh(round_id)
            except Exception:
                log.exception("round %s: refreshing the answer count failed", round_id)
            finally:
                self._refreshing.discard(round_id)
                self._tasks.discard(task)

        self._refreshing.add(round_id)
        task = asyncio.get_running_loop().create_task(later())
        self._tasks.add(task)

    async def refresh(self, round_id: int) -> None:
        """Update a posted round's live answer count."""
        place, ref, card = await self.card(round_id)
        poster = self.posters.get(place.platform)
        if poster is not None and ref is not None and card.closes_at and card.closes_at > self.core.clock.now():
            await poster.update_round(place, ref, card, None)

    async def card(self, round_id: int) -> tuple[Place, str | None, QuestionCard]:
        """The round as it should look now (with the live answer count), for updating the post."""
        def work(s: Session) -> tuple[Place, str | None, QuestionCard]:
            rnd = s.get(Round, round_id)
            if rnd is None:
                raise NotFound(wording.NO_ROUND)
            lq = self.core.library.get(rnd.question_id)
            if lq is None:
                raise NotFound(wording.QUESTION_GONE)
            card = question_card(lq, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                                 answered=store.answer_count(s, rnd.id))
            return self.core.place_of(s, rnd.channel_id), rnd.message_ref, card
        return await self.core.tx(work)

    async def current(self, place: Place) -> int | None:
        """The id of the round open in ``place``, if any."""
        def work(s: Session) -> int | None:
            _c, ch = self.core.channel(s, place)
            rnd = store.open_round_in(s, ch.id)
            return rnd.id if rnd is not None else None
        return await self.core.tx(work)

    async def _open_in(self, channel_id: int) -> tuple[int, str] | None:
        """The (id, slot) of the round open in a channel, if any."""
        def work(s: Session) -> tuple[int, str] | None:
            rnd = store.open_round_in(s, channel_id)
            return (rnd.id, rnd.slot) if rnd is not None else None
        return await self.core.tx(work)

    # -- closing and revealing --------------------------------------------------------------

    async def close(self, round_id: int, *, only_if_due: bool = False) -> ClosedRound | None:
        """Close a round and reveal it on its platform; None if it was already closed (or not yet due)."""
        closed = await self._close_in_db(round_id, only_if_due=only_if_due)
        if closed is None:
            return None
        poster = self.posters.get(closed.place.platform)
        if poster is not None:
            try:
                if closed.message_ref is not None:
                    await poster.update_round(closed.place, closed.message_ref, closed.summary.question,
                                              closed.summary)
                await poster.post_summary(closed.place, closed.message_ref, closed.summary)
            except Exception:
                log.exception("round %s: posting the summary to %s failed", round_id, closed.place)
        return closed

    async def _close_in_db(self, round_id: int, *, only_if_due: bool = False) -> ClosedRound | None:
        """Close the round's row once and build its summary (streaks move on here)."""
        now = self.core.clock.now()

        def work(s: Session) -> ClosedRound | None:
            closed = store.close_round(s, library=self.core.library, round_id=round_id, now=now,
                                       only_if_due=only_if_due)
            if closed is None:
                return None
            rnd, lq = closed.round, closed.question
            if lq is None:
                raise NotFound(f"round {round_id}: question {rnd.question_id} is gone from the packs")
            idx = lq.q.correct_index
            summary = Summary(
                round_id=rnd.id,
                question=question_card(lq, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                                       answered=closed.answered),
                right=lq.q.options[idx] if idx is not None else None,
                model_answer=lq.q.model_answer, explanation=lq.q.explanation,
                references=tuple(lq.q.references), answered=closed.answered, correct=closed.correct,
                first_correct=closed.first_correct,
                streaks=tuple(StreakChange(n, b, a) for n, b, a in closed.streaks))
            return ClosedRound(self.core.place_of(s, rnd.channel_id), rnd.message_ref, summary)

        return await self.core.tx(work)

    # -- after downtime -----------------------------------------------------------------------

    async def catch_up(self) -> None:
        """Close overdue rounds, retry failed posts, and make missed posts still within grace."""
        for round_id in await self.overdue():
            await self.close(round_id)
        for round_id in await self.retryable():
            place, _ref, card = await self.card(round_id)
            if place.platform in self.posters and card.closes_at is not None:
                await self.publish(OpenedRound(round_id, place, card, card.closes_at))
        for sched in await self.schedules.active(tuple(self.posters)):
            try:
                await self.post_due(sched.channel_id)
            except Exception:  # one channel's failure never stops the others
                log.exception("channel %s: catch-up failed", sched.channel_id)

    async def overdue(self) -> list[int]:
        """Open rounds whose window has ended."""
        now = self.core.clock.now()
        return await self.core.tx(lambda s: store.overdue_rounds(s, now))

    async def retryable(self) -> list[int]:
        """Open rounds whose post definitely failed (never those left 'posting' by a crash)."""
        return await self.core.tx(store.retryable_rounds)

    async def open_ids(self) -> list[tuple[int, datetime]]:
        """Every open round and when it closes (to arm close timers at start)."""
        return await self.core.tx(lambda s: [(rid, at) for rid, at in s.execute(
            select(Round.id, Round.closes_at).where(Round.closed_at.is_(None)))])

    async def stop(self) -> None:
        """Cancel pending live-count refreshes."""
        for task in list(self._tasks):
            task.cancel()
