"""Views as Discord embeds.  Sentences come from ``bot.wording``; only labels live here."""

from __future__ import annotations

import re
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
FORM_BOX = "Your answer"  # the text box's label (45 characters at most)
FORM_TEXT = 4000  # Discord: the text displays of a modal hold 4,000 characters in all
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


_CODE = re.compile(r"(```.*?```|`[^`]+`)", re.DOTALL)


def esc(text: str) -> str:
    """Content (a prompt, an option, a member's name) as written: Discord markdown escaped outside code
    spans and blocks, so ``__name__`` is not underlined and ``a_b or c_d`` not set in italics."""
    parts = _CODE.split(text)
    return "".join(p if i % 2 else discord.utils.escape_markdown(p) for i, p in enumerate(parts))


def _clip(text: str, limit: int = EMBED_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _code(code: str) -> str:
    return "```python\n" + code.strip("\n").replace("```", "`\u200b``") + "\n```"


def form_question(prompt: str, code: str | None, limit: int = FORM_TEXT) -> str:
    """The question above the answer box (on mobile the form covers the message): the prompt and as much
    of the code as fits, the code block always closed."""
    head = _clip(esc(prompt), limit)
    if not code:
        return head
    room = limit - len(head) - 2
    block = _code(code)
    if len(block) <= room:
        return f"{head}\n\n{block}"
    lines, kept = code.strip("\n").splitlines(), list[str]()
    for line in lines:
        if len(_code("\n".join([*kept, line, "…"]))) > room:
            break
        kept.append(line)
    return f"{head}\n\n{_code(chr(10).join([*kept, '…']))}" if kept else head


def question(card: QuestionCard) -> discord.Embed:
    body = [esc(card.prompt)]
    if card.code:
        body.append(_code(card.code))
    if card.options and card.kind == "choice":
        body += [f"**{letter(i)}.** {esc(opt)}" for i, opt in enumerate(card.options)]
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
            lines.append(f"{wording.YOU_CHOSE}: {esc(fb.chosen)}")
        lines.append(f"{wording.RIGHT_ANSWER}: **{esc(fb.right)}**")
    lines += [f"✓ {esc(p)}" for p in fb.covered]
    lines += [f"✗ {wording.MISSED}: {esc(p)}" for p in fb.missed]
    lines += [f"✗ {wording.CONTRADICTED}: {esc(p)}" for p in fb.contradicted]
    if fb.correct and wording.typed(fb):
        lines.append(f"*{wording.COVERS_CAVEAT}*")
    if fb.points:
        lines.append(wording.POINTS.format(n=fb.points))
    lines.append(esc(fb.explanation.strip()))
    if fb.model_answer:
        lines.append(f"**{wording.MODEL_ANSWER}:** " + esc(fb.model_answer.strip()))
    lines += [f"{wording.DOCS}: {r}" for r in fb.references]
    if fb.next_review is not None:
        lines.append(wording.NEXT_REVIEW.format(when=ts(fb.next_review)))
    return discord.Embed(title=wording.verdict(fb),
                         description=_clip("\n\n".join(lines)), colour=GREEN if fb.correct else RED)


def revealed(card: QuestionCard, sm: Summary) -> discord.Embed:
    """The daily post after the close: the question with the right answer shown."""
    e = question(card)
    e.colour = GREEN
    e.clear_fields()
    answer = sm.right or sm.model_answer or ""
    e.add_field(name="Answer", value=_clip(esc(answer), 1000), inline=False)
    e.add_field(name="Closed", value=f"{sm.answered} answered, {sm.percent_correct}% correct")
    if sm.per_option:
        e.add_field(name=wording.CHOSE_EACH, value=wording.option_counts(sm))
    return e


def summary(sm: Summary) -> discord.Embed:
    lines = []
    if sm.right is not None:
        lines.append(f"Answer: **{esc(sm.right)}**")
    lines.append(esc(sm.explanation.strip()))
    if sm.model_answer:
        lines.append(f"**{wording.MODEL_ANSWER}:** " + esc(sm.model_answer.strip()))
    lines.append(f"{sm.answered} answered, {sm.percent_correct}% correct.")
    if sm.per_option:
        lines.append(f"{wording.CHOSE_EACH}: {wording.option_counts(sm)}")
    if sm.first_correct:
        lines.append("First correct: " + ", ".join(esc(n) for n in sm.first_correct))
    lines += [f"Streak {esc(c.name)}: {c.before} → {c.after}" for c in sm.streaks]
    lines += [f"{wording.DOCS}: {r}" for r in sm.references]
    return discord.Embed(title=f"Round #{sm.round_id} closed · {sm.question.question_id}",
                         description=_clip("\n\n".join(lines)), colour=GREEN)


def board(lb: Leaderboard) -> discord.Embed:
    rows = [f"`{r.rank:>3}.` {'**' if r.is_me else ''}{esc(r.name)}{'**' if r.is_me else ''} · {r.points} pts "
            f"({r.correct}/{r.answered})" for r in lb.rows]
    if lb.me is not None and not any(r.is_me for r in lb.rows):
        rows += ["…", f"`{lb.me.rank:>3}.` **{esc(lb.me.name)}** · {lb.me.points} pts"]
    if lb.me is None:
        rows.append(wording.NOT_ON_BOARD)
    return discord.Embed(title=f"Leaderboard · {lb.label}", description=_clip("\n".join(rows)), colour=BLURPLE)


MAX_FIELDS = 25  # Discord: fields per embed
MAX_EMBEDS = 10  # embeds per message
MAX_TOTAL = 6000  # characters in all the embeds of a message


def stats(st: Stats) -> list[discord.Embed]:
    """The member's stats; topics beyond an embed's 25 fields go on in further embeds (Discord allows
    10 per message and 6,000 characters in all); past that, a last line says how many are left out."""
    e = discord.Embed(title=f"Stats for {esc(st.name)}", colour=BLURPLE, description=(
        f"Answered {st.answered} ({st.daily_answered} daily, {st.practice_answered} practice), "
        f"{st.accuracy}% correct, {st.points} points\nStreak {st.current_streak} (best {st.best_streak}) · "
        f"reviews due: {st.reviews_due}"))
    embeds, used = [e], len(e.title or "") + len(e.description or "")
    reserve = 60  # room for the "more topics" line
    for t in st.topics:
        name, value = t.topic[:256], f"{t.correct}/{t.answered} ({t.accuracy}%)"
        if len(embeds[-1].fields) == MAX_FIELDS:
            if len(embeds) == MAX_EMBEDS:
                break
            embeds.append(discord.Embed(colour=BLURPLE))
        if used + len(name) + len(value) > MAX_TOTAL - reserve:
            break
        embeds[-1].add_field(name=name, value=value)
        used += len(name) + len(value)
    else:
        return embeds
    left = len(st.topics) - sum(len(x.fields) for x in embeds)
    if len(embeds[-1].fields) == MAX_FIELDS:
        embeds[-1].set_footer(text=wording.MORE_TOPICS.format(n=left))
    else:
        embeds[-1].add_field(name="…", value=wording.MORE_TOPICS.format(n=left), inline=False)
    return embeds


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
    e = discord.Embed(title=f"Schedule for #{sv.channel}", description="\n".join(lines),
                      colour=RED if sv.warning else BLURPLE)
    if sv.warning:
        e.add_field(name="Note", value=sv.warning, inline=False)
    return e


# The slash commands as Discord shows them (the engine's help speaks the text syntax).
HELP = (
    ("/flask-quiz [topic] [level]", "A private practice question, picked by spaced repetition."),
    ("/flask-leaderboard [period]", "The top members this week, month or all time, and your rank."),
    ("/flask-stats", "Your answers, accuracy per topic, streaks and reviews due."),
    ("/flask-interview [level] [length] [minutes] [history] [stop]",
     "A private mock interview in your DMs, against the clock; the scorecard at the end."),
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


def welcome() -> discord.Embed:
    """What the bot says once in a server that adds it."""
    return discord.Embed(title=wording.WELCOME_TITLE, colour=BLURPLE, description=wording.WELCOME.format(
        practice="`/flask-quiz`", schedule="`/flask-admin schedule time:09:30 timezone:Europe/Berlin` "
        "in that channel (Manage Server)", help="`/flask-help`"))


def notice(n: Notice) -> str:
    """A confirmation or refusal, with the next review as a timestamp each member reads in their own zone."""
    if n.next_review is None:
        return n.text
    return f"{n.text}\n{wording.NEXT_REVIEW.format(when=ts(n.next_review))}"
