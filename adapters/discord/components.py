"""Buttons and forms.  Every custom id carries what it needs (round id or question id), so
buttons keep working after a restart: they are ``DynamicItem``s, matched by pattern, never
looked up by message.

Custom ids (Discord allows 100 characters):
  drill:a:r:<round>:<n>     answer a daily round with option n
  drill:a:p:<question>:<n>  answer a practice question with option n
  drill:o:r:<round>         open question: the "Answer" button that opens a form
  drill:o:p:<question>
  drill:rep:<question>      report a problem with the question
Forms (modals) are submitted with ``drill:f:...`` ids; see ``handlers.on_form``.
"""

from __future__ import annotations

import re
import uuid
from typing import Any, Protocol

import discord

from adapters.discord import render
from bot import wording
from bot.grading.guards import MAX_ANSWER
from bot.views import Feedback, QuestionCard

Button = discord.ui.Button[Any]
TEXT_ID = "text"


class Answerer(Protocol):
    """What a button needs from the handlers (``adapters.discord.handlers.Handlers``)."""

    async def answer(self, interaction: discord.Interaction[Any], mode: str, ref: str, *,
                     choice: int | None = None, text: str | None = None) -> None: ...

    async def rate(self, interaction: discord.Interaction[Any], question_id: str, rating: str) -> None: ...

    async def dispute(self, interaction: discord.Interaction[Any], round_id: int) -> None: ...


def _answerer(interaction: discord.Interaction[Any]) -> Answerer:
    h: Answerer = interaction.client.drill  # set on the client by adapters.discord.client
    return h


def _ref(card: QuestionCard) -> tuple[str, str]:
    if card.mode == "daily" and card.round_id is not None:
        return "r", str(card.round_id)
    return "p", card.question_id


class AnswerButton(discord.ui.DynamicItem[Button], template=r"drill:a:(?P<mode>[rp]):(?P<ref>[^:]+):(?P<n>\d)"):
    def __init__(self, mode: str, ref: str, n: int, label: str = "") -> None:
        super().__init__(discord.ui.Button(label=label or render.letter(n), style=discord.ButtonStyle.primary,
                                           custom_id=f"drill:a:{mode}:{ref}:{n}"))
        self.mode, self.ref, self.n = mode, ref, n

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> AnswerButton:
        return cls(match["mode"], match["ref"], int(match["n"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answerer(interaction).answer(interaction, self.mode, self.ref, choice=self.n)


class OpenButton(discord.ui.DynamicItem[Button], template=r"drill:o:(?P<mode>[rp]):(?P<ref>[^:]+)"):
    def __init__(self, mode: str, ref: str) -> None:
        super().__init__(discord.ui.Button(label=render.ANSWER, style=discord.ButtonStyle.primary,
                                           custom_id=f"drill:o:{mode}:{ref}"))
        self.mode, self.ref = mode, ref

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> OpenButton:
        return cls(match["mode"], match["ref"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(Form(f"o:{self.mode}:{self.ref}", render.FORM_TITLE,
                                                   render.FORM_LABEL))


class ReportButton(discord.ui.DynamicItem[Button], template=r"drill:rep:(?P<qid>[^:]+)"):
    def __init__(self, qid: str) -> None:
        super().__init__(discord.ui.Button(label=render.REPORT, style=discord.ButtonStyle.secondary,
                                           custom_id=f"drill:rep:{qid}"))
        self.qid = qid

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> ReportButton:
        return cls(match["qid"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.send_modal(Form(f"rep:{self.qid}", render.REPORT_TITLE, render.REPORT_LABEL))


class RateButton(discord.ui.DynamicItem[Button],
                 template=r"drill:rt:(?P<qid>[^:]+):(?P<rating>again|hard|good|easy|right)"):
    """After practice feedback: the member's own rating for spaced repetition, or "I was right"."""

    def __init__(self, qid: str, rating: str) -> None:
        style = discord.ButtonStyle.success if rating == "right" else discord.ButtonStyle.secondary
        super().__init__(discord.ui.Button(label=render.RATING_LABELS[rating], style=style,
                                           custom_id=f"drill:rt:{qid}:{rating}"))
        self.qid, self.rating = qid, rating

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> RateButton:
        return cls(match["qid"], match["rating"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answerer(interaction).rate(interaction, self.qid, self.rating)


class DisputeButton(discord.ui.DynamicItem[Button], template=r"drill:dsp:(?P<round>[0-9]{1,18})"):
    """Under the feedback on a daily typed answer graded wrong: ask the admins to look again."""

    def __init__(self, round_id: int) -> None:
        super().__init__(discord.ui.Button(label=wording.DISPUTE_BUTTON, style=discord.ButtonStyle.secondary,
                                           custom_id=f"drill:dsp:{round_id}"))
        self.round_id = round_id

    @classmethod
    async def from_custom_id(cls, interaction: discord.Interaction[Any], item: discord.ui.Item[Any],
                             match: re.Match[str], /) -> DisputeButton:
        return cls(int(match["round"]))

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await _answerer(interaction).dispute(interaction, self.round_id)


class Form(discord.ui.Modal):
    """A one-box form.  Its submission is handled by custom id in ``Handlers.on_form`` (not in
    ``on_submit``), so a form opened before a restart still counts when it is sent after it."""

    def __init__(self, what: str, title: str, label: str) -> None:
        # The nonce keeps two members' open forms apart: discord.py keys forms by custom id alone.
        super().__init__(title=title, custom_id=f"drill:f:{what}:{uuid.uuid4().hex[:8]}", timeout=15 * 60)
        self.add_item(discord.ui.TextInput(label=label, custom_id=TEXT_ID, style=discord.TextStyle.paragraph,
                                           max_length=MAX_ANSWER))


FORM_ID = re.compile(r"drill:f:(?:(?P<open>o):(?P<mode>[rp]):(?P<ref>[^:]+)|rep:(?P<qid>[^:]+)):[0-9a-f]+")

DYNAMIC_ITEMS = (AnswerButton, OpenButton, ReportButton, RateButton, DisputeButton)


def question_view(card: QuestionCard, *, closed: bool = False) -> discord.ui.View:
    """The buttons under a question: one per option (or "Answer"), and "Report a problem"."""
    view = discord.ui.View(timeout=None)
    mode, ref = _ref(card)
    if not closed:
        if card.kind == "open":
            view.add_item(OpenButton(mode, ref))
        else:
            for i, opt in enumerate(card.options):
                view.add_item(AnswerButton(mode, ref, i, label=opt if card.kind == "truefalse" else ""))
    view.add_item(ReportButton(card.question_id))
    return view


def feedback_view(fb: Feedback, *, round_id: int | None = None) -> discord.ui.View | None:
    """Under practice feedback: Again / Hard / Good / Easy, and "I was right" for a missed open answer;
    under a daily typed answer graded wrong: "Dispute this grade"."""
    if fb.mode != "practice":
        if round_id is None or fb.correct or fb.model_answer is None:
            return None
        view = discord.ui.View(timeout=None)
        view.add_item(DisputeButton(round_id))
        return view
    view = discord.ui.View(timeout=None)
    for rating in ("again", "hard", "good", "easy"):
        view.add_item(RateButton(fb.question_id, rating))
    if not fb.correct and fb.model_answer is not None:
        view.add_item(RateButton(fb.question_id, "right"))
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
