"""A live session's events as terminal text (``bot.sessions.views``)."""

from __future__ import annotations

from datetime import tzinfo

from rich.console import Group, RenderableType
from rich.text import Text

from adapters.console import render
from bot.sessions.views import Event, LiveQuestion, Lobby, Podium, PrivateSummary, Reveal, ScoreRow


def _board(rows: tuple[ScoreRow, ...]) -> list[RenderableType]:
    return [Text(f"  {r.rank}. {r.name}  {r.points} pts ({r.correct} right)") for r in rows]


def event(ev: Event, tz: tzinfo) -> RenderableType:
    """What the channel (or, for a private summary, the player) sees."""
    match ev:
        case Lobby(ref=str()):
            return Text(f"In the lobby ({len(ev.players)}): {', '.join(ev.players)}.", style=render.DIM)
        case Lobby():
            what = ", ".join(ev.topics) or "all topics"
            return Group(Text(f"Live quiz by {ev.starter}: {ev.count} questions, {ev.seconds} s each ({what}).",
                              style="bold"), Text(f"Starting at {render.when(ev.starts_at, tz)}."))
        case LiveQuestion():
            return Group(Text(f"Live question {ev.index + 1} of {ev.total}", style="bold"),
                         render.question(ev.card, tz))
        case Reveal():
            right = f"Answer: {ev.right}" if ev.right else ""
            got = ", ".join(ev.correct_names) or "nobody"
            counts = "  ".join(f"{chr(65 + i)}: {n}" for i, n in enumerate(ev.per_option))
            return Group(Text(f"Question {ev.index + 1} of {ev.total} revealed. {right}", style="bold"),
                         render.line(ev.explanation), Text(f"{ev.answered} of {ev.players} answered · {counts}"),
                         Text(f"Right: {got}"), Text("Scoreboard:"), *_board(ev.board))
        case Podium():
            head = f"Live quiz stopped by {ev.stopped_by}." if ev.stopped_by else "Live quiz over!"
            return Group(Text(f"{head} {ev.asked} of {ev.total} questions asked.", style="bold"),
                         Text("Podium:"), *_board(ev.board[:3]))
        case PrivateSummary():
            lines: list[RenderableType] = [Text(
                f"(to {ev.name}, privately) You came {ev.rank} of {ev.players} with {ev.points} points, "
                f"{ev.correct} of {ev.asked} right.")]
            lines += [render.line(f"  missed: {p}") for p in ev.missed]
            return Group(*lines)
