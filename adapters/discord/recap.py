"""The weekly recap as a Discord embed (posted by ``DiscordPoster.post_recap``)."""

from __future__ import annotations

import discord
from discord.utils import escape_markdown

from bot import wording
from bot.views import Recap

GOLD = discord.Colour.gold()
FIELD = 1000  # Discord allows 1,024 characters in a field's value


def _clip(text: str, limit: int = FIELD) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def embed(r: Recap) -> discord.Embed:
    e = discord.Embed(title=wording.RECAP_TITLE.format(label=r.label)[:256],
                      description=wording.RECAP_QUESTIONS.format(n=r.rounds), colour=GOLD)
    board = [f"`{row.rank:>2}.` {escape_markdown(row.name)} · {row.points} pts ({row.correct}/{row.answered})"
             for row in r.board]
    e.add_field(name=wording.RECAP_BOARD, value=_clip("\n".join(board) or wording.RECAP_NO_BOARD), inline=False)
    if r.streaks:
        e.add_field(name=wording.RECAP_STREAKS, inline=False, value=_clip("\n".join(
            f"{escape_markdown(s.name)} · {wording.streak_days(s.days)}" for s in r.streaks)))
    if r.missed is not None:
        m = r.missed
        text = wording.RECAP_MISSED_LINE.format(prompt=m.prompt, correct=m.correct,
                                                answered=m.answered)
        if m.right is not None:
            text += f"\nAnswer: **{escape_markdown(m.right)}**"
        e.add_field(name=f"{wording.RECAP_MISSED} · {m.topic_title}"[:256], value=_clip(text), inline=False)
        e.set_footer(text=m.question_id)
    return e
