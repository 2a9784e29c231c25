"""Platform-neutral views: what the engine returns and every adapter renders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(frozen=True, slots=True)
class QuestionCard:
    """A question as shown to players, in a daily round or in practice."""

    question_id: str
    topic: str
    topic_title: str
    level: str
    kind: str
    prompt: str
    code: str | None
    options: tuple[str, ...]
    mode: str  # "daily" | "practice"
    round_id: int | None = None
    closes_at: datetime | None = None
    answered: int = 0
    reason: str = ""  # practice: why this question came up ("due for review", "new", ...)
    warning: str = ""  # daily: e.g. the question pool is running low


@dataclass(frozen=True, slots=True)
class Feedback:
    """Private feedback to the member who answered."""

    question_id: str
    correct: bool
    mode: str
    chosen: str | None  # the option text the member picked (choice/truefalse)
    right: str | None  # the right option text (choice/truefalse)
    explanation: str
    references: tuple[str, ...]
    covered: tuple[str, ...] = ()
    missed: tuple[str, ...] = ()
    model_answer: str | None = None
    points: int = 0
    contradicted: tuple[str, ...] = ()  # key points the answer denied or got wrong, with its words
    next_review: datetime | None = None


@dataclass(frozen=True, slots=True)
class StreakChange:
    name: str
    before: int
    after: int


@dataclass(frozen=True, slots=True)
class Summary:
    """What a channel sees when a round closes."""

    round_id: int
    question: QuestionCard
    right: str | None
    model_answer: str | None
    explanation: str
    references: tuple[str, ...]
    answered: int
    correct: int
    first_correct: tuple[str, ...]
    streaks: tuple[StreakChange, ...]
    per_option: tuple[int, ...] = ()  # how many chose each option, in the card's order (empty: open)

    @property
    def percent_correct(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass(frozen=True, slots=True)
class BoardRow:
    rank: int
    name: str
    points: int
    correct: int
    answered: int
    is_me: bool = False


@dataclass(frozen=True, slots=True)
class Leaderboard:
    period: str
    label: str  # "week 47 of 2026", "November 2026", "all time"
    rows: tuple[BoardRow, ...]
    me: BoardRow | None  # the caller, also when outside the top rows


@dataclass(frozen=True, slots=True)
class TopicStat:
    topic: str
    answered: int
    correct: int

    @property
    def accuracy(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass(frozen=True, slots=True)
class Stats:
    name: str
    answered: int
    correct: int
    daily_answered: int
    practice_answered: int
    points: int
    current_streak: int
    best_streak: int
    reviews_due: int
    topics: tuple[TopicStat, ...] = field(default_factory=tuple)

    @property
    def accuracy(self) -> int:
        return round(100 * self.correct / self.answered) if self.answered else 0


@dataclass(frozen=True, slots=True)
class ScheduleView:
    channel: str
    time_of_day: str
    timezone: str
    days: tuple[str, ...]
    window_minutes: int
    topics: tuple[str, ...]
    levels: tuple[str, ...]
    paused: bool
    next_post: datetime | None
    remaining: int  # questions this channel has not seen yet
    paused_reason: str = ""  # set when the bot paused it: it could not post here
    warning: str = ""  # e.g. the bot lacks a permission it needs in the channel
    next_posts: tuple[datetime, ...] = ()  # the next three posts (UTC), shown in the channel's zone


@dataclass(frozen=True, slots=True)
class HelpEntry:
    usage: str
    description: str


@dataclass(frozen=True, slots=True)
class Help:
    entries: tuple[HelpEntry, ...]
    topics: tuple[str, ...]
    levels: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Notice:
    """A short confirmation or refusal ("Your data was deleted.")."""

    text: str
    ok: bool = True
    next_review: datetime | None = None  # shown as wording.NEXT_REVIEW in the reader's time


@dataclass(frozen=True, slots=True)
class MissedQuestion:
    """The question of the week that the most members got wrong."""

    question_id: str
    topic_title: str
    prompt: str
    right: str | None  # the right option (choice and true/false questions)
    answered: int
    correct: int


@dataclass(frozen=True, slots=True)
class StreakRow:
    name: str
    days: int  # days in a row answered right (the channel's current streak)


@dataclass(frozen=True, slots=True)
class Recap:
    """A channel's weekly recap: the week's board, the best streaks, the question most missed."""

    channel: str
    label: str  # "week 47 of 2026"
    board: tuple[BoardRow, ...]
    streaks: tuple[StreakRow, ...]
    missed: MissedQuestion | None
    rounds: int  # daily questions asked in this channel that week


@dataclass(frozen=True, slots=True)
class ReminderNote:
    """A reminder sent privately, with a way to stop it from the reminder itself."""

    kind: str  # "reviews" | "closing"
    text: str
    community: str  # the platform's id of the community the reminder is about (for the stop button)
    channel: str = ""  # "closing": the channel of the daily question (its platform id)
    closes_at: datetime | None = None
    channel_name: str = ""  # as the text names it ("#name"; the id when the name is unknown)
