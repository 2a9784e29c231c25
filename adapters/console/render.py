"""Views as rich renderables for a terminal.

rich wraps at words to the console's width with hanging indents, highlights
code, and drops colour by itself on a pipe or with NO_COLOR set; every
sentence comes from ``bot.wording``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime, tzinfo

from rich import box
from rich.console import Group, RenderableType
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

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

HEAD = "bold cyan"
CODE = "cyan"
GOOD = "bold green"
BAD = "bold red"
DIM = "dim"


def when(dt: datetime | None, tz: tzinfo) -> str:
    if dt is None:
        return "-"
    return dt.astimezone(tz).strftime("%a %d %b %H:%M %Z")


def inline(text: str, style: str = "") -> Text:
    """Text with `code spans` styled (the backticks stay, so a pipe still shows them)."""
    out = Text(style=style)
    for i, part in enumerate(re.split(r"(`[^`]+`)", text)):
        out.append(part, style=CODE if i % 2 else "")
    return out


def paragraphs(text: str, style: str = "") -> list[Text]:
    """One Text per paragraph, its line breaks joined, so rich re-wraps it to the width."""
    return [inline(" ".join(p.split()), style) for p in text.strip().split("\n\n") if p.strip()]


def _code(code: str) -> RenderableType:
    from rich.syntax import Syntax  # Pygments: imported with the first code block, not at start

    lexer = "html+jinja" if re.search(r"{[{%]", code) and "def " not in code else "python"
    return Padding(Syntax(code.strip("\n"), lexer, theme="ansi_dark", background_color="default",
                          word_wrap=True), (0, 0, 0, 4))


def _hanging(rows: Sequence[tuple[str, Text]], *, style: str = "") -> RenderableType:
    """Two columns: a short mark and text whose wrapped lines stay indented under the text."""
    grid = Table.grid(padding=(0, 1))
    grid.add_column(no_wrap=True, style=style)
    grid.add_column(ratio=1)
    for mark, text in rows:
        grid.add_row(mark, text)
    return Padding(grid, (0, 0, 0, 2))


def _header(*parts: str) -> Text:
    """── a · b · c: wraps only between parts' words, never inside an id (ids have no spaces)."""
    return Text("── " + " · ".join(p for p in parts if p), style=HEAD)


def _link(url: str) -> Text:
    """A docs link on one line, never broken: a terminal keeps it whole to click or copy."""
    return Text(f"{wording.DOCS}: {url}", style=DIM, no_wrap=True, overflow="ignore")


def letters(card: QuestionCard) -> str:
    return ", ".join(chr(65 + i) for i in range(len(card.options)))


def question(card: QuestionCard, tz: tzinfo, *, channel: str = "") -> RenderableType:
    if card.mode == "daily":
        head = _header(f"#{channel} · daily question" if channel else "daily question",
                       f"[daily #{card.round_id}] closes {when(card.closes_at, tz)}")
    elif card.mode == "interview":
        head = _header(f"[interview] {card.reason}", f"ends {when(card.closes_at, tz)}")
    else:
        head = _header(f"[practice] {card.reason}")
    head.append_text(Text(" · " + " · ".join((card.topic_title, card.level, card.question_id)), style=HEAD))
    out: list[RenderableType] = [head, *paragraphs(card.prompt)]
    if card.code:
        out.append(_code(card.code))
    if card.options:
        out.append(_hanging([(f"{chr(65 + i)})", inline(opt)) for i, opt in enumerate(card.options)],
                            style="bold"))
    prompt = wording.OPEN_PROMPT if card.kind == "open" else wording.CHOICE_PROMPT.format(letters=letters(card))
    out.append(Text(prompt, style=DIM))
    if card.warning:
        out.append(Text(f"! {card.warning}", style="yellow"))
    return Group(*out)


def feedback(fb: Feedback, tz: tzinfo, *, answered: str = "") -> RenderableType:
    verdict = Text(wording.verdict(fb), style=GOOD if fb.correct else BAD)
    if answered:
        verdict = Text.assemble((f"── {answered} · ", HEAD), verdict)
    out: list[RenderableType] = [verdict]
    if fb.right is not None:
        if not fb.correct and fb.chosen is not None:
            out.append(Text.assemble((f"{wording.YOU_CHOSE}: ", "bold"), inline(fb.chosen)))
        out.append(Text.assemble((f"{wording.RIGHT_ANSWER}: ", "bold"), inline(fb.right)))
    if fb.covered or fb.missed or fb.contradicted:
        out.append(_hanging([("✓", inline(p)) for p in fb.covered]
                            + [("✗", Text.assemble(f"{wording.MISSED}: ", inline(p))) for p in fb.missed]
                            + [("✗", Text.assemble(f"{wording.CONTRADICTED}: ", inline(p)))
                               for p in fb.contradicted]))
    if fb.correct and wording.typed(fb):
        out.append(Text(wording.COVERS_CAVEAT, style=DIM))
    if fb.points:
        out.append(Text(wording.POINTS.format(n=fb.points), style=GOOD))
    out += paragraphs(fb.explanation)
    if fb.model_answer:
        out.append(Text(f"{wording.MODEL_ANSWER}:", style="bold"))
        out.append(Padding(Group(*paragraphs(fb.model_answer)), (0, 0, 0, 2)))
    out += [_link(r) for r in fb.references]
    if fb.next_review is not None:
        out.append(Text(wording.NEXT_REVIEW.format(when=when(fb.next_review, tz)), style=DIM))
    return Group(*out)


def summary(sm: Summary, *, channel: str = "") -> RenderableType:
    out: list[RenderableType] = [
        _header(f"#{channel} · answer revealed" if channel else "answer revealed",
                f"Round #{sm.round_id} closed", sm.question.question_id),
        *paragraphs(sm.question.prompt)]
    if sm.right is not None:
        out.append(Text.assemble(("Answer: ", "bold"), inline(sm.right)))
    out += paragraphs(sm.explanation)
    if sm.model_answer:
        out.append(Text(f"{wording.MODEL_ANSWER}:", style="bold"))
        out.append(Padding(Group(*paragraphs(sm.model_answer)), (0, 0, 0, 2)))
    out.append(Text(f"{sm.answered} answered, {sm.percent_correct}% correct."))
    if sm.per_option:
        out.append(Text(f"{wording.CHOSE_EACH}: {wording.option_counts(sm)}"))
    if sm.first_correct:
        out.append(Text("First correct: " + ", ".join(sm.first_correct)))
    for ch in sm.streaks:
        out.append(Text(f"  streak {ch.name}: {ch.before} → {ch.after}"))
    out += [_link(r) for r in sm.references]
    return Group(*out)


def _table(title: str, *columns: tuple[str, str]) -> Table:
    t = Table(title=title, title_justify="left", title_style=HEAD, box=box.SIMPLE_HEAD, show_edge=False,
              pad_edge=False, header_style="bold")
    for name, justify in columns:
        t.add_column(name, justify=justify)  # type: ignore[arg-type]
    return t


def board(lb: Leaderboard) -> RenderableType:
    t = _table(f"── Leaderboard · {lb.label}", ("#", "right"), ("Player", "left"), ("Points", "right"),
               ("Right/answered", "right"))
    rows = list(lb.rows)
    for r in rows:
        t.add_row(str(r.rank), r.name + (" ← you" if r.is_me else ""), str(r.points), f"{r.correct}/{r.answered}",
                  style="bold" if r.is_me else "")
    if lb.me is not None and not any(r.is_me for r in rows):
        t.add_row("…", "", "", "")
        t.add_row(str(lb.me.rank), lb.me.name + " ← you", str(lb.me.points), f"{lb.me.correct}/{lb.me.answered}",
                  style="bold")
    out: list[RenderableType] = [t]
    if lb.me is None:
        out.append(Text(wording.NOT_ON_BOARD))
    return Group(*out)


def stats(st: Stats) -> RenderableType:
    out: list[RenderableType] = [
        _header(f"Stats for {st.name}"),
        Text(f"Answered {st.answered} ({st.daily_answered} daily, {st.practice_answered} practice), "
             f"{st.accuracy}% correct, {st.points} points"),
        Text(f"Streak: {st.current_streak} (best {st.best_streak}) · reviews due: {st.reviews_due}")]
    if st.topics:
        t = _table("", ("Topic", "left"), ("Right/answered", "right"), ("Accuracy", "right"))
        for ts in st.topics:
            t.add_row(ts.topic, f"{ts.correct}/{ts.answered}", f"{ts.accuracy}%")
        out.append(t)
    return Group(*out)


def schedule(sv: ScheduleView, tz: tzinfo) -> RenderableType:
    if sv.paused:
        state = wording.paused_state(sv)
    else:
        from zoneinfo import ZoneInfo

        state = f"next post {when(sv.next_post, ZoneInfo(sv.timezone))}"
        mine = when(sv.next_post, tz)
        if sv.next_post is not None and mine != when(sv.next_post, ZoneInfo(sv.timezone)):
            state += f" ({mine} here)"
    filt = ""
    if sv.topics or sv.levels:
        filt = f" · topics {','.join(sv.topics) or 'all'} · levels {','.join(sv.levels) or 'all'}"
    return Group(
        _header(f"Schedule for #{sv.channel}: {sv.time_of_day} {sv.timezone} on {','.join(sv.days)}, "
                f"answers open {wording.duration(sv.window_minutes)}{filt}"),
        Text(f"{state} · {sv.remaining} unseen question(s) left"),
        *([Text(f"{wording.NEXT_POSTS}: " + "; ".join(wording.channel_time(at, sv.timezone)
                                                     for at in sv.next_posts))] if sv.next_posts else []))


def help_text(h: Help) -> RenderableType:
    t = Table.grid(padding=(0, 2))
    t.add_column(style="bold", max_width=48)
    t.add_column(ratio=1)
    for e in wording.CONSOLE_HELP:
        t.add_row(e.usage, inline(e.description))
    return Group(_header("Commands"), Padding(t, (0, 0, 0, 2)), *paragraphs(wording.CONSOLE_RULES),
                 Text(f"Topics: {', '.join(h.topics)}"), Text(f"Levels: {', '.join(h.levels)}"))


def notice(n: Notice) -> RenderableType:
    return inline(n.text, "" if n.ok else "yellow")


def line(text: str, style: str = "") -> RenderableType:
    return inline(text, style)
