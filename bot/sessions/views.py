"""What a session tells an adapter to deliver: platform-neutral events, in the order to send them.

Each event names where it goes: ``place`` (the channel), ``thread`` (the session's thread or lobby
message, once the adapter reported one) and, for private events, ``user`` (the platform's user id).
An adapter renders each one (embed, Block Kit, text) and delivers it; nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.members.identity import Place
from bot.sessions.interview import Scorecard
from bot.views import QuestionCard


@dataclass(frozen=True, slots=True)
class ScoreRow:
    rank: int
    name: str
    points: int
    correct: int
    user: str = ""  # the platform's user id


@dataclass(frozen=True, slots=True)
class Lobby:
    """Post in ``place`` with a Join button (``session_id``); the adapter returns the thread it opened.
    With ``ref``, the same lobby again with its players: edit the posted one in place."""

    session_id: int
    place: Place
    starter: str  # display name
    count: int
    seconds: int
    topics: tuple[str, ...]
    levels: tuple[str, ...]
    starts_at: datetime
    players: tuple[str, ...] = ()  # display names, in the order they joined
    ref: str | None = None  # set: the players changed; edit the lobby posted as ``ref`` (what it returned)


@dataclass(frozen=True, slots=True)
class LiveQuestion:
    """Post question ``index`` (0-based) in the thread, with one answer button per option."""

    session_id: int
    place: Place
    thread: str | None
    index: int
    total: int
    card: QuestionCard
    closes_at: datetime
    key: str = ""  # the same for the same step however often it is sent (a platform's idempotency key)


@dataclass(frozen=True, slots=True)
class Reveal:
    """Question ``index`` is over: the right answer, counts, who got it, and the running scoreboard."""

    session_id: int
    place: Place
    thread: str | None
    index: int
    total: int
    question_id: str
    prompt: str
    options: tuple[str, ...]
    right: str | None
    explanation: str
    references: tuple[str, ...]
    per_option: tuple[int, ...]
    answered: int
    players: int
    correct_names: tuple[str, ...]
    board: tuple[ScoreRow, ...]
    next_at: datetime | None  # when the next question posts (None: this was the last)
    key: str = ""  # the same for the same step however often it is sent (a platform's idempotency key)


@dataclass(frozen=True, slots=True)
class Podium:
    """The session ended (all asked, or ``stopped_by`` stopped it): the final board."""

    session_id: int
    place: Place
    thread: str | None
    board: tuple[ScoreRow, ...]
    asked: int
    total: int
    stopped_by: str | None = None
    key: str = ""  # the same for the same step however often it is sent (a platform's idempotency key)


@dataclass(frozen=True, slots=True)
class PrivateSummary:
    """Sent privately to ``user``: their rank, points, and the questions they missed."""

    session_id: int
    place: Place
    user: str
    name: str
    rank: int
    players: int
    points: int
    correct: int
    asked: int
    missed: tuple[str, ...]  # the prompts of questions answered wrong or not at all
    key: str = ""  # the same for the same step however often it is sent (a platform's idempotency key)


@dataclass(frozen=True, slots=True)
class LockedIn:
    """The private reply to an answer click: locked in, after ``elapsed_ms``."""

    session_id: int
    index: int
    chosen: str
    elapsed_ms: int


Event = Lobby | LiveQuestion | Reveal | Podium | PrivateSummary


# -- the mock interview (private: every event goes to one member) ------------------------------

@dataclass(frozen=True, slots=True)
class InterviewQuestion:
    """Question ``index`` of a running interview, shown to its one candidate; no feedback before it."""

    session_id: int
    place: Place
    user: str
    level: str
    index: int
    total: int
    card: QuestionCard
    ends_at: datetime  # the whole interview's deadline


@dataclass(frozen=True, slots=True)
class InterviewOver:
    """The scorecard, when the last question is answered, the time is up, or the candidate stops."""

    session_id: int
    place: Place
    user: str
    name: str
    reason: str  # "finished" | "time" | "stopped"
    answered: int
    card: Scorecard
    late: bool = False  # an answer arrived after the time was up (not counted)


@dataclass(frozen=True, slots=True)
class PastInterview:
    session_id: int
    when: datetime
    level: str
    score: int
    band: str
    answered: int
    total: int


@dataclass(frozen=True, slots=True)
class InterviewHistory:
    """``interview history``: a member's past scorecards, newest first."""

    name: str
    rows: tuple[PastInterview, ...]
