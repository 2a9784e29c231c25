"""Posting through real discord.py under 429 storms, server errors and dropped connections."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.clock import FakeClock
from bot.members.identity import Place
from bot.runtime.service import post_job
from bot.storage.models import Channel, Round
from tests.discord.conftest import Bot, BotFactory
from tests.discord.fake_discord import FakeDiscord, sub
from tests.discord.test_daily import posts


def widen(fake: FakeDiscord, n: int) -> list[Place]:
    """Give guild 0 ``n`` channels in all; their places."""
    extra = n - len(fake.guilds[0]["channels"])
    fake.guilds[0]["channels"] += [{**fake.guilds[0]["channels"][0], "id": str(10**17 + i)} for i in range(extra)]
    return [Place("discord", str(fake.guilds[0]["id"]), c["id"]) for c in fake.guilds[0]["channels"]]


async def schedule(bot: Bot, places: list[Place]) -> list[int]:
    for p in places:
        await bot.app.engine.schedules.set(p, time_of_day="08:00", timezone="UTC")
    return [s.channel_id for s in await bot.app.engine.schedules.active()]


def max_per_second(times: list[float]) -> int:
    return max((sum(t <= u < t + 1.0 for u in times) for t in times), default=0)


def check_posted_once(bot: Bot, places: list[Place]) -> None:
    for p in places:
        assert len(posts(bot.fake, p.channel)) == 1, p.channel
    with bot.app.db.session() as s:
        rows = s.execute(select(Round)).scalars().all()
    assert len(rows) == len(places) and {r.post_state for r in rows} == {"posted"}
    for r in rows:
        assert r.message_ref is not None
        cid, mid, _thread = r.message_ref.split(":")
        assert [m["id"] for m in posts(bot.fake, cid)] == [mid]


@pytest.mark.parametrize("threads", [False, True])
async def test_global_and_per_route_429_waves_keep_the_pace_and_lose_nothing(
        make_bot: BotFactory, threads: bool) -> None:
    """Every post (and its thread) through 429 waves: no second above the rate, under 1 % refused."""
    rate = 45.0
    bot = await make_bot(threads=threads, broadcast_rate=rate)
    fake = bot.fake
    places = widen(fake, 220 if threads else 120)
    channels = await schedule(bot, places)
    hot = [p.channel for p in places[5:8]]
    start = len(fake.requests)
    broadcast = asyncio.gather(*(post_job(bot.app.service.key, c) for c in channels))
    await fake.wait_for(lambda: fake.sent("POST", r"/channels/\d+/messages"), timeout=30)
    fake.storm(start_in=0.3, duration=0.5, is_global=True)  # every route refused for half a second
    fake.storm(start_in=0.0, duration=4.0, is_global=False,
               path=rf"/channels/({'|'.join(hot)})/messages(/\d+/threads)?")
    await broadcast
    sent = [r for r in fake.requests[start:] if not r.path.startswith("/interactions/")]
    check_posted_once(bot, places)
    if threads:
        made = {r.path.split("/")[4] for r in fake.sent("POST", r"/channels/\d+/messages/\d+/threads")
                if r.status == 201}
        assert len(made) == len(places)  # every question got its discussion thread
    assert max_per_second([r.at for r in sent]) <= rate  # as the server saw it, 429s included
    limited = [r for r in sent if r.status == 429]
    # Each wave costs at most one refusal per route it covers, plus what was already in flight.
    assert fake.global_429s == 0 and 1 <= len(limited) <= len(hot) + 2
    if threads:
        assert len(limited) < 0.01 * len(sent)
    assert bot.runner.pacer.limited == len(limited)


async def test_discord_py_retries_take_turns_too(make_bot: BotFactory) -> None:
    """discord.py tries a 429'd request five times on its own: each try is paced."""
    bot = await make_bot(threads=False, broadcast_rate=20.0)
    fake = bot.fake
    places = widen(fake, 30)
    channels = await schedule(bot, places)
    fake.inject(429, "POST", r"/channels/\d+/messages", times=40, retry_after=0.0)  # no wait asked for
    await asyncio.gather(*(post_job(bot.app.service.key, c) for c in channels))
    check_posted_once(bot, places)
    times = [r.at for r in fake.sent("POST", r"/channels/\d+/messages")]
    assert len(times) == 70 and max_per_second(times) <= 20


async def test_server_errors_and_dropped_connections_are_retried_and_post_once(
        make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot(threads=True)
    bot.runner.poster.backoff = 0.01
    fake = bot.fake
    places = widen(fake, 7)
    c = [p.channel for p in places]
    for status, ch in ((500, c[0]), (502, c[1]), (504, c[2])):  # discord.py retries these itself
        fake.inject(status, "POST", rf"/channels/{ch}/messages")
    fake.inject(503, "POST", rf"/channels/{c[3]}/messages", times=2)  # discord.py does not: the poster does
    fake.inject_reset("POST", rf"/channels/{c[4]}/messages")  # dropped before Discord saw it
    fake.inject_reset("POST", rf"/channels/{c[5]}/messages", after=True)  # made, but the answer was lost
    fake.inject(503, "POST", rf"/channels/{c[6]}/messages", times=6)  # outlasts the poster's tries
    channels = await schedule(bot, places)
    await asyncio.gather(*(post_job(bot.app.service.key, ch) for ch in channels))
    assert len(fake.sent("POST", rf"/channels/{c[5]}/messages")) == 2  # tried again: the nonce found it
    assert posts(fake, c[6]) == []
    with bot.app.db.session() as s:
        assert s.execute(select(Round.post_state).join(Channel, Channel.id == Round.channel_id).where(
            Channel.external_id == c[6])).scalar_one() == "failed"
    clock.advance(seconds=31)  # the failed post's backoff is over: any process's sweep retries it
    await bot.app.engine.rounds.sweep()
    check_posted_once(bot, places)
    threads = {r.path.split("/")[4] for r in fake.sent("POST", r"/channels/\d+/messages/\d+/threads")}
    assert len(threads) == 7  # the discussion threads follow, one per question


async def test_a_post_found_in_the_history_is_not_made_again(make_bot: BotFactory, clock: FakeClock) -> None:
    """Past Discord's nonce window, a try that follows a lost answer looks in the channel first."""
    bot = await make_bot(threads=False)
    fake = bot.fake
    fake.nonce_window = 0.0
    [p] = widen(fake, 1)[:1]
    fake.inject_reset("POST", rf"/channels/{p.channel}/messages", times=6, after=True)  # made, every answer lost
    [channel] = await schedule(bot, [p])
    bot.runner.poster.backoff = 0.01
    # The first attempt made the message; the poster's own retries (same nonce, forgotten by now)
    # would each make one more, so the fake drops them all; the sweep's retry finds the first.
    await post_job(bot.app.service.key, channel)
    made = posts(fake, p.channel)
    assert len(made) == 6
    for extra in made[1:]:
        del fake.messages[extra["id"]]  # keep the first, as if the retries had never landed
    clock.advance(seconds=timedelta(minutes=1).total_seconds())
    await bot.app.engine.rounds.sweep()
    check_posted_once(bot, [p])
    assert len(fake.sent("GET", rf"/channels/{p.channel}/messages")) == 1


async def test_a_duplicate_delivery_after_a_restart_is_refused_quietly(
        bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    """The same interaction again, in a process that has not seen it: Discord refuses the second reply."""
    from tests.discord.conftest import ANN
    from tests.discord.fake_discord import buttons
    from tests.discord.test_daily import post_now, right_label

    post = await post_now(bot)
    await bot.say("flask-admin", sub("close"), admin=True)
    right, _ = right_label(bot, post)
    first = await bot.fake.click(post, buttons(post)[right], who=ANN)
    assert "closed" in (await bot.reply_to(first))["data"]["content"]
    bot.runner.handlers._seen.clear()  # a restarted process remembers no deliveries
    with caplog.at_level(logging.WARNING):
        await bot.fake.click(post, buttons(post)[right], who=ANN, iid=first.id, token=first.token)
        await bot.fake.wait_for(lambda: len(bot.fake.callbacks[first.id]) == 2)
        await asyncio.sleep(0.05)
    assert bot.fake.callbacks[first.id][1].status == 400
    assert [r for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert any("refused our reply" in r.getMessage() for r in caplog.records)
