"""A live session's options (validated) and the community's rules for starting one; speed points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from bot import wording
from bot.content import LEVELS, Library
from bot.errors import UserError

MAX_COUNT = 30
FULL_POINTS = 100


@dataclass(frozen=True, slots=True)
class LiveOptions:
    count: int = 10
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    seconds: int = 30


@dataclass(frozen=True, slots=True)
class LiveRules:
    """Admin settings with their defaults: who may start, how many at once, a cool-down."""

    who_may_start: str = "anyone"  # "anyone" | "admins"
    per_channel: int = 1  # running at once in one channel
    per_community: int = 5
    cooldown_seconds: int = 60  # after a session in a channel ends, before the next may start
    lobby_seconds: int = 30  # the lobby waits this long for players (the starter may begin sooner)
    reveal_seconds: int = 5  # the reveal stays up this long before the next question
    kinds: tuple[str, ...] = ("choice", "truefalse")


def check_options(opts: LiveOptions, library: Library, rules: LiveRules) -> list[str]:
    """The options' questions (ids), or UserError naming what is wrong and what is allowed."""
    if not 1 <= opts.count <= MAX_COUNT:
        raise UserError(wording.LIVE_BAD_COUNT.format(count=opts.count, most=MAX_COUNT))
    if not 10 <= opts.seconds <= 300:
        raise UserError(wording.LIVE_BAD_SECONDS.format(seconds=opts.seconds))
    topics = library.topics()
    bad = [t for t in opts.topics if t not in topics]
    if bad:
        raise UserError(wording.UNKNOWN_TOPICS.format(bad=", ".join(map(repr, bad)),
                                                      topics=", ".join(sorted(topics))))
    bad = [lv for lv in opts.levels if lv not in LEVELS]
    if bad:
        raise UserError(wording.UNKNOWN_LEVEL.format(level=", ".join(bad), levels=", ".join(LEVELS)))
    pool = [q.id for q in library.select(topics=opts.topics, levels=opts.levels) if q.q.kind in rules.kinds]
    if not pool:
        raise UserError(wording.LIVE_NO_QUESTIONS)
    return pool


def points(elapsed_ms: int, seconds: int, *, full: int = FULL_POINTS) -> int:
    """Full points in the first third of the time, sliding linearly to half at the end."""
    limit = seconds * 1000
    third = limit / 3
    if elapsed_ms <= third:
        return full
    late = min(elapsed_ms, limit) - third
    return round(full - (full / 2) * late / (limit - third))


def spread(pool: Sequence[str], topic_of: dict[str, str], count: int, seed: int) -> list[str]:
    """``count`` questions of ``pool``, topics taking turns, in an order fixed by ``seed``."""
    import random

    rng = random.Random(seed)
    by_topic: dict[str, list[str]] = {}
    for qid in sorted(pool):
        by_topic.setdefault(topic_of[qid], []).append(qid)
    for qs in by_topic.values():
        rng.shuffle(qs)
    order = sorted(by_topic)
    rng.shuffle(order)
    out: list[str] = []
    while len(out) < count and any(by_topic.values()):
        for t in order:
            if by_topic[t] and len(out) < count:
                out.append(by_topic[t].pop())
    return out
