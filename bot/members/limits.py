"""Per-member limits: a token bucket per member and kind of action, so one member cannot fill the
database (500 reports in ten seconds) or keep the bot busy for everyone else.

In memory, per process: a limit is a courtesy to the other members, not a quota to account
for, so a restart that refills the buckets is fine.  Sizes come from ``[limits]`` in bot.toml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot import wording
from bot.clock import Clock
from bot.config import LimitsSection, RateLimit
from bot.errors import UserError
from bot.members.identity import Member

# Characters of one command line or option that the adapters accept before parsing anything
# (the text grammar's tokenizer is quadratic on pathological input; no command needs more).
MAX_INPUT = 2000
Kind = Literal["reports", "practice"]
_PRUNE_AT = 10_000  # buckets kept before full ones are dropped


class TooFast(UserError):
    """The member used up their allowance for this kind of action; try again shortly."""


@dataclass(slots=True)
class _Bucket:
    tokens: float
    at: datetime


class Limits:
    """``take(kind, member)`` spends one token or raises ``TooFast`` with a polite reply."""

    def __init__(self, settings: LimitsSection, clock: Clock) -> None:
        self.settings = settings
        self.clock = clock
        self._buckets: dict[tuple[str, str, str], _Bucket] = {}

    def _rule(self, kind: Kind) -> RateLimit:
        rule: RateLimit = getattr(self.settings, kind)
        return rule

    def take(self, kind: Kind, member: Member) -> None:
        rule = self._rule(kind)
        now = self.clock.now()
        key = (kind, member.platform, member.user)
        b = self._buckets.get(key)
        if b is None:
            if len(self._buckets) >= _PRUNE_AT:
                self._prune(now)
            b = self._buckets[key] = _Bucket(float(rule.burst), now)
        else:
            b.tokens = min(float(rule.burst), b.tokens + (now - b.at).total_seconds() * rule.per_hour / 3600)
            b.at = now
        if b.tokens < 1:
            wait = max(1, round((1 - b.tokens) * 3600 / rule.per_hour))
            raise TooFast(wording.TOO_FAST.format(when=_duration(wait)))
        b.tokens -= 1

    def _prune(self, now: datetime) -> None:
        """Drop buckets that have refilled: remembering them changes nothing."""
        for key, b in list(self._buckets.items()):
            rule = self._rule(key[0])  # type: ignore[arg-type]
            if b.tokens + (now - b.at).total_seconds() * rule.per_hour / 3600 >= rule.burst:
                del self._buckets[key]


def _duration(seconds: int) -> str:
    if seconds < 90:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = round(seconds / 60)
    return f"{minutes} minutes"
