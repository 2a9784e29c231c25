"""Points and leaderboard periods.

Rules (also in the README): a daily-round answer earns the points of the
question's level when it is correct, nothing when it is wrong.  Practice
earns no points.  Points count towards three boards: this week (ISO week,
Monday to Sunday), this month, and all time, where week and month are taken
in the community's time zone.
"""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from bot.config import ScoringSection

Period = Literal["week", "month", "all"]
PERIODS: tuple[Period, ...] = ("week", "month", "all")


def points_for(level: str, correct: bool, table: ScoringSection) -> int:
    """Points a daily answer earns."""
    if not correct:
        return 0
    return int(getattr(table, level))


def period_key(period: Period, when: datetime, tz: str) -> str:
    """The key a moment falls in: 'all', 'w2026-47' (ISO week) or 'm2026-11', in ``tz``."""
    if period == "all":
        return "all"
    local = when.astimezone(ZoneInfo(tz))
    if period == "week":
        year, week, _ = local.isocalendar()
        return f"w{year}-{week:02d}"
    return f"m{local.year}-{local.month:02d}"


def period_keys(when: datetime, tz: str) -> tuple[str, str, str]:
    """The week, month and all-time keys an answer given at ``when`` counts towards."""
    # Every UTC offset is a whole number of seconds, so answers given within the same second
    # share their keys: a burst of answers converts the time zone once, not once each.
    return _period_keys(when.replace(microsecond=0), tz)


@functools.lru_cache(maxsize=1024)
def _period_keys(when: datetime, tz: str) -> tuple[str, str, str]:
    return period_key("week", when, tz), period_key("month", when, tz), "all"


LEVEL_NAMES = ("junior", "mid", "senior")


@functools.cache
def parse_points(text: str) -> tuple[tuple[str, int], ...]:
    """A community's own points ("junior=5,mid=10,senior=20"; any subset), as (level, points) pairs."""
    out = []
    for part in text.split(","):
        level, _eq, value = part.partition("=")
        if level.strip() in LEVEL_NAMES and value.strip().isdigit():
            out.append((level.strip(), int(value)))
    return tuple(out)


def community_points(level: str, correct: bool, points: str, table: ScoringSection) -> int:
    """Points a daily answer earns in a community: its admins' points where set, else bot.toml's."""
    if not correct:
        return 0
    own = dict(parse_points(points))
    return own[level] if level in own else points_for(level, True, table)
