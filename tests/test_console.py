"""Conversations through the console adapter, in-process and through the real `drillbot` command."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsoleAdapter
from bot.runtime.builder import App
from tests.conftest import ROOT


class Chat:
    """say() a line, read what the console printed in reply."""

    def __init__(self, adapter: ConsoleAdapter, out: io.StringIO) -> None:
        self.adapter = adapter
        self.out = out

    async def say(self, line: str) -> str:
        start = len(self.out.getvalue())
        await self.adapter.handle(line)
        return self.out.getvalue()[start:]


@pytest.fixture
async def chat(app: App) -> AsyncIterator[Chat]:
    out = io.StringIO()
    adapter = ConsoleAdapter(app.service, user="Ann", out=out, interactive=False)
    app.service.add_poster(adapter)
    await app.service.start()
    yield Chat(adapter, out)
    await app.service.stop()


async def test_practice_then_answer_by_letter(chat: Chat, app: App) -> None:
    reply = await chat.say("/flask-quiz more senior")
    assert "more-senior-choice" in reply and "C) Setup code in the app factory" in reply
    reply = await chat.say("c")
    assert "Correct!" in reply and "Docs: https://flask.palletsprojects.com/en/stable/changes/" in reply
    assert "Next review" in reply


async def test_wrong_answer_teaches(chat: Chat) -> None:
    await chat.say("/flask-quiz more junior")
    reply = await chat.say("A")
    assert "Not quite." in reply and "You chose: Only POST" in reply
    assert "Right answer: GET (plus HEAD and OPTIONS, added automatically)" in reply


async def test_open_answer_shows_covered_and_missed(chat: Chat) -> None:
    await chat.say("/flask-quiz example mid")
    card = chat.adapter.current
    assert card is not None
    if card.kind != "open":  # two mid questions in the topic: pass on the true/false one first
        await chat.say("B")
        await chat.say("/flask-quiz example mid")
    reply = await chat.say("I would write a create_app function and call init_app on every extension")
    assert "✓ The app is created inside a function such as create_app" in reply
    assert "✗ missed: Each test or environment gets its own app and configuration" in reply
    assert "Model answer:" in reply


async def test_daily_round_answer_leaderboard_and_reveal(chat: Chat, app: App) -> None:
    reply = await chat.say("/flask-quiz daily")
    assert "#daily · daily question" in reply and "[daily #1]" in reply
    card = chat.adapter.current
    assert card is not None
    lq = app.engine.library.get(card.question_id)
    assert lq is not None
    right = lq.q.model_answer if lq.q.kind == "open" else "ABCDE"[lq.q.correct_index or 0]
    reply = await chat.say(right or "")
    assert "Correct!" in reply and "points" in reply
    assert await chat.say(right or "") == reply  # answers are final: the stored answer's feedback again
    await chat.say("/as Bob")
    board = await chat.say("leaderboard")
    assert "1. Ann" in board and "You are not on this board yet" in board
    reveal = await chat.say("close")
    assert "answer revealed" in reveal and "1 answered, 100% correct." in reveal and "First correct: Ann" in reveal
    stats = await chat.say("/flask-quiz stats")
    assert "Stats for Bob" in stats and "Answered 0" in stats


async def test_schedule_commands(chat: Chat) -> None:
    reply = await chat.say("/flask-quiz schedule set 07:45 Asia/Tokyo mon,wed window=90")
    assert "07:45 Asia/Tokyo on mon,wed" in reply and "answers open 90 min" in reply
    bad = await chat.say("schedule set 25:00 UTC")
    assert "'25:00' is not a time" in bad
    assert "unknown time zone" in await chat.say("schedule set 09:00 Moon/Base")
    assert "paused" in await chat.say("schedule pause")
    assert "paused" in await chat.say("schedule")
    assert "back on" in await chat.say("schedule resume")


async def test_unknown_command_gets_help_and_nothing_breaks(chat: Chat) -> None:
    reply = await chat.say("/flask-quiz dance please")
    assert "I don't know `dance please`" in reply and "/flask-quiz stats" in reply
    assert "no open question to answer" in (await chat.say("answer B"))
    assert "Leaderboards are: week, month, all" in await chat.say("leaderboard yearly")


async def test_forget_me(chat: Chat) -> None:
    await chat.say("/flask-quiz more junior")
    await chat.say("B")
    assert "deleted" in await chat.say("/flask-quiz forget-me")
    assert "Answered 0" in await chat.say("stats")


def run_cli(args: list[str], stdin: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DRILLBOT_CONFIG", "DRILLBOT_DATABASE_URL"):
        env.pop(var, None)
    return subprocess.run([sys.executable, "-m", "bot.runtime.cli", *args], input=stdin, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=60)


def test_piped_console_through_the_real_command(tmp_path: Path) -> None:
    db = tmp_path / "play.db"
    script = "help\n/flask-quiz routing junior\nA\nstats\n"
    done = run_cli(["console", "--user", "Scripted", "--db", str(db)], script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert not any(line.startswith("> ") for line in done.stdout.splitlines())  # no prompts when piped
    assert done.stdout.startswith("── Commands")
    assert "[practice] New question · Routing and views · junior" in done.stdout
    assert ("Correct!" in done.stdout) != ("Not quite." in done.stdout)
    assert "Stats for Scripted" in done.stdout and "Answered 1 (0 daily, 1 practice)" in done.stdout
    # A second run on the same file remembers the first.
    again = run_cli(["console", "--user", "Scripted", "--db", str(db)], "stats\n", tmp_path)
    assert "Answered 1" in again.stdout


def test_run_without_tokens_starts_the_console(tmp_path: Path) -> None:
    done = run_cli(["run", "--user", "New", "--db", str(tmp_path / "x.db")], "/flask-quiz daily\nquit\n", tmp_path)
    assert done.returncode == 0, done.stderr
    assert "#daily · daily question" in done.stdout
    assert "starting the local console" in done.stderr


def test_a_chat_bot_migrates_a_new_database_without_loading_alembic(tmp_path: Path) -> None:
    """`drillbot run` with a platform token migrates in a child process; the console does not."""
    import sqlite3

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
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() is not None
