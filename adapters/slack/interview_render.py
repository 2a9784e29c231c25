"""The mock interview as Block Kit (``bot.sessions.views``): the question modal, the scorecard, history.

It says what the console says (``adapters.console.interview``), within Slack's limits: a modal
holds 100 blocks and a message 50, a section 3,000 characters, a header 150, a modal title 24,
``private_metadata`` 3,000.  The scorecard packs its questions and its study list into as few
sections as fit, so even 12 questions with long key points stay far below 50 blocks.

Values the bot writes (parsed back by ``adapters.slack.ids``):
  private_metadata            {"s": <session id>, "i": <question index>, "c": "<channel id>"}
  interview_skip / _stop      "<session id>|<question index>"
  interview_continue          "<session id>"
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from adapters.slack.render import LETTERS, TEXT_LIMIT, Block, _cut, button, context, esc, local_time, md
from bot import wording
from bot.grading.guards import MAX_ANSWER
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion

CALLBACK = "interview_answer"  # the question modal's callback_id
SKIP_ID = "interview_skip"
STOP_ID = "interview_stop"
CONTINUE_ID = "interview_continue"
INPUT_PREFIX = "iv_answer_"  # + the question index: a new block id per question, so Slack keeps no old text
INPUT_ACTION = "text"
TITLE = "Mock interview"
SCORECARD_TITLE = "Scorecard"
SUBMIT = "Submit answer"
CLOSE = "Close"
SKIP = "Skip"
STOP = "Stop"
CONTINUE = "Continue"
MAX_MODAL_BLOCKS = 100
MAX_MESSAGE_BLOCKS = 50
HEADER_LIMIT = 150
TITLE_LIMIT = 24


def meta(session_id: int, index: int, channel: str) -> str:
    return json.dumps({"s": session_id, "i": index, "c": channel}, separators=(",", ":"))


def input_block(index: int) -> str:
    return f"{INPUT_PREFIX}{index}"


def _header(text: str) -> Block:
    return {"type": "header", "text": {"type": "plain_text", "text": _cut(text, HEADER_LIMIT)}}


def _modal(title: str, blocks: list[Block], private_metadata: str = "", *, submit: bool = False) -> Block:
    view: Block = {"type": "modal", "callback_id": CALLBACK, "private_metadata": private_metadata,
                   "title": {"type": "plain_text", "text": title[:TITLE_LIMIT]},
                   "close": {"type": "plain_text", "text": CLOSE}, "blocks": blocks[:MAX_MODAL_BLOCKS]}
    if submit:
        view["submit"] = {"type": "plain_text", "text": SUBMIT}
    return view


def _ends(ev: InterviewQuestion) -> str:
    return wording.INTERVIEW_ENDS.format(when=local_time(ev.ends_at, "{date_short_pretty} {time}"))


# -- the question --------------------------------------------------------------------------

def question_modal(ev: InterviewQuestion, channel: str, *, warning: str = "") -> Block:
    """Question ``ev.index`` with an answer box, Skip and Stop; ``warning``: why the last step did not go."""
    card = ev.card
    value = f"{ev.session_id}|{ev.index}"
    blocks: list[Block] = [_header(f"Interview · question {ev.index + 1} of {ev.total} · {ev.level}")]
    if warning:
        blocks.append(md(f":warning: {esc(warning)}"))
    blocks += [context(f"{esc(card.topic_title)} · `{card.question_id}`"), md(esc(card.prompt))]
    if card.code:
        blocks.append(md("```" + esc(card.code.strip("\n")) + "```"))
    if card.options:
        blocks.append(md("\n".join(f"*{LETTERS[i]}.* {esc(opt)}" for i, opt in enumerate(card.options))))
    hint = (wording.CHOICE_PROMPT.format(letters=", ".join(LETTERS[:len(card.options)])) if card.options
            else wording.OPEN_PROMPT)
    blocks += [
        context(f":stopwatch: {_ends(ev)}", esc(wording.INTERVIEW_HINT_BUTTONS)),
        {"type": "input", "block_id": input_block(ev.index), "label": {"type": "plain_text", "text": "Your answer"},
         "hint": {"type": "plain_text", "text": hint},
         "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": True,
                     "max_length": MAX_ANSWER}},
        {"type": "actions", "block_id": f"iv_actions_{ev.index}", "elements": [
            button(SKIP, SKIP_ID, value),
            {**button(STOP, STOP_ID, value, style="danger"), "confirm": {
                "title": {"type": "plain_text", "text": "Stop the interview?"},
                "text": {"type": "plain_text", "text": wording.INTERVIEW_STOP_CONFIRM},
                "confirm": {"type": "plain_text", "text": STOP},
                "deny": {"type": "plain_text", "text": "Keep going"}}}]},
    ]
    return _modal(TITLE, blocks, meta(ev.session_id, ev.index, channel), submit=True)


def saving_modal(private_metadata: str) -> Block:
    """What the modal shows while a slow answer is stored (updated when it is)."""
    return _modal(TITLE, [md(f":hourglass_flowing_sand: {esc(wording.INTERVIEW_SAVING)}")], private_metadata)


def notice_modal(text: str) -> Block:
    return _modal(TITLE, [md(esc(text))])


def open_reply(ev: InterviewQuestion, *, reopened: bool = False, failed: bool = False) -> tuple[list[Block], str]:
    """The ephemeral reply to the command: the interview is open, with a Continue button."""
    if failed:
        said = wording.INTERVIEW_WINDOW_FAILED
    else:
        said = wording.INTERVIEW_REOPENED if reopened else wording.INTERVIEW_OPEN
    # Numbers, a level name and a date: nothing in it to escape (the date is Slack markup).
    text = said.format(n=ev.index + 1, total=ev.total, level=ev.level,
                       when=local_time(ev.ends_at, "{date_short_pretty} {time}"))
    plain = said.format(n=ev.index + 1, total=ev.total, level=ev.level, when=ev.ends_at.strftime("%H:%M UTC"))
    blocks = [md(text), context(esc(wording.INTERVIEW_CONTINUE_HINT)),
              {"type": "actions", "block_id": "iv_continue", "elements": [
                  button(CONTINUE, CONTINUE_ID, str(ev.session_id), style="primary")]}]
    return blocks, plain


# -- the scorecard ---------------------------------------------------------------------------

def _short(prompt: str, most: int = 90) -> str:
    """The prompt's first sentence, cut at a word (with an ellipsis) when longer than ``most``."""
    first = " ".join(prompt.split()).split(". ")[0]
    return first if len(first) <= most else first[:most].rsplit(" ", 1)[0] + "…"


def _pack(groups: Sequence[str], limit: int = TEXT_LIMIT) -> list[str]:
    """Groups of lines joined into as few texts of at most ``limit`` characters as they fit in, each group
    whole (one longer than ``limit`` is cut on its own)."""
    out: list[str] = []
    for g in groups:
        g = _cut(g, limit)
        if out and len(out[-1]) + 1 + len(g) <= limit:
            out[-1] += "\n" + g
        else:
            out.append(g)
    return out


def _question_groups(ev: InterviewOver) -> list[str]:
    groups = []
    for i, r in enumerate(ev.card.results, 1):
        mark = "✓" if r.correct else "✗" if r.answered else "–"
        note = "" if r.answered else f", {wording.INTERVIEW_NOT_ANSWERED}"
        lines = [f"{mark} *{i}. {esc(_short(r.prompt))}*  ({r.points}/100{note})"]
        lines += [f"      ✓ {esc(p)}" for p in r.covered]
        lines += [f"      ✗ {wording.MISSED}: {esc(p)}" for p in r.missed]
        lines += [f"      ✗ {wording.CONTRADICTED}: {esc(p)}" for p in r.contradicted]
        groups.append("\n".join(lines))
    return groups


def _study_groups(ev: InterviewOver) -> list[str]:
    """The missed points by question, each question's first docs link after its points (a link once)."""
    groups: list[str] = []
    shown: set[str] = set()
    lines: list[str] = []
    study = ev.card.study
    for k, item in enumerate(study):
        lines.append(f"• {esc(item.point)}")
        if k + 1 == len(study) or study[k + 1].question_id != item.question_id:
            links = [f"      <{u}|{wording.DOCS}: {esc(u)}>" for u in item.references[:1] if u not in shown]
            shown.update(item.references[:1])
            # Points too long for one section are cut, never the docs link after them.
            room = TEXT_LIMIT - sum(len(x) + 1 for x in links)
            groups.append("\n".join([_cut("\n".join(lines), room), *links]))
            lines = []
    return groups


def scorecard(ev: InterviewOver, *, most: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """The scorecard in at most ``most`` blocks (a message's limit; a modal's is larger)."""
    c = ev.card
    change = "" if c.change is None else wording.INTERVIEW_CHANGE.format(change=c.change, level=c.level)
    blocks: list[Block] = [_header(f"Interview scorecard · {c.level}")]
    if ev.late:
        blocks.append(md(f":warning: {esc(wording.INTERVIEW_LATE)}"))
    blocks.append(md(f"{esc(wording.INTERVIEW_OVER[ev.reason])}\n*"
                     + esc(wording.INTERVIEW_SCORE.format(score=c.score, level=c.level, band=c.band, change=change))
                     + "*"))
    blocks += [md(t) for t in _pack(_question_groups(ev))]
    if c.topics:
        blocks.append(md(f"*{wording.INTERVIEW_BY_TOPIC}*\n"
                         + "\n".join(f"• {esc(t)}: {band}" for t, band in c.topics)))
    groups = _study_groups(ev)
    study = _pack([f"*{wording.INTERVIEW_STUDY}*", *groups]) if groups else []
    room = most - len(blocks)
    if len(study) > room:  # never with 12 questions; a bound all the same
        study = [*study[:room - 1], wording.INTERVIEW_MORE.format(n=len(study) - room + 1)]
    blocks += [md(t) for t in study]
    return blocks


def scorecard_text(ev: InterviewOver) -> str:
    """The notification text (and the fallback where blocks cannot be shown)."""
    return f"Mock interview scorecard: {ev.card.score}/100 at {ev.card.level}, {ev.card.band}."


def scorecard_modal(ev: InterviewOver) -> Block:
    return _modal(SCORECARD_TITLE, scorecard(ev, most=MAX_MODAL_BLOCKS))


# -- history -----------------------------------------------------------------------------

def history(view: InterviewHistory) -> list[Block]:
    if not view.rows:
        return [md(esc(wording.INTERVIEW_NO_HISTORY.format(name=view.name, start=f"`{wording.COMMAND} interview`")))]
    rows = ["• " + wording.INTERVIEW_HISTORY_ROW.format(
        when=local_time(r.when, "{date_short_pretty}"), level=r.level, score=r.score, band=esc(r.band),
        answered=r.answered, total=r.total) for r in view.rows]
    head = f"*{esc(wording.INTERVIEW_HISTORY_HEAD.format(name=view.name))}*"
    return [md(t) for t in _pack([head, *rows])][:MAX_MESSAGE_BLOCKS]


def history_text(view: InterviewHistory) -> str:
    return wording.INTERVIEW_HISTORY_HEAD.format(name=view.name)

