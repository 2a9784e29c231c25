"""Running it: `drillbot run` with a token, command sync, sharding, and where traffic goes."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import discord
import pytest

from adapters.discord.poster import Pacer
from bot.clock import FakeClock
from bot.runtime import cli
from tests.conftest import make_app
from tests.discord.conftest import ANN, BotFactory, settings_for
from tests.discord.fake_discord import FakeDiscord, opt


async def test_drillbot_run_connects_when_the_token_is_set(fake: FakeDiscord, db_url: str, clock: FakeClock,
                                                           tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "secret-token")
    monkeypatch.chdir(tmp_path)  # the command fingerprint file lands in the data folder
    app = make_app(db_url, clock, settings=settings_for(fake))
    task = asyncio.create_task(cli._run(app, ""))
    try:
        await fake.wait_for(lambda: app.service.scheduler is not None and app.service.scheduler.running,
                            timeout=10)  # fully started
        assert "discord" in app.engine.rounds.posters
        [login] = fake.sent("GET", "/users/@me")
        sent = await fake.slash("flask-quiz", opt("topic", "more"), who=ANN)
        assert (await fake.callback(sent))["type"] == 4
        assert login.path == "/users/@me"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        app.close()


async def test_commands_are_synced_only_when_their_definitions_change(make_bot: BotFactory, fake: FakeDiscord,
                                                                      tmp_path: Path) -> None:
    first = await make_bot()
    assert first.runner.client.synced == ["global"]  # type: ignore[attr-defined]
    names = sorted(c["name"] for c in fake.commands["global"])
    assert names == ["flask-admin", "flask-forget-me", "flask-help", "flask-interview", "flask-leaderboard",
                     "flask-live", "flask-quiz", "flask-reminders", "flask-report", "flask-stats"]
    quiz = next(c for c in fake.commands["global"] if c["name"] == "flask-quiz")
    level = next(o for o in quiz["options"] if o["name"] == "level")
    assert [c["value"] for c in level["choices"]] == ["junior", "mid", "senior"] and level["description"]
    again = await make_bot()
    assert again.runner.client.synced == []  # type: ignore[attr-defined]
    assert len(fake.sent("PUT", r"/applications/\d+/commands")) == 1

    (tmp_path / ".drillbot-discord-commands.json").write_text('{"0:global": "an older tree"}')
    changed = await make_bot()
    assert changed.runner.client.synced == ["global"]  # type: ignore[attr-defined]
    assert len(fake.sent("PUT", r"/applications/\d+/commands")) == 2


async def test_dev_guilds_get_the_commands_instantly_instead_of_globally(make_bot: BotFactory,
                                                                         fake: FakeDiscord) -> None:
    gid = int(fake.guilds[1]["id"])
    await make_bot(dev_guilds=[gid])
    assert fake.sent("PUT", r"/applications/\d+/commands") == []
    assert len(fake.sent("PUT", rf"/applications/\d+/guilds/{gid}/commands")) == 1
    reply = await fake.callback(await fake.slash("flask-quiz", who=ANN, guild=1))
    assert reply["type"] == 4


async def test_sharded_with_every_shard_in_one_process(make_bot: BotFactory, fake: FakeDiscord) -> None:
    bot = await make_bot(shard_count=2)
    assert isinstance(bot.runner.client, discord.AutoShardedClient)
    assert sorted(s.shard for s in fake.sessions.values()) == [(0, 2), (1, 2)]
    for guild in (0, 1):  # guild 0 lives on shard 0, guild 1 on shard 1
        reply = await fake.callback(await fake.slash("flask-quiz", who=ANN, guild=guild))
        assert reply["type"] == 4


async def test_a_process_runs_only_its_shards(make_bot: BotFactory, fake: FakeDiscord) -> None:
    bot = await make_bot(shard_count=2, shard_ids=[1], broadcast_rate=40.0)
    assert [s.shard for s in fake.sessions.values()] == [(1, 2)]
    assert bot.runner.poster.pacer.interval == pytest.approx(1 / 20)  # half the shards, half the rate


async def test_rest_and_gateway_go_where_bot_toml_says(make_bot: BotFactory, fake: FakeDiscord) -> None:
    await make_bot()
    assert fake.base_url == discord.http.Route.BASE
    paths = {r.path for r in fake.requests}
    assert {"/users/@me", "/oauth2/applications/@me"} <= paths
    assert len(fake.sessions) == 1


async def test_the_pacer_never_bursts_even_after_the_event_loop_was_busy() -> None:
    pacer = Pacer(100.0)
    granted: list[float] = []

    async def one() -> None:
        await pacer.take()
        granted.append(time.monotonic())

    tasks = [asyncio.create_task(one()) for _ in range(60)]
    await asyncio.sleep(0.1)
    time.sleep(0.2)  # a blocked event loop: grants that were due meanwhile must not go out together
    await asyncio.gather(*tasks)
    gaps = [b - a for a, b in itertools.pairwise(granted)]
    assert min(gaps) >= 0.0049  # catching up after the stall: at most twice the pace
    # ... and only until the time lost is won back: what the short gaps gain never exceeds what
    # the long ones lost (the 0.2 s stall, plus whatever a loaded machine adds).
    won = sum(0.01 - g for g in gaps if g < 0.01)
    lost = sum(g - 0.01 for g in gaps if g > 0.01)
    assert lost >= 0.19 and won <= lost + 0.01, (won, lost)
    assert all(sum(1 for t in granted if s <= t < s + 1.0) <= 100 for s in granted)
