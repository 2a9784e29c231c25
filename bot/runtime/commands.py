"""The text form of every command, shared by the console and Slack's `/flask-quiz <text>`.

Parsing only: turns a line into a typed command; ``bot.runtime.dispatch`` runs it.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass

from bot.config import DAYS

PERIOD_WORDS = {"week": "week", "weekly": "week", "month": "month", "monthly": "month",
                "all": "all", "alltime": "all", "all-time": "all", "ever": "all"}


@dataclass(frozen=True, slots=True)
class Practice:
    topic: str | None = None
    level: str | None = None


@dataclass(frozen=True, slots=True)
class Daily:
    pass


@dataclass(frozen=True, slots=True)
class Board:
    period: str = "week"


@dataclass(frozen=True, slots=True)
class ShowStats:
    pass


@dataclass(frozen=True, slots=True)
class ShowHelp:
    unknown: str = ""


@dataclass(frozen=True, slots=True)
class ShowSchedule:
    pass


@dataclass(frozen=True, slots=True)
class SetSchedule:
    time_of_day: str
    timezone: str
    days: tuple[str, ...]
    window_minutes: int | None = None
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PauseSchedule:
    paused: bool


@dataclass(frozen=True, slots=True)
class RemoveSchedule:
    pass


@dataclass(frozen=True, slots=True)
class CloseRound:
    pass


@dataclass(frozen=True, slots=True)
class ForgetMe:
    pass


@dataclass(frozen=True, slots=True)
class ReportQuestion:
    question_id: str
    reason: str


Command = (Practice | Daily | Board | ShowStats | ShowHelp | ShowSchedule | SetSchedule | PauseSchedule
           | RemoveSchedule | CloseRound | ForgetMe | ReportQuestion)


class ParseError(ValueError):
    """The command was recognised but its arguments are wrong; the message says how to fix it."""


def _schedule_set(args: list[str]) -> SetSchedule:
    if len(args) < 2:
        raise ParseError("Usage: schedule set HH:MM Area/City [mon,tue,...] [window=MINUTES] "
                         "[topics=a,b] [levels=junior,mid]")
    days: tuple[str, ...] = DAYS
    window = None
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    for extra in args[2:]:
        key, _, value = extra.partition("=")
        if not value:
            if key in ("weekdays", "daily"):
                days = DAYS[:5] if key == "weekdays" else DAYS
            else:
                days = tuple(d for d in re.split(r"[,\s]+", key) if d)
        elif key == "window":
            if not value.isdigit():
                raise ParseError(f"window must be a number of minutes, not {value!r}")
            window = int(value)
        elif key == "topics":
            topics = tuple(t for t in value.split(",") if t)
        elif key == "levels":
            levels = tuple(t for t in value.split(",") if t)
        else:
            raise ParseError(f"Unknown setting {key!r}: use window=, topics= or levels=")
    return SetSchedule(args[0], args[1], days, window, topics, levels)


def parse(line: str, *, topics: set[str], levels: tuple[str, ...]) -> Command:
    """Parse the text after ``/flask-quiz`` (the prefix itself is optional)."""
    text = line.strip()
    text = re.sub(r"^/?flask-quiz\b", "", text).strip()
    try:
        parts = shlex.split(text)
    except ValueError:
        parts = text.split()
    if not parts:
        return Practice()
    head, args = parts[0].lower(), parts[1:]
    if head in ("help", "?", "h"):
        return ShowHelp()
    if head in ("daily", "post", "now"):
        return Daily()
    if head in ("leaderboard", "board", "lb", "top"):
        period = PERIOD_WORDS.get(args[0].lower()) if args else "week"
        if period is None:
            raise ParseError("Leaderboards are: week, month, all")
        return Board(period)
    if head in ("stats", "me", "progress"):
        return ShowStats()
    if head in ("forget-me", "forgetme", "forget"):
        return ForgetMe()
    if head == "close":
        return CloseRound()
    if head == "report":
        if len(args) < 2:
            raise ParseError("Usage: report <question-id> <what is wrong>")
        return ReportQuestion(args[0], " ".join(args[1:]))
    if head == "schedule":
        sub = args[0].lower() if args else "show"
        if sub == "show":
            return ShowSchedule()
        if sub == "set":
            return _schedule_set(args[1:])
        if sub in ("pause", "resume"):
            return PauseSchedule(sub == "pause")
        if sub == "remove":
            return RemoveSchedule()
        raise ParseError("Usage: schedule [show|set|pause|resume|remove]")
    # "/flask-quiz routing senior", "/flask-quiz senior", "/flask-quiz practice routing"
    words = [w.lower() for w in parts if w.lower() != "practice"]
    topic = next((w for w in words if w in topics), None)
    level = next((w for w in words if w in levels), None)
    if len(words) == (topic is not None) + (level is not None):
        return Practice(topic, level)
    return ShowHelp(unknown=text)
