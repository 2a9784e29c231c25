"""Leaderboards: top N plus the caller's own row, ranked deterministically.

Order: points (high first), then who reached those points first, then the
account's id (so two rows never share a rank).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.boards import scoreboard
from bot.boards.points import Period, period_key
from bot.storage.models import Account, Score
from bot.views import BoardRow, Leaderboard

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def label(period: Period, now: datetime, tz: str) -> str:
    local = now.astimezone(ZoneInfo(tz))
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"week {week} of {year}"
    if period == "month":
        return f"{MONTHS[local.month - 1]} {local.year}"
    return "all time"


def board(s: Session, *, community_id: int, account_id: int | None, period: Period,
          now: datetime, tz: str, size: int) -> Leaderboard:
    key = period_key(period, now, tz)
    base = (Score.community_id == community_id, Score.period == key)
    order = (Score.points.desc(), Score.reached_at, Score.account_id)
    top = s.execute(select(Score.account_id, Account.display_name, Score.points, Score.correct, Score.answered)
                    .join(Account, Account.id == Score.account_id)
                    .where(*base).order_by(*order).limit(size)).all()
    rows = tuple(BoardRow(i + 1, name, pts, cor, ans, acc == account_id)
                 for i, (acc, name, pts, cor, ans) in enumerate(top))
    me = next((r for r in rows if r.is_me), None)
    if me is None and account_id is not None:
        mine = s.execute(select(Score.points, Score.reached_at, Score.correct, Score.answered, Account.display_name)
                         .join(Account, Account.id == Score.account_id)
                         .where(*base, Score.account_id == account_id)).one_or_none()
        if mine is not None:
            pts, reached, cor, ans, name = mine
            # Members with more points come from the histogram; only the tie group is counted.
            conn = s.connection()
            ahead = scoreboard.members_above(conn, community_id, key, pts) + sum(
                int(conn.execute(select(func.count()).select_from(Score).where(*base, *cond)).scalar_one())
                for cond in ((Score.points == pts, Score.reached_at < reached),
                             (Score.points == pts, Score.reached_at == reached, Score.account_id < account_id)))
            me = BoardRow(ahead + 1, name, pts, cor, ans, True)
    return Leaderboard(period, label(period, now, tz), rows, me)
