"""Admins set points per level and the boards' time zone from Discord; scoring and boards follow."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from tests.discord.conftest import ANN, BotFactory
from tests.discord.fake_discord import buttons, opt, sub
from tests.discord.test_daily import channel, posts, right_label


async def test_points_and_board_zone_set_by_an_admin(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    shown = await bot.say("flask-admin", sub("settings"), admin=True)
    assert shown["data"]["content"] == ("Points per right daily answer: junior 10 · mid 20 · senior 30 (the bot's "
                                        "defaults). Boards count weeks and months in UTC.\nLive quizzes: anyone may "
                                        "start one · 1 at once per channel · 5 per community · 60 s cool-down (the "
                                        "bot's defaults).")
    refused = await bot.say("flask-admin", sub("settings", opt("junior", 1, kind=4)))
    assert "Only admins" in refused["data"]["content"]
    changed = await bot.say("flask-admin", sub("settings", opt("junior", 1, kind=4), opt("mid", 2, kind=4),
                                               opt("senior", 3, kind=4), opt("board_timezone", "Pacific/Auckland")),
                            admin=True)
    assert changed["data"]["content"].startswith("Points per right daily answer: junior 1 · mid 2 · senior 3 (set "
                                                 "here). Boards count weeks and months in Pacific/Auckland.\n")
    live = await bot.say("flask-admin", sub("settings", opt("live_who", "admins"), opt("live_cooldown", 120, kind=4)),
                         admin=True)
    assert "Live quizzes: admins may start one · 1 at once per channel · 5 per community · 120 s cool-down (set " \
           "here)." in live["data"]["content"]
    bad = await bot.say("flask-admin", sub("settings", opt("board_timezone", "Pacific/Aukland")), admin=True)
    assert "Did you mean 'Pacific/Auckland'?" in bad["data"]["content"]

    # Sunday 22 Nov, 12:00 UTC: already Monday 23 Nov (week 48) in Auckland, still week 47 in UTC.
    clock.set(datetime(2026, 11, 22, 12, 0, tzinfo=UTC))
    await bot.say("flask-admin", sub("schedule", opt("time", "23:00"), opt("timezone", "UTC"),
                                     opt("topics", "more")), admin=True)
    await bot.say("flask-admin", sub("post-now"), admin=True)
    post = dict(posts(bot.fake, channel(bot.fake))[-1])
    right, _ = right_label(bot, post)
    lq = bot.app.engine.library.get(post["embeds"][0]["footer"]["text"])
    assert lq is not None
    reply = await bot.reply_to(await bot.fake.click(post, buttons(post)[right], who=ANN))
    want = {"junior": 1, "mid": 2, "senior": 3}[lq.q.level]
    assert f"+{want} points" in reply["data"]["embeds"][0]["description"]
    board = await bot.say("flask-leaderboard", who=ANN)
    assert board["data"]["embeds"][0]["title"] == "Leaderboard · week 48 of 2026"
    assert f"{want} pts" in board["data"]["embeds"][0]["description"]

    await bot.say("flask-admin", sub("settings", opt("default_points", True, kind=5)), admin=True)
    shown = await bot.say("flask-admin", sub("settings"), admin=True)
    assert "junior 10 · mid 20 · senior 30 (the bot's defaults)" in shown["data"]["content"]
