"""The live group quiz: a lobby, then questions in a thread, reveals, a running board and a podium.

Adapters call the public methods with plain values and deliver the events the engine hands
their ``SessionSink`` (``bot.sessions.views``); private replies (a join, a locked-in answer)
are returned.  Steps are taken by ``tick`` (the scheduler runs it every second in every
process) once their deadline in the database has passed; ``bot.sessions.store`` says how two
processes never take the same step.  Live points are the session's own: they never touch the
daily boards.  Each revealed answer is fed to the player's spaced-repetition card and stats.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy.orm import Session

from bot import wording
from bot.content import LoadedQuestion
from bot.content.present import question_card
from bot.core import Core
from bot.errors import (
    AlreadyAnswered,
    BadAnswer,
    ChannelUnavailable,
    DrillError,
    NotAllowed,
    NotFound,
    RoundClosed,
    UserError,
)
from bot.grading import grade
from bot.members.identity import Member, Place
from bot.practice import cards
from bot.rounds.posting import process_id
from bot.sessions import rules as R
from bot.sessions import store
from bot.sessions.views import Event, LiveQuestion, Lobby, LockedIn, Podium, PrivateSummary, Reveal, ScoreRow
from bot.storage.batch import GroupCommit
from bot.storage.models import Account, LiveSession, SessionAnswer
from bot.views import Notice

log = logging.getLogger(__name__)
LOBBY_EDIT_EVERY = 2.0  # seconds between edits of a lobby's player list


class SessionSink(Protocol):
    """What a platform adapter implements to deliver a session's events."""

    platform: str

    async def deliver_session(self, event: Event) -> str | None:
        """Render and send ``event``.  For a ``Lobby``, return the thread (or message) reference
        that later events of the session carry as ``thread``; otherwise the return is ignored."""
        ...


@dataclass(frozen=True, slots=True)
class _Answer:
    account_id: int
    session_id: int
    index: int
    choice: int
    now: datetime


class LiveSessions:
    """Live quizzes over one database, delivered through the platforms' sinks."""

    def __init__(self, core: Core, *, rules: R.LiveRules | None = None) -> None:
        self.core = core
        self.rules = rules or R.LiveRules()
        self.process = process_id()
        self.sinks: dict[str, SessionSink] = {}
        self._scheduler = cards.scheduler_for(core.settings.practice)
        self._answers: GroupCommit[_Answer, tuple[LockedIn, bool]] = GroupCommit(core.db, self._store_answers)
        self.lobby_edit_every = LOBBY_EDIT_EVERY
        self._lobby_edits: dict[int, asyncio.Task[None]] = {}

    def add_sink(self, sink: SessionSink) -> None:
        self.sinks[sink.platform] = sink

    # -- what members do ------------------------------------------------------------------

    async def start(self, member: Member, place: Place, options: R.LiveOptions | None = None, *,
                    is_admin: bool = False) -> Lobby:
        """Open a lobby in ``place`` (the starter has joined); delivered to the sink, and returned."""
        opts = options or R.LiveOptions()
        pool = R.check_options(opts, self.core.library, self.rules)
        topic_of = {q: lq.topic for q in pool if (lq := self.core.library.get(q)) is not None}
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> Lobby:
            comm, ch = self.core.channel(s, place)
            rules = R.parse_rules(comm.live_rules, self.rules)  # the community's own, over the defaults
            if rules.who_may_start == "admins" and not is_admin:
                raise NotAllowed(wording.LIVE_ADMINS_ONLY)
            in_channel, in_community = store.running(s, community_id=comm.id, channel_id=ch.id)
            if in_channel >= rules.per_channel:
                raise UserError(wording.LIVE_CHANNEL_BUSY)
            if in_community >= rules.per_community:
                raise UserError(wording.LIVE_COMMUNITY_BUSY.format(n=in_community))
            ended = store.last_ended(s, ch.id)
            if ended is not None and now - ended < timedelta(seconds=rules.cooldown_seconds):
                left = rules.cooldown_seconds - int((now - ended).total_seconds())
                raise UserError(wording.LIVE_COOLDOWN.format(seconds=left))
            seed = int(now.timestamp() * 1000) ^ ch.id
            chosen = R.spread(pool, topic_of, opts.count, seed)
            starts = now + timedelta(seconds=rules.lobby_seconds)
            assert ids.account_id is not None
            sess = store.create(s, kind="live", community_id=comm.id, channel_id=ch.id, starter_id=ids.account_id,
                                count=len(chosen), topics=opts.topics, levels=opts.levels, seconds=opts.seconds,
                                question_ids=chosen, now=now, lobby_until=starts)
            return Lobby(sess.id, place, member.name or member.user, len(chosen), opts.seconds, opts.topics,
                         opts.levels, starts, (member.name or member.user,))

        lobby = await self.core.tx(work)
        ref = await self._deliver(lobby)
        if ref is not None:
            await self.core.tx(lambda s: self._set_thread(s, lobby.session_id, ref))
        return lobby

    @staticmethod
    def _set_thread(s: Session, session_id: int, ref: str) -> None:
        sess = s.get(LiveSession, session_id)
        if sess is not None:
            sess.thread_ref = ref

    async def join(self, member: Member, session_id: int) -> Notice:
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> bool:
            sess = s.get(LiveSession, session_id)
            if sess is None or sess.ended_at is not None:
                raise NotFound(wording.LIVE_NOT_RUNNING)
            assert ids.account_id is not None
            return store.join(s, session_id, ids.account_id, now)
        new = await self.core.tx(work)
        if new:
            self._lobby_changed(session_id)
        return Notice(wording.LIVE_JOINED if new else wording.LIVE_ALREADY_JOINED)

    def _lobby_changed(self, session_id: int) -> None:
        """Show the new player in the lobby: one edit per ``lobby_edit_every`` seconds at most, however
        many join meanwhile (each edit reads the players then, so the last one shows them all)."""
        if session_id not in self._lobby_edits:
            self._lobby_edits[session_id] = asyncio.get_running_loop().create_task(self._edit_lobby(session_id))

    async def _edit_lobby(self, session_id: int) -> None:
        try:
            await asyncio.sleep(self.lobby_edit_every)
        finally:
            self._lobby_edits.pop(session_id, None)
        try:
            lobby = await self.core.tx(lambda s: self._lobby_now(s, session_id))
        except Exception:  # a courtesy edit: never more than a warning
            log.warning("session %s: could not read the lobby's players", session_id, exc_info=True)
            return
        if lobby is not None:
            await self._deliver(lobby)

    def _lobby_now(self, s: Session, session_id: int) -> Lobby | None:
        """The lobby as posted, with its players now; None once it has started or has no message."""
        sess = s.get(LiveSession, session_id)
        if sess is None or sess.state != "lobby" or sess.ended_at is not None or not sess.thread_ref:
            return None
        assert sess.deadline is not None
        names = store.player_names(s, session_id)
        starter = s.get(Account, sess.starter_id) if sess.starter_id is not None else None
        return Lobby(sess.id, self._place(s, sess), (starter.display_name or starter.external_id) if starter else "",
                     sess.count, sess.seconds, tuple(t for t in sess.topics.split(",") if t),
                     tuple(v for v in sess.levels.split(",") if v), sess.deadline, names, sess.thread_ref)

    async def begin(self, member: Member, session_id: int, *, is_admin: bool = False) -> list[Event]:
        """The starter (or an admin) ends the lobby now: the first question posts."""
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> None:
            sess = self._mine(s, session_id, ids.account_id, is_admin)
            if sess.state == "lobby" and sess.deadline is not None and sess.deadline > now:
                sess.deadline = now
        await self.core.tx(work)
        return await self.tick(only=session_id)

    async def answer(self, member: Member, session_id: int, index: int, choice: int) -> LockedIn:
        """Lock in ``member``'s answer to question ``index`` (a player who had not joined joins).

        Answers arriving together share one transaction (``GroupCommit``): a crowd answering in
        the last seconds costs a few commits, not one each.  The reply is sent only after the commit.
        """
        ids = await self.core.resolve(member)
        assert ids.account_id is not None
        locked, maybe_done = await self._answers.submit(
            _Answer(ids.account_id, session_id, index, choice, self.core.clock.now()))
        if maybe_done:
            def again(s: Session) -> bool:
                players, answered = store.counts(s, session_id, index)
                return answered >= players and store.end_early(s, session_id, index, self.core.clock.now())
            await self.core.tx(again)
            await self.tick(only=session_id)
        return locked

    def _store_answers(self, s: Session, items: list[_Answer]) -> list[tuple[LockedIn, bool] | DrillError]:
        """A batch of answers: per (session, question) one read of the session, the players and the
        answers so far, one insert of each; an answer refused (closed, a bad option, a repeat) is
        refused before anything of it is written."""
        out: list[tuple[LockedIn, bool] | DrillError] = [NotFound(wording.LIVE_NOT_RUNNING) for _ in items]
        groups: dict[tuple[int, int], list[int]] = {}
        for n, it in enumerate(items):
            groups.setdefault((it.session_id, it.index), []).append(n)
        for (session_id, index), members in groups.items():
            sess = s.get(LiveSession, session_id)
            if sess is None or sess.ended_at is not None:
                continue  # the default refusal stands
            lq: LoadedQuestion | None = None
            accepted: list[int] = []
            seen = store.answered_by(s, session_id, index, [items[n].account_id for n in members])
            for n in members:
                it = items[n]
                if sess.state != "open" or sess.current != index or sess.deadline is None or sess.deadline <= it.now:
                    out[n] = RoundClosed(wording.LIVE_NOT_OPEN)
                    continue
                lq = lq or self._question(s, session_id, index)
                if not 0 <= it.choice < len(lq.q.options):
                    out[n] = BadAnswer(wording.LIVE_NOT_OPEN)
                    continue
                if it.account_id in seen:  # already answered (in this batch or before)
                    out[n] = AlreadyAnswered(wording.LIVE_ALREADY_ANSWERED)
                    continue
                seen.add(it.account_id)
                accepted.append(n)
            if not accepted or lq is None:
                continue
            assert sess.step_started is not None
            store.join_many(s, session_id, [items[n].account_id for n in accepted], items[accepted[-1]].now)
            replies = []
            for n in accepted:
                it = items[n]
                elapsed = max(0, int((it.now - sess.step_started).total_seconds() * 1000))
                correct = grade(lq, it.choice, None).correct
                s.add(SessionAnswer(session_id=session_id, position=index, account_id=it.account_id, choice=it.choice,
                                    elapsed_ms=elapsed, correct=correct,
                                    points=R.points(elapsed, sess.seconds) if correct else 0, answered_at=it.now))
                replies.append((n, LockedIn(session_id, index, lq.q.options[it.choice], elapsed)))
            s.flush()
            players, answered = store.counts(s, session_id, index)
            done = answered >= players and store.end_early(s, session_id, index, items[accepted[-1]].now)
            # Batches (or processes) committing together may each miss the others' answers: when few
            # are left, the batch's last reply checks again after the commit (and takes the step).
            last = replies[-1][0]
            for n, locked in replies:
                out[n] = (locked, n == last and (done or players - answered <= 2))
        return out

    async def stop(self, member: Member, session_id: int, *, is_admin: bool = False) -> list[Event]:
        """End the session now (its starter or an admin): podium and private summaries."""
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> list[Event]:
            sess = self._mine(s, session_id, ids.account_id, is_admin)
            # Leased to this process while the podium goes out; a step another process took just
            # before may still be delivering (its question then shows after the podium).
            sess.owner, sess.lease_until = self.process, now + store.LEASE
            asked = sess.current if sess.state == "open" else sess.current + 1
            return self._finish(s, sess, now, asked=max(asked, 0), stopped_by=member.name or member.user)
        events = await self.core.tx(work)
        await self._deliver_all(events, [session_id])
        await self.core.tx(lambda s: store.release(s, [session_id], self.process))
        return events

    async def current(self, place: Place) -> int | None:
        """The live session running in ``place``, if any."""
        def work(s: Session) -> int | None:
            _comm, ch = self.core.channel(s, place)
            sess = store.running_in(s, ch.id)
            return sess.id if sess is not None else None
        return await self.core.tx(work)

    # -- the clock ------------------------------------------------------------------------

    async def tick(self, *, only: int | None = None) -> list[Event]:
        """Take every step whose deadline has passed (in any process's sessions); deliver the events."""
        now = self.core.clock.now()
        if only is None and not await self.core.db.peek(
                lambda c: store.anything_due(c, kind="live", now=now, orphans=True)):
            return []  # the usual case, four times a second: one read, no transaction

        def work(s: Session) -> tuple[list[int], list[Event]]:
            until = now + store.LEASE
            # First the steps a dead process took and never delivered: sent again before anything new.
            orphans = store.claim_orphans(s, kind="live", now=now, owner=self.process, until=until, only=only)
            events: list[Event] = []
            for sess in orphans:
                log.warning("session %s: step %s was taken by %s and not delivered; delivering it again",
                            sess.id, sess.step, "another process" if sess.owner != self.process else "this one")
                events.extend(self._replay(s, sess, now))
            rows = store.claim_due(s, kind="live", now=now, owner=self.process, until=until, only=only)
            for sess in rows:
                events.extend(self._step(s, sess, now))
            return [r.id for r in (*orphans, *rows)], events

        taken, events = await self.core.tx(work)
        if not taken:
            return []
        await self._deliver_all(events, taken)
        await self.core.tx(lambda s: store.release(s, taken, self.process))
        return events

    # -- steps (in one transaction) ---------------------------------------------------------

    def _step(self, s: Session, sess: LiveSession, now: datetime) -> list[Event]:
        sess.step += 1
        if sess.state == "lobby" or sess.state == "revealed":
            nxt = sess.current + 1
            if nxt >= sess.count:
                return self._finish(s, sess, now, asked=sess.count)
            return [self._open(s, sess, nxt, now)]
        # open: the question's time is up (or everyone answered)
        reveal = self._reveal(s, sess, now)
        if sess.current + 1 >= sess.count:
            return [reveal, *self._finish(s, sess, now, asked=sess.count)]
        sess.state = "revealed"
        sess.step_started, sess.deadline = now, now + timedelta(seconds=self.rules.reveal_seconds)
        return [reveal]

    def _open(self, s: Session, sess: LiveSession, index: int, now: datetime) -> LiveQuestion:
        sess.state, sess.current = "open", index
        sess.step_started, sess.deadline = now, now + timedelta(seconds=sess.seconds)
        lq = self._question(s, sess.id, index)
        card = question_card(lq, mode="live", closes_at=sess.deadline)
        return LiveQuestion(sess.id, self._place(s, sess), sess.thread_ref, index, sess.count, card, sess.deadline,
                            _key(sess, "q"))

    def _reveal(self, s: Session, sess: LiveSession, now: datetime, *, record: bool = True) -> Reveal:
        """Question ``current``'s reveal; ``record``: feed its answers to the players' cards (once, at the step)."""
        index = sess.current
        lq = self._question(s, sess.id, index)
        rows = store.answers_to(s, sess.id, index)
        per_option = [0] * len(lq.q.options)
        for r in rows:
            if r.choice is not None and 0 <= r.choice < len(per_option):
                per_option[r.choice] += 1
        # Live answers feed spaced repetition and stats as practice answers do (never the boards).
        if record:
            cards.record_many(s, [cards.Attempt(r.account_id, lq, r.correct, now) for r in rows], self._scheduler)
        board = _board(store.totals(s, sess.id, before=index + 1))
        last = index + 1 >= sess.count
        right = lq.q.options[lq.q.correct_index] if lq.q.correct_index is not None else None
        players, _n = store.counts(s, sess.id, index)
        return Reveal(sess.id, self._place(s, sess), sess.thread_ref, index, sess.count, lq.id, lq.q.prompt,
                      lq.q.options, right, lq.q.explanation, tuple(lq.q.references), tuple(per_option), len(rows),
                      players, tuple(r.name or r.user for r in rows if r.correct), board,
                      None if last else now + timedelta(seconds=self.rules.reveal_seconds), _key(sess, "r"))

    def _replay(self, s: Session, sess: LiveSession, now: datetime) -> list[Event]:
        """The events of the step ``sess`` is at, built again from the stored state (nothing recorded
        twice).  A question nobody may have seen gets its whole time again from now."""
        match sess.state:
            case "open":
                return [self._open(s, sess, sess.current, now)]
            case "revealed":
                sess.step_started, sess.deadline = now, now + timedelta(seconds=self.rules.reveal_seconds)
                return [self._reveal(s, sess, now, record=False)]
            case "finished":
                return [self._reveal(s, sess, now, record=False), *self._final(s, sess, asked=sess.count)]
            case "stopped":  # ``current`` is the last question that counted (``_finish``)
                return self._final(s, sess, asked=sess.current + 1, stopped_by=wording.LIVE_STOPPED_BY_SOMEONE)
        return []

    def _finish(self, s: Session, sess: LiveSession, now: datetime, *, asked: int,
                stopped_by: str | None = None) -> list[Event]:
        sess.state = "stopped" if stopped_by else "finished"
        sess.ended_at, sess.deadline = now, None
        sess.current = asked - 1  # the last question that counts (what a replay of the podium needs)
        return self._final(s, sess, asked=asked, stopped_by=stopped_by)

    def _final(self, s: Session, sess: LiveSession, *, asked: int, stopped_by: str | None = None) -> list[Event]:
        """The podium and every player's private summary."""
        totals = store.totals(s, sess.id, before=asked)
        board = _board(totals)
        place = self._place(s, sess)
        qids = store.questions(s, sess.id)
        events: list[Event] = [Podium(sess.id, place, sess.thread_ref, board, asked, sess.count, stopped_by,
                                      _key(sess, "p"))]
        for row, t in zip(board, totals, strict=True):
            missed = sorted(store.missed(s, sess.id, t.account_id, before=asked))
            prompts = tuple(lq.q.prompt for p in missed if (lq := self.core.library.get(qids[p])) is not None)
            events.append(PrivateSummary(sess.id, place, t.user, row.name, row.rank, len(board), t.points,
                                         t.correct, asked, prompts, _key(sess, f"s{t.account_id}")))
        return events

    # -- helpers --------------------------------------------------------------------------

    def _mine(self, s: Session, session_id: int, account_id: int | None, is_admin: bool) -> LiveSession:
        sess = s.get(LiveSession, session_id, with_for_update=True)
        if sess is None or sess.ended_at is not None:
            raise NotFound(wording.LIVE_NOT_RUNNING)
        if not is_admin and sess.starter_id != account_id:
            raise NotAllowed(wording.LIVE_STOP_NOT_ALLOWED)
        return sess

    def _question(self, s: Session, session_id: int, index: int) -> LoadedQuestion:
        return store.planned(s, self.core.library, session_id, index)

    def _place(self, s: Session, sess: LiveSession) -> Place:
        return self.core.place_of(s, store.channel_of(sess))

    async def _deliver(self, event: Event) -> str | None:
        sink = self.sinks.get(event.place.platform)
        if sink is None:
            log.warning("session %s: no adapter for %s is running", event.session_id, event.place.platform)
            return None
        try:
            return await sink.deliver_session(event)
        except ChannelUnavailable as exc:  # the bot lost the channel (removed, no rights): not a fault of ours
            log.warning("session %s: %s not delivered in %s: %s", event.session_id, type(event).__name__,
                        event.place.channel, exc)
            return None
        except Exception:  # one failed post must not stop the session or the others' events
            log.exception("session %s: could not deliver %s", event.session_id, type(event).__name__)
            return None

    async def _renew(self, leased: Sequence[int]) -> None:
        until = self.core.clock.now() + store.LEASE
        await self.core.tx(lambda s: store.renew(s, leased, self.process, until))

    async def _deliver_all(self, events: Sequence[Event], leased: Sequence[int]) -> None:
        """Deliver in order, renewing the lease on ``leased`` while it takes long (500 private summaries
        through a paced platform): an expired lease would have another tick send the step again."""
        renewed = time.monotonic()
        for ev in events:
            await self._deliver(ev)
            if time.monotonic() - renewed > store.LEASE.total_seconds() / 3:
                await self._renew(leased)
                renewed = time.monotonic()


def _key(sess: LiveSession, what: str) -> str:
    """An event's idempotency key: its session, the step that made it and what it is; a replay of the
    step (``_replay``) makes the same one, so a platform that remembers keys sends it once."""
    return f"live:{sess.id}:{sess.step}:{what}"


def _board(totals: Sequence[store.Total]) -> tuple[ScoreRow, ...]:
    """Ranks shared by equal points (1, 2, 2, 4)."""
    rows: list[ScoreRow] = []
    for i, t in enumerate(totals):
        rank = rows[-1].rank if rows and rows[-1].points == t.points else i + 1
        rows.append(ScoreRow(rank, t.name or t.user, t.points, t.correct, t.user))
    return tuple(rows)


__all__ = ["LiveSessions", "SessionSink"]
