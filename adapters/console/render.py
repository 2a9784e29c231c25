"""Views as plain text for a terminal (no colours when output is not a terminal)."""

from __future__ import annotations

import textwrap
from datetime import datetime
from zoneinfo import ZoneInfo

from bot import wording
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

WIDTH = 78


def _wrap(text: str, indent: str = "") -> str:
    paras = [p.strip() for p in text.strip().split("\n\n")]
    return "\n\n".join(textwrap.fill(" ".join(p.split()), WIDTH, initial_indent=indent,
                                     subsequent_indent=indent) for p in paras if p)


def _code(code: str) -> str:
    lines = code.strip("\n").splitlines()
    return "\n".join("    │ " + line for line in lines)


def _when(dt: datetime | None, tz: str = "UTC") -> str:
    if dt is None:
        return "-"
    return dt.astimezone(ZoneInfo(tz)).strftime("%a %d %b %H:%M %Z")


def question(card: QuestionCard, tz: str = "UTC") -> str:
    head = (f"[daily #{card.round_id}] closes {_when(card.closes_at, tz)}" if card.mode == "daily"
            else f"[practice] {card.reason}")
    out = [f"── {head} · {card.topic_title} · {card.level} · {card.question_id}", _wrap(card.prompt)]
    if card.code:
        out.append(_code(card.code))
    for i, opt in enumerate(card.options):
        out.append(f"  {chr(65 + i)}) {opt}")
    if card.kind == "open":
        out.append(wording.OPEN_PROMPT)
    else:
        letters = ", ".join(chr(65 + i) for i in range(len(card.options)))
        out.append(wording.CHOICE_PROMPT.format(letters=letters))
    if card.warning:
        out.append(f"! {card.warning}")
    return "\n".join(out)


def feedback(fb: Feedback) -> str:
    out = [wording.CORRECT if fb.correct else wording.WRONG]
    if fb.right is not None:
        if not fb.correct and fb.chosen is not None:
            out.append(f"{wording.YOU_CHOSE}: {fb.chosen}")
        out.append(f"{wording.RIGHT_ANSWER}: {fb.right}")
    if fb.covered or fb.missed or fb.contradicted:
        out += [f"  ✓ {p}" for p in fb.covered]
        out += [f"  ✗ {wording.MISSED}: {p}" for p in fb.missed]
        out += [f"  ✗ {wording.CONTRADICTED}: {p}" for p in fb.contradicted]
    if fb.points:
        out.append(wording.POINTS.format(n=fb.points))
    out.append(_wrap(fb.explanation))
    if fb.model_answer:
        out.append(f"{wording.MODEL_ANSWER}:\n" + _wrap(fb.model_answer, "  "))
    out += [f"{wording.DOCS}: {r}" for r in fb.references]
    if fb.next_review is not None:
        out.append(wording.NEXT_REVIEW.format(when=_when(fb.next_review)))
    return "\n".join(out)


def summary(sm: Summary) -> str:
    out = [f"── Round #{sm.round_id} closed · {sm.question.question_id}", _wrap(sm.question.prompt)]
    if sm.right is not None:
        out.append(f"Answer: {sm.right}")
    out.append(_wrap(sm.explanation))
    if sm.model_answer:
        out.append(f"{wording.MODEL_ANSWER}:\n" + _wrap(sm.model_answer, "  "))
    out.append(f"{sm.answered} answered, {sm.percent_correct}% correct.")
    if sm.first_correct:
        out.append("First correct: " + ", ".join(sm.first_correct))
    for ch in sm.streaks:
        out.append(f"  streak {ch.name}: {ch.before} → {ch.after}")
    out += [f"{wording.DOCS}: {r}" for r in sm.references]
    return "\n".join(out)


def board(lb: Leaderboard) -> str:
    out = [f"── Leaderboard · {lb.label}"]
    for r in lb.rows:
        mark = " ←" if r.is_me else ""
        out.append(f"{r.rank:>4}. {r.name:<24} {r.points:>6} pts  {r.correct}/{r.answered}{mark}")
    if lb.me is not None and not any(r.is_me for r in lb.rows):
        out.append("   …")
        out.append(f"{lb.me.rank:>4}. {lb.me.name:<24} {lb.me.points:>6} pts  {lb.me.correct}/{lb.me.answered} ←")
    if lb.me is None:
        out.append(wording.NOT_ON_BOARD)
    return "\n".join(out)


def stats(st: Stats) -> str:
    out = [f"── Stats for {st.name}",
           f"Answered {st.answered} ({st.daily_answered} daily, {st.practice_answered} practice), "
           f"{st.accuracy}% correct, {st.points} points",
           f"Streak: {st.current_streak} (best {st.best_streak}) · reviews due: {st.reviews_due}"]
    for t in st.topics:
        out.append(f"  {t.topic:<14} {t.correct}/{t.answered} ({t.accuracy}%)")
    return "\n".join(out)


def schedule(sv: ScheduleView) -> str:
    state = wording.paused_state(sv) if sv.paused else f"next post {_when(sv.next_post, sv.timezone)}"
    filt = ""
    if sv.topics or sv.levels:
        filt = f" · topics {','.join(sv.topics) or 'all'} · levels {','.join(sv.levels) or 'all'}"
    return (f"── Schedule for #{sv.channel}: {sv.time_of_day} {sv.timezone} on {','.join(sv.days)}, "
            f"answers open {sv.window_minutes} min{filt}\n{state} · {sv.remaining} unseen question(s) left")


def help_text(h: Help, unknown: str = "") -> str:
    out = [wording.UNKNOWN_COMMAND.format(text=unknown)] if unknown else ["── Commands"]
    out += [f"  {e.usage:<48} {e.description}" for e in h.entries]
    out.append("  A, B, C… or your own words                       answer the question on screen")
    out.append(f"Topics: {', '.join(h.topics)}")
    out.append(f"Levels: {', '.join(h.levels)}")
    out.append("Console only: `/as NAME` switches player, `close` reveals the daily answer now, `quit` exits.")
    return "\n".join(out)


def notice(n: Notice) -> str:
    if n.next_review is None:
        return n.text
    return f"{n.text}\n{wording.NEXT_REVIEW.format(when=_when(n.next_review))}"
