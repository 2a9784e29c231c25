"""Schedule arithmetic: when a channel's daily round is due, in its own time zone.

A slot is the local date of a scheduled post ("2026-03-08"): the database
allows one round per channel and slot, so a restart or a second process can
never post the same day twice.  Local times that do not exist (the hour
skipped when clocks go forward) post at the first moment after the gap.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.config import DAYS


@dataclass(frozen=True, slots=True)
class Timing:
    time_of_day: str  # "HH:MM"
    timezone: str
    days: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Slot:
    key: str  # local date, ISO
    at: datetime  # UTC


def _fire_at(day: date, t: Timing) -> datetime:
    hh, mm = (int(x) for x in t.time_of_day.split(":"))
    local = datetime.combine(day, time(hh, mm), tzinfo=ZoneInfo(t.timezone))
    utc = local.astimezone(UTC)
    # Round-trip check: a time in the spring-forward gap comes back shifted.
    back = utc.astimezone(ZoneInfo(t.timezone))
    if (back.hour, back.minute) != (hh, mm):
        # Nonexistent local time: the top of that hour, read with the old offset, is
        # the instant the clocks jump, i.e. the first moment after the gap.
        utc = datetime.combine(day, time(hh, 0), tzinfo=ZoneInfo(t.timezone)).astimezone(UTC)
    return utc


def slot_on(day: date, t: Timing) -> Slot | None:
    if DAYS[day.weekday()] not in t.days:
        return None
    return Slot(day.isoformat(), _fire_at(day, t))


def last_slot(t: Timing, now: datetime) -> Slot | None:
    """The most recent scheduled post at or before ``now`` (within the past 8 days)."""
    today = now.astimezone(ZoneInfo(t.timezone)).date()
    for back in range(0, 9):
        s = slot_on(today - timedelta(days=back), t)
        if s is not None and s.at <= now:
            return s
    return None


def next_slot(t: Timing, now: datetime) -> Slot | None:
    """The first scheduled post strictly after ``now``."""
    today = now.astimezone(ZoneInfo(t.timezone)).date()
    for ahead in range(0, 9):
        s = slot_on(today + timedelta(days=ahead), t)
        if s is not None and s.at > now:
            return s
    return None


def next_slots(t: Timing, now: datetime, n: int = 3) -> tuple[Slot, ...]:
    """The next ``n`` scheduled posts after ``now``, soonest first."""
    out: list[Slot] = []
    after = now
    while len(out) < n:
        nxt = next_slot(t, after)
        if nxt is None:
            break
        out.append(nxt)
        after = nxt.at
    return tuple(out)
