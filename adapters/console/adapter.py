"""The console adapter: one local community, one channel, the same commands as chat.

On a terminal it reads lines with a prompt (line editing, history, Ctrl-C and
Ctrl-D leave at once); with piped input it prints only replies, so a script can
drive it, and it exits at the end of input.

The grammar (also in ``/help`` and the README): commands start with ``/``.
While a question is open, any line that does not start with ``/`` is the
answer, and it goes to the question shown last; ``/daily <answer>`` answers
the daily question whatever is on screen.  With no question open, commands
work without the ``/`` too.  Each player (``/as NAME``) has their own practice
question beside the channel's daily one.
"""

from __future__ import annotations

import getpass
import itertools
import logging
import re
import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, TextIO

from rich.console import Console, RenderableType
from rich.text import Text

from adapters.console import interview, live, recap, render
from adapters.console.calls import EngineCalls
from adapters.console.terminal import console_zone, history_file, lines
from bot import wording
from bot.errors import AlreadyAnswered, DrillError, NotFound, RoundClosed, UserError
from bot.grading import parse_choice
from bot.members.identity import Member, Place
from bot.rounds.posting import Attempt
from bot.runtime import commands
from bot.runtime.service import Service
from bot.sessions.views import (
    Event,
    InterviewHistory,
    InterviewOver,
    InterviewQuestion,
    LiveQuestion,
    Lobby,
    Podium,
    Reveal,
)
from bot.views import (
    Feedback,
    Help,
    Leaderboard,
    Notice,
    QuestionCard,
    Recap,
    ReminderNote,
    ScheduleView,
    Stats,
    Summary,
)

if TYPE_CHECKING:
    from prompt_toolkit import PromptSession

PLATFORM = "console"
COMMUNITY = "local"
QUIT = {"quit", "exit", "/quit", "/exit", ":q"}
Kind = Literal["daily", "practice"]
# Words that, alone on a line while a question is open, are surely meant as commands.
_BARE_COMMANDS = {*commands.COMMAND_WORDS, "board", "flask-quiz", "yes"} - {"as"}

log = logging.getLogger(__name__)
# Blanks at the end of a line, before any colour codes that close it.
_TRAILING = re.compile(r"[ \t]+((?:\x1b\[[0-9;]*m)*)$", re.MULTILINE)


RATINGS = ("again", "hard", "good", "easy", "right")


@dataclass
class Player:
    """What one player has open; the daily question is the channel's, shared by all."""

    member: Member
    practice: QuestionCard | None = None
    filters: tuple[str | None, str | None] = (None, None)  # topic, level of the practice asked for
    shown: dict[Kind, int] = field(default_factory=dict)  # when each was last shown to this player
    answered: set[int] = field(default_factory=set)  # daily rounds this player has answered
    skipped: set[str] = field(default_factory=set)
    confirm_forget: bool = False
    rateable: str | None = None  # the practice question just answered: /again /hard /good /easy (/right)
    last_daily: int | None = None  # the daily round this player answered last: /dispute
    interview: InterviewQuestion | None = None  # the mock interview's open question: plain lines answer it


class ConsoleAdapter:
    """Translate lines of text to engine calls and views to text."""

    platform = PLATFORM

    def __init__(self, service: Service, *, user: str = "", channel: str = "daily",
                 out: TextIO | None = None, interactive: bool | None = None, width: int | None = None) -> None:
        self.service = service
        self.calls = EngineCalls(service)
        # A prompt needs a terminal at both ends; otherwise lines are read plainly (a pipe, `| tee`).
        self.interactive = sys.stdin.isatty() and sys.stdout.isatty() if interactive is None else interactive
        # No file: rich writes to whatever sys.stdout is, so posts land above the prompt (patch_stdout).
        # On the prompt's patched stdout rich cannot see the terminal, so it is told; NO_COLOR still wins.
        self.console = Console(file=out, width=width, highlight=False, markup=False, emoji=False,
                               force_terminal=True if self.interactive and out is None else None)
        self.place = Place(PLATFORM, COMMUNITY, channel, channel)
        self.tz = console_zone(self.calls.console_settings)
        self.players: dict[str, Player] = {}
        self.player = self._player(user or getpass.getuser() or "you")
        self.daily: QuestionCard | None = None  # the channel's open daily round, as posted
        self._daily_shown = 0  # when the daily question was last posted to the screen (for everyone)
        self._clock = itertools.count(1)
        self.live: LiveQuestion | None = None  # the live question open now (bare letters answer it)

    @property
    def member(self) -> Member:
        return self.player.member

    def _player(self, name: str) -> Player:
        member = Member(PLATFORM, COMMUNITY, name.strip().lower(), name.strip())
        return self.players.setdefault(member.user, Player(member))

    def say(self, *items: RenderableType | str) -> None:
        """Print a reply and a blank line; rich pads tables to the width, so trailing blanks are cut."""
        with self.console.capture() as captured:
            for item in items:
                self.console.print(render.line(item) if isinstance(item, str) else item)
        text = _TRAILING.sub(r"\1", captured.get())
        self.console.file.write(text.rstrip("\n") + "\n\n")
        self.console.file.flush()

    # -- the Poster port ------------------------------------------------------------------

    async def post_round(self, place: Place, card: QuestionCard, attempt: Attempt) -> str | None:
        # The terminal has no history to look in: a question shown again after a crash is harmless.
        await attempt.sending()
        self.daily = card
        self._daily_shown = next(self._clock)
        self.say(render.question(card, self.tz, channel=place.channel))
        return f"console:{card.round_id}"

    async def deliver_session(self, event: Event) -> str | None:
        """A live session's event: shown in the terminal (the channel and its thread are one screen)."""
        if isinstance(event, LiveQuestion):
            self.live = event
        elif isinstance(event, Reveal | Podium) and self.live is not None and self.live.session_id == event.session_id:
            self.live = None
        self.say(live.event(event, self.tz))
        return f"console:live-{event.session_id}" if isinstance(event, Lobby) else None

    async def deliver_interview(self, event: InterviewOver) -> None:
        """An interview's time ran out (the sessions' tick): its candidate sees the scorecard."""
        p = self.players.get(event.user)
        if p is not None and p.interview is not None and p.interview.session_id == event.session_id:
            p.interview = None
        self.say(Text(f"(to {event.name}, privately)", style=render.DIM), interview.scorecard(event))

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        return None

    async def update_round(self, place: Place, message_ref: str, card: QuestionCard,
                           summary: Summary | None) -> None:
        if summary is not None and self.daily is not None and self.daily.round_id == card.round_id:
            self.daily = None

    async def post_summary(self, place: Place, message_ref: str | None, summary: Summary) -> None:
        if self.daily is not None and self.daily.round_id == summary.round_id:
            self.daily = None
        self.say(render.summary(summary, channel=place.channel))

    async def post_recap(self, place: Place, recap_view: Recap, key: str) -> None:
        self.say(recap.recap(recap_view, channel=place.channel))

    async def remind(self, place: Place, user: str, note: ReminderNote) -> None:
        stop = "remind reviews off" if note.kind == "reviews" else "remind closing off"
        self.say(f"(to {user}, privately) {note.text} (`/{stop}` stops these)")

    async def tell(self, place: Place, user: str, text: str) -> None:
        self.say(f"(to {user}, privately) {text}")

    async def channel_lost(self, place: Place, user: str) -> None:
        self.say(f"(to {user}, privately) " + wording.CHANNEL_LOST.format(channel=f"#{place.channel}"))

    # -- what is open ---------------------------------------------------------------------

    def _open(self, p: Player) -> dict[Kind, QuestionCard]:
        """The questions ``p`` can answer now."""
        out: dict[Kind, QuestionCard] = {}
        # The daily question counts once it is on screen: after a restart, a letter typed before
        # `/daily` must not answer a question nobody has seen.
        seen = self._daily_shown or p.shown.get("daily")
        if self.daily is not None and self.daily.round_id not in p.answered and seen:
            out["daily"] = self.daily
        if p.practice is not None:
            out["practice"] = p.practice
        return out

    def _target(self, p: Player) -> Kind | None:
        """Which open question a bare answer goes to: the one shown to ``p`` last."""
        shown: dict[Kind, int] = {"daily": max(self._daily_shown, p.shown.get("daily", 0)),
                                  "practice": p.shown.get("practice", 0)}
        open_now = self._open(p)
        return sorted(open_now, key=shown.__getitem__)[-1] if open_now else None

    def _show(self, kind: Kind, card: QuestionCard, *notes: str) -> None:
        self.player.shown[kind] = next(self._clock)
        self.say(render.question(card, self.tz, channel=self.place.channel if kind == "daily" else ""), *notes)

    # -- input ----------------------------------------------------------------------------

    async def handle(self, line: str) -> bool:
        """Handle one line; False when the user asked to quit.  No line ever ends the console."""
        text = line.strip()
        if not text or text.startswith("#"):
            return True
        if text.lower() in QUIT:
            return False
        try:
            await self._handle(text)
        except (DrillError, commands.ParseError) as exc:
            self.say(render.line(str(exc), "yellow"))
        except Exception as exc:
            # Logged with the traceback only when verbose: a traceback never lands on the player's screen.
            log.error("console line %r failed: %r", text, exc, exc_info=log.isEnabledFor(logging.DEBUG))
            self.say(render.line(wording.CONSOLE_ERROR.format(error=type(exc).__name__), "red"))
        return True

    async def _handle(self, text: str) -> None:
        p = self.player
        if p.confirm_forget:
            p.confirm_forget = False
            if text.lower() in ("yes", "/yes"):
                await self._forget()
                return
            self.say(wording.CONSOLE_FORGET_KEPT)
        if text.startswith("/"):
            await self._command(text[1:].strip())
            return
        if p.interview is not None:
            await self._interview(commands.Interview("answer", text=text))
            return
        if self.live is not None:
            await self._answer_live(self.live, text)
            return
        target = self._target(p)
        if target is not None:
            word = text.lower()
            if word in _BARE_COMMANDS:
                self.say(wording.CONSOLE_COMMAND_WORD.format(word=word))
                return
            await self._answer(target, text)
            return
        if text.lower().startswith("answer "):
            await self._command(text)
            return
        await self._bare(text)

    async def _bare(self, text: str) -> None:
        """A line without `/` and no question open: a command if it is one, else a one-line hint."""
        words = text.lower().split()
        if words == ["skip"] or (len(words) == 2 and words[0] == "as"):  # not "As a developer I would…"
            await self._command(text)
            return
        cmd = self.calls.parse(text, strict=True)
        if isinstance(cmd, commands.ShowHelp) and cmd.unknown:
            if not cmd.suggestion and _looks_like_answer(text):
                self.say(wording.CONSOLE_NOTHING_OPEN.format(name=self.member.name))
            else:
                self._unknown(cmd)
            return
        await self._run(cmd)

    def _unknown(self, cmd: commands.ShowHelp) -> None:
        msg = wording.CONSOLE_UNKNOWN.format(text=cmd.unknown)
        if cmd.suggestion:
            msg += wording.CONSOLE_DID_YOU_MEAN.format(suggestion="/" + cmd.suggestion)
        self.say(msg + wording.CONSOLE_SEE_HELP)

    async def _command(self, text: str) -> None:
        """A line that started with `/` (already removed), or a bare command word."""
        head, _, rest = text.partition(" ")
        head, rest = head.lower(), rest.strip()
        if head == "flask-quiz":  # "/flask-quiz daily B" is "/daily B"
            head, _, rest = rest.partition(" ")
            head, rest = head.lower(), rest.strip()
        if head == "as":
            self._switch(rest)
        elif head == "skip":
            await self._skip()
        elif head in RATINGS:
            await self._rate(head)
        elif head == "dispute":
            if self.player.last_daily is None:
                self.say(wording.NOTHING_TO_DISPUTE)
            else:
                self.say(render.notice(await self.calls.dispute(self.member, self.player.last_daily)))
        elif head == "answer":
            target = self._target(self.player)
            if target is None:
                self.say(wording.CONSOLE_NOTHING_OPEN.format(name=self.member.name))
            else:
                await self._answer(target, rest)
        elif head == "daily" and rest:
            await self._answer("daily", rest)
        else:
            cmd = self.calls.parse(text, strict=False)
            if isinstance(cmd, commands.ShowHelp) and cmd.unknown:
                self._unknown(cmd)
            else:
                await self._run(cmd)

    async def _run(self, cmd: commands.Command) -> None:
        p = self.player
        match cmd:
            case commands.ShowHelp():
                self.say(render.help_text(self.calls.help()))
            case commands.Practice():
                await self._practice(cmd)
            case commands.Daily():
                await self._daily()
            case commands.Live(stop=False):
                lobby = await self.calls.run(cmd, self.member, self.place)  # the lobby is shown by deliver_session
                assert isinstance(lobby, Lobby)
                # One screen: whoever is here has joined (others `/as NAME` and answer); it begins now.
                await self.service.engine.live.begin(self.member, lobby.session_id, is_admin=True)
            case commands.Interview():
                await self._interview(cmd)
            case commands.ForgetMe():
                p.confirm_forget = True
                self.say(wording.CONSOLE_FORGET_CONFIRM)
            case _:
                self._view(await self.calls.run(cmd, self.member, self.place))

    def _view(self, view: object) -> None:
        match view:
            case Leaderboard():
                self.say(render.board(view))
            case Stats():
                self.say(render.stats(view))
            case ScheduleView():
                self.say(render.schedule(view, self.tz))
            case Help():
                self.say(render.help_text(view))
            case Notice():
                self.say(render.notice(view))
            case QuestionCard() | Summary():
                pass  # a daily question or a reveal: the service has posted it to the channel already

    # -- practice and the daily question --------------------------------------------------

    async def _practice(self, cmd: commands.Practice) -> None:
        p = self.player
        if cmd.question_id is not None:
            if self.daily is not None and self.daily.question_id == cmd.question_id:
                raise UserError(wording.CONSOLE_IS_DAILY)  # practice would show its answer
            card = self.calls.card(cmd.question_id)
        elif cmd.topic is None and cmd.level is None and p.practice is not None:
            self._show("practice", p.practice, wording.CONSOLE_STILL_OPEN_PRACTICE)
            return
        else:
            p.filters = (cmd.topic, cmd.level)
            card = await self._draw(cmd.topic, cmd.level)
        p.practice = card
        self._show("practice", card)

    async def _skip(self) -> None:
        p = self.player
        notes: list[str] = []
        if p.practice is None:
            notes.append(wording.CONSOLE_NO_PRACTICE)
        else:
            p.skipped.add(p.practice.question_id)
        card = await self._draw(*p.filters)
        if card.question_id in p.skipped:  # every question left was skipped: start over
            p.skipped.clear()
        p.practice = card
        if notes:
            self.say(*notes)
        self._show("practice", card)

    async def _draw(self, topic: str | None, level: str | None) -> QuestionCard:
        """The next practice question: not one just skipped, never the open daily one (its feedback
        would give the daily answer away)."""
        p = self.player
        daily = self.daily.question_id if self.daily is not None else None
        avoid = frozenset(p.skipped | ({daily} if daily else set()))
        card = await self.calls.practice(self.member, topic=topic, level=level, avoid=avoid)
        if card.question_id == daily:
            raise UserError(wording.CONSOLE_ONLY_DAILY)
        return card

    async def refresh_daily(self) -> QuestionCard | None:
        """Learn the channel's open round from the database (one opened by an earlier run, too)."""
        before = self.daily.round_id if self.daily is not None else None
        self.daily = await self.calls.open_daily(self.place)
        if self.daily is None or self.daily.round_id != before:
            self._daily_shown = 0  # not on screen yet
        return self.daily

    async def _daily(self) -> None:
        card = self.daily or await self.refresh_daily()
        if card is None:
            await self.calls.run(commands.Daily(), self.member, self.place)  # posts it: post_round shows it
            self.player.shown["daily"] = next(self._clock)
            return
        notes = [wording.CONSOLE_STILL_OPEN_DAILY.format(when=render.when(card.closes_at, self.tz))]
        if card.round_id in self.player.answered:
            notes.append(wording.ALREADY_ANSWERED)
        self._show("daily", card, *notes)

    async def _answer(self, kind: Kind, text: str) -> None:
        p = self.player
        if not text.strip():
            self.say(wording.TYPE_ANSWER)
            return
        card = p.practice if kind == "practice" else self.daily or await self.refresh_daily()
        if card is None:
            self.say(wording.CONSOLE_NO_DAILY.format(channel=self.place.channel) if kind == "daily"
                     else wording.CONSOLE_NOTHING_OPEN.format(name=self.member.name))
            return
        lq = self.calls.question(card.question_id)
        if lq is None:
            raise DrillError(wording.QUESTION_GONE)
        choice = None
        if card.kind != "open":
            choice = parse_choice(lq.q, text)
            if choice is None:
                self.say(render.line(wording.CONSOLE_NOT_A_LETTER.format(letters=render.letters(card)), "yellow"))
                return
        answer_text = text if card.kind == "open" else None
        fb: Feedback
        if kind == "daily":
            assert card.round_id is not None
            try:
                fb = await self.calls.answer_daily(self.member, card.round_id, choice=choice, text=answer_text)
            except (AlreadyAnswered, RoundClosed):
                p.answered.add(card.round_id)
                raise
            p.answered.add(card.round_id)
            p.last_daily = card.round_id
            label = wording.CONSOLE_ANSWERED_TO["daily"].format(round_id=card.round_id, qid=card.question_id)
        else:
            fb = await self.calls.answer_practice(self.member, card.question_id, choice=choice, text=answer_text)
            p.practice = None
            p.skipped.discard(card.question_id)
            p.rateable = card.question_id
            label = wording.CONSOLE_ANSWERED_TO["practice"].format(qid=card.question_id)
        others = [wording.CONSOLE_OTHER_OPEN[k].format(qid=c.question_id) for k, c in self._open(p).items()]
        if kind == "practice":
            others.insert(0, wording.CONSOLE_RATE if fb.correct or fb.model_answer is None
                          else wording.CONSOLE_RATE_OR_OVERRULE)
        self.say(render.feedback(fb, self.tz, answered=label), *others)

    async def _answer_live(self, q: LiveQuestion, text: str) -> None:
        lq = self.calls.question(q.card.question_id)
        choice = parse_choice(lq.q, text) if lq is not None else None
        if choice is None:
            self.say(render.line(wording.CONSOLE_NOT_A_LETTER.format(letters=render.letters(q.card)), "yellow"))
            return
        locked = await self.service.engine.live.answer(self.member, q.session_id, q.index, choice)
        self.say(wording.LIVE_LOCKED_IN.format(chosen=locked.chosen, seconds=locked.elapsed_ms / 1000))

    async def _interview(self, cmd: commands.Interview) -> None:
        p = self.player
        try:
            view = await self.calls.run(cmd, self.member, self.place)
        except NotFound:
            p.interview = None  # it ended (its time ran out) since the question was shown
            raise
        match view:
            case InterviewQuestion():
                p.interview = view
                self.say(interview.question(view, self.tz))
            case InterviewOver():
                p.interview = None
                self.say(interview.scorecard(view))
            case InterviewHistory():
                self.say(interview.history(view, self.tz))

    async def _rate(self, rating: str) -> None:
        """/again /hard /good /easy: the player's own rating of the practice answer just given; /right overrules."""
        p = self.player
        if p.rateable is None:
            self.say(wording.NOTHING_TO_RATE)
            return
        notice = await self.calls.rate(self.member, p.rateable, rating)
        lines: list[RenderableType] = [render.notice(notice)]
        if notice.next_review is not None:
            lines.append(render.line(wording.NEXT_REVIEW.format(when=render.when(notice.next_review, self.tz))))
        self.say(*lines)

    # -- players --------------------------------------------------------------------------

    def _switch(self, name: str) -> None:
        if not name:
            self.say(wording.CONSOLE_AS_USAGE)
            return
        self.player = self._player(name)
        target = self._target(self.player)
        if target is None:
            self.say(wording.CONSOLE_SWITCHED.format(name=self.member.name))
        else:
            opened = [wording.CONSOLE_OTHER_OPEN[k].format(qid=c.question_id)
                      for k, c in self._open(self.player).items()]
            self.say(wording.CONSOLE_SWITCHED.format(name=self.member.name), *opened)

    async def _forget(self) -> None:
        self._view(await self.calls.run(commands.ForgetMe(), self.member, self.place))
        p = self.player
        p.practice, p.filters, p.skipped, p.answered = None, (None, None), set(), set()

    # -- the loop -------------------------------------------------------------------------

    async def run(self, stream: TextIO | None = None, *, session: PromptSession[str] | None = None) -> None:
        """Read lines until end of input, `quit`, Ctrl-C or Ctrl-D."""
        try:
            await self.refresh_daily()
        except DrillError as exc:
            log.warning("console: could not look up the open daily question: %s", exc)
        if self.interactive and stream is None:
            await self._prompt(session)
            return
        src = stream or sys.stdin
        if src is sys.stdin and hasattr(src, "reconfigure"):
            src.reconfigure(errors="replace")  # a stray byte is one odd line, not the end of the console
        async for line in lines(src):
            if not await self.handle(line):
                break

    async def _prompt(self, session: PromptSession[str] | None) -> None:
        from prompt_toolkit import PromptSession
        from prompt_toolkit.history import FileHistory, InMemoryHistory
        from prompt_toolkit.patch_stdout import patch_stdout

        if session is None:
            path = history_file()
            session = PromptSession(history=FileHistory(str(path)) if path else InMemoryHistory())
        self.say(wording.CONSOLE_WELCOME.format(name=self.member.name))
        if self.daily is not None:  # left open by an earlier run: show it, so answers have a question
            self._daily_shown = next(self._clock)
            self.say(render.question(self.daily, self.tz, channel=self.place.channel))
        while True:
            # Only while the prompt is up: a daily question posted then is printed above it. Replies
            # are printed after it, straight to the terminal (through the proxy they would redraw the
            # prompt, and keys typed in that moment could be lost).
            with patch_stdout(raw=True):
                try:
                    line = await session.prompt_async(f"{self.member.name}> ")
                except (KeyboardInterrupt, EOFError):
                    break
            if not await self.handle(line):
                break
        self.console.file.write("\n")  # leave the shell's prompt on a line of its own
        self.console.file.flush()


def _looks_like_answer(text: str) -> bool:
    """A letter, true/false, or a sentence: what someone types to answer a question."""
    low = text.strip().lower().rstrip(".)")
    return (len(low) == 1 and low.isalpha()) or low in ("true", "false") or len(text.split()) >= 3
