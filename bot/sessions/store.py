"""Sessions in the database: create, join, answer, and the steps of the live state machine.

Synchronous; each function runs inside one transaction on the database thread
(``bot.sessions.live`` calls them).  A step (lobby -> open -> revealed -> ... -> finished) is
taken only on a row claimed with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL; SQLite's
``BEGIN IMMEDIATE`` has one writer at a time) whose deadline has passed and whose lease is
free, so two processes never take the same step: each event is built once, in the
transaction that records the step.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, Connection, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import wording
from bot.content import Library, LoadedQuestion
from bot.errors import NotFound
from bot.storage.models import Account, LiveSession, SessionAnswer, SessionPlayer, SessionQuestion

ACTIVE = ("lobby", "open", "revealed")


def create(s: Session, *, kind: str, community_id: int, channel_id: int | None, starter_id: int,
           count: int, topics: Sequence[str], levels: Sequence[str], seconds: int, question_ids: Sequence[str],
           now: datetime, lobby_until: datetime) -> LiveSession:
    sess = LiveSession(kind=kind, community_id=community_id, channel_id=channel_id, starter_id=starter_id,
                       count=len(question_ids), topics=",".join(topics), levels=",".join(levels), seconds=seconds,
                       state="lobby", current=-1, step=0, step_started=now, deadline=lobby_until, created_at=now)
    s.add(sess)
    s.flush()
    s.add_all([SessionQuestion(session_id=sess.id, position=i, question_id=q) for i, q in enumerate(question_ids)])
    s.add(SessionPlayer(session_id=sess.id, account_id=starter_id, joined_at=now))
    return sess


def running(s: Session, *, community_id: int, channel_id: int | None) -> tuple[int, int]:
    """Live sessions not yet ended: (in this channel, in this community)."""
    rows = s.execute(select(LiveSession.channel_id).where(
        LiveSession.community_id == community_id, LiveSession.kind == "live",
        LiveSession.ended_at.is_(None))).scalars().all()
    return sum(1 for c in rows if c == channel_id), len(rows)


def last_ended(s: Session, channel_id: int) -> datetime | None:
    ended: datetime | None = s.execute(select(func.max(LiveSession.ended_at)).where(
        LiveSession.channel_id == channel_id, LiveSession.kind == "live")).scalar()
    return ended


def running_in(s: Session, channel_id: int) -> LiveSession | None:
    return s.execute(select(LiveSession).where(LiveSession.channel_id == channel_id, LiveSession.kind == "live",
                                               LiveSession.ended_at.is_(None))
                     .order_by(LiveSession.id.desc()).limit(1)).scalar_one_or_none()


def join(s: Session, session_id: int, account_id: int, now: datetime) -> bool:
    """Add a player; False when they had joined already."""
    try:
        with s.begin_nested():
            s.add(SessionPlayer(session_id=session_id, account_id=account_id, joined_at=now))
    except IntegrityError:
        return False
    return True


def join_many(s: Session, session_id: int, account_ids: Sequence[int], now: datetime) -> None:
    """Add every one of ``account_ids`` not yet a player (one query and one insert for a batch)."""
    wanted = set(account_ids)
    if not wanted:
        return
    have = set(s.execute(select(SessionPlayer.account_id).where(
        SessionPlayer.session_id == session_id, SessionPlayer.account_id.in_(sorted(wanted)))).scalars())
    s.add_all([SessionPlayer(session_id=session_id, account_id=a, joined_at=now) for a in sorted(wanted - have)])


def player_names(s: Session, session_id: int) -> tuple[str, ...]:
    """The players' display names, in the order they joined."""
    rows = s.execute(select(Account.display_name, Account.external_id).join(
        SessionPlayer, SessionPlayer.account_id == Account.id).where(SessionPlayer.session_id == session_id)
        .order_by(SessionPlayer.joined_at, Account.id)).all()
    return tuple(name or ext for name, ext in rows)


def answered_by(s: Session, session_id: int, position: int, account_ids: Sequence[int]) -> set[int]:
    """Which of ``account_ids`` have answered ``position`` already."""
    return set(s.execute(select(SessionAnswer.account_id).where(
        SessionAnswer.session_id == session_id, SessionAnswer.position == position,
        SessionAnswer.account_id.in_(sorted(set(account_ids))))).scalars())


def question_at(s: Session, session_id: int, position: int) -> str | None:
    qid: str | None = s.execute(select(SessionQuestion.question_id).where(
        SessionQuestion.session_id == session_id, SessionQuestion.position == position)).scalar()
    return qid


def planned(s: Session, library: Library, session_id: int, position: int) -> LoadedQuestion:
    """The question planned at ``position``; NotFound if it has left the pack since."""
    qid = question_at(s, session_id, position)
    lq = library.get(qid) if qid is not None else None
    if lq is None:
        raise NotFound(wording.QUESTION_GONE)
    return lq


def channel_of(sess: LiveSession) -> int:
    """The channel a session runs in (every live quiz and interview has one)."""
    assert sess.channel_id is not None
    return sess.channel_id


def questions(s: Session, session_id: int) -> list[str]:
    return list(s.execute(select(SessionQuestion.question_id).where(SessionQuestion.session_id == session_id)
                          .order_by(SessionQuestion.position)).scalars())


def add_answer(s: Session, answer: SessionAnswer) -> bool:
    """Store an answer; False when the player had answered this question already (answers are final)."""
    try:
        with s.begin_nested():
            s.add(answer)
    except IntegrityError:
        return False
    return True


def counts(s: Session, session_id: int, position: int) -> tuple[int, int]:
    """(players, answers to ``position``)."""
    players = s.execute(select(func.count()).select_from(SessionPlayer)
                        .where(SessionPlayer.session_id == session_id)).scalar_one()
    answered = s.execute(select(func.count()).select_from(SessionAnswer).where(
        SessionAnswer.session_id == session_id, SessionAnswer.position == position)).scalar_one()
    return int(players), int(answered)


def end_early(s: Session, session_id: int, position: int, now: datetime) -> bool:
    """Every player answered ``position``: its deadline is now (once; False if it moved on already)."""
    res = s.execute(update(LiveSession).where(LiveSession.id == session_id, LiveSession.state == "open",
                                              LiveSession.current == position, LiveSession.deadline > now)
                    .values(deadline=now))
    return bool(res.rowcount == 1)  # type: ignore[attr-defined]


def _due(now: datetime) -> ColumnElement[bool]:
    """A step whose deadline has passed, of a session not ended, whose lease is free."""
    return and_(LiveSession.ended_at.is_(None), LiveSession.state.in_(ACTIVE), LiveSession.deadline <= now,
                or_(LiveSession.lease_until.is_(None), LiveSession.lease_until <= now))


def _orphaned(now: datetime) -> ColumnElement[bool]:
    """A step a process took (the lease names it) whose lease ran out without its release, which
    comes only after the delivery: it died, or hung, and its events may never have gone out."""
    return and_(LiveSession.owner.is_not(None), LiveSession.lease_until <= now)


def _claim(s: Session, q: Select[LiveSession], *, owner: str, until: datetime,
           only: int | None) -> list[LiveSession]:
    """The rows of ``q`` (``only`` that session, if given), locked and leased to ``owner``."""
    q = q.with_for_update(skip_locked=True)
    if only is not None:
        q = q.where(LiveSession.id == only)
    rows = list(s.execute(q).scalars())
    for r in rows:
        r.owner, r.lease_until = owner, until
    return rows


def claim_due(s: Session, *, kind: str, now: datetime, owner: str, until: datetime, only: int | None = None,
              limit: int = 50) -> list[LiveSession]:
    """Sessions of ``kind`` whose step is due and whose lease is free, locked and leased to ``owner``."""
    q = (select(LiveSession).where(LiveSession.kind == kind, _due(now))
         .order_by(LiveSession.deadline, LiveSession.id).limit(limit))
    return _claim(s, q, owner=owner, until=until, only=only)


def anything_due(conn: Connection, *, kind: str, now: datetime, orphans: bool) -> bool:
    """Whether a tick would claim anything (a due step; with ``orphans``, an undelivered one): read
    without a transaction (``Database.peek``), so an idle tick takes no lock."""
    due = or_(_due(now), _orphaned(now)) if orphans else _due(now)
    return conn.execute(select(LiveSession.id).where(LiveSession.kind == kind, due).limit(1)).first() is not None


def claim_orphans(s: Session, *, kind: str, now: datetime, owner: str, until: datetime,
                  only: int | None = None, limit: int = 50) -> list[LiveSession]:
    """Sessions whose last step's events may never have gone out (``_orphaned``), ended ones included
    (their podium); locked and leased to ``owner``."""
    q = (select(LiveSession).where(LiveSession.kind == kind, _orphaned(now))
         .order_by(LiveSession.lease_until, LiveSession.id).limit(limit))
    return _claim(s, q, owner=owner, until=until, only=only)


def renew(s: Session, session_ids: Sequence[int], owner: str, until: datetime) -> None:
    """Still delivering: keep the lease on the sessions this process holds."""
    if session_ids:
        s.execute(update(LiveSession).where(LiveSession.id.in_(list(session_ids)), LiveSession.owner == owner)
                  .values(lease_until=until))


def release(s: Session, session_ids: Sequence[int], owner: str) -> None:
    """This process delivered the steps it took: any process may take the next ones."""
    if session_ids:
        s.execute(update(LiveSession).where(LiveSession.id.in_(list(session_ids)), LiveSession.owner == owner)
                  .values(owner=None, lease_until=None))


@dataclass(frozen=True, slots=True)
class Row:
    account_id: int
    user: str
    name: str
    choice: int | None
    correct: bool
    points: int


def answers_to(s: Session, session_id: int, position: int) -> list[Row]:
    rows = s.execute(select(SessionAnswer.account_id, Account.external_id, Account.display_name,
                            SessionAnswer.choice, SessionAnswer.correct, SessionAnswer.points)
                     .join(Account, Account.id == SessionAnswer.account_id)
                     .where(SessionAnswer.session_id == session_id, SessionAnswer.position == position)
                     .order_by(SessionAnswer.elapsed_ms, SessionAnswer.account_id)).all()
    return [Row(*r) for r in rows]


@dataclass(frozen=True, slots=True)
class Total:
    account_id: int
    user: str
    name: str
    points: int
    correct: int


def totals(s: Session, session_id: int, *, before: int) -> list[Total]:
    """Every player's points and right answers over questions ``< before``, best first."""
    pts = (select(SessionAnswer.account_id, func.sum(SessionAnswer.points).label("p"),
                  func.sum(func.cast(SessionAnswer.correct, type_=SessionAnswer.points.type)).label("c"))
           .where(SessionAnswer.session_id == session_id, SessionAnswer.position < before)
           .group_by(SessionAnswer.account_id).subquery())
    rows = s.execute(select(SessionPlayer.account_id, Account.external_id, Account.display_name,
                            func.coalesce(pts.c.p, 0), func.coalesce(pts.c.c, 0))
                     .join(Account, Account.id == SessionPlayer.account_id)
                     .outerjoin(pts, pts.c.account_id == SessionPlayer.account_id)
                     .where(SessionPlayer.session_id == session_id)).all()
    out = [Total(a, u, n, int(p), int(c)) for a, u, n, p, c in rows]
    out.sort(key=lambda t: (-t.points, -t.correct, t.name.casefold(), t.account_id))
    return out


def missed(s: Session, session_id: int, account_id: int, *, before: int) -> set[int]:
    """Positions ``< before`` the player did not get right."""
    right = set(s.execute(select(SessionAnswer.position).where(
        SessionAnswer.session_id == session_id, SessionAnswer.account_id == account_id,
        SessionAnswer.correct.is_(True))).scalars())
    return {p for p in range(before) if p not in right}


def running_interview(s: Session, account_id: int, *, lock: bool = False) -> LiveSession | None:
    """The member's interview not yet ended (at most one)."""
    q = (select(LiveSession).where(LiveSession.kind == "interview", LiveSession.starter_id == account_id,
                                   LiveSession.ended_at.is_(None)).order_by(LiveSession.id.desc()).limit(1))
    return s.execute(q.with_for_update() if lock else q).scalar_one_or_none()


def texts(s: Session, session_id: int) -> dict[int, str]:
    """An interview's answers by position."""
    return {p: t or "" for p, t in s.execute(select(SessionAnswer.position, SessionAnswer.text).where(
        SessionAnswer.session_id == session_id))}


@dataclass(frozen=True, slots=True)
class Past:
    session_id: int
    ended_at: datetime
    level: str
    count: int
    points: int  # the sum over its questions
    answered: int

    @property
    def score(self) -> int:
        """0..100: the mean of its questions' stored points."""
        return round(self.points / self.count) if self.count else 0


def past_interviews(s: Session, account_id: int, *, limit: int = 10, level: str | None = None,
                    before: int | None = None) -> list[Past]:
    """The member's ended interviews (at ``level``; other than session ``before``), newest first,
    with their stored points."""
    pts = (select(SessionAnswer.session_id, func.sum(SessionAnswer.points).label("p"),
                  func.count(SessionAnswer.text).label("n"))
           .group_by(SessionAnswer.session_id).subquery())
    rows = s.execute(select(LiveSession.id, LiveSession.ended_at, LiveSession.levels, LiveSession.count,
                            func.coalesce(pts.c.p, 0), func.coalesce(pts.c.n, 0))
                     .outerjoin(pts, pts.c.session_id == LiveSession.id)
                     .where(LiveSession.kind == "interview", LiveSession.starter_id == account_id,
                            LiveSession.ended_at.is_not(None),
                            *([LiveSession.levels == level] if level is not None else []),
                            *([LiveSession.id != before] if before is not None else []))
                     .order_by(LiveSession.ended_at.desc(), LiveSession.id.desc()).limit(limit)).all()
    return [Past(i, e, lv, c, int(p), int(n)) for i, e, lv, c, p, n in rows]


LEASE = timedelta(seconds=30)
