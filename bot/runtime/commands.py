"""The text form of every command, shared by the console and Slack's `/flask-quiz <text>`.

Parsing only: turns a line into a typed command; ``bot.runtime.dispatch`` runs it.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from functools import cache
from zoneinfo import available_timezones

from rapidfuzz import fuzz, process

from bot import wording
from bot.config import DAYS, check_days, check_time, check_timezone
from bot.config import parse_duration as _duration

PERIOD_WORDS = {"week": "week", "weekly": "week", "month": "month", "monthly": "month",
                "all": "all", "alltime": "all", "all-time": "all", "ever": "all"}


@dataclass(frozen=True, slots=True)
class Practice:
    topic: str | None = None
    level: str | None = None
    question_id: str | None = None  # practise exactly this question


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
    suggestion: str = ""  # the line corrected, when it looks like a typo ("leaderbord" -> "leaderboard")


@dataclass(frozen=True, slots=True)
class ShowSchedule:
    pass


@dataclass(frozen=True, slots=True)
class SetSchedule:
    """A schedule change; a field left None keeps the channel's current value (or the default)."""

    time_of_day: str | None = None
    timezone: str | None = None
    days: tuple[str, ...] | None = None
    window_minutes: int | None = None
    topics: tuple[str, ...] | None = None
    levels: tuple[str, ...] | None = None


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


@dataclass(frozen=True, slots=True)
class ShowDisputes:
    """Admins: the disputed daily grades waiting in this community."""


@dataclass(frozen=True, slots=True)
class DecideDispute:
    dispute_id: int
    grant: bool


@dataclass(frozen=True, slots=True)
class ModelGrading:
    """Admins: open answers of this community may (or may no longer) go to the grading model."""

    on: bool


@dataclass(frozen=True, slots=True)
class ScheduleRecap:
    """Admins: the channel's weekly recap on or off."""

    on: bool


@dataclass(frozen=True, slots=True)
class Remind:
    """A member's reminders: shown (nothing given), or changed (what is not given is kept)."""

    reviews_hour: int | None = None
    reviews_off: bool = False
    timezone: str | None = None
    closing: bool | None = None
    show: bool = False


@dataclass(frozen=True, slots=True)
class CommunitySettings:
    """Admins: the community's points per level and boards' time zone (nothing given: show them)."""

    points: tuple[tuple[str, int], ...] = ()
    reset_points: bool = False
    timezone: str | None = None
    live: tuple[tuple[str, str], ...] = ()  # live-quiz rules: who, channel, community, cooldown
    reset_live: bool = False

    @property
    def show(self) -> bool:
        return (not self.points and not self.reset_points and self.timezone is None and not self.live
                and not self.reset_live)


@dataclass(frozen=True, slots=True)
class Live:
    """A live group quiz: start one (with options), or stop the one running in the channel."""

    stop: bool = False
    count: int | None = None
    topics: tuple[str, ...] = ()
    levels: tuple[str, ...] = ()
    seconds: int | None = None


LIVE_USAGE = "Usage: live [count=10] [topics=a,b] [levels=junior,mid] [seconds=30], or live stop"


def _live(args: list[str]) -> Live:
    if [a.lower() for a in args] == ["stop"]:
        return Live(stop=True)
    found: dict[str, object] = {}
    for word in args:
        key, eq, value = word.partition("=")
        key = key.lower()
        if not eq:
            raise ParseError(f"{word!r}: give options as key=value. {LIVE_USAGE}")
        if key in found or (key.rstrip("s") + "s") in found:
            raise ParseError(f"{word!r}: {key} is given twice. {LIVE_USAGE}")
        if key in ("count", "questions", "n"):
            if not _WHOLE.fullmatch(value):
                raise ParseError(f"{word!r}: the count is a whole number, e.g. count=10")
            found["count"] = int(value)
        elif key in ("seconds", "secs", "time"):
            if not _WHOLE.fullmatch(value.rstrip("s")):
                raise ParseError(f"{word!r}: seconds per question is a whole number, e.g. seconds=30")
            found["seconds"] = int(value.rstrip("s"))
        elif key in ("topics", "topic"):
            found["topics"] = _list(value)
        elif key in ("levels", "level"):
            found["levels"] = _list(value)
        else:
            raise ParseError(f"Unknown option {key!r}. {LIVE_USAGE}")
    return Live(**found)  # type: ignore[arg-type]


@dataclass(frozen=True, slots=True)
class Interview:
    """A private mock interview: start one, answer or skip its question, stop it, or list past ones."""

    action: str = "start"  # "start" | "answer" | "skip" | "stop" | "history"
    level: str = "mid"
    length: int | None = None
    minutes: int | None = None
    text: str = ""


def _interview(args: list[str]) -> Interview:
    words = [a.lower() for a in args]
    if words[:1] == ["answer"]:
        if len(args) < 2:
            raise ParseError("Usage: interview answer <your answer>")
        return Interview("answer", text=" ".join(args[1:]))
    if words in (["history"], ["skip"], ["stop"]):
        return Interview(words[0])
    found: dict[str, object] = {}
    for word in args:
        key, eq, value = word.partition("=")
        key = key.lower()
        if not eq and key in LEVEL_WORDS:
            key, value = "level", key
        elif not eq:
            raise ParseError(f"{word!r}: {wording.INTERVIEW_USAGE}")
        if key in found:
            raise ParseError(f"{word!r}: {key} is given twice. {wording.INTERVIEW_USAGE}")
        if key == "level":
            if value.lower() not in LEVEL_WORDS:
                raise ParseError(f"Unknown level {value!r}. Levels: {', '.join(LEVEL_WORDS)}.")
            found["level"] = value.lower()
        elif key in ("length", "questions", "count", "minutes", "mins", "time"):
            name = "length" if key in ("length", "questions", "count") else "minutes"
            if not _WHOLE.fullmatch(value.rstrip("m") if name == "minutes" else value):
                raise ParseError(f"{word!r}: {name} is a whole number, e.g. {name}={6 if name == 'length' else 20}")
            found[name] = int(value.rstrip("m") if name == "minutes" else value)
        else:
            raise ParseError(f"Unknown option {key!r}. {wording.INTERVIEW_USAGE}")
    return Interview("start", **found)  # type: ignore[arg-type]


LEVEL_WORDS = ("junior", "mid", "senior")


# Admin commands added with the weekly recap and community settings (the adapters check admin rights).
ADMIN_SETTINGS: tuple[type, ...] = (ScheduleRecap, CommunitySettings)

Command = (ScheduleRecap | Remind | CommunitySettings | Practice | Daily | Board | ShowStats | ShowHelp
           | ShowSchedule | SetSchedule
           | PauseSchedule | RemoveSchedule | CloseRound | ForgetMe | ReportQuestion | ShowDisputes | DecideDispute
           | ModelGrading | Live | Interview)


class ParseError(ValueError):
    """The command was recognised but its arguments are wrong; the message says how to fix it."""


# Every word that starts a command, for "did you mean" (console-only words included: they are
# suggested there and simply never typed on Slack).
COMMAND_WORDS = ("help", "daily", "leaderboard", "stats", "schedule", "report", "forget-me", "close",
                 "disputes", "grant", "decline", "grading", "skip", "quit", "as", "remind", "settings", "live",
                 "interview")
SCHEDULE_USAGE = ("Usage: schedule set [HH:MM] [Area/City] [mon,tue,...|weekdays|daily] [window=8h] "
                  "[topics=a,b|all] [levels=junior,mid|all] (what you leave out is kept)")
_WHOLE = re.compile(r"[0-9]{1,6}", re.ASCII)  # a whole number (points)
_TIME = re.compile(r"[0-9]{1,2}:[0-9]{2}", re.ASCII)
_ID = re.compile(r"[0-9]{1,9}", re.ASCII)


def parse_duration(text: str) -> int:
    """Minutes in ``90``, ``90m``, ``8h``, ``1d`` or ``1h30m`` (one word: no spaces); ParseError otherwise."""
    try:
        return int(_duration(text, spaces=False, bare_minutes=True).total_seconds()) // 60
    except ValueError:
        raise ParseError(f"{text!r} is not a duration; use e.g. 8h, 90m, 1d or 1h30m") from None


def suggest(word: str, choices: Iterable[str], *, cutoff: float = 75) -> str | None:
    """The choice closest to a mistyped ``word`` (case ignored), if one is close enough."""
    options = {c.casefold(): c for c in choices}
    best = process.extractOne(word.casefold(), list(options), scorer=fuzz.ratio, score_cutoff=cutoff)
    return options[best[0]] if best is not None else None


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def _valid_zone(value: str) -> bool:
    try:
        check_timezone(value)
    except ValueError:
        return False
    return True


def _timezone(value: str) -> str:
    try:
        return check_timezone(value)
    except ValueError as exc:
        near = suggest(value, _zones(), cutoff=80)
        raise ParseError(f"{exc}" + (f". Did you mean {near!r}?" if near else "")) from None


_DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _is_days(word: str) -> bool:
    """A day ("mon", "Monday") or a comma list of them (checked later, with a clear error)."""
    low = word.lower()
    return "," in low or (len(low) >= 3 and any(name.startswith(low) for name in _DAY_NAMES))


def _days(word: str) -> tuple[str, ...]:
    low = word.lower()
    if low in ("weekdays", "workdays"):
        return DAYS[:5]
    if low in ("daily", "everyday", "all"):
        return DAYS
    if low == "weekends":
        return DAYS[5:]
    try:
        return tuple(check_days([d for d in low.split(",") if d]))
    except ValueError as exc:
        raise ParseError(str(exc)) from None


def _list(value: str) -> tuple[str, ...]:
    """``a,b`` -> ("a", "b"); ``all`` (or nothing) clears the filter."""
    items = tuple(t.strip().lower() for t in value.split(",") if t.strip())
    return () if items in ((), ("all",)) else items


def _schedule_set(args: list[str]) -> SetSchedule:
    if not args:
        raise ParseError(SCHEDULE_USAGE)
    found: dict[str, object] = {}

    def put(key: str, value: object, word: str) -> None:
        if key in found:
            raise ParseError(f"{word!r}: the {key.replace('_', ' ')} is given twice. {SCHEDULE_USAGE}")
        found[key] = value

    for word in args:
        key, eq, value = word.partition("=")
        key = key.lower()
        if eq:
            if key == "window":
                put("window_minutes", parse_duration(value), word)
            elif key in ("topics", "topic"):
                put("topics", _list(value), word)
            elif key in ("levels", "level"):
                put("levels", _list(value), word)
            elif key == "days":
                put("days", _days(value), word)
            else:
                raise ParseError(f"Unknown setting {key!r}: use window=, topics=, levels= or days=")
        elif ":" not in word and _valid_zone(word):
            put("timezone", word, word)
        elif ":" in word or any(ch.isdigit() for ch in word):
            if not _TIME.fullmatch(word):
                raise ParseError(f"{word!r} is not a time; use 24-hour HH:MM such as '09:30'")
            try:
                put("time_of_day", check_time(word), word)
            except ValueError as exc:
                raise ParseError(str(exc)) from None
        elif key in ("weekdays", "workdays", "daily", "everyday", "weekends") or _is_days(word):
            put("days", _days(word), word)
        else:
            put("timezone", _timezone(word), word)
    return SetSchedule(**found)  # type: ignore[arg-type]


_HOUR = re.compile(r"([0-9]{1,2})(?::00)?", re.ASCII)


def parse_hour(text: str) -> int:
    """An hour of the day: "8", "08" or "08:00"; ParseError otherwise."""
    m = _HOUR.fullmatch(text.strip())
    if m is None or int(m.group(1)) > 23:
        raise ParseError(wording.REMIND_BAD_HOUR.format(value=text))
    return int(m.group(1))


def parse_timezone(text: str) -> str:
    """A valid IANA zone, or ParseError with the nearest one suggested."""
    return _timezone(text)


def _settings(args: list[str]) -> CommunitySettings:
    words = [a.lower() for a in args]
    if not words:
        return CommunitySettings()
    if words[0] == "timezone" and len(args) == 2:
        return CommunitySettings(timezone=_timezone(args[1]))
    if words[0] == "points" and words[1:] == ["default"]:
        return CommunitySettings(reset_points=True)
    if words[0] == "points" and len(words) > 1:
        points = []
        for word in words[1:]:
            level, eq, value = word.partition("=")
            if not eq or level not in ("junior", "mid", "senior") or not _WHOLE.fullmatch(value):
                raise ParseError(f"{word!r}: give points as junior=10 mid=20 senior=30 (whole numbers)")
            points.append((level, int(value)))
        return CommunitySettings(points=tuple(points))
    if words[0] == "live" and words[1:] == ["default"]:
        return CommunitySettings(reset_live=True)
    if words[0] == "live" and len(words) > 1:
        rules = []
        for word in words[1:]:
            key, eq, value = word.partition("=")
            if not eq or not value:
                raise ParseError(f"{word!r}: give rules as who=admins channel=1 community=5 cooldown=60")
            rules.append((key, value))
        return CommunitySettings(live=tuple(rules))
    raise ParseError(wording.SETTINGS_USAGE)


def _remind(args: list[str]) -> Remind:
    words = [a.lower() for a in args]
    if not words:
        return Remind(show=True)
    if words == ["off"]:
        return Remind(reviews_off=True, closing=False)
    if words[0] == "closing" and len(words) == 2 and words[1] in ("on", "off"):
        return Remind(closing=words[1] == "on")
    if words[0] == "reviews" and words[1:] == ["off"]:
        return Remind(reviews_off=True)
    if words[0] == "reviews" and len(words) in (2, 3):
        return Remind(reviews_hour=parse_hour(args[1]), timezone=_timezone(args[2]) if len(args) == 3 else None)
    raise ParseError(wording.REMIND_USAGE)


_NO_ARGS = {"daily", "stats", "forget-me", "close", "help", "disputes"}


def _period(word: str) -> str:
    period = PERIOD_WORDS.get(word.lower())
    if period is None:
        near = suggest(word, PERIOD_WORDS)
        raise ParseError("Leaderboards are: week, month, all" + (f". Did you mean `{near}`?" if near else ""))
    return period


def _head(word: str) -> str:
    """The canonical command word for ``word`` (aliases included), or ''."""
    return {"help": "help", "?": "help", "h": "help", "daily": "daily", "post": "daily", "now": "daily",
            "leaderboard": "leaderboard", "board": "leaderboard", "lb": "leaderboard", "top": "leaderboard",
            "stats": "stats", "me": "stats", "progress": "stats", "forget-me": "forget-me",
            "forgetme": "forget-me", "forget": "forget-me", "close": "close", "report": "report",
            "schedule": "schedule", "disputes": "disputes", "grant": "grant", "decline": "decline",
            "grading": "grading", "remind": "remind", "reminders": "remind", "reminder": "remind",
            "settings": "settings", "live": "live", "quiz": "live",
            "interview": "interview", "mock": "interview"}.get(word, "")


_PLAIN = re.compile(r"[\w\-.:/@=+,]*( [\w\-.:/@=+,]*)*", re.ASCII)  # shlex.split would split it at the spaces alone


def split_words(text: str) -> list[str]:
    """The words of a command as a shell would split them ("quoted words" stay one); unbalanced
    quotes split at whitespace.  Most commands are plain words, which skip shlex (pure Python,
    and once the bulk of a command's parsing)."""
    if _PLAIN.fullmatch(text):
        return [p for p in text.split(" ") if p]
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def parse(line: str, *, topics: Collection[str], levels: Collection[str], questions: Collection[str] = (),
          strict: bool = False) -> Command:
    """Parse the text after ``/flask-quiz`` (the prefix itself, or a bare ``/``, is optional).

    ``questions``: question ids that may be practised by name.  ``strict``: a command that takes no
    arguments followed by more words is not that command (the console uses it for lines typed without
    a ``/``, so "Daily test runs in CI" is not the ``daily`` command).
    """
    text = line.strip()
    text = re.sub(r"^/?flask-quiz\b", "", text).strip()
    text = text.removeprefix("/").strip()
    parts = split_words(text)
    if not parts:
        return Practice()
    head, args = _head(parts[0].lower()), parts[1:]
    if strict and head in _NO_ARGS and args:
        return ShowHelp(unknown=text)
    if head == "help":
        return ShowHelp()
    if head == "daily":
        return Daily()
    if head == "leaderboard":
        if strict and len(args) > 1:
            return ShowHelp(unknown=text)
        return Board(_period(args[0]) if args else "week")
    if head == "stats":
        return ShowStats()
    if head == "forget-me":
        return ForgetMe()
    if head == "close":
        return CloseRound()
    if head == "disputes":
        return ShowDisputes()
    if head == "grading":
        if [a.lower() for a in args[:1]] != ["model"] or len(args) != 2 or args[1].lower() not in ("on", "off"):
            raise ParseError("Usage: grading model on|off")
        return ModelGrading(args[1].lower() == "on")
    if head in ("grant", "decline"):
        if len(args) != 1 or not _ID.fullmatch(args[0].lstrip("#")):
            raise ParseError(f"Usage: {head} <dispute number> (see `disputes`)")
        return DecideDispute(int(args[0].lstrip("#")), head == "grant")
    if head == "remind":
        return _remind(args)
    if head == "settings":
        return _settings(args)
    if head == "live":
        return _live(args)
    if head == "interview":
        return _interview(args)
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
        if sub == "recap":
            if len(args) != 2 or args[1].lower() not in ("on", "off"):
                raise ParseError("Usage: schedule recap on|off")
            return ScheduleRecap(args[1].lower() == "on")
        near = suggest(sub, ("show", "set", "pause", "resume", "remove", "recap"))
        raise ParseError("Usage: schedule [show|set|pause|resume|remove|recap]"
                         + (f". Did you mean `schedule {near}`?" if near else ""))
    # "/flask-quiz routing senior", "/flask-quiz senior", "/flask-quiz practice routing", "/flask-quiz <id>"
    words = [w.lower() for w in parts if w.lower() != "practice"]
    by_id = {q.casefold(): q for q in questions}
    if len(words) == 1 and words[0] in by_id:
        return Practice(question_id=by_id[words[0]])
    topic = next((w for w in words if w in topics), None)
    level = next((w for w in words if w in levels), None)
    if len(words) == (topic is not None) + (level is not None):
        return Practice(topic, level)
    return ShowHelp(unknown=text, suggestion=_correct(parts, topics=topics, levels=levels, questions=questions))


def _correct(parts: list[str], *, topics: Collection[str], levels: Collection[str],
             questions: Collection[str]) -> str:
    """The line with its mistyped words replaced by the nearest command, topic or level; '' if none fits."""
    first = suggest(parts[0], COMMAND_WORDS)
    if first is not None and first != parts[0].lower():
        return " ".join([first, *parts[1:]])
    vocabulary = [*topics, *levels]
    fixed = []
    for word in parts:
        if word.lower() in vocabulary or word.lower() == "practice":
            fixed.append(word.lower())
            continue
        near = suggest(word, vocabulary) or (suggest(word, questions, cutoff=85) if len(parts) == 1 else None)
        if near is None:
            return ""
        fixed.append(near)
    return " ".join(fixed)
