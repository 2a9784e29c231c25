"""A mock interview's question, scorecard and history as terminal text (``bot.sessions.views``)."""

from __future__ import annotations

from datetime import tzinfo

from rich.console import Group, RenderableType
from rich.text import Text

from adapters.console import render
from bot import wording
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion


def question(ev: InterviewQuestion, tz: tzinfo) -> RenderableType:
    return Group(render.question(ev.card, tz), Text(wording.INTERVIEW_HINT, style=render.DIM))


def scorecard(ev: InterviewOver) -> RenderableType:
    c = ev.card
    out: list[RenderableType] = []
    if ev.late:
        out.append(Text(wording.INTERVIEW_LATE, style="yellow"))
    out.append(Text(wording.INTERVIEW_OVER[ev.reason], style=render.HEAD))
    change = "" if c.change is None else f" ({c.change:+d} since your last {c.level} interview)"
    out.append(Text(f"Score {c.score}/100 at {c.level}: {c.band}{change}.", style="bold"))
    for i, r in enumerate(c.results, 1):
        mark = "✓" if r.correct else "✗" if r.answered else "–"
        out.append(render.inline(f"{mark} {i}. {_short(r.prompt)}  ({r.points}/100"
                                 + ("" if r.answered else ", not answered") + ")"))
        out += [Text(f"     ✓ {p}", style="green") for p in r.covered]
        out += [Text(f"     ✗ missed: {p}", style="red") for p in r.missed]
        out += [Text(f"     ✗ contradicted: {p}", style="red") for p in r.contradicted]
    out.append(Text("By topic: " + ", ".join(f"{t} {band}" for t, band in c.topics)))
    if c.study:
        out.append(Text("Study list:", style="bold"))
        shown: set[str] = set()
        for k, item in enumerate(c.study):
            out.append(render.inline(f"  • {item.point}"))
            last = k + 1 == len(c.study) or c.study[k + 1].question_id != item.question_id
            # One docs link per question, after its last missed point (once, if questions share it).
            for u in item.references[:1] if last else ():
                if u not in shown:
                    shown.add(u)
                    out.append(Text(f"    {wording.DOCS}: {u}", style=render.DIM, no_wrap=True, overflow="ignore"))
    return Group(*out)


def _short(prompt: str, most: int = 90) -> str:
    """The prompt's first sentence, cut at a word (with an ellipsis) when longer than ``most``."""
    first = " ".join(prompt.split()).split(". ")[0]
    return first if len(first) <= most else first[:most].rsplit(" ", 1)[0] + "…"


def history(view: InterviewHistory, tz: tzinfo) -> RenderableType:
    if not view.rows:
        return Text(f"{view.name} has no finished interviews yet. `/interview` starts one.")
    lines: list[RenderableType] = [Text(f"Interviews of {view.name}, newest first:", style="bold")]
    lines += [Text(f"  {render.when(r.when, tz)}  {r.level:<6} {r.score:>3}/100  {r.band}  "
                   f"({r.answered} of {r.total} answered)") for r in view.rows]
    return Group(*lines)
