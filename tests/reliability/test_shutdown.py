"""SIGTERM and SIGINT during a burst of answers: the real `drillbot run` against the fake platforms.

What the operator's `docker stop` (SIGTERM) or Ctrl-C (SIGINT) must leave behind: every
answer a member was told the verdict of is stored, every stored answer was told (nothing
taken in is dropped), answers arriving while the bot drains are turned away with a notice
and not stored, the gateway and the Slack socket closed cleanly (close code 1000), the
scheduler stopped, the SQLite WAL checkpointed, exit code 0 within the drain bound.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from bot import wording
from bot.clock import SystemClock
from bot.config import Config, Settings
from bot.members.identity import Place
from bot.runtime.builder import App, build
from bot.runtime.inflight import DRAIN_SECONDS
from bot.storage.models import Account, Answer
from tests.discord.fake_discord import FakeDiscord, buttons, user
from tests.reliability.harness import SAMPLE, round_posts
from tests.slack.conftest import CHANNEL, find_button
from tests.slack.fake_slack import TEAM, FakeSlack, action_payload

BIN = Path(sys.executable).parent / "drillbot"
DRILLBOT = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "bot.runtime.cli"]
BURST = 300


def _app(db: Path) -> App:
    return build(Config(Settings(), None, SAMPLE, f"sqlite:///{db}"), clock=SystemClock(), key="test")


def _answered(db: Path) -> set[str]:
    app = _app(db)
    try:
        with app.db.session() as s:
            return set(s.execute(select(Account.external_id).join(Answer, Answer.account_id == Account.id))
                       .scalars())
    finally:
        app.close()


async def _stop(proc: asyncio.subprocess.Process, sig: signal.Signals, log: Path) -> tuple[int, float, str]:
    started = time.monotonic()
    proc.send_signal(sig)
    code = await asyncio.wait_for(proc.wait(), DRAIN_SECONDS + 20)
    return code, time.monotonic() - started, log.read_text()


async def _started(log: Path, timeout: float = 30) -> None:
    """Until the bot is past its start-up (catch-up done, scheduler running): a signal before that
    is a stop during start-up, which has no scheduler to stop."""
    deadline = time.monotonic() + timeout
    while "bot.runtime.service: scheduler started" not in log.read_text():
        assert time.monotonic() < deadline, log.read_text()
        await asyncio.sleep(0.05)


def _check_clean(err: str, db: Path) -> None:
    assert "Traceback" not in err and " ERROR " not in err, err
    assert "bot.runtime.service: scheduler stopped" in err, err
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0  # checkpointed into the database file


async def _schedule(db: Path, place: Place) -> None:
    """Due a minute ago: the catch-up at start posts it (multiple choice: topic "more")."""
    app = _app(db)
    try:
        at = datetime.now(UTC) - timedelta(minutes=1)
        await app.engine.schedules.set(place, time_of_day=f"{at:%H:%M}", timezone="UTC", topics=("more",))
    finally:
        app.close()


async def _launch(tmp_path: Path, db: Path, toml: str, **env: str) -> tuple[asyncio.subprocess.Process, Path]:
    (tmp_path / "bot.toml").write_text(f'[bot]\ncontent = "{SAMPLE}"\nlog_level = "INFO"\n' + toml)
    log = tmp_path / "stderr.log"
    with log.open("wb") as out:  # a file, not a pipe: a full pipe would stall the bot
        proc = await asyncio.create_subprocess_exec(
            *DRILLBOT, "run", "--config", str(tmp_path / "bot.toml"), "--db", str(db), cwd=tmp_path,
            env=_env(**env), stdout=asyncio.subprocess.DEVNULL, stderr=out)
    return proc, log


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in (
        "DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "SLACK_CLIENT_ID",
        "DRILLBOT_DATABASE_URL", "DRILLBOT_CONFIG")}
    return {**env, **extra}


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_discord_stop_during_an_answer_burst_loses_and_drops_nothing(
        tmp_path: Path, sig: signal.Signals) -> None:
    fake = FakeDiscord(guilds=1, channels_per_guild=1, global_limit=None)
    await fake.start()
    db = tmp_path / "bot.db"
    guild, channel = fake.guilds[0]["id"], fake.guilds[0]["channels"][0]["id"]
    await _schedule(db, Place("discord", guild, channel))
    proc, log = await _launch(tmp_path, db, f'[discord]\napi_base_url = "{fake.base_url}"\n'
                              f'gateway_url = "{fake.gateway_url}"\nthreads = false\n', DISCORD_TOKEN="test-token")
    try:
        [post] = await fake.wait_for(lambda: round_posts(fake, channel), timeout=30)
        await _started(log)
        choice = next(iter(buttons(post).values()))
        members = [user(900_000 + i, f"m{i}") for i in range(BURST)]
        sent = [await fake.click(post, choice, who=m) for m in members]
        await fake.wait_for(lambda: sum(1 for s in sent if s.id in fake.callbacks) >= 20, timeout=30)
        replied_before = sum(1 for s in sent if s.id in fake.callbacks)
        code, took, err = await _stop(proc, sig, log)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.close()
    assert code == 0, err
    assert took < DRAIN_SECONDS + 2  # the drain bound, and the closing after it
    assert replied_before < BURST  # the burst was in flight when the signal came
    told: set[str] = set()
    turned_away: set[str] = set()
    for m, s in zip(members, sent, strict=True):
        for rec in fake.callbacks.get(s.id, []):
            data: dict[str, Any] = (rec.body or {}).get("data") or {}
            if rec.status in (200, 204) and data.get("embeds"):
                told.add(m["id"])  # the verdict (feedback embed)
            elif rec.status in (200, 204) and data.get("content") == wording.RESTARTING:
                turned_away.add(m["id"])
    stored = _answered(db)
    assert told and told == stored  # every acknowledged answer stored, every stored answer acknowledged
    assert not turned_away & stored
    assert fake.close_codes and fake.close_codes[-1] == 1000  # the gateway closed cleanly
    _check_clean(err, db)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_slack_socket_stop_during_an_answer_burst_loses_and_drops_nothing(
        tmp_path: Path, sig: signal.Signals) -> None:
    fake = FakeSlack()
    await fake.start()
    db = tmp_path / "bot.db"
    await _schedule(db, Place("slack", TEAM, CHANNEL))
    proc, log = await _launch(tmp_path, db, f'[slack]\nmode = "socket"\napi_base_url = "{fake.api_url}"\n'
                              'post_interval = 0.0\n', SLACK_BOT_TOKEN="xoxb-test", SLACK_APP_TOKEN="xapp-test")
    acked: set[str] = set()
    try:
        [post] = await fake.wait_for(lambda: fake.messages(CHANNEL), timeout=30)
        await _started(log)
        button = find_button(post["blocks"], "A")
        members = [f"U{900_000 + i}" for i in range(BURST)]
        urls = {m: fake.response_url() for m in members}

        async def click(m: str) -> None:
            payload = action_payload(user=m, action={"type": "button", "block_id": "b", **button}, message=post,
                                     channel=CHANNEL, response_url=urls[m], ephemeral=False)
            try:
                await fake.send_envelope("interactive", payload, timeout=DRAIN_SECONDS + 5)
            except (AssertionError, ConnectionError, RuntimeError, TimeoutError):
                return  # the socket closed before this one was sent or acknowledged
            acked.add(m)

        burst = asyncio.gather(*(click(m) for m in members))
        await fake.wait_for(lambda: len(fake.responses) >= 20, timeout=30)
        replied_before = len(fake.responses)
        code, took, err = await _stop(proc, sig, log)
        # Each click may wait 5 s for a socket and then DRAIN_SECONDS + 5 for its ack (above).
        await asyncio.wait_for(burst, DRAIN_SECONDS + 15)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
        await fake.stop()
    assert code == 0, err
    assert took < DRAIN_SECONDS + 2  # the drain bound, and the closing after it
    assert replied_before < BURST  # the burst was in flight when the signal came
    by_url = {u: m for m, u in urls.items()}
    told = {by_url[r.url_id if r.url_id.startswith("http") else f"{fake.url}/response/{r.url_id}"]
            for r in fake.responses}
    stored = {e.rsplit(":", 1)[-1] for e in _answered(db)}
    assert told and told == stored  # every stored answer's verdict reached its member, and nothing else was told
    assert acked <= stored  # an envelope acknowledged was stored (Slack will not send it again)
    assert fake.close_codes and fake.close_codes[-1] == 1000  # the socket closed cleanly
    _check_clean(err, db)
