"""The weekly recap as Block Kit (posted by ``SlackPoster.post_recap``)."""

from __future__ import annotations

from adapters.slack.render import Block, esc, md
from bot import wording
from bot.views import Recap


def text(r: Recap) -> str:
    return wording.RECAP_TITLE.format(label=r.label)


def blocks(r: Recap) -> list[Block]:
    board = [f"`{row.rank:>2}.` {esc(row.name)} — *{row.points}* pts ({row.correct}/{row.answered})"
             for row in r.board]
    out = [{"type": "header", "text": {"type": "plain_text", "text": text(r)[:150]}},
           md(wording.RECAP_QUESTIONS.format(n=r.rounds)),
           md(f"*{wording.RECAP_BOARD}*\n" + ("\n".join(board) or wording.RECAP_NO_BOARD))]
    if r.streaks:
        out.append(md(f"*{wording.RECAP_STREAKS}*\n" + "\n".join(
            f"{esc(s.name)} · {wording.streak_days(s.days)}" for s in r.streaks)))
    if r.missed is not None:
        m = r.missed
        line = wording.RECAP_MISSED_LINE.format(prompt=esc(m.prompt), correct=m.correct, answered=m.answered)
        if m.right is not None:
            line += f"\nAnswer: *{esc(m.right)}*"
        out.append(md(f"*{wording.RECAP_MISSED} · {esc(m.topic_title)}*\n{line}"))
    return out
