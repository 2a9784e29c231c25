"""Conversations through the console adapter, in-process and through the real `drillbot` command."""

from __future__ import annotations

import asyncio
import io
import os
import re
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleAdapter
from bot import wording
from bot.clock import FakeClock
from bot.config import ConsoleSection, Settings
from bot.runtime import commands
from bot.runtime.builder import App
from tests.conftest import ROOT, make_app

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")


class Chat:
    """say() a line, read what the console printed in reply."""

    def __init__(self, adapter: ConsoleAdapter, out: io.StringIO) -> None:
        self.adapter = adapter
        self.out = out

    async def say(self, line: str) -> str:
        start = len(self.out.getvalue())
        assert await self.adapter.handle(line)
        return self.out.getvalue()[start:]


@pytest.fixture
async def chat(app: App) -> AsyncIterator[Chat]:
    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=200)
    app.service.add_poster(adapter)
    await app.service.start()
    yield Chat(adapter, out)
    await app.service.stop()


def right_letter(app: App, question_id: str) -> str:
    lq = app.engine.library.get(question_id)
    assert lq is not None
    return lq.q.model_answer or "" if lq.q.kind == "open" else "ABCDE"[lq.q.correct_index or 0]


async def test_practice_then_answer_by_letter(chat: Chat) -> None:
    reply = await chat.say("/flask-quiz more senior")
    assert "more-senior-choice" in reply and "C) Setup code in the app factory" in reply
    reply = await chat.say("c")
    assert "Practice · more-senior-choice · Correct!" in reply
    assert "Docs: https://flask.palletsprojects.com/en/stable/changes/" in reply and "Next review" in reply


async def test_wrong_answer_teaches(chat: Chat) -> None:
    await chat.say("/flask-quiz more junior")
    reply = await chat.say("A")
    assert "Not quite." in reply and "You chose: Only POST" in reply
    assert "Right answer: GET (plus HEAD and OPTIONS, added automatically)" in reply


async def test_open_answer_shows_covered_and_missed(chat: Chat) -> None:
    assert "The question you asked for" in await chat.say("/flask-quiz example-open-factory")
    reply = await chat.say("I would write a create_app function and call init_app on every extension")
    assert "✓ The app is created inside a function such as create_app" in reply
    assert "✗ missed: Each test or environment gets its own app and configuration" in reply
    assert "Model answer:" in reply
    reply = await chat.say("/flask-quiz example-open-factory")
    reply = await chat.say("The app is built in a create_app factory function, so each test gets its own app with "
                           "its own config, and every extension is bound later with init_app.")
    # A typed answer that passes is said to cover the key points, not to be right in every sentence.
    assert wording.COVERS in reply and wording.COVERS_CAVEAT.split(":")[0] in reply and "Correct!" not in reply


async def test_answers_that_start_with_a_command_word_are_answers(chat: Chat) -> None:
    await chat.say("/flask-quiz example-open-factory")
    reply = await chat.say("Daily test runs in CI need a fresh app, so I would use a factory function")
    assert "Practice · example-open-factory" in reply and "daily question" not in reply
    assert chat.adapter.daily is None  # nothing was posted
    await chat.say("/flask-quiz example-open-factory")
    reply = await chat.say("Report it: a factory function builds the app for each test")
    assert "Practice · example-open-factory" in reply and "There is no question" not in reply
    # One command word alone is surely a command: a hint, not a wasted answer.
    await chat.say("/flask-quiz more junior")
    reply = await chat.say("stats")
    assert "Commands start with `/`: `/stats`" in reply and "Stats for" not in reply
    assert "Stats for Ann" in await chat.say("/stats")
    assert "Answer with a letter (A, B, C, D). Commands start with `/`" in await chat.say("leaderboard please")
    assert "Practice · more-junior-choice" in await chat.say("B")


async def test_daily_and_practice_questions_side_by_side(chat: Chat, app: App) -> None:
    await chat.say("/schedule set 09:00 UTC topics=example levels=junior")  # the daily: example-trailing-slash
    posted = await chat.say("/flask-quiz daily")
    assert "#daily · daily question" in posted and "[daily #1]" in posted
    daily = chat.adapter.daily
    assert daily is not None
    # A practice question while the daily one is open: the daily one stays answerable.
    await chat.say("/flask-quiz more senior")
    reply = await chat.say("C")  # the question shown last
    assert "Practice · more-senior-choice · Correct!" in reply
    assert f"The daily question {daily.question_id} is open for you: `/daily` shows it again." in reply
    again = await chat.say("/flask-quiz daily")
    assert "already open" not in again and "[daily #1]" in again and daily.question_id in again
    assert "The daily question is open; it closes" in again
    await chat.say("/flask-quiz more junior")
    # `/daily <answer>` answers the daily question although the practice one was shown last.
    reply = await chat.say("/daily " + right_letter(app, daily.question_id))
    assert f"Daily #1 · {daily.question_id} · Correct!" in reply and re.search(r"\+\d+ points", reply)
    assert "Your practice question more-junior-choice is open" in reply
    # Answers are final: answering again shows the stored answer's feedback, not a new grade.
    assert f"Daily #1 · {daily.question_id} · Correct!" in await chat.say("/daily A")
    assert "That is the open daily question" in await chat.say(f"/flask-quiz {daily.question_id}")
    assert "Practice · more-junior-choice" in await chat.say("B")  # the daily one is done: this goes to practice


async def test_practice_never_draws_the_open_daily_question(chat: Chat) -> None:
    await chat.say("/schedule set 09:00 UTC topics=more levels=senior")
    await chat.say("/daily")
    daily = chat.adapter.daily
    assert daily is not None and daily.question_id == "more-senior-choice"
    assert "The only question left there is the open daily question" in await chat.say("/flask-quiz more senior")
    assert chat.adapter.player.practice is None
    assert "more-junior-choice" in await chat.say("/flask-quiz more")


async def test_after_a_restart_the_open_daily_question_is_shown_before_it_is_answered(app: App) -> None:
    first = ConsoleAdapter(app.service, user="Ann", out=io.StringIO(), interactive=False)
    app.service.add_poster(first)
    await first.handle("/daily")
    assert first.daily is not None
    out = io.StringIO()
    again = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=200)  # a new session
    app.service.add_poster(again)
    await again.run(io.StringIO("B\n/daily\n"))
    shown = out.getvalue()
    assert "No question is open for Ann" in shown  # "B" answered nothing unseen
    assert f"[daily #{first.daily.round_id}]" in shown and "The daily question is open; it closes" in shown
    assert again.daily is not None and again._target(again.player) == "daily"


async def test_each_player_has_their_own_questions(chat: Chat) -> None:
    await chat.say("/flask-quiz more senior")
    assert "You are now Bob." in await chat.say("/as Bob")
    assert "No question is open for Bob" in await chat.say("C")  # not Ann's question
    await chat.say("/flask-quiz more junior")
    reply = await chat.say("/as Ann")
    assert "Your practice question more-senior-choice is open" in reply
    assert "Practice · more-senior-choice · Correct!" in await chat.say("C")


async def test_skip_drops_the_practice_question_and_shows_the_next(chat: Chat, clock: FakeClock) -> None:
    await chat.say("/flask-quiz more junior")
    await chat.say("A")  # wrong: it comes back for review soon
    clock.advance(days=1)
    assert "Due for review" in await chat.say("/flask-quiz more") and "more-junior-choice" in chat.out.getvalue()
    reply = await chat.say("/skip")
    # A due review always comes first; skip still moves on.
    assert "more-senior-choice" in reply and "more-junior-choice" not in reply
    card = chat.adapter.player.practice
    assert card is not None and card.question_id == "more-senior-choice"
    assert "Practice · more-senior-choice" in await chat.say("C")
    assert "You have no practice question open; here is one." in await chat.say("skip")


async def test_unknown_input_gets_one_line_and_suggestions(chat: Chat) -> None:
    async def one_line(text: str) -> str:
        reply = (await chat.say(text)).strip()
        assert "\n" not in reply, reply
        return reply

    assert "I don't know `dance please`" in (await one_line("/flask-quiz dance please")) and "`/help`" in (
        await one_line("dance"))
    assert "Did you mean `/leaderboard`?" in await one_line("leaderbord")
    assert "Did you mean `/stats`?" in await one_line("/stat")
    assert "Did you mean `/example junior`?" in await one_line("exampel junior")
    assert "Did you mean 'Europe/Berlin'?" in await one_line("/schedule set 09:00 Europe/Berlni")
    assert "Did you mean `month`?" in await one_line("/leaderboard mnth")
    assert "Did you mean `/more senior`?" in await one_line("/flask-quiz more senoir")
    assert "No question is open for Ann" in await one_line("B")
    assert "No question is open for Ann" in await one_line("answer B")
    assert "No question is open for Ann" in await one_line("I would use a factory")
    assert "No question is open for Ann" in await one_line("As a developer I would use a factory")
    assert chat.adapter.member.name == "Ann"
    help_text = await chat.say("help")
    assert "/daily <answer>" in help_text and "anything that does not start with `/` is your answer" in help_text


async def test_schedule_durations_and_kept_fields(chat: Chat) -> None:
    reply = await chat.say("/flask-quiz schedule set 07:45 Asia/Tokyo mon,wed window=90")
    assert "07:45 Asia/Tokyo on mon,wed" in reply and "answers open 1 h 30 min" in reply
    reply = await chat.say("/schedule set 08:15")  # everything not given is kept
    assert "08:15 Asia/Tokyo on mon,wed, answers open 1 h 30 min" in reply
    for given, shown in (("8h", "8 h"), ("1d", "1 d"), ("1h30m", "1 h 30 min"), ("45m", "45 min")):
        assert f"answers open {shown}" in await chat.say(f"/schedule set window={given}")
    assert "08:15 Asia/Tokyo on mon,wed" in await chat.say("/schedule")
    assert "'25:00' is not a time" in await chat.say("schedule set 25:00 UTC")
    assert "unknown time zone" in await chat.say("schedule set 09:00 Moon/Base")
    # Other scripts' digits are refused politely; the console goes on.
    assert "'①' is not a duration" in await chat.say("/schedule set window=①")
    assert "'١٢٠' is not a duration" in await chat.say("/schedule set window=١٢٠")
    assert "'١٢:٣٠' is not a time" in await chat.say("/schedule set ١٢:٣٠ UTC")
    assert "is not a duration" in await chat.say("/schedule set window=" + "9" * 5000)
    assert "answer window must be between" in await chat.say("/schedule set window=2m")
    assert "paused" in await chat.say("schedule pause")
    assert "paused" in await chat.say("schedule")
    assert "back on" in await chat.say("schedule resume")


async def test_a_new_schedule_needs_a_time_and_zone(chat: Chat) -> None:
    await chat.say("/schedule remove")
    assert "give a time and a time zone" in await chat.say("/schedule set window=8h")
    assert "09:30 Europe/Berlin on mon,tue,wed,thu,fri, answers open 8 h" in await chat.say(
        "/schedule set 09:30 Europe/Berlin weekdays")


async def test_forget_me_asks_for_confirmation(chat: Chat) -> None:
    await chat.say("/flask-quiz more junior")
    await chat.say("B")
    assert "Type `yes` to delete them" in await chat.say("/flask-quiz forget-me")
    assert "Kept: nothing was deleted." in await chat.say("no")
    assert "Answered 1" in await chat.say("stats")
    await chat.say("forget-me")
    assert "deleted" in await chat.say("yes")
    assert "Answered 0" in await chat.say("stats")


async def test_an_unexpected_error_is_reported_and_the_console_goes_on(chat: Chat, app: App,
                                                                       monkeypatch: pytest.MonkeyPatch,
                                                                       caplog: pytest.LogCaptureFixture) -> None:
    async def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("database on fire")

    monkeypatch.setattr(app.engine.boards, "stats", broken)
    reply = await chat.say("/stats")
    assert "Something went wrong with that line (RuntimeError)" in reply and "Traceback" not in reply
    assert "database on fire" in caplog.text
    monkeypatch.undo()
    assert "Stats for Ann" in await chat.say("/stats")


async def test_wraps_at_words_with_hanging_indents(app: App) -> None:
    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=38)
    await adapter.handle("/flask-quiz example-trailing-slash")
    text = out.getvalue()
    lines = text.splitlines()
    assert all(len(line) <= 38 and line == line.rstrip() for line in lines)
    assert any(line.endswith("example-trailing-slash") for line in lines)  # the id is never split
    start = next(i for i, line in enumerate(lines) if line.startswith("  A) "))
    assert lines[start + 1].startswith("     ") and lines[start + 1].strip()  # continues under the text
    words = set(" ".join(lines).split())
    for word in ("Found,", "redirect", "/projects/", "slash"):
        assert word in words  # whole words: no break inside one
    assert "\x1b[" not in text  # no colour on a pipe


async def test_colour_and_highlighted_code_on_a_terminal(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NO_COLOR", raising=False)
    adapter = ConsoleAdapter(app.service, user="Ann", interactive=False)
    adapter.console = Console(file=io.StringIO(), force_terminal=True, color_system="standard", width=100)
    await adapter.handle("/flask-quiz example-trailing-slash")
    shown = adapter.console.file.getvalue()  # type: ignore[attr-defined]
    assert "\x1b[1;36m── [practice]" in shown  # the header in colour
    code_line = next(line for line in shown.splitlines() if "app" in line and "Flask(" in line)
    assert len(ANSI.findall(code_line)) >= 4  # highlighted tokens
    assert "app = Flask(__name__)" in ANSI.sub("", shown)


async def test_leaderboard_columns_are_labelled(chat: Chat, app: App) -> None:
    await chat.say("/daily")
    daily = chat.adapter.daily
    assert daily is not None
    await chat.say(right_letter(app, daily.question_id))
    await chat.say("/as Bob")
    board = await chat.say("/leaderboard")
    header = next(line for line in board.splitlines() if "Player" in line)
    assert header.split() == ["#", "Player", "Points", "Right/answered"]
    row = next(line for line in board.splitlines() if "Ann" in line)
    assert row.split()[0] == "1" and row.split()[-1] == "1/1"
    assert "You are not on this board yet" in board
    reveal = await chat.say("/close")
    assert "answer revealed" in reveal and "1 answered, 100% correct." in reveal and "First correct: Ann" in reveal
    assert chat.adapter.daily is None
    stats = await chat.say("/flask-quiz stats")
    assert "Stats for Bob" in stats and "Answered 0" in stats


async def test_times_in_the_console_zone(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    app = make_app(db_url, clock, settings=Settings(console=ConsoleSection(timezone="Asia/Tokyo")))
    try:
        out = io.StringIO()
        adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=200)
        await adapter.handle("/flask-quiz more junior")
        await adapter.handle("B")
        assert re.search(r"Next review of this question: \w{3} \d\d \w{3} \d\d:\d\d JST", out.getvalue())
    finally:
        app.close()


async def test_times_in_the_machine_zone_by_default(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TZ", "America/New_York")
    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=200)
    app.service.add_poster(adapter)
    await adapter.handle("/daily")
    assert re.search(r"closes \w{3} \d\d \w{3} \d\d:\d\d EST", out.getvalue())


def test_durations_parse_ascii_only() -> None:
    assert [commands.parse_duration(t) for t in ("90", "90m", "8h", "1d", "1h30m", "2d3h")] == [
        90, 90, 480, 1440, 90, 2 * 1440 + 180]
    for bad in ("", "h", "8 h", "①", "٨h", "1.5h", "-5", "8x"):
        with pytest.raises(commands.ParseError):
            commands.parse_duration(bad)


# -- the prompt ---------------------------------------------------------------------------


async def type_keys(keys: object, out: io.StringIO, text: str, *, until: str, count: int = 1) -> None:
    """Type ``text`` at the prompt and wait until ``until`` has been shown ``count`` times."""
    keys.send_text(text)  # type: ignore[attr-defined]
    async with asyncio.timeout(10):
        while out.getvalue().count(until) < count:
            await asyncio.sleep(0.02)


async def test_prompt_history_line_editing_and_ctrl_d(app: App) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import InMemoryHistory
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=True, width=200)
    with create_pipe_input() as keys:
        session: PromptSession[str] = PromptSession(input=keys, output=DummyOutput(), history=InMemoryHistory())
        running = asyncio.ensure_future(adapter.run(session=session))
        await type_keys(keys, out, "/stats\r", until="Stats for Ann")
        await type_keys(keys, out, "\x1b[A\r", until="Stats for Ann", count=2)  # Up: the last line again
        # "/stxts" mended with Left, Left, Backspace and "a".
        await type_keys(keys, out, "/stxts\x1b[D\x1b[D\x7fa\r", until="Stats for Ann", count=3)
        keys.send_text("\x04")  # Ctrl-D
        await asyncio.wait_for(running, 10)
    shown = out.getvalue()
    assert shown.startswith("Flask interview drill · you are Ann")
    assert "I don't know" not in shown
    assert shown.endswith("\n\n\n")  # Ctrl-D: a newline, so the shell prompt starts on its own line


async def test_prompt_ctrl_c_leaves_at_once(app: App) -> None:
    from prompt_toolkit import PromptSession
    from prompt_toolkit.input import create_pipe_input
    from prompt_toolkit.output import DummyOutput

    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=True, width=200)
    with create_pipe_input() as keys:
        running = asyncio.ensure_future(adapter.run(session=PromptSession(input=keys, output=DummyOutput())))
        await type_keys(keys, out, "/flask-quiz more junior\r", until="more-junior-choice")
        keys.send_text("\x03")  # Ctrl-C
        await asyncio.wait_for(running, 10)
    assert out.getvalue().endswith("Answer with a letter (A, B, C, D).\n\n\n")


class Pty:
    """The real `drillbot console` on a pseudo-terminal, as a person at a terminal runs it."""

    def __init__(self, args: list[str], cwd: Path, env: dict[str, str]) -> None:
        import fcntl
        import pty
        import struct
        import termios

        self.master, slave = pty.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 100, 0, 0))
        self.proc = subprocess.Popen([sys.executable, "-m", "bot.runtime.cli", *args], stdin=slave, stdout=slave,
                                     stderr=slave, cwd=cwd, env=env, start_new_session=True)
        os.close(slave)
        self.seen = b""

    def read_until(self, needle: str, timeout: float = 20, *, count: int = 1) -> str:
        end = time.monotonic() + timeout
        while self.seen.count(needle.encode()) < count:
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"{needle!r} not shown; the screen has: {self.text()[-2000:]!r}")
            ready, _, _ = select.select([self.master], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.master, 65536)
                except OSError:  # the child closed the terminal
                    chunk = b""
                if not chunk:
                    raise AssertionError(f"ended before {needle!r}: {self.text()[-2000:]!r}")
                self.seen += chunk
        return self.text()

    def drain(self) -> None:
        with_timeout = time.monotonic() + 5
        while time.monotonic() < with_timeout:
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if not ready:
                continue
            try:
                chunk = os.read(self.master, 65536)
            except OSError:
                return
            if not chunk:
                return
            self.seen += chunk

    def prompt(self, n: int) -> None:
        """Wait for the ``n``-th prompt (each one turns bracketed paste on): keys typed earlier would be
        echoed by the terminal itself, as at any busy program."""
        self.read_until("\x1b[?2004h", count=n)

    def type(self, keys: str) -> None:
        os.write(self.master, keys.encode())

    def text(self) -> str:
        return self.seen.decode(errors="replace")

    def close(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        os.close(self.master)


def _quiet_hours(tmp_path: Path) -> None:
    """A bot.toml in the test's folder whose console question is due in two hours: started at any time of
    day, the console opens with its welcome, not a daily question posted on the spot (at 09:00-17:00 UTC
    the default schedule's window is open, so a fresh console posted the day's question first)."""
    toml = tmp_path / "bot.toml"
    if not toml.exists():
        due = (datetime.now(UTC) + timedelta(hours=2)).strftime("%H:%M")
        toml.write_text(f'[console]\ntime = "{due}"\ntimezone = "UTC"\n')


def cli_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    _quiet_hours(tmp_path)
    # PROMPT_TOOLKIT_NO_CPR: the test's terminal does not answer cursor-position requests.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "XDG_DATA_HOME": str(tmp_path / "data"),
           "PROMPT_TOOLKIT_NO_CPR": "1"}
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DRILLBOT_CONFIG", "DRILLBOT_DATABASE_URL",
                "NO_COLOR", "COLUMNS", "LINES"):
        env.pop(var, None)
    env.update(extra)
    return env


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Pty]:
    term = Pty(["console", "--user", "Tess", "--db", str(tmp_path / "t.db")], tmp_path,
               cli_env(tmp_path, TERM="xterm-256color"))
    yield term
    term.close()


def test_terminal_ctrl_c_exits_at_once_with_history_on_disk(terminal: Pty, tmp_path: Path) -> None:
    first = terminal.read_until("Tess>")
    assert ANSI.sub("", first).lstrip().startswith("Flask interview drill · you are Tess")  # no log lines first
    assert "\x1b[" in first  # colour on a terminal
    terminal.prompt(1)
    terminal.type("/stats\r")
    terminal.read_until("Stats for Tess")
    terminal.prompt(2)
    terminal.type("\x1b[A")  # Up: the last line comes back, not ^[[A
    terminal.read_until("Tess> /stats")
    terminal.type("\r")
    terminal.read_until("Stats for Tess", count=2)
    terminal.prompt(3)
    assert "^[[A" not in terminal.text()
    started = time.monotonic()
    terminal.type("\x03")  # Ctrl-C
    assert terminal.proc.wait(timeout=10) == 0
    assert time.monotonic() - started < 5
    terminal.drain()
    assert terminal.text().endswith("\n")
    assert "/stats" in (tmp_path / "data" / "drillbot" / "console-history").read_text()


def test_terminal_ctrl_d_leaves_a_newline(terminal: Pty) -> None:
    terminal.prompt(1)
    terminal.type("\x04")  # Ctrl-D
    assert terminal.proc.wait(timeout=10) == 0
    terminal.drain()
    assert terminal.text().endswith("\n")


def test_no_color_on_a_terminal(tmp_path: Path) -> None:
    term = Pty(["console", "--user", "Nico", "--db", str(tmp_path / "n.db")], tmp_path,
               cli_env(tmp_path, TERM="xterm-256color", NO_COLOR="1"))
    try:
        term.prompt(1)
        term.type("/flask-quiz routing-default-methods-post\r")
        shown = term.read_until("Answer with a letter")
        term.prompt(2)
        assert "routing-default-methods-post" in shown
        assert not re.search(r"\x1b\[[0-9;]*3[0-7]m|\x1b\[1;3", shown)  # no colour codes at all
        term.type("\x04")
        assert term.proc.wait(timeout=10) == 0
    finally:
        term.close()


# -- the real command, piped --------------------------------------------------------------


def run_cli(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bot.runtime.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=cli_env(cwd), timeout=60)


def test_piped_console_through_the_real_command(tmp_path: Path) -> None:
    db = tmp_path / "play.db"
    script = ("help\nroutng junior\nleaderbord\n/schedule set window=①\n/flask-quiz routing junior\n/skip\n"
              "stats\n/stats\n")
    done = run_cli(["console", "--user", "Scripted", "--db", str(db)], script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert not any(line.startswith(("> ", "Scripted> ")) for line in done.stdout.splitlines())  # no prompts
    assert done.stdout.startswith("── Commands")
    assert "\x1b[" not in done.stdout  # no colour on a pipe
    assert "[practice] New question · Routing and views · junior" in done.stdout
    assert "Did you mean `/routing junior`?" in done.stdout
    assert "Did you mean `/leaderboard`?" in done.stdout and "'①' is not a duration" in done.stdout
    assert "Commands start with `/`: `/stats`" in " ".join(done.stdout.split())  # a question was open
    assert "Stats for Scripted" in done.stdout and "Answered 0 (0 daily, 0 practice)" in done.stdout


def test_the_readme_piped_example_answers_a_choice_question(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text()
    found = re.search(r"^printf '([^']*)' \| \.venv/bin/drillbot console --user ci$", readme, re.MULTILINE)
    assert found is not None, "the README's piped example"
    script = found.group(1).encode().decode("unicode_escape")
    first = script.splitlines()[0]
    assert first.startswith("/flask-quiz ")
    done = run_cli(["console", "--user", "ci", "--db", str(tmp_path / "ci.db")], script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert "Answer with a letter" in done.stdout and "Type your answer in a few sentences" not in done.stdout
    assert "· Correct!" in done.stdout
    assert "Stats for ci" in done.stdout and "Answered 1 (0 daily, 1 practice), 100% correct" in done.stdout
    # A second run on the same file remembers the first.
    again = run_cli(["console", "--user", "ci", "--db", str(tmp_path / "ci.db")], "stats\n", tmp_path)
    assert "Answered 1" in again.stdout


def test_ctrl_c_ends_a_piped_console_waiting_for_input(tmp_path: Path) -> None:
    """The input is read by a daemon thread: Ctrl-C never waits for a read that blocks."""
    import signal

    argv = [sys.executable, "-m", "bot.runtime.cli", "console", "--user", "w", "--db", str(tmp_path / "w.db")]
    proc = subprocess.Popen(argv,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path, env=cli_env(tmp_path))
    try:
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(b"/stats\n")
        proc.stdin.flush()
        assert b"Stats for w" in proc.stdout.readline()  # running, and now blocked reading the open pipe
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0  # SIGINT and SIGTERM shut down cleanly
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdin, proc.stdout):
            if stream is not None:
                stream.close()


def test_a_bad_byte_in_the_pipe_is_one_odd_line(tmp_path: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "bot.runtime.cli", "console", "--user", "b", "--db",
                           str(tmp_path / "b.db")], input=b"\xff\xfe\n/stats\n", capture_output=True,
                          cwd=tmp_path, env=cli_env(tmp_path), timeout=60)
    assert done.returncode == 0, done.stderr
    assert b"Stats for b" in done.stdout


def test_run_without_tokens_starts_the_console_quietly(tmp_path: Path) -> None:
    done = run_cli(["run", "--user", "New", "--db", str(tmp_path / "x.db")], "/flask-quiz daily\nquit\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "#daily · daily question" in done.stdout
    assert " INFO " not in done.stderr


def test_a_chat_bot_migrates_a_new_database_without_loading_alembic(tmp_path: Path) -> None:
    """`drillbot run` with a platform token migrates in a child process; the console does not."""
    import sqlite3
    from contextlib import closing

    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[bot]\ncontent = "{ROOT / "content"}"\n'
                   '[discord]\napi_base_url = "http://127.0.0.1:9/api/v10"\n'  # nothing listens: login fails
                   'gateway_url = "ws://127.0.0.1:9/gateway"\n')
    db = tmp_path / "bot.db"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "x", "PYTHONPROFILEIMPORTTIME": ""}
    env.pop("DRILLBOT_DATABASE_URL", None)
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "bot.runtime.cli", "run", "--config", str(cfg),
                           "--db", str(db)], capture_output=True, text=True, cwd=tmp_path, env=env, timeout=60)
    assert done.returncode != 0  # nothing answered the login, after start-up
    assert "cannot reach Discord at http://127.0.0.1:9/api/v10" in done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "sqlalchemy" in imported and "alembic" not in imported
    # closing(): sqlite3's own context manager only commits; an unclosed connection is a
    # ResourceWarning (an error here) on Python 3.13.
    with closing(sqlite3.connect(db)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None


async def test_a_practice_answer_can_be_rated_and_overruled(chat: Chat, app: App) -> None:
    from sqlalchemy import select

    from bot.storage.models import Report

    await chat.say("/flask-quiz example-trailing-slash")
    fb = await chat.say("A")
    assert "/again /hard /good /easy" in fb and "/right" not in fb
    rated = await chat.say("/easy")
    assert "Noted: easy." in rated and "Next review of this question" in rated
    assert "no practice answer" not in (await chat.say("/hard"))  # a second rating replaces the first
    await chat.say("/flask-quiz example-open-factory")
    wrong = await chat.say("It builds the app inside a function.")
    assert "Not quite." in wrong and "/right" in wrong
    right = await chat.say("/right")
    assert "Noted: you were right." in right
    with app.db.session() as s:
        assert s.execute(select(Report.kind, Report.answer_text)).all() == [
            ("overrule", "It builds the app inside a function.")]


async def test_a_daily_typed_answer_is_disputed_and_granted_in_the_console(chat: Chat, app: App) -> None:
    await chat.say("/schedule set 09:30 UTC topics=example levels=mid")
    for _ in range(3):
        shown = await chat.say("/daily")
        if "example-open-factory" in shown:
            break
        await chat.say("/close")
    assert "Not quite." in await chat.say("It makes the app in some function.")
    assert "Sent to this community's admins" in await chat.say("/dispute")
    assert "#1" in await chat.say("/disputes")
    granted = await chat.say("/grant 1")
    assert "granted" in granted and "privately" in granted


async def test_the_reveal_shows_how_many_chose_each_option(chat: Chat, app: App) -> None:
    await app.engine.schedules.set(chat.adapter.place, time_of_day="23:00", timezone="UTC", topics=("more",))
    await chat.say("/daily")
    daily = chat.adapter.daily
    assert daily is not None
    lq = app.engine.library.get(daily.question_id)
    assert lq is not None and lq.q.correct_index is not None
    right = lq.q.correct_index
    wrong = (right + 1) % len(lq.q.options)
    await chat.say("ABCDE"[right])
    await chat.say("/as Bob")
    await chat.say("ABCDE"[wrong])
    reveal = await chat.say("/close")
    expected = " · ".join(f"{'ABCDE'[i]} {1 if i in (right, wrong) else 0}{' ✓' if i == right else ''}"
                          for i in range(len(lq.q.options)))
    assert f"Chosen: {expected}" in reveal


async def test_schedule_set_shows_the_next_three_posts_in_the_channel_zone(chat: Chat) -> None:
    reply = await chat.say("/schedule set 23:30 Australia/Sydney weekends")
    # Monday 16 Nov 08:00 UTC; Sydney is on daylight time (AEDT, UTC+11) in November.
    assert "Next posts: Sat 21 Nov 23:30 AEDT; Sun 22 Nov 23:30 AEDT; Sat 28 Nov 23:30 AEDT" in reply


async def test_reminders_are_opted_in_and_printed_privately(chat: Chat, app: App, clock: FakeClock) -> None:
    assert "reviews due off" in await chat.say("/remind")
    assert "reviews due at 09:00 UTC" in await chat.say("/remind reviews 9 UTC")
    await chat.say("/flask-quiz more")
    await chat.say("A")
    clock.set(datetime(2026, 11, 17, 9, 5, tzinfo=UTC))
    assert await app.engine.reminders.tick() == 1
    assert "(to ann, privately) You have 1 practice question(s) due for review." in chat.out.getvalue()
    assert await app.engine.reminders.tick() == 0
    assert "Your reminders here: reviews due off" in await chat.say("/remind off")
