"""Views as Block Kit: messages, the answer modal and the App Home tab.

Sentences come from ``bot.wording``; only Slack labels (button texts, headings)
live here.  Every text member posts is escaped, since ``&``, ``<`` and ``>``
are Slack markup.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot import wording
from bot.grading.guards import MAX_ANSWER
from bot.views import (
    Feedback,
    Help,
    Leaderboard,
    Notice,
    QuestionCard,
    ScheduleView,
    Stats,
    Summary,
)

Block = dict[str, Any]

# Labels (Slack-specific; sentences live in bot.wording)
RATING_LABELS = {"again": "Again", "hard": "Hard", "good": "Good", "easy": "Easy", "right": "I was right"}
ANSWER = "Answer"
SUBMIT = "Submit"
CANCEL = "Cancel"
PRACTISE = "Practise now"
MODAL_TITLE = "Your answer"
POSTED = "Posted the daily question in this channel."
HOME_TITLE = "Flask interview drill"
ANSWER_BLOCK = "answer"
ANSWER_INPUT = "text"
MODAL = "answer_modal"
LETTERS = "ABCDE"
TEXT_LIMIT = 2900  # a section's text may hold 3,000 characters


def esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


FENCE = "```"


def _cut(text: str, limit: int = TEXT_LIMIT) -> str:
    """``text`` within ``limit`` characters, cut with care: at a line or word end where one is near, never
    inside an entity (``&amp;``) or a ``<...>`` link or date, and a code block cut open is closed again."""
    if len(text) <= limit:
        return text
    room = limit - 1 - len(FENCE) - 1  # the ellipsis, and a closing fence on its own line if one is needed
    kept = text[:room]
    amp, semi = kept.rfind("&"), kept.rfind(";")
    if amp > semi and room - amp < 10:  # an entity cut in two: leave it out whole
        kept = kept[:amp]
    lt, gt = kept.rfind("<"), kept.rfind(">")
    if lt > gt:  # a link, mention or date cut in two
        kept = kept[:lt]
    brk = max(kept.rfind("\n"), kept.rfind(" "))
    if brk > len(kept) - 200:
        kept = kept[:brk]
    kept = kept.rstrip() + "…"
    if kept.count(FENCE) % 2:
        kept += "\n" + FENCE
    return kept


def md(text: str) -> Block:
    return {"type": "section", "text": {"type": "mrkdwn", "text": _cut(text)}}


def context(*texts: str) -> Block:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": _cut(t)} for t in texts]}


def local_time(dt: datetime, fmt: str = "{date_short_pretty} at {time}") -> str:
    """A time every reader sees in their own time zone (Slack date formatting)."""
    fallback = dt.strftime("%a %d %b %H:%M UTC")
    return f"<!date^{int(dt.timestamp())}^{fmt}|{fallback}>"


def button(text: str, action_id: str, value: str, *, style: str | None = None) -> Block:
    b: Block = {"type": "button", "text": {"type": "plain_text", "text": text[:75]}, "action_id": action_id,
                "value": value}
    if style:
        b["style"] = style
    return b


# -- questions ------------------------------------------------------------------------------

def _question_body(card: QuestionCard, *, with_options: bool = True) -> list[Block]:
    head = (f"*Daily question* · {esc(card.topic_title)} · {card.level}" if card.mode == "daily"
            else f"*Practice* · {esc(card.topic_title)} · {card.level} · _{esc(card.reason)}_")
    blocks = [context(f"{head} · `{card.question_id}`"), md(esc(card.prompt))]
    if card.code:
        blocks.append(md("```" + esc(card.code.strip("\n")) + "```"))
    if with_options and card.options:
        blocks.append(md("\n".join(f"*{LETTERS[i]}.* {esc(opt)}" for i, opt in enumerate(card.options))))
    return blocks


def question(card: QuestionCard) -> list[Block]:
    """A question with its answer buttons (choices) or its Answer button (open questions)."""
    blocks = _question_body(card)
    prefix = "daily" if card.mode == "daily" else "practice"
    ref = str(card.round_id) if card.mode == "daily" else card.question_id
    if card.kind == "open":
        elements = [button(ANSWER, f"{prefix}_open", ref, style="primary")]
    else:
        elements = [button(LETTERS[i], f"{prefix}_choice_{i}", f"{ref}|{i}") for i in range(len(card.options))]
    blocks.append({"type": "actions", "block_id": f"{prefix}_answer", "elements": elements})
    if card.mode == "daily" and card.closes_at is not None:
        blocks.append(context(f"Closes {local_time(card.closes_at)} · {card.answered} answered"))
    if card.warning:
        blocks.append(context(f":warning: {esc(card.warning)}"))
    return blocks


def question_text(card: QuestionCard) -> str:
    """The notification text (and the fallback where blocks cannot be shown)."""
    return _cut(("Daily question: " if card.mode == "daily" else "Practice: ") + card.prompt, 300)


def closed(summary: Summary) -> list[Block]:
    """The daily post after the round closed: no buttons, the answer revealed."""
    blocks = _question_body(summary.question)
    blocks.append(md(_answer_line(summary)))
    counts = f" · {esc(wording.option_counts(summary))}" if summary.per_option else ""
    blocks.append(context(f"Closed · {summary.answered} answered, {summary.percent_correct}% correct{counts} · "
                          "the explanation is in the thread"))
    return blocks


def _answer_line(summary: Summary) -> str:
    if summary.right is not None:
        return f":white_check_mark: *Answer:* {esc(summary.right)}"
    return f":white_check_mark: *{wording.MODEL_ANSWER}:* {esc(summary.model_answer or '')}"


def summary(sm: Summary) -> list[Block]:
    blocks = [md(_answer_line(sm)), md(esc(sm.explanation))]
    if sm.model_answer and sm.right is not None:
        blocks.append(md(f"*{wording.MODEL_ANSWER}:* {esc(sm.model_answer)}"))
    lines = [f"*{sm.answered}* answered, *{sm.percent_correct}%* correct."]
    if sm.per_option:
        lines.append(f"{wording.CHOSE_EACH}: {esc(wording.option_counts(sm))}")
    if sm.first_correct:
        lines.append("First correct: " + ", ".join(esc(n) for n in sm.first_correct))
    lines += [f"Streak {esc(ch.name)}: {ch.before} → {ch.after}" for ch in sm.streaks]
    blocks.append(md("\n".join(lines)))
    if sm.references:
        blocks.append(context(" · ".join(f"<{r}|Docs>" for r in sm.references)))
    return blocks


def summary_text(sm: Summary) -> str:
    return f"Answer revealed: {sm.answered} answered, {sm.percent_correct}% correct."


# -- the answer modal -----------------------------------------------------------------------

def answer_modal(card_prompt: str, meta: dict[str, str], *, code: str | None = None) -> Block:
    """The modal an open question's Answer button opens, with the question's code (a modal covers the
    message on mobile); ``meta`` says what is answered and where to reply."""
    return {
        "type": "modal", "callback_id": MODAL, "private_metadata": json.dumps(meta),
        "title": {"type": "plain_text", "text": MODAL_TITLE},
        "submit": {"type": "plain_text", "text": SUBMIT}, "close": {"type": "plain_text", "text": CANCEL},
        "blocks": [
            md(esc(card_prompt)),
            *([md("```" + esc(code.strip("\n")) + "```")] if code else []),
            {"type": "input", "block_id": ANSWER_BLOCK, "label": {"type": "plain_text", "text": ANSWER},
             "hint": {"type": "plain_text", "text": wording.OPEN_PROMPT},
             "element": {"type": "plain_text_input", "action_id": ANSWER_INPUT, "multiline": True,
                         "max_length": MAX_ANSWER}},
        ],
    }


# -- feedback and the other views -----------------------------------------------------------

def feedback(fb: Feedback, *, round_id: int | None = None) -> list[Block]:
    """The private feedback; rating buttons under practice, "Dispute this grade" under a daily typed answer
    graded wrong (``round_id``)."""
    lines = [f"*{wording.verdict(fb)}*"]
    if fb.right is not None:
        if not fb.correct and fb.chosen is not None:
            lines.append(f"{wording.YOU_CHOSE}: {esc(fb.chosen)}")
        lines.append(f"{wording.RIGHT_ANSWER}: *{esc(fb.right)}*")
    lines += [f":white_check_mark: {esc(p)}" for p in fb.covered]
    lines += [f":x: {wording.MISSED}: {esc(p)}" for p in fb.missed]
    lines += [f":x: {wording.CONTRADICTED}: {esc(p)}" for p in fb.contradicted]
    if fb.correct and wording.typed(fb):
        lines.append(f"_{wording.COVERS_CAVEAT}_")
    if fb.points:
        lines.append(wording.POINTS.format(n=fb.points))
    blocks = [md("\n".join(lines)), md(esc(fb.explanation))]
    if fb.model_answer:
        blocks.append(md(f"*{wording.MODEL_ANSWER}:* {esc(fb.model_answer)}"))
    notes = [" · ".join(f"<{r}|{wording.DOCS}: {esc(r)}>" for r in fb.references)] if fb.references else []
    if fb.next_review is not None:
        notes.append(wording.NEXT_REVIEW.format(when=local_time(fb.next_review, "{date_short_pretty}")))
    if notes:
        blocks.append(context(*notes))
    if fb.mode == "practice":
        rates = ["again", "hard", "good", "easy"] + (["right"] if not fb.correct and fb.model_answer else [])
        blocks.append({"type": "actions", "block_id": "rate", "elements": [
            {"type": "button", "action_id": f"practice_rate_{r}", "value": fb.question_id,
             "text": {"type": "plain_text", "text": RATING_LABELS[r]}} for r in rates]})
    elif round_id is not None and not fb.correct and fb.model_answer:
        blocks.append({"type": "actions", "block_id": "dispute", "elements": [
            button(wording.DISPUTE_BUTTON, "daily_dispute", str(round_id))]})
    return blocks


def feedback_text(fb: Feedback) -> str:
    return wording.verdict(fb)


def board(lb: Leaderboard) -> list[Block]:
    """The board; when it is too long for a section, rows go from the bottom, never the caller's own line."""
    head = f"*Leaderboard · {esc(lb.label)}*"
    rows = [(r.is_me, f"`{r.rank:>3}.` {esc(r.name)} — *{r.points}* pts ({r.correct}/{r.answered})"
                      f"{' ←' if r.is_me else ''}") for r in lb.rows]
    tail: list[str] = []
    if lb.me is not None and not any(r.is_me for r in lb.rows):
        tail = ["…", f"`{lb.me.rank:>3}.` {esc(lb.me.name)} — *{lb.me.points}* pts ←"]
    if lb.me is None:
        tail.append(wording.NOT_ON_BOARD)

    def text(cut: bool) -> str:
        gap = ["…"] if cut and tail[:1] != ["…"] else []
        return "\n".join([head, *(line for _me, line in rows), *gap, *tail])
    cut = False
    while len(text(cut)) > TEXT_LIMIT and any(not me for me, _line in rows):
        del rows[max(i for i, (me, _line) in enumerate(rows) if not me)]
        cut = True
    return [md(text(cut))]


def _stats_lines(st: Stats) -> list[str]:
    lines = [f"Answered *{st.answered}* ({st.daily_answered} daily, {st.practice_answered} practice), "
             f"*{st.accuracy}%* correct, *{st.points}* points",
             f"Streak *{st.current_streak}* (best {st.best_streak}) · reviews due: *{st.reviews_due}*"]
    lines += [f"• {esc(t.topic)}: {t.correct}/{t.answered} ({t.accuracy}%)" for t in st.topics]
    return lines


def stats(st: Stats) -> list[Block]:
    return [md("\n".join([f"*Stats for {esc(st.name)}*", *_stats_lines(st)]))]


def schedule(sv: ScheduleView) -> list[Block]:
    state = esc(wording.paused_state(sv)) if sv.paused else (
        f"next post {local_time(sv.next_post)}" if sv.next_post else "no next post")
    filt = f"topics {', '.join(sv.topics) or 'all'} · levels {', '.join(sv.levels) or 'all'}"
    return [md(f"*Schedule for #{esc(sv.channel)}*: {sv.time_of_day} {sv.timezone} on {', '.join(sv.days)}, "
               f"answers open {sv.window_minutes} min · {filt}\n{state} · {sv.remaining} unseen question(s) left"
               + _next_posts(sv))]


def _next_posts(sv: ScheduleView) -> str:
    """The next posts in the channel's zone, each also as a date every reader sees in their own."""
    if not sv.next_posts:
        return ""
    return f"\n{wording.NEXT_POSTS}: " + "; ".join(
        f"{wording.channel_time(at, sv.timezone)} ({local_time(at)})" for at in sv.next_posts)


def help_blocks(h: Help, unknown: str = "") -> list[Block]:
    head = wording.UNKNOWN_COMMAND.format(text=esc(unknown)) if unknown else "*Commands*"
    lines = [head, *(f"`{esc(e.usage)}` — {esc(e.description)}" for e in h.entries)]
    lines += [f"Topics: {', '.join(h.topics)}", f"Levels: {', '.join(h.levels)}"]
    return [md("\n".join(lines))]


def notice(n: Notice) -> list[Block]:
    text = esc(n.text)
    if n.next_review is not None:
        text += "\n" + wording.NEXT_REVIEW.format(when=local_time(n.next_review, "{date_short_pretty}"))
    return [md(text)]


def welcome() -> list[Block]:
    """What the bot says once: in a channel it is added to, and on a member's first App Home visit."""
    return [{"type": "header", "text": {"type": "plain_text", "text": wording.WELCOME_TITLE}},
            md(wording.WELCOME.format(practice=f"`{wording.COMMAND}`",
                                      schedule=f"`{wording.COMMAND} schedule set 09:30 Europe/Berlin` in that "
                                               "channel (workspace admins)", help=f"`{wording.COMMAND} help`"))]


def home(st: Stats, *, first: bool = False) -> Block:
    """The App Home tab: the member's progress and a way to practise (the welcome on the first visit)."""
    blocks: list[Block] = [
        *([*welcome(), {"type": "divider"}] if first else []),
        {"type": "header", "text": {"type": "plain_text", "text": HOME_TITLE}},
        md("\n".join(_stats_lines(st))),
        {"type": "actions", "block_id": "home", "elements": [button(PRACTISE, "home_practice", "go",
                                                                      style="primary")]},
        context(f"Type `{wording.COMMAND} help` in any channel for every command."),
    ]
    return {"type": "home", "blocks": blocks}
