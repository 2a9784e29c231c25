"""Daily rounds: pick a question, open, close with a summary (answers: ``bot.rounds.answers``).

All functions here are synchronous and run inside one database transaction
on a database thread; ``bot.rounds.lifecycle`` calls them off the event loop.

Answers are final: feedback (with the right answer) is shown as soon as a
member answers, so letting them change it afterwards would let everyone
score.  The database enforces one answer per member per round.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.content import Library, LoadedQuestion
from bot.errors import UserError
from bot.storage.models import Account, Answer, Round, Streak


@dataclass(frozen=True, slots=True)
class Filters:
    """Which questions a channel's rounds may ask."""

    packs: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Pick:
    question: LoadedQuestion
    remaining: int  # questions of the pool this channel will not have seen after this one


def pick_question(s: Session, library: Library, channel_id: int, filters: Filters, seed: str) -> Pick:
    """The least-used question of the pool, from the topic least recently asked in the channel."""
    pool = library.select(packs=filters.packs, topics=filters.topics, levels=filters.levels)
    if not pool:
        raise UserError("No questions match this channel's topics and levels.")
    usage = dict(s.execute(
        select(Round.question_id, func.count()).where(Round.channel_id == channel_id)
        .group_by(Round.question_id)).all())
    least = min(usage.get(q.id, 0) for q in pool)
    candidates = [q for q in pool if usage.get(q.id, 0) == least]
    recent = s.execute(select(Round.question_id).where(Round.channel_id == channel_id)
                       .order_by(Round.opened_at.desc(), Round.id.desc()).limit(50)).scalars().all()
    last_seen: dict[str, int] = {}
    for age, qid in enumerate(recent):
        lq = library.get(qid)
        if lq is not None:
            last_seen.setdefault(lq.topic, age)
    rng = random.Random(seed)
    topics = sorted({q.topic for q in candidates})
    rng.shuffle(topics)
    # Never-asked topics first, then the one asked longest ago.
    topic = max(topics, key=lambda t: last_seen.get(t, len(recent) + 1))
    chosen = rng.choice([q for q in candidates if q.topic == topic])
    return Pick(chosen, len(candidates) - 1)


def open_round(s: Session, *, channel_id: int, slot: str, question_id: str,
               now: datetime, window: timedelta, owner: str | None = None,
               lease_until: datetime | None = None) -> Round | None:
    """Insert the round for ``slot``; None if that slot or another open round already exists.

    ``owner`` holds the round's post until ``lease_until`` (see ``bot.rounds.posting``).
    """
    try:
        with s.begin_nested():
            rnd = Round(channel_id=channel_id, slot=slot, question_id=question_id,
                        opened_at=now, closes_at=now + window, post_state="pending", post_attempts=0, post_failures=0,
                        post_owner=owner, post_lease_until=lease_until)
            s.add(rnd)
    except IntegrityError:
        return None
    return rnd


def answer_count(s: Session, round_id: int) -> int:
    return int(s.execute(select(func.count()).select_from(Answer)
                         .where(Answer.round_id == round_id)).scalar_one())


@dataclass(frozen=True, slots=True)
class Closed:
    round: Round
    question: LoadedQuestion | None
    answered: int
    correct: int
    first_correct: tuple[str, ...]
    streaks: tuple[tuple[str, int, int], ...]
    per_option: tuple[int, ...] = ()  # how many chose each option (choice and true/false)


def close_round(s: Session, *, library: Library, round_id: int, now: datetime,
                only_if_due: bool = False, first_n: int = 3) -> Closed | None:
    """Close the round once (None if already closed) and move streaks on."""
    cond = [Round.id == round_id, Round.closed_at.is_(None)]
    if only_if_due:
        cond.append(Round.closes_at <= now)
    res = s.execute(update(Round).where(*cond).values(closed_at=now))
    if res.rowcount != 1:  # type: ignore[attr-defined]
        return None
    rnd = s.execute(select(Round).where(Round.id == round_id)).scalar_one()
    rows = s.execute(select(Answer.account_id, Answer.correct, Account.display_name, Answer.choice)
                     .join(Account, Account.id == Answer.account_id)
                     .where(Answer.round_id == round_id)
                     .order_by(Answer.answered_at, Answer.id)).all()
    right = [(acc, name) for acc, ok, name, _c in rows if ok]
    names = {acc: name for acc, _ok, name, _c in rows}
    streaks = {st.account_id: st for st in s.execute(
        select(Streak).where(Streak.channel_id == rnd.channel_id)).scalars()}
    changes: list[tuple[str, int, int]] = []
    right_ids = {acc for acc, _ in right}
    for acc, _name in right:
        st = streaks.get(acc)
        if st is None:
            st = Streak(channel_id=rnd.channel_id, account_id=acc, current=0, best=0)
            s.add(st)
        before = st.current
        st.current = before + 1
        st.best = max(st.best, st.current)
        changes.append((names[acc], before, st.current))
    broken = [st for acc, st in streaks.items() if acc not in right_ids and st.current > 0]
    if broken:
        gone = {a: n for a, n in s.execute(select(Account.id, Account.display_name)
                .where(Account.id.in_([st.account_id for st in broken])))}
        for st in broken:
            changes.append((gone.get(st.account_id, "?"), st.current, 0))
            st.current = 0
    lq = library.get(rnd.question_id)
    per_option = [0] * len(lq.q.options) if lq is not None else []
    for *_rest, choice in rows:
        if choice is not None and 0 <= choice < len(per_option):
            per_option[choice] += 1
    return Closed(rnd, lq, len(rows), len(right), tuple(n for _a, n in right[:first_n]), tuple(changes),
                  tuple(per_option))


def overdue_rounds(s: Session, now: datetime) -> list[int]:
    return list(s.execute(select(Round.id).where(Round.closed_at.is_(None), Round.closes_at <= now)
                          .order_by(Round.closes_at)).scalars())


def open_round_in(s: Session, channel_id: int) -> Round | None:
    return s.execute(select(Round).where(Round.channel_id == channel_id, Round.closed_at.is_(None))
                     ).scalar_one_or_none()


