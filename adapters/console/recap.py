"""The weekly recap for a terminal."""

from __future__ import annotations

from rich.console import Group, RenderableType
from rich.text import Text

from bot import wording
from bot.views import Recap


def recap(r: Recap, *, channel: str = "") -> RenderableType:
    where = f" in #{channel}" if channel else ""
    lines: list[RenderableType] = [
        Text(f"── {wording.RECAP_TITLE.format(label=r.label)}{where}", style="bold cyan"),
        Text(wording.RECAP_QUESTIONS.format(n=r.rounds)), Text(wording.RECAP_BOARD, style="bold")]
    lines += [Text(f"{row.rank:>2}. {row.name} · {row.points} pts ({row.correct}/{row.answered})")
              for row in r.board] or [Text(wording.RECAP_NO_BOARD)]
    if r.streaks:
        lines.append(Text(wording.RECAP_STREAKS, style="bold"))
        lines += [Text(f"{s.name} · {wording.streak_days(s.days)}") for s in r.streaks]
    if r.missed is not None:
        m = r.missed
        lines.append(Text(f"{wording.RECAP_MISSED} · {m.topic_title} ({m.question_id})", style="bold"))
        lines.append(Text(wording.RECAP_MISSED_LINE.format(prompt=m.prompt, correct=m.correct, answered=m.answered)))
        if m.right is not None:
            lines.append(Text(f"Answer: {m.right}"))
    return Group(*lines)
