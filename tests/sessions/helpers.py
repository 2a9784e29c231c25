"""A fake platform sink and players for live-session tests."""

from __future__ import annotations

from bot.members.identity import Member
from bot.runtime.builder import App
from bot.sessions.views import Event, LiveQuestion, Lobby, Podium, PrivateSummary, Reveal

ANN = Member("console", "local", "ann", "Ann")
BOB = Member("console", "local", "bob", "Bob")
CY = Member("console", "local", "cy", "Cy")


class Sink:
    """Records every event a session delivers, as a platform adapter would receive them."""

    platform = "console"

    def __init__(self) -> None:
        self.events: list[Event] = []

    async def deliver_session(self, event: Event) -> str | None:
        self.events.append(event)
        return f"thread-{event.session_id}" if isinstance(event, Lobby) else None

    def of(self, kind: type) -> list[Event]:
        return [e for e in self.events if isinstance(e, kind)]

    @property
    def questions(self) -> list[LiveQuestion]:
        return [e for e in self.events if isinstance(e, LiveQuestion)]

    @property
    def reveals(self) -> list[Reveal]:
        return [e for e in self.events if isinstance(e, Reveal)]

    @property
    def podiums(self) -> list[Podium]:
        return [e for e in self.events if isinstance(e, Podium)]

    @property
    def summaries(self) -> list[PrivateSummary]:
        return [e for e in self.events if isinstance(e, PrivateSummary)]


def right(app: App, q: LiveQuestion) -> int:
    lq = app.engine.library.get(q.card.question_id)
    assert lq is not None and lq.q.correct_index is not None
    return lq.q.correct_index


def wrong(app: App, q: LiveQuestion) -> int:
    return (right(app, q) + 1) % len(q.card.options)
