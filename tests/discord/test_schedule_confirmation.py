"""`/flask-admin schedule` confirms with the next three post times, in the channel's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from tests.discord.conftest import BotFactory
from tests.discord.fake_discord import opt, sub


async def test_schedule_shows_the_next_three_posts(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))  # Friday, after Friday's 09:30 in Berlin
    reply = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "Europe/Berlin"),
                                             opt("days", "weekdays")), admin=True)
    text = reply["data"]["embeds"][0]["description"]
    line = next(x for x in text.splitlines() if x.startswith("Next posts: "))
    # Monday to Wednesday at 09:30 Berlin time (08:30 UTC in winter), each also a Discord timestamp.
    want = [datetime(2026, 11, d, 8, 30, tzinfo=UTC) for d in (23, 24, 25)]
    assert line == "Next posts: " + "; ".join(
        f"{at:%a} {at:%d} Nov 09:30 CET (<t:{int(at.timestamp())}:R>)" for at in want)


async def test_paused_schedule_lists_no_posts(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    await bot.say("flask-admin", sub("schedule", opt("time", "07:00"), opt("timezone", "America/New_York")),
                  admin=True)
    await bot.say("flask-admin", sub("pause"), admin=True)
    shown = await bot.say("flask-admin", sub("show"), admin=True)
    assert "Next posts" not in shown["data"]["embeds"][0]["description"]
    await bot.say("flask-admin", sub("resume"), admin=True)
    shown = await bot.say("flask-admin", sub("show"), admin=True)
    first = datetime(2026, 11, 16, 12, 0, tzinfo=UTC)  # 07:00 EST on Monday (the clock is at 08:00 UTC)
    assert f"Mon 16 Nov 07:00 EST (<t:{int(first.timestamp())}:R>)" in shown["data"]["embeds"][0]["description"]
