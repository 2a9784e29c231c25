"""`/live` in the console: a live quiz for whoever is at the terminal, through the adapter's line handler."""

from __future__ import annotations

import io
import os
import select
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.clock import FakeClock
from bot.runtime import commands
from bot.runtime.builder import App
from tests.test_console import Chat, cli_env


@pytest.fixture
async def chat(app: App) -> AsyncIterator[Chat]:
    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False, width=200)
    app.service.add_poster(adapter)  # also the sink of live sessions
    await app.service.start()
    yield Chat(adapter, out)
    await app.service.stop()


def letter(app: App, chat: Chat, *, right: bool) -> str:
    q = chat.adapter.live
    assert q is not None
    lq = app.engine.library.get(q.card.question_id)
    assert lq is not None and lq.q.correct_index is not None
    i = lq.q.correct_index if right else (lq.q.correct_index + 1) % len(q.card.options)
    return "ABCDE"[i]


async def test_a_live_quiz_in_the_terminal(chat: Chat, app: App, clock: FakeClock) -> None:
    reply = await chat.say("/live count=2 seconds=10")
    assert "Live quiz by Ann: 2 questions, 10 s each" in reply
    assert "Live question 1 of 2" in reply
    clock.advance(seconds=2)
    reply = await chat.say(letter(app, chat, right=True))
    assert "Locked in" in reply and "after 2.0 s" in reply
    assert "Question 1 of 2 revealed" in reply and "1. Ann  100 pts" in reply  # the only player answered
    assert chat.adapter.live is None
    clock.advance(seconds=5)
    start = len(chat.out.getvalue())
    await app.engine.live.tick()  # what the scheduler does every second
    assert "Live question 2 of 2" in chat.out.getvalue()[start:]
    clock.advance(seconds=10)  # no answer: the time runs out
    start = len(chat.out.getvalue())
    await app.engine.live.tick()
    shown = chat.out.getvalue()[start:]
    assert "Question 2 of 2 revealed" in shown and "Live quiz over!" in shown
    assert "(to Ann, privately) You came 1 of 1 with 100 points, 1 of 2 right." in shown
    reply = await chat.say("/live stop")
    assert "No live quiz is running" in reply


async def test_live_options_errors_and_stop(chat: Chat) -> None:
    assert "1 to 30" in await chat.say("/live count=40")
    assert "Unknown option 'rounds'" in await chat.say("/live rounds=3")
    assert "Unknown topic(s) 'nope'" in await chat.say("/live topics=nope")
    await chat.say("/live count=2")
    reply = await chat.say("/live stop")
    assert "Live quiz stopped by Ann. 0 of 2 questions asked." in reply
    assert "The live quiz was stopped." in reply


async def test_help_lists_live(chat: Chat) -> None:
    assert "/live [count=10]" in await chat.say("/help")


def test_live_parses_options() -> None:
    cmd = commands.parse("/flask-quiz live count=5 topics=routing,testing levels=mid seconds=20",
                         topics={"routing", "testing"}, levels=("junior", "mid", "senior"))
    assert cmd == commands.Live(count=5, topics=("routing", "testing"), levels=("mid",), seconds=20)
    assert commands.parse("live stop", topics=(), levels=()) == commands.Live(stop=True)
    with pytest.raises(commands.ParseError, match="whole number"):
        commands.parse("live count=ten", topics=(), levels=())


def test_a_live_quiz_through_the_real_command_with_real_timers(tmp_path: Path) -> None:
    """`drillbot console` on a pipe: the scheduler's tick posts the next question when its time comes."""
    argv = [sys.executable, "-m", "bot.runtime.cli", "console", "--user", "Solo", "--db", str(tmp_path / "l.db")]
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, cwd=tmp_path, env=cli_env(tmp_path))
    seen = b""

    def until(text: bytes, timeout: float = 20) -> None:
        nonlocal seen
        assert proc.stdout is not None
        end = time.monotonic() + timeout
        while text not in seen:
            left = end - time.monotonic()
            assert left > 0, f"never printed {text!r}; got {seen.decode()[-800:]!r}"
            ready, _, _ = select.select([proc.stdout], [], [], left)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                assert chunk, seen.decode()[-800:]
                seen += chunk

    try:
        assert proc.stdin is not None
        proc.stdin.write(b"/live count=2 seconds=10\n")
        proc.stdin.flush()
        until(b"Live question 1 of 2")
        proc.stdin.write(b"A\n")
        proc.stdin.flush()
        until(b"Question 1 of 2 revealed")
        started = time.monotonic()
        until(b"Live question 2 of 2")  # 5 s of reveal, by the real clock
        assert time.monotonic() - started > 3
        until(b"Live quiz over!", timeout=25)  # nobody answers: 10 s later the time is up
        until(b"(to Solo, privately) You came 1 of 1")
        proc.stdin.close()
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for pipe in (proc.stdin, proc.stdout):
            if pipe is not None and not pipe.closed:
                pipe.close()


@pytest.fixture
async def full_chat(full_app: App) -> AsyncIterator[Chat]:
    out = io.StringIO()
    adapter = ConsoleAdapter(full_app.service, user="Ann", out=out, interactive=False, width=200)
    full_app.service.add_poster(adapter)  # also the interviews' sink (a time-out's scorecard)
    await full_app.service.start()
    yield Chat(adapter, out)
    await full_app.service.stop()


async def test_a_mock_interview_in_the_terminal(full_chat: Chat, full_app: App, clock: FakeClock) -> None:
    chat, app = full_chat, full_app
    reply = await chat.say("/interview mid length=3 minutes=10")
    assert "[interview] question 1 of 3" in reply and "No feedback until the end" in reply
    q = chat.adapter.player.interview
    assert q is not None
    lq = app.engine.library.get(q.card.question_id)
    assert lq is not None
    reply = await chat.say(lq.q.model_answer or "ABCDE"[lq.q.correct_index or 0])  # a plain line answers it
    assert "[interview] question 2 of 3" in reply and "Right" not in reply and "missed" not in reply
    assert "[interview] question 3 of 3" in await chat.say("/interview skip")
    assert "This list" in await chat.say("/help")  # commands still work mid-interview
    clock.advance(minutes=11)  # the last one is never answered: the scheduler's tick ends it
    start = len(chat.out.getvalue())
    await app.engine.interviews.tick()
    shown = chat.out.getvalue()[start:]
    assert "(to Ann, privately)" in shown and "the time is up" in shown and "Study list:" in shown
    assert chat.adapter.player.interview is None
    assert "not answered" in shown and "Score " in shown
    reply = await chat.say("/interview history")
    assert "Interviews of Ann" in reply and "(1 of 3 answered)" in reply
    assert "You have no interview running" in await chat.say("/interview stop")
