"""The mock interview as a session: stored, timed by the sessions' tick, scored at the end.

One candidate, private.  It lives in the live quiz's tables (``kind="interview"``): the plan in
``session_questions``, each answer's text in ``session_answers`` (no grading, no feedback until
the end, as in a real screen), the whole interview's deadline in ``sessions.deadline``.  It ends
when the last question is answered, when the candidate stops, or when the tick finds its
deadline passed (in any process: the row is claimed as a live step is); unanswered questions
count as missed.  The end grades every answer (``bot.sessions.interview``), stores each
question's points (so history keeps its scores when the grader changes) and feeds every
question to the candidate's spaced-repetition card; the daily boards are never touched.
"""

from __future__ import annotations

import logging
import zlib
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import delete
from sqlalchemy.orm import Session

from bot import wording
from bot.content import LoadedQuestion
from bot.content.present import question_card
from bot.core import Core
from bot.errors import NotFound, UserError
from bot.grading import guards, parse_choice
from bot.members.identity import Member, Place
from bot.practice import cards
from bot.rounds.posting import process_id
from bot.sessions import interview as iv
from bot.sessions import store
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion, PastInterview
from bot.storage.models import Account, LiveSession, SessionAnswer

log = logging.getLogger(__name__)

MINUTES = (5, 90)


class InterviewSink(Protocol):
    """What an adapter implements to tell a candidate their time ran out (with the scorecard)."""

    platform: str

    async def deliver_interview(self, event: InterviewOver) -> None: ...


Step = InterviewQuestion | InterviewOver


class Interviews:
    """Mock interviews over one database."""

    def __init__(self, core: Core) -> None:
        self.core = core
        self.process = process_id()
        self.sinks: dict[str, InterviewSink] = {}
        self._scheduler = cards.scheduler_for(core.settings.practice)

    def add_sink(self, sink: InterviewSink) -> None:
        self.sinks[sink.platform] = sink

    # -- what the candidate does ------------------------------------------------------------

    async def start(self, member: Member, place: Place, level: str = "mid", *, length: int = iv.DEFAULT_LENGTH,
                    minutes: int = iv.DEFAULT_MINUTES) -> InterviewQuestion:
        """Plan an interview at ``level`` and show its first question (one running per member)."""
        if not MINUTES[0] <= minutes <= MINUTES[1]:
            raise UserError(wording.INTERVIEW_BAD_MINUTES.format(low=MINUTES[0], high=MINUTES[1], minutes=minutes))
        ids = await self.core.resolve(member)
        now = self.core.clock.now()
        seed = int(now.timestamp() * 1000) ^ zlib.crc32(member.user.encode())
        p = iv.plan(self.core.library, level, length=length, minutes=minutes, seed=seed)

        def work(s: Session) -> InterviewQuestion:
            assert ids.account_id is not None
            # The member's account row, locked: two starts at once (a double click reaching two
            # processes) take turns here, and the second finds the first's interview running.
            s.get(Account, ids.account_id, with_for_update=True)
            running = store.running_interview(s, ids.account_id, lock=True)
            if running is not None:
                if running.deadline is not None and running.deadline > now:
                    raise UserError(wording.INTERVIEW_RUNNING.format(n=running.current + 1, total=running.count))
                # Its time is up and no tick has ended it yet: scored now (history shows it).
                self._finish(s, running, now, reason="time", user=member.user, name=member.name or member.user)
            comm, ch = self.core.channel(s, place)
            sess = store.create(s, kind="interview", community_id=comm.id, channel_id=ch.id,
                                starter_id=ids.account_id, count=len(p.question_ids), topics=(), levels=(level,),
                                seconds=minutes * 60, question_ids=p.question_ids, now=now,
                                lobby_until=iv.deadline(now, p))
            sess.state, sess.current = "open", 0
            return self._question(s, sess, place, member.user, 0)
        return await self.core.tx(work)

    async def answer(self, member: Member, text: str, *, at: tuple[int, int] | None = None) -> Step:
        """The answer to the current question; the next question, or the scorecard after the last.

        ``at``: the (session, question index) the member's button or form was for; when the
        interview has moved past it (a stale button, a replayed form), nothing is stored.
        """
        return await self._advance(member, text, at)

    async def skip(self, member: Member, *, at: tuple[int, int] | None = None) -> Step:
        """Leave the current question unanswered (it counts as missed) and move on."""
        return await self._advance(member, None, at)

    async def stop(self, member: Member) -> InterviewOver:
        """End the interview now: what is unanswered counts as missed."""
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> InterviewOver:
            sess = self._running(s, ids.account_id)
            reason = "time" if sess.deadline is not None and sess.deadline <= now else "stopped"
            return self._finish(s, sess, now, reason=reason, user=member.user, name=member.name or member.user)
        return await self.core.tx(work)

    async def current(self, member: Member) -> InterviewQuestion | None:
        """The question the member's running interview is on (to show it again), if any."""
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> InterviewQuestion | None:
            assert ids.account_id is not None
            sess = store.running_interview(s, ids.account_id)
            if sess is None or sess.deadline is None or sess.deadline <= now:
                return None
            return self._question(s, sess, self.core.place_of(s, store.channel_of(sess)), member.user, sess.current)
        return await self.core.tx(work)

    async def history(self, member: Member, *, limit: int = 10) -> InterviewHistory:
        ids = await self.core.resolve(member)

        def work(s: Session) -> InterviewHistory:
            assert ids.account_id is not None
            rows = []
            for p in store.past_interviews(s, ids.account_id, limit=limit):
                level = p.level or "mid"
                rows.append(PastInterview(p.session_id, p.ended_at, level, p.score, iv.band_of(level, p.score),
                                          p.answered, p.count))
            return InterviewHistory(member.name or member.user, tuple(rows))
        return await self.core.tx(work)

    # -- the clock ----------------------------------------------------------------------------

    async def tick(self) -> list[InterviewOver]:
        """End every interview whose time is up (any process's); tell each candidate."""
        now = self.core.clock.now()
        if not await self.core.db.peek(lambda c: store.anything_due(c, kind="interview", now=now, orphans=False)):
            return []

        def work(s: Session) -> tuple[list[int], list[InterviewOver]]:
            rows = store.claim_due(s, kind="interview", now=now, owner=self.process, until=now + store.LEASE)
            out = []
            for sess in rows:
                user, name = self._candidate(s, sess)
                out.append(self._finish(s, sess, now, reason="time", user=user, name=name))
            return [r.id for r in rows], out

        taken, events = await self.core.tx(work)
        for ev in events:
            if not ev.user:  # the candidate was forgotten (forget-me) meanwhile: nobody to tell
                continue
            sink = self.sinks.get(ev.place.platform)
            if sink is None:
                log.info("interview %s ended; no %s adapter here to tell the candidate", ev.session_id,
                         ev.place.platform)
                continue
            try:
                await sink.deliver_interview(ev)
            except Exception:  # the scorecard is stored: history shows it even if this message is lost
                log.exception("interview %s: could not deliver the scorecard", ev.session_id)
        if taken:
            await self.core.tx(lambda s: store.release(s, taken, self.process))
        return events

    # -- inside one transaction -------------------------------------------------------------

    async def _advance(self, member: Member, text: str | None, at: tuple[int, int] | None) -> Step:
        ids = await self.core.resolve(member)
        now = self.core.clock.now()

        def work(s: Session) -> Step:
            sess = self._running(s, ids.account_id)
            name = member.name or member.user
            if at is not None and at != (sess.id, sess.current):
                raise UserError(wording.INTERVIEW_MOVED_ON.format(n=sess.current + 1, total=sess.count))
            if sess.deadline is None or sess.deadline <= now:  # the tick has not come round yet
                return self._finish(s, sess, now, reason="time", user=member.user, name=name,
                                    late=text is not None)
            lq = store.planned(s, self.core.library, sess.id, sess.current)
            if text is not None:
                stored = self._checked(lq, text)
                assert sess.step_started is not None
                elapsed = max(0, int((now - sess.step_started).total_seconds() * 1000))
                store.add_answer(s, SessionAnswer(session_id=sess.id, position=sess.current, account_id=ids.account_id,
                                                  choice=None, text=stored, elapsed_ms=elapsed, correct=False,
                                                  points=0, answered_at=now))
            sess.step += 1
            sess.current += 1
            sess.step_started = now
            if sess.current >= sess.count:
                return self._finish(s, sess, now, reason="finished", user=member.user, name=name)
            return self._question(s, sess, self.core.place_of(s, store.channel_of(sess)), member.user, sess.current)
        return await self.core.tx(work)

    @staticmethod
    def _running(s: Session, account_id: int | None) -> LiveSession:
        """The member's interview, locked; NotFound when none runs."""
        sess = store.running_interview(s, account_id, lock=True) if account_id is not None else None
        if sess is None:
            raise NotFound(wording.INTERVIEW_NONE)
        return sess

    @staticmethod
    def _checked(lq: LoadedQuestion, text: str) -> str:
        """The same guards as practice (length, a bare letter to an open question, keywords, language):
        an answer they refuse is not stored, and the question stays open."""
        text = text.strip()
        if not text:
            raise UserError(wording.INTERVIEW_EMPTY)
        if lq.q.kind != "open" and parse_choice(lq.q, text) is None:
            raise UserError(wording.INTERVIEW_LETTER.format(letters="ABCDE"[:len(lq.q.options)]))
        return guards.check(lq.q.kind, text)

    def _finish(self, s: Session, sess: LiveSession, now: datetime, *, reason: str, user: str, name: str,
                late: bool = False) -> InterviewOver:
        sess.state = "stopped" if reason == "stopped" else "finished"
        sess.ended_at, sess.deadline, sess.step = now, None, sess.step + 1
        qids = store.questions(s, sess.id)
        by_pos = store.texts(s, sess.id)
        level = sess.levels or "mid"
        p = iv.Plan(level, tuple(qids), sess.seconds // 60)
        results = iv.grade_all(self.core.library, p, {qids[i]: t for i, t in by_pos.items() if i < len(qids)})
        previous = next((x.score for x in store.past_interviews(s, sess.starter_id or 0, limit=1, level=level,
                                                                before=sess.id)), None)
        card = iv.scorecard(level, results, previous=previous)
        # Every planned question gets a row with its points (unanswered ones too), so history keeps the score.
        s.execute(delete(SessionAnswer).where(SessionAnswer.session_id == sess.id))
        account = sess.starter_id
        attempts = []
        for pos, (qid, r) in enumerate(zip(qids, self._aligned(qids, results), strict=True)):
            if account is None:
                break
            s.add(SessionAnswer(session_id=sess.id, position=pos, account_id=account, choice=None,
                                text=by_pos.get(pos), elapsed_ms=0, correct=r is not None and r.correct,
                                points=r.points if r is not None else 0, answered_at=now))
            lq = self.core.library.get(qid)
            if lq is not None:
                attempts.append(cards.Attempt(account, lq, r is not None and r.correct, now, by_pos.get(pos)))
        s.flush()
        if attempts:
            cards.record_many(s, attempts, self._scheduler)
            # What the interview found missing comes back first in practice (before new questions).
            cards.due_now(s, attempts[0].account_id, [a.question.id for a in attempts if not a.correct], now)
        place = self.core.place_of(s, store.channel_of(sess))
        return InterviewOver(sess.id, place, user, name, reason, len(by_pos), card, late)

    @staticmethod
    def _aligned(qids: list[str], results: list[iv.Result]) -> list[iv.Result | None]:
        """Results by position (a question removed from the pack since has none)."""
        found = {r.question_id: r for r in results}
        return [found.get(q) for q in qids]

    def _question(self, s: Session, sess: LiveSession, place: Place, user: str, index: int) -> InterviewQuestion:
        lq = store.planned(s, self.core.library, sess.id, index)
        assert sess.deadline is not None
        card = question_card(lq, mode="interview", closes_at=sess.deadline,
                             reason=wording.INTERVIEW_STEP.format(n=index + 1, total=sess.count))
        return InterviewQuestion(sess.id, place, user, sess.levels or "mid", index, sess.count, card, sess.deadline)

    def _candidate(self, s: Session, sess: LiveSession) -> tuple[str, str]:
        acc = s.get(Account, sess.starter_id) if sess.starter_id is not None else None
        return (acc.external_id, acc.display_name or acc.external_id) if acc is not None else ("", "")


def minutes_left(ends_at: datetime, now: datetime) -> int:
    return max(0, int((ends_at - now) / timedelta(minutes=1)))


__all__ = ["InterviewSink", "Interviews", "minutes_left"]
