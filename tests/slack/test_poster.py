"""Daily posts over the Web API: rate limits, server errors, a lost channel, per-channel pacing."""

from __future__ import annotations

import itertools
import logging
from collections.abc import AsyncIterator

import pytest

from adapters.slack import Secrets, SlackRunner
from adapters.slack.poster import Pacer
from bot.clock import FakeClock
from bot.members.identity import Member, Place
from bot.runtime.builder import App
from tests.conftest import make_app
from tests.slack.conftest import SECRET, settings
from tests.slack.fake_slack import TEAM, FakeSlack, blocks_text


async def _runner(app: App) -> AsyncIterator[SlackRunner]:
    runner = SlackRunner(app, Secrets(bot_token="xoxb-test", signing_secret=SECRET))
    await runner.start()
    await app.service.start()
    yield runner
    await app.service.stop()
    await runner.stop()


@pytest.fixture
async def runner(slack_app: App) -> AsyncIterator[SlackRunner]:
    async for r in _runner(slack_app):
        yield r


def place(channel: str = "C0DAILY") -> Place:
    return Place("slack", TEAM, channel, channel.lower())


async def test_429_with_retry_after_is_retried_and_nothing_is_lost(runner: SlackRunner, slack_app: App,
                                                                  fake: FakeSlack) -> None:
    fake.fail_next["chat.postMessage"] = [429]
    opened = await slack_app.service.engine.rounds.post_now(place())
    calls = fake.called("chat.postMessage")
    assert len(calls) == 2 and fake.rate_limited == 1
    assert calls[1].at - calls[0].at >= 0.95  # held back by Retry-After (1 s)
    assert len(fake.messages("C0DAILY")) == 1
    _place, ref, _card = await slack_app.engine.rounds.card(opened.round_id)
    assert ref == fake.messages("C0DAILY")[0]["ts"]


async def test_server_errors_are_retried(runner: SlackRunner, slack_app: App, fake: FakeSlack) -> None:
    fake.fail_next["chat.postMessage"] = [500, 503]
    await slack_app.service.engine.rounds.post_now(place())
    assert len(fake.called("chat.postMessage")) == 3 and len(fake.messages("C0DAILY")) == 1


@pytest.mark.parametrize("error", ["not_in_channel", "channel_not_found", "is_archived"])
async def test_a_lost_channel_pauses_its_schedule_and_is_reported(
        runner: SlackRunner, slack_app: App, fake: FakeSlack, error: str, caplog: pytest.LogCaptureFixture) -> None:
    admin = Member("slack", TEAM, "U0ADMIN", "Admin")
    await slack_app.engine.schedules.set(place("C0GONE"), time_of_day="09:00", timezone="UTC", by=admin)
    fake.lost_channels["C0GONE"] = error
    with caplog.at_level(logging.WARNING):
        await slack_app.service.engine.rounds.post_now(place("C0GONE"))
    tried = [c for c in fake.called("chat.postMessage") if c.args["channel"] == "C0GONE"]
    assert len(tried) == 1  # no retries against a refusal
    view = await slack_app.engine.schedules.get(place("C0GONE"))
    assert view is not None and view.paused and error in view.paused_reason
    assert await slack_app.engine.rounds.current(place("C0GONE")) is None
    assert any("paused" in r.getMessage() and error in r.getMessage() for r in caplog.records)
    [told] = fake.messages("U0ADMIN")  # the admin who set the schedule, in a direct message
    assert "<#C0GONE>" in told["text"] and "paused" in told["text"]


async def test_writes_to_one_channel_are_paced_and_other_channels_are_not(
        db_url: str, clock: FakeClock, fake: FakeSlack) -> None:
    app = make_app(db_url, clock, settings=settings(fake, post_interval=0.6))
    try:
        async for _r in _runner(app):
            fake.channel_interval = 0.55  # the fake answers 429 to anything faster
            opened = await app.engine.rounds.post_now(place("C0ONE"))
            await app.engine.rounds.post_now(place("C0TWO"))
            await app.engine.rounds.close(opened.round_id)  # update + thread summary in C0ONE
            one = [c.at for c in fake.calls if c.args.get("channel") == "C0ONE"]
            two = [c.at for c in fake.calls if c.args.get("channel") == "C0TWO"]
            assert len(one) == 3 and all(b - a >= 0.58 for a, b in itertools.pairwise(one))
            # The second channel did not wait out the first channel's interval (a shared pace would
            # put it at least 0.58 s later; the margin is wide because loaded CI machines stall).
            assert two[0] - one[0] < 0.58
            assert fake.rate_limited == 0
            assert "Closed" in blocks_text(fake.messages("C0ONE")[0])
    finally:
        app.close()


async def test_pacer_reserves_slots_for_concurrent_writers() -> None:
    import asyncio
    import time

    pacer = Pacer(0.05)
    t0 = time.monotonic()
    done: list[float] = []

    async def write() -> None:
        await pacer.wait("C1")
        done.append(time.monotonic() - t0)

    await asyncio.gather(*(write() for _ in range(4)))
    assert sorted(done)[-1] >= 0.15 and sorted(done)[0] < 0.04


async def test_a_daily_post_carries_its_round_and_a_lost_answer_is_found_not_posted_again(
        runner: SlackRunner, slack_app: App, fake: FakeSlack) -> None:
    runner.poster.backoff = 0.01
    fake.fail_after["chat.postMessage"] = [500]  # Slack made the message, then answered 500
    opened = await slack_app.service.engine.rounds.post_now(place())
    [message] = fake.messages("C0DAILY")
    assert message["metadata"]["event_type"] == "drillbot_round"
    assert message["metadata"]["event_payload"]["round"] == opened.round_id
    [looked] = fake.called("conversations.history")
    assert looked.args["include_all_metadata"] in (True, "true", "1")
    assert len(fake.called("chat.postMessage")) == 1  # found it: not posted again
    _place, ref, _card = await slack_app.engine.rounds.card(opened.round_id)
    assert ref == message["ts"]


async def test_server_errors_before_the_message_was_made_are_looked_for_then_posted_once(
        runner: SlackRunner, slack_app: App, fake: FakeSlack) -> None:
    runner.poster.backoff = 0.01
    fake.fail_next["chat.postMessage"] = [502, 503]  # refused before it was made: looked for, then made
    opened = await slack_app.service.engine.rounds.post_now(place())
    assert len(fake.messages("C0DAILY")) == 1 and len(fake.called("conversations.history")) == 2
    _place, ref, _card = await slack_app.engine.rounds.card(opened.round_id)
    assert ref == fake.messages("C0DAILY")[0]["ts"]
