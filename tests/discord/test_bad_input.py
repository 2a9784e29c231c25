"""Forged, odd and hostile input through the fake Discord: each is refused with a reply, nothing breaks.

What an outside tester sent: clicks forged in another guild or a direct message, custom ids with
letters or 80 digits for a round, choices Discord never offered, wrong option types, autocomplete
on options without it, 6,000-character options, floods of reports and practice questions.
"""

from __future__ import annotations

import asyncio
import gc
import logging

import discord
import pytest
from sqlalchemy import func, select

from bot import wording
from bot.storage.models import Answer, Community, Report, Score
from tests.discord.conftest import ANN, BOB, Bot
from tests.discord.fake_discord import JSON, buttons, opt, sub
from tests.discord.test_daily import channel, post_now, right_label

EPHEMERAL = 64


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records at ERROR or above: none may come from a member's input."""
    caplog.set_level(logging.INFO)
    return caplog.records  # filtered when read, see no_errors()


def no_errors(records: list[logging.LogRecord]) -> None:
    bad = [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]
    assert not bad, bad


def text(reply: JSON) -> str:
    return str(reply["data"].get("content") or "")


def with_button(message: JSON, custom_id: str) -> JSON:
    """The message as a forger's client presents it: one button carrying ``custom_id``."""
    button = {"type": 2, "style": 1, "label": "A", "custom_id": custom_id}
    return {**message, "components": [{"type": 1, "components": [button]}]}


async def count(bot: Bot, model: type, *where: object) -> int:
    return int(await bot.app.engine.core.tx(
        lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()))


async def test_a_click_forged_in_another_guild_or_a_dm_is_refused_and_scores_nowhere(
        bot: Bot, errors: list[logging.LogRecord]) -> None:
    post = await post_now(bot)
    right, _ = right_label(bot, post)
    custom_id = buttons(post)[right]
    assert custom_id.startswith("drill:a:r:")
    # Guild B: a message of its own carrying guild A's custom id, clicked there.
    forged = await bot.reply_to(await bot.fake.click(post, custom_id, who=BOB, guild=1))
    assert text(forged) == wording.ROUND_OTHER_COMMUNITY and forged["data"]["flags"] & EPHEMERAL
    dm = await bot.reply_to(await bot.fake.click(post, custom_id, who=BOB, dm=True))
    assert text(dm) == wording.GUILD_ONLY
    assert await count(bot, Answer) == 0 and await count(bot, Score) == 0
    # Nothing about the DM was stored: no "dm-<user>" community.
    assert await count(bot, Community, Community.external_id.like("dm-%")) == 0
    # In guild A the same click counts.
    ok = await bot.reply_to(await bot.fake.click(post, custom_id, who=BOB))
    assert ok["data"]["embeds"][0]["title"] == wording.CORRECT
    assert await count(bot, Answer) == 1
    no_errors(errors)


@pytest.mark.parametrize("custom_id", [
    "drill:a:r:abc:1", "drill:a:r:" + "9" * 80 + ":1", "drill:a:r:1:9", "drill:a:r:-1:0", "drill:a:r:１:0",
    "drill:a:p:NOT A QUESTION:0", "drill:o:x:1", "drill:rep:", "drill:", "drill:a:r:1:0:extra",
    "drill:\n", "drill:a:r:1\n:0",  # found by the fuzzer: "." did not match a newline, so no reply
])
async def test_forged_custom_ids_get_a_refusal_not_a_traceback(
        bot: Bot, errors: list[logging.LogRecord], custom_id: str) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    reply = await bot.reply_to(await bot.fake.click(with_button(q["message"], custom_id), custom_id, who=ANN))
    assert text(reply) in (wording.BAD_BUTTON, wording.NO_ROUND)
    no_errors(errors)


async def test_options_discord_never_offers_are_refused_politely(bot: Bot, errors: list[logging.LogRecord]) -> None:
    cases = [
        ("flask-quiz", opt("level", "expert")),  # a choice never offered
        ("flask-quiz", opt("topic", 12345, kind=4)),  # an integer where a string is declared
        ("flask-leaderboard", opt("period", "forever")),
        ("flask-report", opt("question", ["x"]), opt("reason", {"a": 1})),
    ]
    for name, *options in cases:
        reply = await bot.say(name, *options)
        assert reply["data"]["flags"] & EPHEMERAL, (name, reply)
        assert text(reply) or reply["data"].get("embeds"), (name, reply)
    window = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "UTC"),
                                              opt("window", "abc")), admin=True)
    assert text(window) in (wording.BAD_OPTIONS, wording.BAD_WINDOW)
    no_errors(errors)


async def test_autocomplete_on_an_option_without_it_gets_no_suggestions(
        bot: Bot, errors: list[logging.LogRecord]) -> None:
    for options in ([opt("level", "ju", focused=True)], [opt("nope", "x", focused=True)],
                    [opt("topic", 5, kind=4, focused=True)]):
        sent = await bot.fake.autocomplete("flask-quiz", *options, who=ANN)
        body = await bot.fake.callback(sent)
        assert body == {"type": 8, "data": {"choices": []}}
    good = await bot.fake.callback(await bot.fake.autocomplete("flask-quiz", opt("topic", "mo", focused=True),
                                                               who=ANN))
    assert [c["value"] for c in good["data"]["choices"]] == ["more"]
    no_errors(errors)


async def test_over_long_options_are_refused_before_parsing_and_echoes_fit_discord(
        bot: Bot, errors: list[logging.LogRecord]) -> None:
    huge = await bot.say("flask-quiz", opt("topic", "x" * 6000))
    assert text(huge) == wording.INPUT_TOO_LONG.format(length=6000, limit=2000)
    long = await bot.say("flask-quiz", opt("topic", "y" * 1999))  # under the cap: echoed, clipped
    assert text(long).startswith("Unknown topic 'yyy") and len(text(long)) < 2000 and "…" in text(long)
    tz = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", "Z" * 1999)),
                       admin=True)
    assert "unknown time zone" in text(tz) and len(text(tz)) < 300
    no_errors(errors)


@pytest.mark.parametrize("zone", ["Etc", "America", "localtime", "posixrules", "A" * 300, "../../etc/passwd"])
async def test_time_zones_that_are_not_iana_names_are_refused(bot: Bot, errors: list[logging.LogRecord],
                                                              zone: str) -> None:
    reply = await bot.say("flask-admin", sub("schedule", opt("time", "09:30"), opt("timezone", zone)), admin=True)
    assert "unknown time zone" in text(reply)
    assert await bot.app.engine.schedules.active() == []
    no_errors(errors)


def live_views() -> int:
    gc.collect()
    return sum(1 for o in gc.get_objects() if isinstance(o, discord.ui.View))


async def test_practice_views_are_not_kept_by_discord_py_and_clicks_still_answer(bot: Bot) -> None:
    # discord.py keeps an ephemeral reply's view for 15 minutes (a timeout task holds it) unless
    # the view is already stopped: every button is a DynamicItem, so nothing needs it.
    store = bot.runner.client._connection._view_store
    before = (live_views(), len(asyncio.all_tasks()), len(store._views), len(store._synced_message_views))
    last = None
    for _ in range(30):
        last = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    after = (live_views(), len(asyncio.all_tasks()), len(store._views), len(store._synced_message_views))
    assert after[0] - before[0] < 5 and after[1] - before[1] < 5 and after[2:] == before[2:], (before, after)
    assert last is not None
    answered = await bot.click(last, "A")
    assert answered["data"]["embeds"][0]["title"] in (wording.CORRECT, wording.WRONG)


async def test_one_member_cannot_flood_reports(bot: Bot) -> None:
    burst = bot.app.engine.settings.limits.reports.burst
    replies = [await bot.say("flask-report", opt("question", "more-junior-choice"), opt("reason", "x" * 1500))
               for _ in range(burst + 3)]
    assert [text(r) for r in replies[:burst]] == [wording.REPORTED.format(qid="more-junior-choice")] * burst
    assert all(text(r).startswith("You are going faster than I can keep up with") for r in replies[burst:])
    assert await count(bot, Report) == burst
    # Another member is not affected.
    other = await bot.say("flask-report", opt("question", "more-junior-choice"), opt("reason", "typo"), who=BOB)
    assert text(other) == wording.REPORTED.format(qid="more-junior-choice")


async def test_interaction_tokens_never_reach_the_logs(bot: Bot, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    sent = await bot.fake.slash("flask-quiz", opt("topic", "more"), who=ANN)
    reply = await bot.reply_to(sent)
    await bot.click(reply, "A")
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "/interactions/" in logged or "webhooks" in logged or "INTERACTION_CREATE" in logged  # DEBUG was on
    assert sent.token not in logged
    assert channel(bot.fake)  # the fake still serves guild A


@pytest.mark.parametrize("option", [opt("topic", ":", 10), opt("topic", "x", 4), opt("topic", "1", 5),
                                    opt("topic", True, 4), opt("topic", "u", 6), {"name": "topic"}])
async def test_option_values_of_the_wrong_type_for_their_kind_are_refused(
        bot: Bot, errors: list[logging.LogRecord], option: JSON) -> None:
    """discord.py converts a number option with float() before any hook: found by the fuzzer."""
    reply = await bot.say("flask-quiz", option)
    assert text(reply) == wording.BAD_OPTIONS
    no_errors(errors)
