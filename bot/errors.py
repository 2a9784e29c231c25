"""One exception hierarchy for the engine; adapters map these to replies."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Problem:
    """A content error (or, with ``severity="warning"``, an advisory) located by file, question id and field."""

    file: str
    question: str | None
    field: str | None
    message: str
    severity: Literal["error", "warning"] = "error"

    @property
    def is_error(self) -> bool:
        """Errors fail the content check; warnings are reported only."""
        return self.severity == "error"

    def __str__(self) -> str:
        where = self.file
        if self.question:
            where += f": question {self.question!r}"
        if self.field:
            where += f", field {self.field!r}"
        return f"{where}: {self.message}"


class DrillError(Exception):
    """Base of every error the engine raises on purpose."""


class ConfigError(DrillError):
    """bot.toml is missing, unreadable or invalid; the message names file and key."""


class ContentError(DrillError):
    """A question pack is invalid; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        shown = "\n".join(f"  - {p}" for p in self.problems[:50])
        more = f"\n  ... and {len(self.problems) - 50} more" if len(self.problems) > 50 else ""
        super().__init__(f"{len(self.problems)} problem(s) in the question packs:\n{shown}{more}")


class UserError(DrillError):
    """Something a member asked for cannot be done; the message is shown to them."""


class NotFound(UserError):
    """A round, question or channel the member referred to does not exist."""


class RoundClosed(UserError):
    """The round is closed; answers are no longer accepted."""


class AlreadyAnswered(UserError):
    """The member has already answered this round (answers are final)."""


class BadAnswer(UserError):
    """The answer is not a valid option for this question."""


class NotAllowed(UserError):
    """The member lacks the permission the command needs."""


class ChannelUnavailable(DrillError):
    """A platform says the bot can no longer post in a channel (removed, no access).

    Raised by an adapter's Poster; the service pauses that channel's schedule
    instead of retrying forever.
    """
