"""Buttons and forms.  Every custom id carries what it needs (round id or question id), so
buttons keep working after a restart: a click is routed by its custom id (``drill:...``, in
``adapters.discord.client.on_interaction``), never looked up by message.

Custom ids and their one parser: ``adapters.discord.ids``.
Forms (modals) are submitted with ``drill:f:...`` ids; see ``handlers.on_form``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Protocol

import discord

from adapters.discord import ids, render
from bot import wording
from bot.grading.guards import MAX_ANSWER
from bot.views import Feedback, QuestionCard

Button = discord.ui.Button[Any]
TEXT_ID = "text"


class Answerer(Protocol):
    """What a button needs from the handlers (``adapters.discord.handlers.Handlers``)."""

    async def clicked(self, interaction: discord.Interaction[Any], parsed: ids.Parsed | None) -> None: ...



def _answerer(interaction: discord.Interaction[Any]) -> Answerer:
    h: Answerer = interaction.client.drill  # set on the client by adapters.discord.client
    return h


def _ref(card: QuestionCard) -> ids.Ref:
    if card.mode == "daily" and card.round_id is not None:
        return ids.Ref(round_id=card.round_id)
    return ids.Ref(question_id=card.question_id)


PREFIX = "drill:"  # every custom id the bot makes (and every one it answers) starts so


class DrillButton(discord.ui.DynamicItem[Button], template=re.compile(re.escape(PREFIX) + ".*", re.DOTALL)):
    """Every button the bot makes.  Its clicks are routed by custom id (``PREFIX``), not by
    discord.py's dynamic-item dispatch (which rebuilt the message's whole view per click); the
    class stays a ``DynamicItem`` for the views it is sent in."""

    def __init__(self, custom_id: str, *, label: str = "?",
                 style: discord.ButtonStyle = discord.ButtonStyle.primary) -> None:
        super().__init__(discord.ui.Button(label=label, style=style, custom_id=custom_id))
        self.raw = custom_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> DrillButton:
        return cls(match.group(0))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answerer(interaction).clicked(interaction, ids.parse(self.raw))


def answer_button(ref: ids.Ref, n: int, label: str = "") -> DrillButton:
    return DrillButton(f"drill:a:{ref.encode()}:{n}", label=label or render.letter(n))


def open_button(ref: ids.Ref) -> DrillButton:
    return DrillButton(f"drill:o:{ref.encode()}", label=render.ANSWER)


def report_button(qid: str) -> DrillButton:
    return DrillButton(f"drill:rep:{qid}", label=render.REPORT, style=discord.ButtonStyle.secondary)


def rate_button(qid: str, rating: str) -> DrillButton:
    """After practice feedback: the member's own rating for spaced repetition, or "I was right"."""
    style = discord.ButtonStyle.success if rating == "right" else discord.ButtonStyle.secondary
    return DrillButton(f"drill:rt:{qid}:{rating}", label=render.RATING_LABELS[rating], style=style)


def dispute_button(round_id: int) -> DrillButton:
    """Under the feedback on a daily typed answer graded wrong: ask the admins to look again."""
    return DrillButton(f"drill:dsp:{round_id}", label=wording.DISPUTE_BUTTON, style=discord.ButtonStyle.secondary)


class Form(discord.ui.Modal):
    """A one-box form.  Its submission is handled by custom id in ``Handlers.on_form`` (not in
    ``on_submit``), so a form opened before a restart still counts when it is sent after it."""

    def __init__(self, what: str, title: str, label: str, *, hint: str | None = None, shown: str = "") -> None:
        # The nonce keeps two members' open forms apart: discord.py keys forms by custom id alone.
        super().__init__(title=title, custom_id=f"drill:f:{what}:{uuid.uuid4().hex[:8]}", timeout=15 * 60)
        box: discord.ui.TextInput[Any] = discord.ui.TextInput(custom_id=TEXT_ID, style=discord.TextStyle.paragraph,
                                                              max_length=MAX_ANSWER)
        if shown:  # the question above the box: on mobile the form covers the message
            self.add_item(discord.ui.TextDisplay(shown))
        self.add_item(discord.ui.Label(text=label, description=hint, component=box))


def answer_form(ref: ids.Ref, prompt: str = "", code: str | None = None) -> Form:
    """The answer box under the question's prompt and code."""
    shown = render.form_question(prompt, code) if prompt else ""
    return Form(f"o:{ref.encode()}", render.FORM_TITLE, render.FORM_BOX, hint=render.FORM_LABEL, shown=shown)


def report_form(qid: str) -> Form:
    return Form(f"rep:{qid}", render.REPORT_TITLE, render.REPORT_LABEL)


async def recent_buttons(channel: discord.abc.Messageable,
                         limit: int) -> list[tuple[discord.Message, list[discord.Button]]]:
    """The latest ``limit`` messages of ``channel``, each with its buttons: where a message the bot
    did not keep the id of (another process's, a follow-up's) is found again by its custom ids."""
    return [(m, [b for row in m.components if isinstance(row, discord.ActionRow) for b in row.children
                 if isinstance(b, discord.Button)]) async for m in channel.history(limit=limit)]


def question_view(card: QuestionCard, *, closed: bool = False) -> discord.ui.View:
    """The buttons under a question: one per option (or "Answer"), and "Report a problem".

    Returned already stopped: every button is routed by its custom id (``PREFIX``), so
    discord.py need not keep the view.  Unstopped, it would store every ephemeral practice
    question's view for 15 minutes (memory growing with each command).
    """
    view = discord.ui.View(timeout=None)
    ref = _ref(card)
    if not closed:
        if card.kind == "open":
            view.add_item(open_button(ref))
        else:
            for i, opt in enumerate(card.options):
                view.add_item(answer_button(ref, i, label=opt[:80] if card.kind == "truefalse" else ""))
    view.add_item(report_button(card.question_id))
    view.stop()
    return view


def feedback_view(fb: Feedback, *, round_id: int | None = None) -> discord.ui.View | None:
    """Under practice feedback: Again / Hard / Good / Easy, and "I was right" for a missed open answer;
    under a daily typed answer graded wrong: "Dispute this grade"."""
    if fb.mode != "practice":
        if round_id is None or fb.correct or fb.model_answer is None:
            return None
        view = discord.ui.View(timeout=None)
        view.add_item(dispute_button(round_id))
        return view
    view = discord.ui.View(timeout=None)
    for rating in ("again", "hard", "good", "easy"):
        view.add_item(rate_button(fb.question_id, rating))
    if not fb.correct and fb.model_answer is not None:
        view.add_item(rate_button(fb.question_id, "right"))
    return view


def form_text(data: dict[str, Any]) -> str:
    """The text box's value in a form submission (rows, or the newer Label wrapping)."""
    stack: list[Any] = list(data.get("components") or [])
    while stack:
        c = stack.pop()
        if c.get("custom_id") == TEXT_ID and "value" in c:
            return str(c["value"])
        stack += c.get("components") or []
        if "component" in c:
            stack.append(c["component"])
    return ""
