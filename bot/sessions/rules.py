"""A live session's options (validated) and the community's rules for starting one; speed points."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

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


# The rules admins set from chat (``settings live who=admins channel=1 community=5 cooldown=60``).
RULE_KEYS = ("who", "channel", "community", "cooldown")
_LIMITS = {"channel": (1, 5), "community": (1, 50), "cooldown": (0, 3600)}


def check_rule(key: str, value: str) -> str:
    """One rule's value in stored form, or UserError saying what is allowed."""
    if key == "who":
        if value.lower() not in ("anyone", "admins"):
            raise UserError(wording.LIVE_RULE_WHO)
        return value.lower()
    if key not in _LIMITS:
        raise UserError(wording.LIVE_RULE_UNKNOWN.format(key=key, keys=", ".join(RULE_KEYS)))
    low, high = _LIMITS[key]
    text = value.lower().removesuffix("s") if key == "cooldown" else value
    if not text.isdigit() or not low <= int(text) <= high:
        raise UserError(wording.LIVE_RULE_RANGE.format(key=key, low=low, high=high, value=value))
    return str(int(text))


def parse_rules(text: str, base: LiveRules) -> LiveRules:
    """A community's stored rules over ``base`` (unknown or broken entries are ignored: the defaults hold)."""
    rules = base
    for key, value in own_rules(text).items():
        try:
            value = check_rule(key, value)
        except UserError:
            continue
        if key == "who":
            rules = replace(rules, who_may_start=value)
        elif key == "channel":
            rules = replace(rules, per_channel=int(value))
        elif key == "community":
            rules = replace(rules, per_community=int(value))
        else:
            rules = replace(rules, cooldown_seconds=int(value))
    return rules


def rules_text(own: dict[str, str]) -> str:
    """Stored form of a community's own rules, in a fixed order."""
    return ",".join(f"{k}={own[k]}" for k in RULE_KEYS if k in own)


def own_rules(text: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for item in filter(None, text.split(",")):
        key, _eq, value = item.partition("=")
        if key in RULE_KEYS:
            out[key] = value
    return out


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
