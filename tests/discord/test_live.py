"""The live group quiz on Discord: /flask-live, the lobby and its thread, answer buttons, reveals,
the podium and private summaries, through the fake Discord with the real discord.py."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot.clock import FakeClock
from bot.storage.models import LiveSession, SessionAnswer
from tests.discord.conftest import ANN, BOB, Bot, BotFactory, stop_bot
from tests.discord.fake_discord import JSON, FakeDiscord, buttons, opt, user

CY = user(7004, "Cy")
EPHEMERAL = 64


def channel(fake: FakeDiscord) -> str:
    return str(fake.guilds[0]["channels"][0]["id"])


def in_channel(fake: FakeDiscord, channel_id: str) -> list[JSON]:
    return [m for m in fake.messages.values() if m["channel_id"] == channel_id]


def titled(fake: FakeDiscord, channel_id: str, start: str) -> list[JSON]:
    return [m for m in in_channel(fake, channel_id)
            if m["embeds"] and str(m["embeds"][0].get("title", "")).startswith(start)]


async def wait_titled(fake: FakeDiscord, channel_id: str, start: str, n: int = 1) -> JSON:
    """The ``n``-th message (1-based) in the channel whose embed title starts with ``start``."""
    found: list[JSON] = await fake.wait_for(lambda: (m := titled(fake, channel_id, start)) and len(m) >= n and m)
    return found[n - 1]


def labels(bot: Bot, message: JSON) -> tuple[str, str]:
    """(right, wrong) button labels of a live question message."""
    lq = bot.app.engine.library.get(message["embeds"][0]["footer"]["text"])
    assert lq is not None and lq.q.correct_index is not None
    right = lq.q.correct_index
    opts = list(buttons(message))[: len(lq.q.options)]  # the option buttons, then Stop
    return opts[right], opts[(right + 1) % len(lq.q.options)]


async def click(bot: Bot, message: JSON, label: str, who: JSON) -> str:
    """Click a button on a channel message; the private reply's text."""
    sent = await bot.fake.click(message, buttons(message)[label], who=who)
    reply = await bot.reply_to(sent)
    assert reply["data"]["flags"] & EPHEMERAL, reply
    return str(reply["data"]["content"])


async def open_lobby(bot: Bot, *, count: int = 3) -> tuple[JSON, str]:
    """Ann runs /flask-live: the lobby in the channel, and the thread started from it."""
    reply = await bot.say("flask-live", opt("count", count, 4), opt("seconds", 30, 4))
    assert reply["data"]["flags"] & EPHEMERAL and "live quiz is open" in reply["data"]["content"]
    lobby = await wait_titled(bot.fake, channel(bot.fake), "Live quiz")
    assert set(buttons(lobby)) == {"Join", "Start", "Stop"}
    assert "**3** questions, **30 s** each" in lobby["embeds"][0]["description"] or count != 3
    assert "<t:" in lobby["embeds"][0]["description"]
    thread = bot.fake.threads[lobby["id"]]["id"]
    return lobby, thread


async def test_a_full_game_with_three_players_timeouts_early_end_and_a_stop(
        make_bot: BotFactory, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    bot = await make_bot()
    fake, live = bot.fake, bot.app.engine.live
    fake.no_dms.add(CY["id"])  # Cy takes no direct messages from the bot
    lobby, thread = await open_lobby(bot)
    assert (await click(bot, lobby, "Join", BOB)) == "You joined the live quiz."
    assert (await click(bot, lobby, "Join", CY)) == "You joined the live quiz."
    assert "already" in await click(bot, lobby, "Join", BOB)
    assert "Only the one who started" in await click(bot, lobby, "Start", BOB)
    assert "Starting" in await click(bot, lobby, "Start", ANN)

    # Question 1: Ann right after 2 s, Bob wrong, Cy never answers; it times out.
    q1 = await wait_titled(fake, thread, "Question 1 of 3")
    assert "<t:" in q1["embeds"][0]["fields"][-1]["value"] and "Stop" in buttons(q1)
    right, wrong = labels(bot, q1)
    clock.advance(seconds=2)
    assert (await click(bot, q1, right, ANN)).endswith("after 2.0 s.")
    assert "already locked in" in await click(bot, q1, wrong, ANN)
    assert (await click(bot, q1, wrong, BOB)).startswith("Locked in")
    replay = await fake.click(q1, buttons(q1)[right], who=BOB)
    await fake.interact(3, replay.payload["data"], who=BOB, message=q1, iid=replay.id)  # delivered twice
    await bot.reply_to(replay)
    assert len(fake.callbacks[replay.id]) == 1  # answered once
    assert titled(fake, thread, "Question 1 of 3 revealed") == []
    clock.advance(seconds=28)
    await live.tick()
    r1 = await wait_titled(fake, thread, "Question 1 of 3 revealed")
    fields = {f["name"]: f["value"] for f in r1["embeds"][0]["fields"]}
    assert fields["Right"] == "Ann" and "2 of 3 answered" in fields
    assert fields["Scoreboard"].startswith("**1.** Ann · 100 pts")
    await fake.wait_for(lambda: all(c.get("disabled") for row in fake.messages[q1["id"]]["components"]
                                    for c in row["components"]))
    assert "closed" in await click(bot, q1, right, CY)  # a click on the old message is refused privately

    # Question 2: everyone answers, so it ends at once without waiting for its time.
    clock.advance(seconds=5)
    await live.tick()
    q2 = await wait_titled(fake, thread, "Question 2 of 3")
    right, wrong = labels(bot, q2)
    for who in (ANN, BOB, CY):
        await click(bot, q2, right if who is not CY else wrong, who)
    r2 = await wait_titled(fake, thread, "Question 2 of 3 revealed")
    assert "3 of 3 answered" in {f["name"] for f in r2["embeds"][0]["fields"]}

    # Question 3: Bob may not stop it; Ann (the starter) does.
    clock.advance(seconds=5)
    await live.tick()
    q3 = await wait_titled(fake, thread, "Question 3 of 3")
    assert "Only the one who started" in await click(bot, q3, "Stop", BOB)
    assert "stopped" in await click(bot, q3, "Stop", ANN)
    podium = await wait_titled(fake, thread, "Podium")
    assert podium["embeds"][0]["description"].startswith("Stopped by Ann. 2 of 3 questions asked.")
    assert "**1.** Ann · 200 pts" in podium["embeds"][0]["description"]

    # Private summaries: Ann and Bob by DM; Cy's DMs are closed (50007), logged below ERROR.
    def dm_posts() -> dict[str, int]:
        return {fake.dms[r.path.split("/")[2]]: r.status for r in fake.sent("POST", r"/channels/\d+/messages")
                if r.path.split("/")[2] in fake.dms}
    await fake.wait_for(lambda: len(dm_posts()) == 3)
    assert dm_posts() == {ANN["id"]: 200, BOB["id"]: 200, CY["id"]: 403}
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("DMs closed" in r.getMessage() for r in caplog.records if r.levelno == logging.INFO)

    # What crossed the wire matches the database.
    def stored(s: object) -> tuple[int, str, list[tuple[int, bool]]]:
        from sqlalchemy.orm import Session
        assert isinstance(s, Session)
        n = s.execute(select(func.count()).select_from(SessionAnswer)).scalar_one()
        state = s.execute(select(LiveSession.state)).scalar_one()
        rows = s.execute(select(SessionAnswer.position, SessionAnswer.correct)
                         .order_by(SessionAnswer.position, SessionAnswer.answered_at)).all()
        return n, state, sorted((p, c) for p, c in rows)
    n, state, rows = await bot.app.engine.core.tx(stored)
    assert (n, state) == (5, "stopped")
    assert rows == [(0, False), (0, True), (1, False), (1, True), (1, True)]
    thread_posts = [m for m in in_channel(fake, thread)]
    assert len(thread_posts) == 3 + 2 + 1  # three questions, two reveals, the podium
    assert len(titled(fake, channel(fake), "Live quiz")) == 1


async def test_a_restart_between_questions_continues_in_the_same_thread(
        make_bot: BotFactory, clock: FakeClock) -> None:
    first = await make_bot()
    fake = first.fake
    lobby, thread = await open_lobby(first, count=2)
    await click(first, lobby, "Join", BOB)
    await click(first, lobby, "Start", ANN)
    q1 = await wait_titled(fake, thread, "Question 1 of 2")
    right, _wrong = labels(first, q1)
    await click(first, q1, right, BOB)
    await stop_bot(first)

    second = await make_bot()  # a new process over the same database
    clock.advance(seconds=30)
    await second.app.engine.live.tick()
    r1 = await wait_titled(fake, thread, "Question 1 of 2 revealed")
    assert {f["name"]: f["value"] for f in r1["embeds"][0]["fields"]}["Right"] == "Bob"
    # The new process never posted question 1, yet finds it in the thread and disables its buttons.
    def closed() -> JSON | None:
        m = fake.messages[q1["id"]]
        return m if all(c.get("disabled") for row in m["components"] for c in row["components"]) else None
    old = await fake.wait_for(closed)
    lq = second.app.engine.library.get(old["embeds"][0]["footer"]["text"])
    assert lq is not None
    shown = [c["custom_id"] for row in old["components"] for c in row["components"]]
    sid = shown[0].split(":")[3]
    assert shown == [f"drill:lv:a:{sid}:0:{n}" for n in range(len(lq.q.options))]  # the options; Stop is gone
    assert any(c.get("style") == 3 for row in old["components"] for c in row["components"])  # the right one green
    clock.advance(seconds=5)
    await second.app.engine.live.tick()
    q2 = await wait_titled(fake, thread, "Question 2 of 2")  # the same thread
    right, _wrong = labels(second, q2)
    assert (await click(second, q2, right, ANN)).startswith("Locked in")  # buttons work after the restart
    assert (await click(second, q2, right, BOB)).startswith("Locked in")  # the last player: it ends now
    podium = await wait_titled(fake, thread, "Podium")
    assert podium["embeds"][0]["description"].startswith("Live quiz over! 2 of 2 questions asked.")
    assert "**1.** Bob · 200 pts" in podium["embeds"][0]["description"]


async def test_live_refusals_are_private_replies(bot: Bot) -> None:
    reply = await bot.say("flask-live", opt("stop", True, 5))
    assert reply["data"]["flags"] & EPHEMERAL and reply["data"]["content"] == "No live quiz is running in this channel."
    reply = await bot.say("flask-live", opt("topics", "nosuchtopic"))
    assert reply["data"]["flags"] & EPHEMERAL and "nosuchtopic" in reply["data"]["content"]
    await open_lobby(bot)
    reply = await bot.say("flask-live", who=BOB)
    assert "already running" in reply["data"]["content"]
    reply = await bot.say("flask-live", opt("stop", True, 5), who=BOB)
    assert "Only the one who started" in reply["data"]["content"]
    reply = await bot.say("flask-live", opt("stop", True, 5), who=BOB, admin=True)
    assert reply["data"]["content"] == "The live quiz was stopped."


async def test_the_last_answer_waiting_on_the_reveal_is_deferred_within_discords_deadline(
        bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.discord import live_clicks
    monkeypatch.setattr(live_clicks, "DEFER_AFTER", 0.2)
    fake = bot.fake
    lobby, thread = await open_lobby(bot, count=2)
    await click(bot, lobby, "Start", ANN)
    q1 = await wait_titled(fake, thread, "Question 1 of 2")
    right, _wrong = labels(bot, q1)
    fake.inject(429, "POST", rf"/channels/{thread}/messages", retry_after=0.6)  # the reveal waits its turn
    sent = await fake.click(q1, buttons(q1)[right], who=ANN)  # Ann is the only player: this ends it
    first = await fake.callback(sent)
    assert first["type"] == 5 and first["data"]["flags"] & EPHEMERAL  # deferred, privately
    follow = await fake.wait_for(lambda: fake.sent("POST", r"/webhooks/\d+/" + sent.token))
    assert follow[0].body["content"].startswith("Locked in")
    await wait_titled(fake, thread, "Question 1 of 2 revealed")


async def test_forged_live_buttons_get_a_private_refusal(bot: Bot) -> None:
    from adapters.discord import ids
    assert ids.parse("drill:lv:a:12:29:4") == ids.LiveAnswer(12, 29, 4)
    assert ids.parse("drill:lv:j:12") == ids.LiveClick(12, "join")
    for forged in ("drill:lv:a:12:30:0", "drill:lv:a:12:01:0", "drill:lv:a:x:0:0", "drill:lv:a:1:0:9",
                   "drill:lv:q:1", "drill:lv:j:0", "drill:lv:j:" + "9" * 30):
        assert ids.parse(forged) is None, forged
    lobby, _thread = await open_lobby(bot, count=1)
    forged_msg = {**lobby, "components": [{"type": 1, "components": [
        {"type": 2, "style": 1, "label": "Join", "custom_id": "drill:lv:a:99999:0:0"}]}]}
    assert "over" in await click(bot, forged_msg, "Join", BOB)  # a session that does not exist
    forged_msg["components"][0]["components"][0]["custom_id"] = "drill:lv:zz:1"
    assert "button" in (await click(bot, forged_msg, "Join", BOB)).lower()


def test_long_lists_of_names_fit_discords_field_limit() -> None:
    from adapters.discord.live import _names
    names = tuple(f"player-{i:03d}" for i in range(500))
    text = _names(names)
    assert len(text) <= 1024 and text.endswith("more") and text.startswith("player-000, player-001")
    shown = text.count(",") + 1
    assert text.endswith(f" and {500 - shown} more")
    assert _names(()) == "nobody" and _names(("Ann", "Bob")) == "Ann, Bob"


async def test_the_lobby_lists_its_players_edited_at_most_every_interval(make_bot: BotFactory) -> None:
    bot = await make_bot()
    bot.app.engine.live.lobby_edit_every = 0.2
    lobby, _thread = await open_lobby(bot)
    assert {f["name"]: f["value"] for f in lobby["embeds"][0]["fields"]} == {"Players (1)": "Ann"}
    edits = len(bot.fake.sent("PATCH", rf"/channels/\d+/messages/{lobby['id']}$"))
    for who in (BOB, CY):
        await click(bot, lobby, "Join", who)
    msg = await bot.fake.wait_for(lambda: (m := bot.fake.messages[lobby["id"]])["embeds"][0]["fields"]
                                  and m["embeds"][0]["fields"][0]["name"] == "Players (3)" and m)
    assert msg["embeds"][0]["fields"][0]["value"] == "Ann, Bob, Cy"
    assert set(buttons(msg)) == {"Join", "Start", "Stop"}  # the edit keeps the buttons
    # Two joins within the interval: one edit.
    assert len(bot.fake.sent("PATCH", rf"/channels/\d+/messages/{lobby['id']}$")) == edits + 1


async def test_a_process_killed_after_posting_a_question_is_not_doubled_by_the_step_sent_again(
        make_bot: BotFactory, clock: FakeClock) -> None:
    """The question went out, the process died before releasing its lease: the next process sends the
    step again with the same nonce, Discord answers with the message it made, and the bot only edits
    its deadline (the step has its whole time again). One question message in the thread."""
    import asyncio

    from adapters.discord.live import LiveDelivery
    from bot.sessions.views import LiveQuestion

    first = await make_bot()
    fake = first.fake
    _lobby, thread = await open_lobby(first, count=2)
    posted = asyncio.Event()
    real = LiveDelivery.deliver

    async def dies_after_posting(self: LiveDelivery, event: object) -> str | None:
        got = await real(self, event)  # type: ignore[arg-type]
        if isinstance(event, LiveQuestion):
            posted.set()
            await asyncio.Event().wait()  # killed here: the lease is never released
        return got
    first.runner.poster.live.deliver = dies_after_posting.__get__(first.runner.poster.live)  # type: ignore[method-assign]
    clock.advance(seconds=30)  # the lobby's time is up
    step = asyncio.ensure_future(first.app.engine.live.tick())
    await posted.wait()
    step.cancel()
    await stop_bot(first)
    [q1] = titled(fake, thread, "Question 1 of 2")

    second = await make_bot()
    clock.advance(seconds=31)  # the dead process's lease runs out
    await second.app.engine.live.tick()
    await fake.wait_for(lambda: fake.messages[q1["id"]].get("edited_timestamp"))
    assert len(titled(fake, thread, "Question 1 of 2")) == 1
    closes = {f["name"]: f["value"] for f in fake.messages[q1["id"]]["embeds"][0]["fields"]}["Closes"]
    assert closes == f"<t:{int(clock.now().timestamp()) + 30}:R>"  # the new deadline, on the old message
    right, _wrong = labels(second, q1)
    assert (await click(second, q1, right, ANN)).startswith("Locked in")
