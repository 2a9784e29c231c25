"""The daily question on Discord: schedule, post, answers, reveal; failures, restarts, reconnects."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from bot import wording
from bot.clock import FakeClock
from bot.members.identity import Place
from bot.runtime.service import close_job, post_job
from bot.storage.models import Answer, Round
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import JSON, FakeDiscord, buttons, opt, sub, user

EPHEMERAL = 64


def channel(fake: FakeDiscord, guild: int = 0, index: int = 0) -> str:
    return str(fake.guilds[guild]["channels"][index]["id"])


def place(fake: FakeDiscord, guild: int = 0, index: int = 0) -> Place:
    return Place("discord", str(fake.guilds[guild]["id"]), channel(fake, guild, index))


def posts(fake: FakeDiscord, channel_id: str) -> list[JSON]:
    """Messages the bot posted in a channel (successfully), oldest first."""
    return [fake.messages[m]["id"] and fake.messages[m] for m in fake.messages
            if fake.messages[m]["channel_id"] == channel_id]


async def post_now(bot: Bot) -> JSON:
    """An admin posts a daily question now (multiple choice: the channel asks topic "more" only)."""
    await bot.app.engine.schedules.set(place(bot.fake), time_of_day="23:00", timezone="UTC", topics=("more",))
    reply = await bot.say("flask-admin", sub("post-now"), admin=True)
    assert reply["data"]["flags"] & EPHEMERAL
    [post] = posts(bot.fake, channel(bot.fake))
    return dict(post)


def right_label(bot: Bot, message: JSON) -> tuple[str, str]:
    """(right, wrong) button labels for the question in a posted message."""
    lq = bot.app.engine.library.get(message["embeds"][0]["footer"]["text"])
    assert lq is not None and lq.q.correct_index is not None
    right = lq.q.correct_index
    return chr(65 + right), chr(65 + (right + 1) % len(lq.q.options))


async def test_a_scheduled_day_from_setup_to_reveal(make_bot: BotFactory, clock: FakeClock) -> None:
    bot = await make_bot(threads=True)
    fake, ch = bot.fake, channel(bot.fake)
    reply = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "Europe/Berlin"),
                                             opt("days", "weekdays"), opt("topics", "more")), admin=True)
    assert reply["data"]["flags"] & EPHEMERAL
    assert reply["data"]["embeds"][0]["description"].startswith("09:30 Europe/Berlin on mon, tue, wed, thu, fri")
    [sched] = await bot.app.engine.schedules.active()
    job = bot.app.service.scheduler.get_job(f"post:{sched.channel_id}")  # type: ignore[union-attr]
    assert str(job.trigger.timezone) == "Europe/Berlin" and "hour='9', minute='30'" in str(job.trigger)

    clock.set(datetime(2026, 11, 16, 8, 30, tzinfo=UTC))  # Monday 09:30 in Berlin
    await post_job(bot.app.service.key, sched.channel_id)
    [post] = posts(fake, ch)
    e = post["embeds"][0]
    closes = int((clock.now() + timedelta(minutes=480)).timestamp())
    assert f"<t:{closes}:R>" in e["fields"][0]["value"] and e["fields"][1] == {
        "name": "Answered", "value": "0", "inline": True}
    assert post["allowed_mentions"] == {"parse": []}
    [thread] = fake.sent("POST", rf"/channels/{ch}/messages/{post['id']}/threads")
    assert thread.body["name"].startswith("Discuss: More sample questions")

    right, wrong = right_label(bot, post)
    ids = buttons(post)
    post = dict(post)  # the fake edits its copy; members click on the message as it was posted
    ann = await bot.fake.click(post, ids[right], who=ANN)
    bob = await bot.fake.click(post, ids[wrong], who=BOB)
    assert (await bot.reply_to(ann))["data"]["embeds"][0]["title"] == "Correct!"
    bob_reply = await bot.reply_to(bob)
    assert bob_reply["data"]["flags"] & EPHEMERAL and bob_reply["data"]["embeds"][0]["title"] == "Not quite."
    # The post shows how many answered, never what they answered.
    edit = await fake.wait_for(lambda: [r for r in fake.sent("PATCH", rf"/channels/{ch}/messages/{post['id']}")
                                        if r.body["embeds"][0]["fields"][1]["value"] == "2"])
    assert "Ann" not in str(edit[-1].body) and "Correct" not in str(edit[-1].body)

    clock.advance(minutes=481)
    [(round_id, _)] = await bot.app.engine.rounds.open_ids()
    await close_job(bot.app.service.key, round_id)
    reveal = fake.sent("PATCH", rf"/channels/{ch}/messages/{post['id']}")[-1].body
    assert reveal["embeds"][0]["fields"][0]["name"] == "Answer"
    assert set(buttons(reveal)) == {"Report a problem"}  # answer buttons are gone
    [thread_rec] = fake.sent("POST", r"/channels/\d+/messages/\d+/threads")
    [summary] = [r for r in fake.sent("POST", r"/channels/\d+/messages") if r.path != f"/channels/{ch}/messages"]
    assert summary.path == f"/channels/{thread_rec.response['id']}/messages"  # in the discussion thread
    text = summary.body["embeds"][0]["description"]
    assert summary.body["embeds"][0]["title"].startswith("Round #")
    assert "2 answered, 50% correct." in text and "First correct: Ann" in text
    assert "Streak Ann: 0 → 1" in text
    assert summary.body["allowed_mentions"] == {"parse": []}

    late = await bot.reply_to(await fake.click(post, ids[right], who=user(7009, "Cy")))
    assert "This round has closed" in late["data"]["content"]


async def test_a_daily_answer_delivered_twice_counts_once(bot: Bot) -> None:
    post = await post_now(bot)
    right, wrong = right_label(bot, post)
    first = await bot.fake.click(post, buttons(post)[right], who=ANN)
    shown = await bot.fake.callback(first)
    await bot.fake.click(post, buttons(post)[right], who=ANN, iid=first.id, token=first.token)
    again = await bot.reply_to(await bot.fake.click(post, buttons(post)[wrong], who=ANN))  # a new click
    # Answers are final: the feedback of the answer stored (right), not of this click (wrong).
    assert again["data"]["embeds"] == shown["data"]["embeds"]
    assert again["data"]["embeds"][0]["title"] == "Correct!"
    assert len(bot.fake.callbacks[first.id]) == 1
    with bot.app.db.session() as s:
        assert s.execute(select(func.count()).select_from(Answer)).scalar_one() == 1


async def test_lost_access_pauses_the_schedule_instead_of_retrying(bot: Bot, clock: FakeClock) -> None:
    await bot.app.engine.schedules.set(place(bot.fake), time_of_day="08:00", timezone="UTC")
    await bot.app.service.rebuild()
    [sched] = await bot.app.engine.schedules.active()
    bot.fake.forbid(channel(bot.fake))
    await post_job(bot.app.service.key, sched.channel_id)
    assert len(bot.fake.sent("POST", rf"/channels/{channel(bot.fake)}/messages")) == 1  # tried once
    assert await bot.app.engine.schedules.active() == []
    view = await bot.app.engine.schedules.get(place(bot.fake))
    assert view is not None and view.paused
    with bot.app.db.session() as s:
        assert s.execute(select(Round.post_state)).scalar_one() == "unavailable"


async def test_the_admin_who_set_the_schedule_is_told_privately_when_access_is_lost(bot: Bot) -> None:
    await bot.say("flask-admin", sub("schedule", opt("time", "08:00"), opt("timezone", "UTC")), who=BOB, admin=True)
    [sched] = await bot.app.engine.schedules.active()
    bot.fake.forbid(channel(bot.fake))
    await post_job(bot.app.service.key, sched.channel_id)
    [dm] = bot.fake.sent("POST", r"/users/@me/channels")
    assert str(dm.body["recipient_id"]) == BOB["id"]
    [note] = bot.fake.sent("POST", rf"/channels/{dm.response['id']}/messages")
    assert f"<#{channel(bot.fake)}>" in note.body["content"] and "paused" in note.body["content"]
    assert note.body["allowed_mentions"] == {"parse": []}
    shown = await bot.say("flask-admin", sub("show"), who=BOB, admin=True)
    assert "paused: the bot could not post here on" in shown["data"]["embeds"][0]["description"]
    await bot.say("flask-admin", sub("resume"), who=BOB, admin=True)  # access given back: back on
    shown = await bot.say("flask-admin", sub("show"), who=BOB, admin=True)
    assert "next post" in shown["data"]["embeds"][0]["description"]
    assert len(await bot.app.engine.schedules.active()) == 1


async def test_an_admin_who_takes_no_direct_messages_still_finds_the_pause(bot: Bot) -> None:
    await bot.say("flask-admin", sub("schedule", opt("time", "08:00"), opt("timezone", "UTC")), who=BOB, admin=True)
    [sched] = await bot.app.engine.schedules.active()
    bot.fake.forbid(channel(bot.fake))
    bot.fake.no_dms.add(BOB["id"])
    await post_job(bot.app.service.key, sched.channel_id)
    [note] = bot.fake.sent("POST", r"/channels/\d+/messages")[1:]  # after the refused post: the refused DM
    assert note.status == 403
    assert await bot.app.engine.schedules.active() == []
    shown = await bot.say("flask-admin", sub("show"), who=BOB, admin=True)
    assert "paused: the bot could not post here" in shown["data"]["embeds"][0]["description"]


async def test_a_429_storm_during_a_broadcast_delays_posts_but_loses_none(make_bot: BotFactory) -> None:
    bot = await make_bot(threads=False, broadcast_rate=45.0)
    fake = bot.fake
    places = [place(fake, g, c) for g in range(2) for c in range(2)]
    for p in places:
        await bot.app.engine.schedules.set(p, time_of_day="08:00", timezone="UTC")
    scheds = await bot.app.engine.schedules.active()
    # Per-route 429s beyond discord.py's five tries, then global ones.
    fake.inject(429, "POST", r"/channels/\d+/messages", times=14, retry_after=0.01)
    fake.inject(429, "POST", r"/channels/\d+/messages", times=4, retry_after=0.05, is_global=True)
    await asyncio.gather(*(post_job(bot.app.service.key, s.channel_id) for s in scheds))
    for p in places:
        assert len(posts(fake, p.channel)) == 1  # every channel got exactly one post
    assert len([r for r in fake.sent("POST", r"/channels/\d+/messages") if r.status == 429]) == 18
    with bot.app.db.session() as s:
        assert set(s.execute(select(Round.post_state)).scalars()) == {"posted"}


async def test_broadcast_stays_under_the_global_limit(make_bot: BotFactory) -> None:
    bot = await make_bot(threads=True, broadcast_rate=48.0)
    fake = bot.fake
    fake.guilds[0]["channels"] += [{**fake.guilds[0]["channels"][0], "id": str(10**17 + i)} for i in range(28)]
    places = [Place("discord", str(fake.guilds[0]["id"]), c["id"]) for c in fake.guilds[0]["channels"]]
    for p in places:
        await bot.app.engine.schedules.set(p, time_of_day="08:00", timezone="UTC")
    scheds = await bot.app.engine.schedules.active()
    await asyncio.gather(*(post_job(bot.app.service.key, s.channel_id) for s in scheds))
    sent = fake.sent("POST", r"/channels/\d+/messages(/\d+/threads)?")
    assert len(sent) == 60 and fake.global_429s == 0  # 30 posts + 30 threads, none refused
    # Paced, not burst: no one-second window, as the server sees it, holds more than Discord's 50
    # (the pacer grants 48/s and may catch up after the event loop was busy; 48 leaves room for
    # jitter between a grant and its arrival).
    times = [r.at for r in sent]
    assert max(sum(t <= u < t + 1.0 for u in times) for t in times) <= 50


async def test_buttons_still_work_after_a_restart(make_bot: BotFactory) -> None:
    first = await make_bot()
    post = await post_now(first)
    puts = len(first.fake.sent("PUT", r"/applications/\d+/commands"))

    practice = await first.say("flask-quiz", opt("topic", "example"), opt("level", "mid"), who=BOB)
    while "Answer" not in buttons(practice["data"]):  # the mid true/false question may come first
        await first.click(practice, "False", who=BOB)
        practice = await first.say("flask-quiz", opt("topic", "example"), opt("level", "mid"), who=BOB)
    # Bob opens the open question's form before the restart and sends it after.
    form = await first.fake.callback(await first.fake.click(practice["message"], buttons(practice["data"])["Answer"],
                                                            who=BOB))
    await stop_bot(first)

    second = await make_bot()  # same database, same fake Discord, a new process's state
    assert len(second.fake.sent("PUT", r"/applications/\d+/commands")) == puts  # unchanged: not synced again
    right, _ = right_label(second, post)
    reply = await second.reply_to(await second.fake.click(post, buttons(post)[right], who=ANN))
    assert reply["data"]["embeds"][0]["title"] == "Correct!"
    graded = await second.reply_to(await second.fake.submit(form["data"], {"text": "a create_app function"}, who=BOB))
    assert graded["data"]["embeds"][0]["title"] == "Not quite."  # graded: 1 of 3 key points
    assert "missed" in graded["data"]["embeds"][0]["description"]
    with second.app.db.session() as s:
        assert s.execute(select(func.count()).select_from(Answer)).scalar_one() == 1


async def test_a_reconnect_in_the_middle_loses_nothing(bot: Bot) -> None:
    fake = bot.fake
    post = await post_now(bot)
    right, _ = right_label(bot, post)
    identifies = len(fake.sessions)
    await fake.request_reconnect(fake.session_for(fake.guilds[0]["id"]))
    # Members keep clicking while the bot is away; the gateway holds the events for the resume.
    clicks = [await fake.click(post, buttons(post)[right], who=user(8000 + i, f"m{i}")) for i in range(5)]
    for sent in clicks:
        assert (await bot.reply_to(sent))["data"]["embeds"][0]["title"] == "Correct!"
    assert len(fake.sessions) == identifies  # resumed, not re-identified
    with bot.app.db.session() as s:
        assert s.execute(select(func.count()).select_from(Answer)).scalar_one() == 5


async def test_a_daily_open_question_is_answered_in_a_form(bot: Bot) -> None:
    fake = bot.fake
    await bot.app.engine.schedules.set(place(fake), time_of_day="23:00", timezone="UTC", topics=("example",),
                                      levels=("mid",))
    for _ in range(2):  # two mid questions in the pool (true/false and open); the channel sees each once
        await bot.say("flask-admin", sub("post-now"), admin=True)
        post = dict(posts(fake, channel(fake))[-1])
        if "Answer" in buttons(post):
            break
        closed = await bot.say("flask-admin", sub("close"), admin=True)
        assert closed["data"]["embeds"][0]["title"].startswith("Round #")
    assert list(buttons(post)) == ["Answer", "Report a problem"]
    modal = await fake.callback(await fake.click(post, buttons(post)["Answer"], who=ANN))
    assert modal["type"] == 9
    reply = await bot.reply_to(await fake.submit(modal["data"], {"text": "create_app is a factory function; "
                                                                 "tests get a different config; init_app"}, who=ANN))
    assert reply["data"]["embeds"][0]["title"] == wording.COVERS and "+20 points" in reply["data"]["embeds"][0][
        "description"]
    with bot.app.db.session() as s:
        assert s.execute(select(Answer.text)).scalar_one().startswith("create_app")


async def test_two_processes_on_one_database_never_double_post(make_bot: BotFactory) -> None:
    """Each process runs its shards but every schedule's job; the database lets one open the round."""
    one = await make_bot(shard_count=2, shard_ids=[0])
    two = await make_bot(shard_count=2, shard_ids=[1])
    await one.app.engine.schedules.set(place(one.fake), time_of_day="08:00", timezone="UTC")
    [sched] = await one.app.engine.schedules.active()
    await asyncio.gather(one.app.engine.rounds.post_due(sched.channel_id),
                         two.app.engine.rounds.post_due(sched.channel_id))
    assert len(posts(one.fake, channel(one.fake))) == 1


async def test_a_daily_typed_answer_can_be_disputed_and_granted(bot: Bot) -> None:
    await bot.app.engine.schedules.set(place(bot.fake), time_of_day="23:00", timezone="UTC", topics=("example",),
                                       levels=("mid",))
    for _ in range(3):  # two mid questions: post until the open one is up
        await bot.say("flask-admin", sub("post-now"), admin=True)
        post = posts(bot.fake, channel(bot.fake))[-1]
        if post["embeds"][0]["footer"]["text"] == "example-open-factory":
            break
        await bot.say("flask-admin", sub("close"), admin=True)
    opened = await bot.fake.click(post, buttons(post)["Answer"], who=ANN)
    modal = await bot.fake.callback(opened)
    fb = await bot.reply_to(await bot.fake.submit(modal["data"], {"text": "Make the app in a function."}, who=ANN))
    assert fb["data"]["embeds"][0]["title"] == "Not quite."
    assert list(buttons(fb["data"])) == ["Dispute this grade"]
    disputed = await bot.click(fb, "Dispute this grade")
    assert "Sent to this community's admins" in disputed["data"]["content"]
    listing = await bot.say("flask-admin", sub("disputes"), admin=True)
    assert "#1 Ann on example-open-factory" in listing["data"]["content"]
    granted = await bot.say("flask-admin", sub("grant", opt("number", 1, kind=4)), admin=True)  # INTEGER
    assert "granted" in granted["data"]["content"]
    dm_channel = next(c for c, u in bot.fake.dms.items() if u == str(ANN["id"]))
    [dm] = [m for m in bot.fake.messages.values() if m["channel_id"] == dm_channel]
    assert "was granted by an admin" in dm["content"] and "+20 points" in dm["content"]
    with bot.app.db.session() as s:
        assert s.execute(select(Answer.correct, Answer.points)).all()[-1] == (True, 20)
