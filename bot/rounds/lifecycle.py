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
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import wording
from bot.content import LoadedQuestion
from bot.content.present import question_card
from bot.core import Core
from bot.errors import AlreadyAnswered, ChannelUnavailable, DrillError, NotAllowed, NotFound, UserError
from bot.grading import grade
from bot.grading.feedback import feedback
from bot.members.identity import Ids, Member, Place
from bot.rounds import answers, posting, store
from bot.rounds.posting import Attempt, PostAborted
from bot.rounds.schedules import LostChannel, Schedules, round_rules, schedule_active
from bot.rounds.slots import last_slot
from bot.storage.batch import GroupCommit
from bot.storage.models import Round
from bot.views import Feedback, QuestionCard, StreakChange, Summary

log = logging.getLogger(__name__)
CATCH_UP_AT_ONCE = 64  # channels posted at once when catching up at start
ON_TIME = timedelta(minutes=1)  # how late the scheduler's own firing may run and still be on time


class Poster(Protocol):
    """What a platform adapter implements so rounds can be posted to its channels."""

    platform: str

    async def post_round(self, place: Place, card: QuestionCard, attempt: Attempt) -> str | None:
        """Post a daily question once; return a reference to the message (for later edits).

        Await ``attempt.sending()`` right before the post request goes out and
        ``attempt.posted(ref)`` as soon as the message exists; carry ``attempt.key`` as the
        platform's idempotency key, and when ``attempt.maybe_sent`` first look for the
        round's message (``find_round``) and return it instead of posting again.
        """
        ...

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        """The reference of the round's message if it is in the channel (posted since ``attempt.since``)."""
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
    key: str = ""  # the idempotency key of its post (bot.rounds.posting.round_key)
    since: datetime | None = None  # when it opened: its post cannot be older
    maybe_sent: bool = False  # an earlier try may have reached the platform


@dataclass(frozen=True, slots=True)
class ClosedRound:
    place: Place
    message_ref: str | None
    summary: Summary
    seen: bool = True  # False: the question was never posted, so nothing is revealed


class Rounds:
    """Daily rounds over one database, posted through the platforms' Posters."""

    def __init__(self, core: Core, schedules: Schedules, *, grace: timedelta,
                 sweep: timedelta = timedelta(seconds=20)) -> None:
        self.core = core
        self.schedules = schedules
        self.grace = grace
        self.sweep_every = sweep
        self.lease = 3 * sweep  # a claim on a post lasts three sweeps unless renewed
        self.process = posting.process_id()
        self._in_flight: set[int] = set()  # rounds this process is posting now (their leases are renewed)
        self._armed: dict[int, datetime] = {}
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

    async def post_due(self, channel_id: int, *, on_time: bool = False) -> OpenedRound | None:
        """Post the channel's latest scheduled slot if it has no round yet and is not too late.

        ``on_time``: the scheduler's own firing for this slot (it runs a few ms after the
        slot, which counts as on time even with ``grace_minutes = 0``).
        """
        sched = await self.schedules.active_one(channel_id)
        if sched is None:
            return None
        now = self.core.clock.now()
        slot = last_slot(sched.timing, now)
        if slot is None:
            return None
        late = now - slot.at
        if late > self.grace and not (on_time and late < ON_TIME):
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
        now = self.core.clock.now()
        rnd = store.open_round(s, channel_id=channel_id, slot=key, question_id=pick.question.id,
                               now=now, window=window or timedelta(minutes=minutes),
                               owner=self.process, lease_until=now + self.lease)
        if rnd is None:
            if slot is None:  # lost a race with another "post now" in this channel
                raise UserError(wording.ROUND_OPEN.format(when="soon"))
            return None
        s.flush()
        warning = wording.LOW_POOL.format(n=pick.remaining) if pick.remaining < cfg.low_pool_warning else ""
        card = question_card(pick.question, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                             warning=warning)
        return OpenedRound(rnd.id, place, card, rnd.closes_at, channel_id, posting.round_key(rnd.id, key),
                           rnd.opened_at)

    def _know_question(self, opened: OpenedRound) -> None:
        """Answers to a round just opened will not need to look its question up."""
        known: asyncio.Future[str | None] = asyncio.get_running_loop().create_future()
        known.set_result(opened.card.question_id)
        self._round_questions[opened.round_id] = known
        self._round_places[opened.round_id] = opened.place

    async def publish(self, opened: OpenedRound) -> None:
        """Post an opened round to its platform (once, however often this is tried) and arm its close."""
        self.arm(opened.round_id, opened.closes_at)
        poster = self.posters.get(opened.place.platform)
        if poster is None:
            log.warning("round %s: no adapter for %s is running; it will post when one is",
                        opened.round_id, opened.place.platform)
            return
        rid = opened.round_id
        self._in_flight.add(rid)
        early: dict[str, bool] = {}  # the reference stored as soon as the message existed -> closed since?
        try:
            ref = await poster.post_round(opened.place, opened.card, self._attempt(
                rid, opened.key or posting.round_key(rid, str(rid)), opened.since or self.core.clock.now(),
                opened.maybe_sent, early))
        except PostAborted:
            log.info("round %s: not posted (closed, or another process took it over)", rid)
            return
        except ChannelUnavailable as exc:
            await self._lost(poster, opened, exc)
            return
        except Exception as exc:
            wait = await self.core.tx(lambda s: posting.mark_failed(s, rid, self.core.clock.now()))
            log.warning("round %s: posting to %s failed (%s); retrying in %s", rid, opened.place,
                        exc or type(exc).__name__, wait)
            return
        finally:
            self._in_flight.discard(rid)
        closed = early[ref] if ref is not None and ref in early else await self.core.tx(
            lambda s: posting.mark_posted(s, rid, ref))  # one write less when nothing followed the message
        if closed:
            await self._reveal_late(poster, opened, ref)

    def _attempt(self, rid: int, key: str, since: datetime, maybe_sent: bool,
                 stored: dict[str, bool] | None = None) -> Attempt:
        async def sending() -> None:
            if not await self.core.tx(lambda s: posting.mark_sending(s, rid, self.process)):
                raise PostAborted(f"round {rid}")

        async def posted(ref: str) -> None:
            closed = await self.core.tx(lambda s: posting.mark_posted(s, rid, ref))
            if stored is not None:
                stored[ref] = closed

        return Attempt(rid, key, since, maybe_sent, sending, posted)

    async def _reveal_late(self, poster: Poster, opened: OpenedRound, ref: str | None) -> None:
        """The message landed after the round had closed: show it closed (nobody could answer)."""
        lq = self.core.library.get(opened.card.question_id)
        if ref is None or lq is None:
            return
        summary = _summary(lq, opened.round_id, opened.closes_at, 0, 0, (), ())
        try:
            await poster.update_round(opened.place, ref, summary.question, summary)
        except Exception:
            log.exception("round %s: closing a late post failed", opened.round_id)

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
        g = await self.core.second_opinion(lq, text, g, (await self.core.resolve(member)).community_id)

        async def store(ids: Ids) -> Feedback:
            account = ids.account_id or 0
            try:
                stored = await self._answers.submit(answers.DailyAnswer(
                    round_id, qid, account, ids.community_id, ids.timezone, g, text, self.core.clock.now(),
                    platform=member.platform, channel=where.channel if where is not None else None))
            except AlreadyAnswered:
                # Stored, but its reply may never have reached them (a crash between the commit and
                # the reply, a platform's retry): show the answer they gave, never a second one.
                before = await self.core.tx(lambda s: answers.given(s, round_id, account, qid))
                if before is None:  # none stored: perhaps their account was forgotten meanwhile
                    raise
                try:
                    again = grade(lq, before.choice, before.text)
                except DrillError:  # a stored row this question cannot grade (edited since): just refuse
                    raise AlreadyAnswered(wording.ALREADY_ANSWERED) from None
                # The stored verdict is the one that counts (a second opinion or a granted dispute may differ).
                again = replace(again, correct=before.correct)
                return feedback(lq, again, mode="daily", points=before.points, next_review=before.next_review)
            return feedback(stored.question, stored.grade, mode="daily", points=stored.points,
                            next_review=stored.next_review)
        # A stale account id (forget-me in another process) fails the insert: answered again with fresh ids.
        return await self.core.with_ids(member, store, also=(AlreadyAnswered,))

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

    async def question_of(self, round_id: int | None, question_id: str | None) -> LoadedQuestion:
        """The question an answer button belongs to: its daily round's, or a practice message's own."""
        qid = (await self.card(round_id))[2].question_id if round_id else question_id
        lq = self.core.library.get(qid or "")
        if lq is None:
            raise UserError(wording.QUESTION_GONE)
        return lq

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
        """Close a round and reveal it on its platform; None if it was already closed (or not yet due).

        A round whose question never reached its channel is closed silently: revealing the
        answer to a question nobody saw would only confuse.  One whose post is in doubt (a
        request went out, the answer never came back) is looked for in the channel first.
        """
        await self._settle_doubt(round_id)
        closed = await self._close_in_db(round_id, only_if_due=only_if_due)
        self._armed.pop(round_id, None)
        if closed is None:
            return None
        if not closed.seen:
            log.info("round %s in %s closed without a reveal: its question was never posted", round_id,
                     closed.place)
            return closed
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

    async def _settle_doubt(self, round_id: int) -> None:
        """A round left 'posting' without a message reference: find out whether its post landed."""
        def work(s: Session) -> tuple[Place, Round] | None:
            rnd = s.get(Round, round_id)
            if rnd is None or rnd.closed_at is not None or rnd.post_state != "posting" or rnd.message_ref:
                return None
            return self.core.place_of(s, rnd.channel_id), rnd
        found = await self.core.tx(work)
        if found is None:
            return
        place, rnd = found
        poster = self.posters.get(place.platform)
        if poster is None:
            return
        attempt = self._attempt(round_id, posting.round_key(round_id, rnd.slot), rnd.opened_at, True)
        try:
            ref = await poster.find_round(place, attempt)
        except Exception as exc:
            log.warning("round %s: could not look for its post in %s: %s", round_id, place, exc)
            return
        if ref is not None:
            await self.core.tx(lambda s: posting.mark_posted(s, round_id, ref))

    async def _close_in_db(self, round_id: int, *, only_if_due: bool = False) -> ClosedRound | None:
        """Close the round's row once and build its summary (streaks move on here, if it was seen)."""
        now = self.core.clock.now()

        def work(s: Session) -> ClosedRound | None:
            rnd = s.get(Round, round_id, with_for_update=True)  # a post starting now waits, then sees it closed
            if rnd is None or rnd.closed_at is not None or (only_if_due and rnd.closes_at > now):
                return None
            if rnd.post_state != "posted":
                lq = self.core.library.get(rnd.question_id)
                rnd.closed_at, rnd.post_lease_until = now, None
                if rnd.post_state != "unavailable":
                    rnd.post_state = "missed"
                place = self.core.place_of(s, rnd.channel_id)
                if lq is None:
                    raise NotFound(f"round {round_id}: question {rnd.question_id} is gone from the packs")
                return ClosedRound(place, None, _summary(lq, rnd.id, rnd.closes_at, 0, 0, (), ()), seen=False)
            closed = store.close_round(s, library=self.core.library, round_id=round_id, now=now,
                                       only_if_due=only_if_due)
            if closed is None:
                return None
            rnd, lq = closed.round, closed.question
            if lq is None:
                raise NotFound(f"round {round_id}: question {rnd.question_id} is gone from the packs")
            summary = _summary(lq, rnd.id, rnd.closes_at, closed.answered, closed.correct, closed.first_correct,
                               tuple(StreakChange(n, b, a) for n, b, a in closed.streaks), closed.per_option)
            return ClosedRound(self.core.place_of(s, rnd.channel_id), rnd.message_ref, summary)

        return await self.core.tx(work)

    # -- housekeeping: every process, at start and every sweep ----------------------------------

    async def catch_up(self) -> None:
        """At start: close overdue rounds, retry stale and failed posts, make missed posts within grace."""
        await self.sweep(at_start=True)
        # Concurrently (the platform's pacer spaces the requests): one channel waiting out a
        # 429 wave or retrying a 503 must not hold up every channel after it.
        gate = asyncio.Semaphore(CATCH_UP_AT_ONCE)

        async def one(channel_id: int) -> None:
            async with gate:
                try:
                    await self.post_due(channel_id)
                except Exception:  # one channel's failure never stops the others
                    log.exception("channel %s: catch-up failed", channel_id)
        await asyncio.gather(*(one(sched.channel_id) for sched in await self.schedules.active(tuple(self.posters))))

    async def sweep(self, *, at_start: bool = False, wait: bool = True) -> None:
        """Close overdue rounds and retry stale posts of any process (claimed in the database).

        ``wait``: return once the retried posts are done (else they run on in the background,
        their leases renewed by the next sweeps).
        """
        now = self.core.clock.now()
        if self._in_flight:
            ids = sorted(self._in_flight)
            await self.core.tx(lambda s: posting.renew(s, ids, self.process, now + self.lease))
        for round_id in await self.overdue():
            try:
                await self.close(round_id, only_if_due=True)
            except Exception:
                log.exception("round %s: closing it failed", round_id)
        for round_id, closes_at in await self.open_ids():
            self.arm(round_id, closes_at)
        stale = await self.core.tx(lambda s: posting.claim_stale(
            s, now=now, owner=self.process, until=now + self.lease, platforms=tuple(self.posters),
            at_start=at_start))
        if not stale:
            return
        log.info("retrying %d stale post(s)", len(stale))
        retries = [self._retry(st) for st in stale]
        if wait:
            await asyncio.gather(*retries)
            return
        for coro in retries:
            task = asyncio.get_running_loop().create_task(coro)
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

    async def _retry(self, stale: posting.Stale) -> None:
        try:
            def work(s: Session) -> OpenedRound | None:
                rnd = s.get(Round, stale.round_id)
                lq = self.core.library.get(rnd.question_id) if rnd is not None else None
                if rnd is None or lq is None:
                    return None
                card = question_card(lq, mode="daily", round_id=rnd.id, closes_at=rnd.closes_at,
                                     answered=store.answer_count(s, rnd.id))
                return OpenedRound(rnd.id, self.core.place_of(s, rnd.channel_id), card, rnd.closes_at,
                                   rnd.channel_id, posting.round_key(rnd.id, rnd.slot), rnd.opened_at,
                                   stale.maybe_sent)
            opened = await self.core.tx(work)
            if opened is not None:
                self._know_question(opened)
                await self.publish(opened)
        except Exception:
            log.exception("round %s: retrying its post failed", stale.round_id)

    def timers_reset(self) -> None:
        """The scheduler dropped its jobs: the next ``arm`` of each round arms it again."""
        self._armed.clear()

    def arm(self, round_id: int, closes_at: datetime) -> None:
        """Arm a close timer for a round (of any process) once."""
        if self._armed.get(round_id) == closes_at:
            return
        self._armed[round_id] = closes_at
        self.timers.arm_close(round_id, closes_at)

    async def overdue(self) -> list[int]:
        """Open rounds whose window has ended."""
        now = self.core.clock.now()
        return await self.core.tx(lambda s: store.overdue_rounds(s, now))

    async def open_ids(self) -> list[tuple[int, datetime]]:
        """Every open round and when it closes (to arm close timers at start)."""
        return await self.core.tx(lambda s: [(rid, at) for rid, at in s.execute(
            select(Round.id, Round.closes_at).where(Round.closed_at.is_(None)))])

    async def stop(self) -> None:
        """Cancel pending live-count refreshes."""
        for task in list(self._tasks):
            task.cancel()


def _summary(lq: LoadedQuestion, round_id: int, closes_at: datetime, answered: int, correct: int,
             first_correct: tuple[str, ...], streaks: tuple[StreakChange, ...],
             per_option: tuple[int, ...] = ()) -> Summary:
    idx = lq.q.correct_index
    return Summary(
        round_id=round_id,
        question=question_card(lq, mode="daily", round_id=round_id, closes_at=closes_at, answered=answered),
        right=lq.q.options[idx] if idx is not None else None,
        model_answer=lq.q.model_answer, explanation=lq.q.explanation,
        references=tuple(lq.q.references), answered=answered, correct=correct,
        first_correct=first_correct, streaks=streaks,
        per_option=per_option or ((0,) * len(lq.q.options) if idx is not None else ()))
