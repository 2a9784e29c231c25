"""Views as Discord embeds.  Sentences come from ``bot.wording``; only labels live here."""

from __future__ import annotations

from datetime import datetime

import discord

from bot import wording
from bot.views import Feedback, Help, Leaderboard, Notice, QuestionCard, ScheduleView, Stats, Summary

BLURPLE = discord.Colour.blurple()
GREEN = discord.Colour.green()
RED = discord.Colour.red()
GREY = discord.Colour.light_grey()

# Button and form labels (Discord-specific, so not in bot/wording.py).
ANSWER = "Answer"
REPORT = "Report a problem"
FORM_TITLE = "Your answer"
FORM_LABEL = "Answer in a sentence or two"
RATING_LABELS = {"again": "Again", "hard": "Hard", "good": "Good", "easy": "Easy", "right": "I was right"}
REPORT_TITLE = "Report this question"
REPORT_LABEL = "What is wrong with it?"
TRUE_FALSE = {"true": "True", "false": "False"}
EMBED_TEXT = 4000  # Discord allows 4096 characters in a description


def letter(i: int) -> str:
    return chr(65 + i)


def ts(dt: datetime, style: str = "R") -> str:
    """A Discord timestamp: every member sees it in their own time zone."""
    return f"<t:{int(dt.timestamp())}:{style}>"


def _clip(text: str, limit: int = EMBED_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(code: str) -> str:
    return "```python\n" + code.strip("\n").replace("```", "`\u200b``") + "\n```"


def question(card: QuestionCard) -> discord.Embed:
    body = [card.prompt]
    if card.code:
        body.append(_code(card.code))
    if card.options and card.kind == "choice":
        body += [f"**{letter(i)}.** {opt}" for i, opt in enumerate(card.options)]
    if card.kind == "open":
        body.append(f"*{wording.OPEN_PROMPT}*")
    e = discord.Embed(title=f"{card.topic_title} · {card.level}", description=_clip("\n\n".join(body)),
                      colour=BLURPLE)
    if card.mode == "daily" and card.closes_at is not None:
        e.add_field(name="Closes", value=f"{ts(card.closes_at, 'f')} ({ts(card.closes_at)})")
        e.add_field(name="Answered", value=str(card.answered))
    elif card.reason:
        e.set_author(name=card.reason)
    if card.warning:
        e.add_field(name="Note", value=card.warning, inline=False)
    e.set_footer(text=card.question_id)
    return e


def feedback(fb: Feedback) -> discord.Embed:
    lines: list[str] = []
    if fb.right is not None:
        if not fb.correct and fb.chosen is not None:
            lines.append(f"{wording.YOU_CHOSE}: {fb.chosen}")
        lines.append(f"{wording.RIGHT_ANSWER}: **{fb.right}**")
    lines += [f"✓ {p}" for p in fb.covered]
    lines += [f"✗ {wording.MISSED}: {p}" for p in fb.missed]
    lines += [f"✗ {wording.CONTRADICTED}: {p}" for p in fb.contradicted]
    if fb.points:
        lines.append(wording.POINTS.format(n=fb.points))
    lines.append(fb.explanation.strip())
    if fb.model_answer:
        lines.append(f"**{wording.MODEL_ANSWER}:** " + fb.model_answer.strip())
    lines += [f"{wording.DOCS}: {r}" for r in fb.references]
    if fb.next_review is not None:
        lines.append(wording.NEXT_REVIEW.format(when=ts(fb.next_review)))
    return discord.Embed(title=wording.CORRECT if fb.correct else wording.WRONG,
                         description=_clip("\n\n".join(lines)), colour=GREEN if fb.correct else RED)


def revealed(card: QuestionCard, sm: Summary) -> discord.Embed:
    """The daily post after the close: the question with the right answer shown."""
    e = question(card)
    e.colour = GREEN
    e.clear_fields()
    answer = sm.right or sm.model_answer or ""
    e.add_field(name="Answer", value=_clip(answer, 1000), inline=False)
    e.add_field(name="Closed", value=f"{sm.answered} answered, {sm.percent_correct}% correct")
    return e


def summary(sm: Summary) -> discord.Embed:
    lines = []
    if sm.right is not None:
        lines.append(f"Answer: **{sm.right}**")
    lines.append(sm.explanation.strip())
    if sm.model_answer:
        lines.append(f"**{wording.MODEL_ANSWER}:** " + sm.model_answer.strip())
    lines.append(f"{sm.answered} answered, {sm.percent_correct}% correct.")
    if sm.first_correct:
        lines.append("First correct: " + ", ".join(sm.first_correct))
    lines += [f"Streak {c.name}: {c.before} → {c.after}" for c in sm.streaks]
    lines += [f"{wording.DOCS}: {r}" for r in sm.references]
    return discord.Embed(title=f"Round #{sm.round_id} closed · {sm.question.question_id}",
                         description=_clip("\n\n".join(lines)), colour=GREEN)


def board(lb: Leaderboard) -> discord.Embed:
    rows = [f"`{r.rank:>3}.` {'**' if r.is_me else ''}{r.name}{'**' if r.is_me else ''} · {r.points} pts "
            f"({r.correct}/{r.answered})" for r in lb.rows]
    if lb.me is not None and not any(r.is_me for r in lb.rows):
        rows += ["…", f"`{lb.me.rank:>3}.` **{lb.me.name}** · {lb.me.points} pts"]
    if lb.me is None:
        rows.append(wording.NOT_ON_BOARD)
    return discord.Embed(title=f"Leaderboard · {lb.label}", description=_clip("\n".join(rows)), colour=BLURPLE)


def stats(st: Stats) -> discord.Embed:
    e = discord.Embed(title=f"Stats for {st.name}", colour=BLURPLE, description=(
        f"Answered {st.answered} ({st.daily_answered} daily, {st.practice_answered} practice), "
        f"{st.accuracy}% correct, {st.points} points\nStreak {st.current_streak} (best {st.best_streak}) · "
        f"reviews due: {st.reviews_due}"))
    for t in st.topics[:25]:
        e.add_field(name=t.topic, value=f"{t.correct}/{t.answered} ({t.accuracy}%)")
    return e


def schedule(sv: ScheduleView) -> discord.Embed:
    state = wording.paused_state(sv) if sv.paused else (
        f"next post {ts(sv.next_post, 'F')}" if sv.next_post else "no post due")
    lines = [f"{sv.time_of_day} {sv.timezone} on {', '.join(sv.days)}",
             f"Answers open for {sv.window_minutes} min", state,
             f"Topics: {', '.join(sv.topics) or 'all'} · levels: {', '.join(sv.levels) or 'all'}",
             f"{sv.remaining} unseen question(s) left"]
    if sv.next_posts:  # in the channel's zone, and as a timestamp each reader sees in their own
        lines.append(f"{wording.NEXT_POSTS}: " + "; ".join(
            f"{wording.channel_time(at, sv.timezone)} ({ts(at, 'R')})" for at in sv.next_posts))
    return discord.Embed(title=f"Schedule for #{sv.channel}", description="\n".join(lines), colour=BLURPLE)


# The slash commands as Discord shows them (the engine's help speaks the text syntax).
HELP = (
    ("/flask-quiz [topic] [level]", "A private practice question, picked by spaced repetition."),
    ("/flask-leaderboard [period]", "The top members this week, month or all time, and your rank."),
    ("/flask-stats", "Your answers, accuracy per topic, streaks and reviews due."),
    ("/flask-report <question> <reason>", "Tell the maintainers a question is wrong (or use the button)."),
    ("/flask-forget-me", "Delete everything the bot stores about you."),
    ("/flask-help", "This list."),
    ("/flask-admin schedule|show|pause|resume|remove|post-now|close",
     "Daily question for this channel (Manage Server)."),
)


def help_embed(h: Help) -> discord.Embed:
    lines = [f"`{usage}` {text}" for usage, text in HELP]
    lines += ["", f"Topics: {', '.join(h.topics)}", f"Levels: {', '.join(h.levels)}"]
    return discord.Embed(title="drillbot", description="\n".join(lines), colour=BLURPLE)


def notice(n: Notice) -> str:
    """A confirmation or refusal, with the next review as a timestamp each member reads in their own zone."""
    if n.next_review is None:
        return n.text
    return f"{n.text}\n{wording.NEXT_REVIEW.format(when=ts(n.next_review))}"
