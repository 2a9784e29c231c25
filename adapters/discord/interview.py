"""A mock interview's question, scorecard and history as Discord embeds and buttons (rendering only).

They say what the console says (``adapters.console.interview``).  The scorecard fits Discord's
limits whatever the interview held: 25 fields of 256 + 1,024 characters, 4,096 in a description
and 6,000 in all the embeds of a message.  Each question's field gets a share of that budget
(a short one leaves its rest to the longer ones) and is clipped at a whole line with "…".
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import discord

from adapters.discord import components, render
from adapters.discord.components import DrillButton
from bot import wording
from bot.sessions.interview import Scorecard
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion

FIELD_NAME = 256
FIELD_VALUE = 1024
MAX_FIELDS = 25
MAX_EMBEDS = 10
TOTAL = 6000 - 200  # every embed of one message together; the rest is a margin for separators
LINE = 160  # characters of one key point under its question
FORM_TITLE = 45  # Discord: a modal's title
SKIP, STOP = "Skip", "Stop"
BANDS = {"close": discord.Colour.gold(), "not yet": render.RED}


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


# -- a question --------------------------------------------------------------------------------

def title(ev: InterviewQuestion) -> str:
    return f"Interview · question {ev.index + 1} of {ev.total} · {ev.level}"


def question(ev: InterviewQuestion) -> discord.Embed:
    """The practice card's prompt and code under the interview's own title, its deadline and the rule."""
    e = render.question(ev.card)
    e.title = title(ev)
    e.remove_author()
    e.add_field(name="Ends", value=f"{render.ts(ev.ends_at, 'f')} ({render.ts(ev.ends_at)})", inline=False)
    e.add_field(name="Note", value=wording.INTERVIEW_HINT_FORM, inline=False)
    return e


def _buttons(guild: str, session_id: int, index: int) -> list[DrillButton]:
    return [DrillButton(f"drill:iv:o:{guild}:{session_id}:{index}", label=render.ANSWER),
            DrillButton(f"drill:iv:k:{guild}:{session_id}:{index}", label=SKIP, style=discord.ButtonStyle.secondary),
            DrillButton(f"drill:iv:x:{guild}:{session_id}", label=STOP, style=discord.ButtonStyle.danger)]


def question_view(ev: InterviewQuestion) -> discord.ui.View:
    """Answer / Skip / Stop; dispatched by pattern (``DrillButton``), so they work after a restart."""
    return _view(_buttons(ev.place.community, ev.session_id, ev.index), disabled=False)


def closed_view(guild: int | str, session_id: int, index: int) -> discord.ui.View:
    """The same buttons, disabled: the question is answered, skipped or the interview is over."""
    return _view(_buttons(str(guild), session_id, index), disabled=True)


def _view(items: list[DrillButton], *, disabled: bool) -> discord.ui.View:
    view = discord.ui.View(timeout=None)
    for b in items:
        b.item.disabled = disabled
        view.add_item(b)
    view.stop()  # never kept: the buttons are matched by pattern
    return view


def answer_form(ev: InterviewQuestion) -> components.Form:
    """The answer box under the prompt (its options for a choice question) and code."""
    card = ev.card
    prompt = card.prompt
    hint = wording.INTERVIEW_FORM_HINT
    if card.kind != "open" and card.options:
        letters = "ABCDE"[:len(card.options)]
        prompt += "\n\n" + "\n".join(f"{render.letter(i)}. {o}" for i, o in enumerate(card.options))
        hint = wording.INTERVIEW_FORM_LETTER.format(letters=", ".join(letters))
    shown = render.form_question(prompt, card.code)
    what = f"iv:{ev.place.community}:{ev.session_id}:{ev.index}"
    head = f"Interview · question {ev.index + 1} of {ev.total}"[:FORM_TITLE]
    return components.Form(what, head, render.FORM_BOX, hint=hint, shown=shown)


# -- the scorecard -----------------------------------------------------------------------------

def within(lines: Sequence[str], limit: int) -> str:
    """Whole lines while they fit in ``limit`` characters, then a last "…" line; a first line too long
    for it is clipped."""
    out: list[str] = []
    used = 0
    for k, line in enumerate(lines):
        need = len(line) + (1 if out else 0)
        reserve = 2 if k + 1 < len(lines) else 0  # "\n…" must still fit after this line
        if used + need + reserve <= limit:
            out.append(line)
            used += need
            continue
        if not out:
            return clip(line, limit) if limit > 0 else ""
        out.append("…")
        break
    return "\n".join(out)


def shares(wants: Sequence[int], total: int) -> list[int]:
    """``total`` split over ``wants``: who wants less than an equal share gets it, the rest is shared."""
    out = [0] * len(wants)
    left = total
    for k, i in enumerate(sorted(range(len(wants)), key=lambda i: wants[i])):
        out[i] = max(0, min(wants[i], left // (len(wants) - k)))
        left -= out[i]
    return out


def short(prompt: str, most: int = 90) -> str:
    """The prompt's first sentence, cut at a word (with an ellipsis) when longer than ``most``."""
    first = " ".join(prompt.split()).split(". ")[0]
    return first if len(first) <= most else first[:most].rsplit(" ", 1)[0] + "…"


def _head(ev: InterviewOver) -> tuple[str, str]:
    c = ev.card
    change = "" if c.change is None else wording.INTERVIEW_CHANGE.format(change=c.change, level=c.level)
    lines = [f"*{wording.INTERVIEW_LATE}*"] if ev.late else []
    lines += [wording.INTERVIEW_OVER[ev.reason],
              "**" + wording.INTERVIEW_SCORE.format(score=c.score, level=c.level, band=c.band, change=change) + "**"]
    return f"Interview scorecard · {c.level}", "\n".join(lines)


def _point(text: str) -> str:
    """A key point on one line of its own (a long one clipped, so the next still has room)."""
    return clip(render.esc(text), LINE)


def _question_fields(c: Scorecard) -> list[tuple[str, list[str]]]:
    out = []
    for i, r in enumerate(c.results, 1):
        mark = "✓" if r.correct else "✗" if r.answered else "–"
        tail = "" if r.answered else f", {wording.INTERVIEW_NOT_ANSWERED}"
        name = clip(f"{mark} {i}. {render.esc(short(r.prompt))} ({r.points}/100{tail})", FIELD_NAME)
        lines = [f"✓ {_point(p)}" for p in r.covered]
        lines += [f"✗ {wording.MISSED}: {_point(p)}" for p in r.missed]
        lines += [f"✗ {wording.CONTRADICTED}: {_point(p)}" for p in r.contradicted]
        out.append((name, lines or ["-"]))
    return out


def _study(c: Scorecard, budget: int) -> list[str]:
    """Per question its missed points on one line (clipped to its share of ``budget``), then its
    first docs link (once per link, never clipped)."""
    groups: list[tuple[str, list[str], str | None]] = []  # (question, points, docs link)
    for item in c.study:
        if not groups or groups[-1][0] != item.question_id:
            groups.append((item.question_id, [], item.references[0] if item.references else None))
        groups[-1][1].append(render.esc(item.point))
    shown: set[str] = set()
    entries: list[tuple[str, str]] = []
    for _qid, points, url in groups:
        link = f"{wording.DOCS}: {url}" if url and url not in shown else ""
        shown.update([url] if url else [])
        entries.append((" · ".join(points), link))
    fixed = sum(3 + (len(link) + 1 if link else 0) for _t, link in entries)  # "• ", the line breaks, the links
    rooms = shares([len(text) for text, _l in entries], max(0, budget - fixed))
    lines: list[str] = []
    for (text, link), room in zip(entries, rooms, strict=True):
        lines.append("• " + clip(text, max(20, min(room, FIELD_VALUE - 10))))
        lines += [link] if link else []
    return lines


def _pack(lines: list[str], budget: int, name: str) -> list[tuple[str, str]]:
    """Lines as fields of at most 1,024 characters, ``budget`` characters in all (names included);
    what the budget cannot hold ends the last field as "…"."""
    fields: list[tuple[str, str]] = []
    rest = list(lines)
    while rest:
        label = name if not fields else f"{name} (continued)"
        room = min(FIELD_VALUE, budget - len(label))
        if room < 20:
            break
        if len("\n".join(rest)) <= room or budget - len(label) <= FIELD_VALUE:  # all of it, or the last field
            fields.append((label, within(rest, room)))
            break
        taken, used = 0, 0
        for line in rest:  # a full field of whole lines, then go on in the next one
            if used + len(line) + (1 if taken else 0) > room:
                break
            used += len(line) + (1 if taken else 0)
            taken += 1
        value = "\n".join(rest[:taken]) if taken else clip(rest[0], room)
        fields.append((label, value))
        budget -= len(label) + len(value)
        rest = rest[max(taken, 1):]
    return fields


def scorecard(ev: InterviewOver) -> list[discord.Embed]:
    """The scorecard: the score, band and change, a field per question, the topics, the study list."""
    c = ev.card
    head, description = _head(ev)
    topics = within([f"{render.esc(t)}: **{band}**" for t, band in c.topics], FIELD_VALUE) or "-"
    questions = _question_fields(c)
    rest = TOTAL - len(head) - len(description) - len(wording.INTERVIEW_BY_TOPIC) - len(topics)
    wants = [len(n) + min(FIELD_VALUE, len("\n".join(v))) for n, v in questions]
    names = 2 * len(wording.INTERVIEW_STUDY) + 40  # the study list's field names
    study_want = len("\n".join(_study(c, 10**6))) + names + 8
    study_budget = min(study_want, max(rest // 3, rest - sum(wants))) if c.study else 0
    study = _study(c, study_budget - names)
    fields: list[tuple[str, str]] = []
    for (name, lines), room in zip(questions, shares(wants, rest - study_budget), strict=True):
        fields.append((name, within(lines, min(FIELD_VALUE, room - len(name))) or "…"))
    if c.topics:
        fields.append((wording.INTERVIEW_BY_TOPIC, topics))
    fields += _pack(study, study_budget, wording.INTERVIEW_STUDY)
    colour = BANDS.get(c.band, render.GREEN)
    embeds = [discord.Embed(title=head, description=description, colour=colour)]
    for name, value in fields:
        if len(embeds[-1].fields) == MAX_FIELDS:
            if len(embeds) == MAX_EMBEDS:
                break
            embeds.append(discord.Embed(colour=colour))
        embeds[-1].add_field(name=name, value=value, inline=False)
    return embeds


def size(embeds: Sequence[discord.Embed]) -> int:
    """The characters Discord counts against the 6,000 of a message's embeds."""
    total = 0
    for e in embeds:
        d: Any = e.to_dict()
        total += len(d.get("title", "")) + len(d.get("description", ""))
        total += len(d.get("footer", {}).get("text", "")) + len(d.get("author", {}).get("name", ""))
        total += sum(len(f["name"]) + len(f["value"]) for f in d.get("fields", []))
    return total


# -- history -----------------------------------------------------------------------------------

def history(view: InterviewHistory, start: str) -> discord.Embed:
    """Past interviews, newest first: date, level, score, band, answered of total."""
    if not view.rows:
        return discord.Embed(title="Your interviews", colour=render.BLURPLE,
                             description=wording.INTERVIEW_NO_HISTORY.format(name=render.esc(view.name), start=start))
    lines = [f"{render.ts(r.when, 'd')} · {r.level} · **{r.score}/100** · {r.band} · "
             f"{r.answered} of {r.total} answered" for r in view.rows]
    return discord.Embed(title=f"Interviews of {render.esc(view.name)}"[:FIELD_NAME], colour=render.BLURPLE,
                         description=within(lines, 4000))
