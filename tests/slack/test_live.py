"""The live group quiz on Slack: the real Bolt app against the fake Slack, the engine on a fake clock.

What crossed the wire (the fake's recorded calls) is counted against the database.
"""

from __future__ import annotations

import logging
import re
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.clock import FakeClock
from bot.runtime.builder import App
from bot.storage.models import LiveSession, SessionAnswer
from tests.conftest import make_app
from tests.slack.conftest import ADMIN, CHANNEL, Http, Workspace, settings, start_runner
from tests.slack.fake_slack import FakeSlack, blocks_text

ANN, BOB, CY = "U0ANN", "U0BOB", "U0CY"
LETTERS = "ABCDE"


@pytest.fixture(autouse=True)
def names(fake: FakeSlack) -> None:
    fake.profiles.update({ANN: {"real_name": "Ann"}, BOB: {"real_name": "Bob"}, CY: {"real_name": "Cy"}})


def posts(fake: FakeSlack) -> list[dict[str, Any]]:
    return fake.messages(CHANNEL)


def in_thread(fake: FakeSlack, ts: str) -> list[dict[str, Any]]:
    return [m for m in posts(fake) if m.get("thread_ts") == ts]


async def thread_grows(fake: FakeSlack, ts: str, n: int) -> list[dict[str, Any]]:
    """Wait until the thread under ``ts`` holds ``n`` messages."""
    got: list[dict[str, Any]] = await fake.wait_for(lambda: len(t := in_thread(fake, ts)) >= n and t)
    assert len(got) == n, [blocks_text(m)[:60] for m in got]
    return got


def letters(app: App, question: dict[str, Any]) -> tuple[str, str]:
    """(the right button's label, a wrong one's) for a live question message."""
    qid = re.search(r"`([a-z0-9-]+)`$", question["blocks"][0]["elements"][0]["text"])  # the heading's id
    assert qid is not None
    lq = app.engine.library.get(qid[1])
    assert lq is not None and lq.q.correct_index is not None
    right = lq.q.correct_index
    return LETTERS[right], LETTERS[(right + 1) % len(lq.q.options)]


async def click(ws: Workspace, user: str, message: dict[str, Any], label: str, **kw: Any) -> str:
    reply = await ws.click(user, message, label, ephemeral=False, **kw)
    assert reply is not None and reply.body["response_type"] == "ephemeral"
    assert reply.body["replace_original"] is False
    return reply.text


def db(app: App) -> Any:
    async def counts() -> tuple[int, list[str]]:
        def work(s: Session) -> tuple[int, list[str]]:
            n = s.execute(select(func.count()).select_from(SessionAnswer)).scalar_one()
            return n, list(s.execute(select(LiveSession.state).order_by(LiveSession.id)).scalars())
        return await app.engine.core.tx(work)
    return counts()


async def tick(app: App, clock: FakeClock, seconds: int) -> None:
    clock.advance(seconds=seconds)
    await app.engine.live.tick()


async def test_a_full_game_with_three_players_one_never_answers(
        workspace: Workspace, slack_app: App, fake: FakeSlack, clock: FakeClock,
        caplog: pytest.LogCaptureFixture) -> None:
    fake.ephemeral_refused[CY] = "user_not_in_channel"  # Cy's private summary cannot be delivered
    started = await workspace.say(ANN, "live count=3 seconds=20")
    assert "Live quiz posted" in started.text
    [lobby] = posts(fake)
    text = blocks_text(lobby)
    assert "*3* questions, 20 s each" in text and re.search(r"<!date\^\d+\^\{time\}\|", text)
    ts = lobby["ts"]
    assert "You joined" in await click(workspace, BOB, lobby, "Join")
    assert "already" in await click(workspace, BOB, lobby, "Join")
    assert "You joined" in await click(workspace, CY, lobby, "Join")
    assert "may start it early" in await click(workspace, BOB, lobby, "Start")
    assert "Starting" in await click(workspace, ANN, lobby, "Start")

    # Question 1: everyone answers, so it ends at once; Ann's click is replayed by Slack, counted once.
    [q0] = await thread_grows(fake, ts, 1)
    assert "Live question 1 of 3" in blocks_text(q0) and "<!date^" in blocks_text(q0)
    right, wrong = letters(slack_app, q0)
    clock.advance(seconds=2)
    replayed = await workspace.click(ANN, q0, right, ephemeral=False, retry_times=1)
    assert replayed is not None and "Locked in" in replayed.text and "after 2.0 s" in replayed.text
    assert "already locked in" in await click(workspace, ANN, q0, wrong)
    clock.advance(seconds=10)
    await click(workspace, BOB, q0, right)
    await click(workspace, CY, q0, wrong)
    [_q0, r0] = await thread_grows(fake, ts, 2)
    reveal = blocks_text(r0)
    assert "*Answer:*" in reveal and "*3* of 3 answered" in reveal and "Right: Ann, Bob" in reveal
    assert "Ann — *100* pts" in reveal and "Scoreboard" in reveal
    assert "closed" in await click(workspace, BOB, q0, right)

    # Question 2: Cy never answers; it times out.
    await tick(slack_app, clock, 5)
    [*_, q1] = await thread_grows(fake, ts, 3)
    right, _wrong = letters(slack_app, q1)
    await click(workspace, ANN, q1, right)
    await click(workspace, BOB, q1, right)
    await tick(slack_app, clock, 19)
    assert len(in_thread(fake, ts)) == 3  # not yet
    await tick(slack_app, clock, 1)
    [*_, r1] = await thread_grows(fake, ts, 4)
    assert "*2* of 3 answered" in blocks_text(r1)

    # Question 3: only Bob answers; time runs out; reveal, podium (also in the channel), private summaries.
    await tick(slack_app, clock, 5)
    [*_, q2] = await thread_grows(fake, ts, 5)
    await click(workspace, BOB, q2, letters(slack_app, q2)[0])
    await tick(slack_app, clock, 20)
    [*_, r2, podium] = await thread_grows(fake, ts, 7)
    assert "*1* of 3 answered" in blocks_text(r2)
    assert "Live quiz over!" in blocks_text(podium) and podium.get("reply_broadcast") is True
    assert blocks_text(podium).index("Bob") < blocks_text(podium).index("Ann")  # Bob won
    ephemerals = await fake.wait_calls("chat.postEphemeral", 3)
    assert sorted(c.args["user"] for c in ephemerals) == sorted([ANN, BOB, CY])
    assert any("You came *1* of 3" in blocks_text(c.args) for c in ephemerals if c.args["user"] == BOB)

    # The wire against the database: 1 lobby + 3 questions + 3 reveals + 1 podium; 3 + 2 + 1 answers.
    assert len(fake.called("chat.postMessage")) == 8
    assert len([p for p in fake.responses if p.url_id == replayed.url_id]) == 1  # the replay was answered once
    assert await db(slack_app) == (6, ["finished"])
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert any("user_not_in_channel" in r.getMessage() and r.levelno == logging.WARNING for r in caplog.records)


async def test_stop_by_the_starter_and_refusal_for_another_member(
        workspace: Workspace, slack_app: App, fake: FakeSlack, clock: FakeClock) -> None:
    await workspace.say(ANN, "live count=2")
    [lobby] = posts(fake)
    await click(workspace, ANN, lobby, "Start")
    [q0] = await thread_grows(fake, lobby["ts"], 1)
    await click(workspace, BOB, q0, "A")  # answering without joining joins
    assert "Only the one who started" in (await workspace.say(BOB, "live stop")).text
    assert "stopped" in (await workspace.say(ANN, "live stop")).text
    [_q0, podium] = await thread_grows(fake, lobby["ts"], 2)
    assert "stopped by Ann" in blocks_text(podium) and "0 of 2 questions asked" in blocks_text(podium)
    assert await db(slack_app) == (1, ["stopped"])
    assert "No live quiz is running" in (await workspace.say(ANN, "live stop")).text
    assert "over" in await click(workspace, BOB, q0, "B")  # the session is over


async def test_an_admin_stops_and_bad_options_are_explained(
        workspace: Workspace, slack_app: App, fake: FakeSlack) -> None:
    assert "1 to 30" in (await workspace.say(ANN, "live count=99")).text
    await workspace.say(ANN, "live count=2")
    assert "already running" in (await workspace.say(BOB, "live count=2")).text
    assert "stopped" in (await workspace.say(ADMIN, "live stop")).text
    assert await db(slack_app) == (0, ["stopped"])


async def test_a_restart_between_questions_continues_in_the_same_thread(
        db_url: str, fake: FakeSlack, clock: FakeClock) -> None:
    first = make_app(db_url, clock, settings=settings(fake), key="first")
    runner = await start_runner(first, "http")
    async with aiohttp.ClientSession() as session:
        ws = Workspace(fake, Http(runner.port, session))
        await ws.say(ANN, "live count=2")
        [lobby] = posts(fake)
        await click(ws, BOB, lobby, "Join")
        await click(ws, ANN, lobby, "Start")
        [q0] = await thread_grows(fake, lobby["ts"], 1)
        await click(ws, ANN, q0, letters(first, q0)[0])
    await first.service.stop()
    await runner.stop()
    first.close()  # the process stops while question 1 is open

    second = make_app(db_url, clock, settings=settings(fake), key="second")
    runner = await start_runner(second, "http")
    try:
        async with aiohttp.ClientSession() as session:
            ws = Workspace(fake, Http(runner.port, session))
            await click(ws, BOB, q0, letters(second, q0)[1])  # the last player: the new process reveals
            [_q0, r0] = await thread_grows(fake, lobby["ts"], 2)
            assert "Right: Ann" in blocks_text(r0) and "*2* of 2 answered" in blocks_text(r0)
            await tick(second, clock, 5)
            [*_, q1] = await thread_grows(fake, lobby["ts"], 3)
            assert "Live question 2 of 2" in blocks_text(q1)
            await tick(second, clock, 30)
            [*_, podium] = await thread_grows(fake, lobby["ts"], 5)
            assert "Live quiz over!" in blocks_text(podium)
            assert await db(second) == (2, ["finished"])
            assert len(fake.called("chat.postMessage")) == 6  # the lobby, 2 questions, 2 reveals, the podium
    finally:
        await second.service.stop()
        await runner.stop()
        second.close()


async def test_thread_posts_are_paced_like_the_daily_posts_but_summaries_are_not_held(
        db_url: str, fake: FakeSlack, clock: FakeClock) -> None:
    app = make_app(db_url, clock, settings=settings(fake, post_interval=0.3), key="paced")
    runner = await start_runner(app, "http")
    try:
        async with aiohttp.ClientSession() as session:
            ws = Workspace(fake, Http(runner.port, session))
            await ws.say(ANN, "live count=1")
            [lobby] = posts(fake)
            await click(ws, BOB, lobby, "Join")
            await click(ws, ANN, lobby, "Start")
            [q0] = await thread_grows(fake, lobby["ts"], 1)
            await click(ws, ANN, q0, "A")
            await click(ws, BOB, q0, "B")  # the last player: reveal and podium in one step
            await thread_grows(fake, lobby["ts"], 3)
            *_, reveal, podium = fake.called("chat.postMessage")
            assert podium.at - reveal.at >= 0.29  # one channel's writes spaced by post_interval
            summaries = await fake.wait_calls("chat.postEphemeral", 2)
            assert summaries[-1].at - podium.at < 0.5  # paced, the second would come 0.6 s after the podium
    finally:
        await app.service.stop()
        await runner.stop()
        app.close()


@pytest.mark.parametrize("action_id,value", [("live_choice_0", "1|0|9"), ("live_choice_1", "nope"),
                                             ("live_join", "0"), ("live_start", "12345678901234567890")])
async def test_a_forged_button_value_is_refused_politely(
        workspace: Workspace, fake: FakeSlack, caplog: pytest.LogCaptureFixture, action_id: str, value: str) -> None:
    from bot import wording
    from tests.slack.fake_slack import action_payload

    url = fake.response_url()
    await workspace.transport.interactive(action_payload(
        user=BOB, action={"type": "button", "action_id": action_id, "value": value, "block_id": "b"},
        message={"ts": "1.0", "blocks": []}, channel=CHANNEL, response_url=url))
    reply = await workspace.reply(url)
    assert wording.BAD_REQUEST in reply.text
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]


async def test_an_answer_to_a_session_that_does_not_exist_is_a_reply(workspace: Workspace, fake: FakeSlack) -> None:
    from tests.slack.fake_slack import action_payload

    url = fake.response_url()
    await workspace.transport.interactive(action_payload(
        user=BOB, action={"type": "button", "action_id": "live_choice_0", "value": "999|0|0", "block_id": "b"},
        message={"ts": "1.0", "blocks": []}, channel=CHANNEL, response_url=url))
    assert "over" in (await workspace.reply(url)).text


async def test_the_lobby_lists_its_players_updated_at_most_every_interval(
        workspace: Workspace, slack_app: App, fake: FakeSlack) -> None:
    slack_app.engine.live.lobby_edit_every = 0.2
    await workspace.say(ANN, "live count=3 seconds=20")
    [lobby] = posts(fake)
    assert "Players (1): Ann" in blocks_text(lobby)
    for who in (BOB, CY):
        await click(workspace, who, lobby, "Join")
    [update] = await fake.wait_calls("chat.update")
    assert update.args["ts"] == lobby["ts"] and update.args["channel"] == CHANNEL
    assert "Players (3): Ann, Bob, Cy" in blocks_text(update.args)
    assert {"Join", "Start"} <= set(re.findall(r"Join|Start", str(update.args["blocks"])))
    [shown] = posts(fake)  # edited in place: still one message in the channel
    assert "Players (3)" in blocks_text(shown)
