"""The weekly recap on Discord: the week's board, best streaks, most missed; once per channel and week."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.runtime.service import close_job, post_job, recap_job
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import JSON, buttons, opt, sub, user
from tests.discord.test_daily import channel, posts, right_label

CY = user(7004, "Cy")
MONDAY = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)  # 09:30 in Berlin


def recaps(bot: Bot) -> list[JSON]:
    return [m for m in posts(bot.fake, channel(bot.fake))
            if m.get("embeds") and m["embeds"][0]["title"].startswith("Weekly recap")]


async def play_a_week(bot: Bot, clock: FakeClock) -> tuple[int, str]:
    """Monday and Tuesday's questions: Ann right both days, Bob wrong both days, Cy wrong on Tuesday.

    Returns Ann's points and the prompt of Tuesday's question.
    """
    points = 0
    missed: list[str] = []
    await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "Europe/Berlin"),
                                     opt("days", "weekdays"), opt("topics", "more"), opt("window", 60, kind=4)),
                  admin=True)
    [sched] = await bot.app.engine.schedules.active()
    for day in range(2):
        clock.set(MONDAY + timedelta(days=day))
        await post_job(bot.app.service.key, sched.channel_id)
        post = dict(posts(bot.fake, channel(bot.fake))[-1])
        right, wrong = right_label(bot, post)
        lq = bot.app.engine.library.get(post["embeds"][0]["footer"]["text"])
        assert lq is not None
        points += getattr(bot.app.config.settings.scoring, lq.q.level)
        await bot.reply_to(await bot.fake.click(post, buttons(post)[right], who=ANN))
        await bot.reply_to(await bot.fake.click(post, buttons(post)[wrong], who=BOB))
        if day == 1:  # Tuesday's question is missed by two
            await bot.reply_to(await bot.fake.click(post, buttons(post)[wrong], who=CY))
            missed.append(lq.q.prompt)
        clock.advance(minutes=61)
        [(round_id, _)] = await bot.app.engine.rounds.open_ids()
        await close_job(bot.app.service.key, round_id)
    return points, missed[0]


async def test_the_recap_posts_once_a_week_across_restarts_and_processes(make_bot: BotFactory,
                                                                         clock: FakeClock) -> None:
    bot = await make_bot()
    points, prompt = await play_a_week(bot, clock)
    [sched] = await bot.app.engine.schedules.active()
    clock.set(MONDAY + timedelta(days=1, hours=3))
    await recap_job(bot.app.service.key, sched.channel_id)  # Tuesday: not the first day of the week
    assert recaps(bot) == []

    clock.set(MONDAY + timedelta(days=7))  # the next Monday, 09:30 in Berlin
    await recap_job(bot.app.service.key, sched.channel_id)
    [recap] = recaps(bot)
    e = recap["embeds"][0]
    assert e["title"] == "Weekly recap · week 47 of 2026"
    fields = {f["name"]: f["value"] for f in e["fields"]}
    assert fields["This week's board"].splitlines() == [f"` 1.` Ann · {points} pts (2/2)", "` 2.` Bob · 0 pts (0/2)",
                                                 "` 3.` Cy · 0 pts (0/1)"]
    assert fields["Best streaks"] == "Ann · 2 days in a row"
    [missed_name] = [k for k in fields if k.startswith("Most missed")]
    missed = fields[missed_name]
    assert missed.startswith(f"{prompt} (1 of 3 right)\nAnswer: **")
    assert recap["allowed_mentions"] == {"parse": []}

    await recap_job(bot.app.service.key, sched.channel_id)  # the job firing twice
    await stop_bot(bot)
    again = await make_bot()  # a restart within the grace period catches up: nothing to catch up
    other = await make_bot()  # and a second process on the same database
    await asyncio.gather(recap_job(again.app.service.key, sched.channel_id),
                         recap_job(other.app.service.key, sched.channel_id),
                         again.app.engine.recaps.catch_up(), other.app.engine.recaps.catch_up())
    assert len(recaps(again)) == 1


async def test_two_processes_racing_for_the_first_recap_post_it_once(make_bot: BotFactory, clock: FakeClock) -> None:
    one = await make_bot()
    await play_a_week(one, clock)
    two = await make_bot()
    [sched] = await one.app.engine.schedules.active()
    clock.set(MONDAY + timedelta(days=7, seconds=5))
    won = await asyncio.gather(one.app.engine.recaps.post_due(sched.channel_id, on_time=True),
                               two.app.engine.recaps.post_due(sched.channel_id, on_time=True))
    assert sorted(won) == [False, True] and len(recaps(one)) == 1


async def test_admins_turn_the_recap_off_per_channel(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    await play_a_week(bot, clock)
    refused = await bot.say("flask-admin", sub("recap", opt("enabled", False, kind=5)))
    assert "Only admins" in refused["data"]["content"]
    off = await bot.say("flask-admin", sub("recap", opt("enabled", False, kind=5)), admin=True)
    assert off["data"]["content"] == "The weekly recap is off in this channel."
    [sched] = await bot.app.engine.schedules.active()
    clock.set(MONDAY + timedelta(days=7))
    await recap_job(bot.app.service.key, sched.channel_id)
    assert recaps(bot) == []
    await bot.say("flask-admin", sub("recap", opt("enabled", True, kind=5)), admin=True)
    clock.set(MONDAY + timedelta(days=16))  # Wednesday of week 49 (week 48 went by without the recap): only Ann answers
    await post_job(bot.app.service.key, sched.channel_id)
    post = dict(posts(bot.fake, channel(bot.fake))[-1])
    await bot.reply_to(await bot.fake.click(post, buttons(post)[right_label(bot, post)[0]], who=ANN))
    clock.advance(minutes=61)
    [(round_id, _)] = await bot.app.engine.rounds.open_ids()
    await close_job(bot.app.service.key, round_id)
    clock.set(MONDAY + timedelta(days=21))
    await recap_job(bot.app.service.key, sched.channel_id)
    [recap] = recaps(bot)
    assert recap["embeds"][0]["title"] == "Weekly recap · week 49 of 2026"
    fields = {f["name"]: f["value"] for f in recap["embeds"][0]["fields"]}
    assert fields["Best streaks"] == "Ann · 3 days in a row"
    assert not any(k.startswith("Most missed") for k in fields)  # nobody missed it


async def test_a_week_without_questions_gets_no_recap(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    await play_a_week(bot, clock)
    await bot.say("flask-admin", sub("pause"), admin=True)
    await bot.say("flask-admin", sub("resume"), admin=True)
    [sched] = await bot.app.engine.schedules.active()
    clock.set(MONDAY + timedelta(days=14))  # week 48 had no question (nobody ran the bot)
    await recap_job(bot.app.service.key, sched.channel_id)
    assert recaps(bot) == []


async def test_a_recap_that_landed_before_its_process_died_is_not_posted_again(make_bot: BotFactory,
                                                                               clock: FakeClock) -> None:
    from sqlalchemy import update

    from bot.storage.models import Delivery

    bot = await make_bot()
    await play_a_week(bot, clock)
    [sched] = await bot.app.engine.schedules.active()
    clock.set(MONDAY + timedelta(days=7))
    await recap_job(bot.app.service.key, sched.channel_id)
    assert len(recaps(bot)) == 1
    # The post landed but its process died before marking it sent, and the retry comes long after
    # the nonce's window (a fresh nonce would not be recognised): the channel's history tells.
    await bot.app.engine.core.tx(lambda s: s.execute(
        update(Delivery).where(Delivery.key.like("recap:%")).values(state="sending", lease_until=clock.now())))
    bot.fake.nonces.clear()  # as if the nonce window had passed
    clock.advance(minutes=30)
    await bot.app.engine.recaps.sweep()
    assert len(recaps(bot)) == 1
