"""Reminders on Discord: by direct message, only to members who opted in, once, stopped from the reminder."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.clock import FakeClock
from bot.runtime.service import post_job, reminder_job
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import JSON, buttons, opt, sub
from tests.discord.test_daily import channel, posts


def dms(bot: Bot, who: JSON) -> list[JSON]:
    """Direct messages the bot sent to ``who`` on its own (not replies to their clicks), oldest first."""
    return [m for m in bot.fake.messages.values() if bot.fake.dms.get(m["channel_id"]) == who["id"]
            and m["id"] not in bot.fake.replies]


async def practise(bot: Bot, who: JSON) -> None:
    """Answer one practice question: its card comes due for review later."""
    reply = await bot.say("flask-quiz", opt("topic", "more"), who=who)
    await bot.click(reply, "A", who=who)


async def test_reviews_reminder_goes_once_at_the_members_hour_and_stops_from_its_button(
        make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    shown = await bot.say("flask-reminders")
    assert shown["data"]["content"] == ("Your reminders here: reviews due off; before the daily question "
                                        "closes: off.")
    on = await bot.say("flask-reminders", opt("reviews", "8"), opt("timezone", "Europe/Berlin"))
    assert on["data"]["content"].startswith("Your reminders here: reviews due at 08:00 Europe/Berlin;")
    bad = await bot.say("flask-reminders", opt("reviews", "25"))
    assert "is not an hour" in bad["data"]["content"]
    await practise(bot, ANN)
    await practise(bot, BOB)  # Bob has reviews due too, but never opted in

    clock.set(datetime(2026, 11, 17, 6, 59, tzinfo=UTC))  # 07:59 in Berlin: not yet
    await reminder_job(bot.app.service.key)
    assert dms(bot, ANN) == []
    clock.set(datetime(2026, 11, 17, 7, 0, tzinfo=UTC))  # 08:00 in Berlin
    await reminder_job(bot.app.service.key)
    [note] = dms(bot, ANN)
    assert note["content"].startswith("You have 1 practice question(s) due for review.")
    assert list(buttons(note)) == ["Stop review reminders"]
    assert dms(bot, BOB) == []
    clock.advance(minutes=30)
    await reminder_job(bot.app.service.key)  # later in the same hour
    await stop_bot(bot)
    again = await make_bot()  # and after a restart, in another process
    await reminder_job(again.app.service.key)
    assert len(dms(again, ANN)) == 1

    stopped = await again.reply_to(await again.fake.click(note, buttons(note)["Stop review reminders"], who=ANN,
                                                          dm=True))
    assert stopped["type"] == 7  # the reminder loses its button
    [follow] = await again.fake.wait_for(lambda: again.fake.sent("POST", r"/webhooks/\d+/.+"))
    assert follow.body["content"].startswith("Review reminders are off.")
    clock.set(datetime(2026, 11, 18, 7, 0, tzinfo=UTC))  # the next day, 08:00 in Berlin
    await reminder_job(again.app.service.key)
    assert len(dms(again, ANN)) == 1


async def test_closing_reminder_goes_to_opted_in_members_who_have_not_answered(
        make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot()
    await bot.say("flask-admin", sub("schedule", opt("time", "09:00"), opt("timezone", "UTC"),
                                     opt("topics", "more"), opt("window", 240, kind=4)), admin=True)
    await bot.say("flask-reminders", opt("closing", True, kind=5), who=ANN)
    await bot.say("flask-reminders", opt("closing", True, kind=5), who=BOB)
    [sched] = await bot.app.engine.schedules.active()
    clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
    await post_job(bot.app.service.key, sched.channel_id)
    post = dict(posts(bot.fake, channel(bot.fake))[-1])
    await bot.reply_to(await bot.fake.click(post, buttons(post)["A"], who=BOB))  # Bob has answered

    clock.set(datetime(2026, 11, 16, 11, 59, tzinfo=UTC))  # 2 h 1 min before it closes
    await reminder_job(bot.app.service.key)
    assert dms(bot, ANN) == []
    clock.set(datetime(2026, 11, 16, 12, 0, 30, tzinfo=UTC))  # under an hour to go
    await reminder_job(bot.app.service.key)
    await reminder_job(bot.app.service.key)
    [note] = dms(bot, ANN)
    assert note["content"].startswith(f"The daily question in <#{channel(bot.fake)}> closes in about an hour")
    closes = int((datetime(2026, 11, 16, 13, 0, tzinfo=UTC)).timestamp())
    assert f"<t:{closes}:R>" in note["content"]
    assert dms(bot, BOB) == []

    await bot.reply_to(await bot.fake.click(note, buttons(note)["Stop these reminders"], who=ANN, dm=True))
    clock.set(datetime(2026, 11, 17, 9, 0, tzinfo=UTC))
    await post_job(bot.app.service.key, sched.channel_id)
    clock.set(datetime(2026, 11, 17, 12, 30, tzinfo=UTC))
    await reminder_job(bot.app.service.key)
    assert len(dms(bot, ANN)) == 1  # stopped
    assert len(dms(bot, BOB)) == 1  # Bob has not answered today's question: his first reminder
    shown = await bot.say("flask-reminders", who=ANN)
    assert shown["data"]["content"].endswith("before the daily question closes: off.")


async def test_a_forged_stop_button_creates_nothing(bot: Bot) -> None:
    from sqlalchemy import select

    from bot.storage.models import Community

    forged = bot.fake._message_shape("900001", {"content": "x", "components": [{"type": 1, "components": [
        {"type": 2, "style": 2, "label": "Stop review reminders", "custom_id": "remind:stop:reviews:999"}]}]})
    reply = await bot.reply_to(await bot.fake.click(forged, "remind:stop:reviews:999", who=BOB, dm=True))
    assert reply["type"] == 7
    with bot.app.db.session() as s:
        assert s.execute(select(Community).where(Community.external_id == "999")).first() is None
