"""A live session's events as Block Kit (``bot.sessions.views``), in ``render``'s style.

Action values the bot writes (parsed back by ``adapters.slack.live_actions``):
  live_join / live_start   "<session id>"
  live_choice_<n>          "<session id>|<question index>|<n>"
"""

from __future__ import annotations

from adapters.slack.render import LETTERS, Block, button, context, esc, local_time, md
from bot.sessions.views import LiveQuestion, Lobby, Podium, PrivateSummary, Reveal, ScoreRow

JOIN = "Join"
START = "Start"
JOIN_ID = "live_join"
START_ID = "live_start"
CHOICE_PREFIX = "live_choice_"
BOARD_ROWS = 10  # rows of the running board shown in the thread (a section holds 3,000 characters)
NAMES_SHOWN = 30  # names listed under "right"; the rest are counted


def lobby(ev: Lobby) -> list[Block]:
    what = ", ".join(esc(t) for t in ev.topics) or "all topics"
    levels = ", ".join(esc(lv) for lv in ev.levels) or "all levels"
    return [
        md(f"*Live quiz* by {esc(ev.starter)}: *{ev.count}* questions, {ev.seconds} s each · {what} · {levels}"),
        context(f"Starts {local_time(ev.starts_at, '{time}')} (or when the starter presses Start) · "
                "questions come in this message's thread · everyone in the channel may answer"),
        *([context(f"Players ({len(ev.players)}): {_names(ev.players)}")] if ev.players else []),
        {"type": "actions", "block_id": "live_lobby", "elements": [
            button(JOIN, JOIN_ID, str(ev.session_id), style="primary"),
            button(START, START_ID, str(ev.session_id))]},
    ]


def lobby_text(ev: Lobby) -> str:
    return f"Live quiz by {ev.starter}: {ev.count} questions, {ev.seconds} s each"


def question(ev: LiveQuestion) -> list[Block]:
    card = ev.card
    blocks = [context(f"*Live question {ev.index + 1} of {ev.total}* · {esc(card.topic_title)} · {card.level} · "
                      f"`{card.question_id}`"),
              md(esc(card.prompt))]
    if card.code:
        blocks.append(md("```" + esc(card.code.strip("\n")) + "```"))
    blocks.append(md("\n".join(f"*{LETTERS[i]}.* {esc(opt)}" for i, opt in enumerate(card.options))))
    blocks.append({"type": "actions", "block_id": f"live_{ev.session_id}_{ev.index}", "elements": [
        button(LETTERS[i], f"{CHOICE_PREFIX}{i}", f"{ev.session_id}|{ev.index}|{i}")
        for i in range(len(card.options))]})
    blocks.append(context(f"Closes {local_time(ev.closes_at, '{time}')} · your answer stays private until then"))
    return blocks


def question_text(ev: LiveQuestion) -> str:
    return f"Live question {ev.index + 1} of {ev.total}: {ev.card.prompt}"[:300]


def _names(names: tuple[str, ...]) -> str:
    if not names:
        return "nobody"
    shown = ", ".join(esc(n) for n in names[:NAMES_SHOWN])
    more = len(names) - NAMES_SHOWN
    return f"{shown} and {more} more" if more > 0 else shown


def _board(rows: tuple[ScoreRow, ...], limit: int = BOARD_ROWS) -> str:
    lines = [f"`{r.rank:>3}.` {esc(r.name)} — *{r.points}* pts ({r.correct} right)" for r in rows[:limit]]
    if len(rows) > limit:
        lines.append(f"… and {len(rows) - limit} more")
    return "\n".join(lines) or "No points yet."


def reveal(ev: Reveal) -> list[Block]:
    answer = f":white_check_mark: *Answer:* {esc(ev.right)}" if ev.right else ":white_check_mark: *Revealed*"
    counts = " · ".join(f"{LETTERS[i]}: {n}" for i, n in enumerate(ev.per_option))
    blocks = [md(f"*Question {ev.index + 1} of {ev.total}* · {answer}"), md(esc(ev.explanation)),
              md(f"*{ev.answered}* of {ev.players} answered · {counts}\nRight: {_names(ev.correct_names)}"),
              md(f"*Scoreboard*\n{_board(ev.board)}")]
    notes = [" · ".join(f"<{r}|Docs>" for r in ev.references)] if ev.references else []
    if ev.next_at is not None:
        notes.append(f"Next question {local_time(ev.next_at, '{time}')}")
    if notes:
        blocks.append(context(*notes))
    return blocks


def reveal_text(ev: Reveal) -> str:
    return f"Question {ev.index + 1} of {ev.total}: the answer is {ev.right or 'revealed'}"[:300]


def podium(ev: Podium) -> list[Block]:
    head = (f"*Live quiz stopped by {esc(ev.stopped_by)}*" if ev.stopped_by else "*Live quiz over!*")
    medals = (":first_place_medal:", ":second_place_medal:", ":third_place_medal:")
    top = [f"{medals[r.rank - 1] if r.rank <= 3 else ''} {esc(r.name)} — *{r.points}* pts" for r in ev.board[:3]]
    blocks = [md(f"{head} {ev.asked} of {ev.total} questions asked."),
              md("\n".join(top) or "Nobody scored.")]
    if len(ev.board) > 3:
        blocks.append(md(f"*Final board*\n{_board(ev.board)}"))
    return blocks


def podium_text(ev: Podium) -> str:
    return f"Live quiz stopped by {ev.stopped_by}" if ev.stopped_by else "Live quiz over!"


def summary(ev: PrivateSummary) -> list[Block]:
    blocks = [md(f"You came *{ev.rank}* of {ev.players} with *{ev.points}* points, "
                 f"{ev.correct} of {ev.asked} right.")]
    if ev.missed:
        blocks.append(md("*To review:*\n" + "\n".join(f"• {esc(p)}" for p in ev.missed[:20])))
    return blocks


def summary_text(ev: PrivateSummary) -> str:
    return f"You came {ev.rank} of {ev.players} with {ev.points} points."
