"""The console adapter: one local community, one channel, the same commands as chat.

Reads one command per line.  On a terminal it shows a prompt; with piped
input it prints only replies, so a script can drive it, and it exits at the
end of input.
"""

from __future__ import annotations

import asyncio
import getpass
import sys
from typing import TextIO

from adapters.console import render
from bot import wording
from bot.errors import DrillError, UserError
from bot.grading import parse_choice
from bot.members.identity import Member, Place
from bot.rounds.posting import Attempt
from bot.runtime import commands, dispatch
from bot.runtime.service import Service
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

PLATFORM = "console"
COMMUNITY = "local"
QUIT = {"quit", "exit", "/quit", "/exit", ":q"}


class ConsoleAdapter:
    """Translate lines of text to engine calls and views to text."""

    platform = PLATFORM

    def __init__(self, service: Service, *, user: str = "", channel: str = "daily",
                 out: TextIO | None = None, interactive: bool | None = None) -> None:
        self.service = service
        self.engine = service.engine
        self.out = out or sys.stdout
        self.interactive = sys.stdin.isatty() if interactive is None else interactive
        self.place = Place(PLATFORM, COMMUNITY, channel, channel)
        self.member = self._member(user or getpass.getuser() or "you")
        self.current: QuestionCard | None = None
        self.tz = "UTC"

    @staticmethod
    def _member(name: str) -> Member:
        return Member(PLATFORM, COMMUNITY, name.strip().lower(), name.strip())

    def say(self, text: str) -> None:
        self.out.write(text.rstrip() + "\n\n")
        self.out.flush()

    # -- the Poster port ------------------------------------------------------------------

    async def post_round(self, place: Place, card: QuestionCard, attempt: Attempt) -> str | None:
        # The terminal has no history to look in: a question shown again after a crash is harmless.
        await attempt.sending()
        self.say(f"#{place.channel} · daily question\n" + render.question(card, self.tz))
        self.current = card
        return f"console:{card.round_id}"

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        return None

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        if self.current is not None and self.current.round_id == card.round_id and summary is not None:
            self.current = None

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        self.say(f"#{place.channel} · answer revealed\n" + render.summary(summary))

    async def channel_lost(self, place: Place, user: str) -> None:
        self.say(f"(to {user}, privately) " + wording.CHANNEL_LOST.format(channel=f"#{place.channel}"))

    # -- input ----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the user asked to quit."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.lower() in QUIT:
            return False
        try:
            await self._handle(text)
        except DrillError as exc:
            self.say(str(exc))
        return True

    async def _handle(self, text: str) -> None:
        low = text.lower()
        if low.startswith("/as "):
            self.member = self._member(text[4:])
            self.say(f"You are now {self.member.name}.")
            return
        if low.startswith("answer "):
            await self._answer(text[7:].strip())
            return
        card = self.current
        is_command = low.startswith("/") or low.split()[0] in _COMMAND_WORDS
        if card is not None and not is_command:
            await self._answer(text)
            return
        try:
            cmd = commands.parse(text, topics=set(self.engine.library.topics()),
                                 levels=self.engine.help().levels)
        except commands.ParseError as exc:
            raise UserError(str(exc)) from None
        if isinstance(cmd, commands.ShowHelp):
            self.say(render.help_text(self.engine.help(), cmd.unknown))
            return
        view = await dispatch.run(self.service, cmd, member=self.member, place=self.place, is_admin=True)
        self._show(view)

    async def _answer(self, text: str) -> None:
        card = self.current
        if card is None:
            raise UserError(wording.NO_OPEN_ROUND.format(cmd=wording.COMMAND))
        lq = self.engine.library.get(card.question_id)
        if lq is None:
            raise UserError(wording.QUESTION_GONE)
        choice = None
        if card.kind != "open":
            choice = parse_choice(lq.q, text)
            if choice is None:
                letters = ", ".join(chr(65 + i) for i in range(len(card.options)))
                raise UserError(wording.CHOICE_PROMPT.format(letters=letters))
        answer_text = text if card.kind == "open" else None
        fb: Feedback
        if card.mode == "daily" and card.round_id is not None:
            fb = await self.engine.rounds.answer(self.member, card.round_id, choice=choice, text=answer_text)
        else:
            fb = await self.engine.practice.answer(self.member, card.question_id, choice=choice,
                                                   text=answer_text)
            self.current = None
        self.say(render.feedback(fb))

    def _show(self, view: dispatch.View) -> None:
        match view:
            case QuestionCard():
                if view.mode == "practice":
                    self.current = view
                    self.say(render.question(view, self.tz))
            case Leaderboard():
                self.say(render.board(view))
            case Stats():
                self.say(render.stats(view))
            case ScheduleView():
                self.say(render.schedule(view))
            case Help():
                self.say(render.help_text(view))
            case Notice():
                self.say(render.notice(view))
            case Summary():
                pass  # already posted to the channel by the service

    async def run(self, stream: TextIO | None = None) -> None:
        """Read commands until end of input or `quit`."""
        src = stream or sys.stdin
        loop = asyncio.get_running_loop()
        if self.interactive:
            self.say(f"Flask interview drill · you are {self.member.name} · type `help` for commands.")
        while True:
            if self.interactive:
                self.out.write("> ")
                self.out.flush()
            line = await loop.run_in_executor(None, src.readline)
            if not line:
                break
            if not await self.handle(line):
                break


_COMMAND_WORDS = {"help", "daily", "leaderboard", "board", "stats", "schedule", "forget-me", "report",
                  "close", "quit", "exit", "flask-quiz"}
