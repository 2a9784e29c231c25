"""SIGKILL the bot at random points of a broadcast, restart it: every channel gets its question once."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL
from tests.discord.fake_discord import FakeDiscord
from tests.reliability.harness import outcome, schedule_all, start_child, wait_all_posted

CHANNELS = 100  # two guilds of 50


@pytest.fixture
async def wide() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(guilds=2, channels_per_guild=CHANNELS // 2, global_limit=None)
    await fake.start()
    yield fake
    await fake.close()


def posts_sent(fake: FakeDiscord) -> int:
    return len(fake.sent("POST", r"/channels/\d+/messages"))


@pytest.mark.parametrize(("seed", "nonce_window"), [(1, 300.0), (2, 300.0), (3, 0.0)])
async def test_killed_twice_during_a_broadcast_every_channel_gets_one_post(
        wide: FakeDiscord, db_url: str, tmp_path: Path, seed: int, nonce_window: float) -> None:
    """nonce_window 0: Discord no longer remembers the nonce, so only the history lookup prevents doubles."""
    fake, rng = wide, random.Random(seed)
    fake.nonce_window = nonce_window
    await schedule_all(fake, db_url)
    for _kill in range(2):
        child = await start_child(fake, db_url, tmp_path)
        target = posts_sent(fake) + rng.randint(1, CHANNELS // 3)
        # Generous: a child starting on a loaded machine takes seconds before its first post.
        await fake.wait_for(lambda t=target: posts_sent(fake) >= t, timeout=180)  # type: ignore[misc]
        await asyncio.sleep(rng.random() * 0.03)  # anywhere between two requests, or during one
        await child.kill()
    child = await start_child(fake, db_url, tmp_path)
    try:
        rows = await wait_all_posted(db_url, CHANNELS)
    finally:
        await child.kill()
    result = outcome(fake, rows)
    assert sorted(set(result.posts_per_channel.values())) == [1]  # exactly one post in every channel
    assert result.missing_ref == 0 and result.wrong_ref == 0  # each round knows its one message
    assert result.unseen_reveals == 0


@pytest.mark.skipif(not PG_URL, reason="two processes on one database: PostgreSQL")
async def test_two_processes_one_killed_the_survivor_retries_its_posts_and_closes_every_round(
        wide: FakeDiscord, db_url: str, tmp_path: Path) -> None:
    from datetime import UTC, datetime, timedelta

    from sqlalchemy import text

    from tests.reliability.harness import rounds, sql

    fake = wide
    await schedule_all(fake, db_url)
    one = await start_child(fake, db_url, tmp_path / "one")
    two = await start_child(fake, db_url, tmp_path / "two")
    try:
        await fake.wait_for(lambda: posts_sent(fake) >= CHANNELS // 4, timeout=60)
        await one.kill()  # mid-broadcast: its rounds are pending or posting, their close timers gone with it
        rows = await wait_all_posted(db_url, CHANNELS)
        assert sorted(set(outcome(fake, rows).posts_per_channel.values())) == [1]
        # Bring every window's end to a few seconds from now: only the survivor can close them.
        closes = datetime.now(UTC) + timedelta(seconds=3)
        await asyncio.to_thread(sql, db_url, text("UPDATE rounds SET closes_at = :at"), {"at": closes})
        deadline = asyncio.get_running_loop().time() + 30
        while True:
            rows = await asyncio.to_thread(rounds, db_url)
            if all(r.closed_at is not None for r in rows) or asyncio.get_running_loop().time() > deadline:
                break
            await asyncio.sleep(0.2)

        def revealed() -> set[str]:
            return {rec.path.split("/")[2] for rec in fake.sent("PATCH", r"/channels/\d+/messages/\d+")
                    if rec.status == 200}
        await fake.wait_for(lambda: len(revealed()) == CHANNELS, timeout=30)  # reveals are paced too
    finally:
        await two.kill()
        await one.kill()
    assert all(r.closed_at is not None for r in rows)
    late = max((r.closed_at - r.closes_at).total_seconds() for r in rows if r.closed_at is not None)
    assert late < 1.0  # on time: by the survivor's close timers, armed by its sweep for every round
