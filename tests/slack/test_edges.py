"""Slack's limits and habits: counts at the reveal, expired response URLs, display names, careful cuts."""

from __future__ import annotations

import asyncio
import json
import re
import shutil
import time
from pathlib import Path

from bot import wording
from bot.clock import FakeClock
from bot.config import LeaderboardSection
from bot.members.identity import Member, Place
from bot.runtime.builder import App
from tests.conftest import SAMPLE, make_app
from tests.slack.conftest import CHANNEL, Socket, Workspace, new_user, settings, start_runner
from tests.slack.fake_slack import BOT_USER, TEAM, FakeSlack, Posted, blocks_text, event_body

DAILY = Place("slack", TEAM, CHANNEL)


async def post_daily(workspace: Workspace, app: App) -> dict:  # type: ignore[type-arg]
    """A multiple-choice daily question in the channel (topic "more" has only those)."""
    await app.engine.schedules.set(DAILY, time_of_day="23:00", timezone="UTC", topics=("more",))
    await app.service.engine.rounds.post_now(DAILY)
    await workspace.fake.wait_calls("chat.postMessage")
    return workspace.fake.messages(CHANNEL)[0]


async def open_question(workspace: Workspace, user: str) -> Posted:
    """The sample pack's open question as a practice question (the mid true/false one may come first)."""
    q = await workspace.say(user, "example mid")
    while "example-open-factory" not in q.text:
        await workspace.click(user, q.body, "B")
        q = await workspace.say(user, "example mid")
    return q


def labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [el["text"]["text"] for b in message["blocks"] for el in b.get("elements", []) if el.get("type") == "button"]


async def test_the_reveal_shows_how_many_chose_each_option(workspace: Workspace, slack_app: App) -> None:
    message = await post_daily(workspace, slack_app)
    letters = labels(message)
    assert letters[0] == "A"
    for user, label in ((new_user(), "A"), (new_user(), "A"), (new_user(), letters[-1])):
        await workspace.click(user, message, label, ephemeral=False)
    round_id = await slack_app.engine.rounds.current(DAILY)
    assert round_id is not None
    closed = await slack_app.service.engine.rounds.close(round_id)
    assert closed is not None
    right = closed.summary.question.options.index(closed.summary.right or "")
    counts = [2 if i == 0 else 1 if i == len(letters) - 1 else 0 for i in range(len(letters))]
    expected = " · ".join(f"{x} {n}{' ✓' if i == right else ''}"
                          for i, (x, n) in enumerate(zip(letters, counts, strict=True)))
    fake = workspace.fake
    reveal = await fake.wait_for(lambda: [c for c in fake.called("chat.update") if "Closed" in blocks_text(c.args)])
    assert expected in blocks_text(reveal[-1].args)
    thread = (await fake.wait_calls("chat.postMessage", 2))[-1]
    assert f"Chosen: {expected}" in blocks_text(thread.args)


async def test_an_answer_typed_after_the_response_url_expired_still_gets_feedback(workspace: Workspace) -> None:
    fake, user = workspace.fake, new_user()
    q = await open_question(workspace, user)
    view = await workspace.open_answer_modal(user, q.body)
    url = json.loads(view["private_metadata"])["url"]
    started = time.time()
    fake.now = lambda: started + 31 * 60  # the member took 31 minutes to type the answer
    before = len(fake.responses)
    await workspace.submit(user, view, "A create_app factory builds the app so tests can pass another config; "
                                       "extensions are bound with init_app.")
    [sent] = await fake.wait_calls("chat.postEphemeral")
    assert sent.args["user"] == user and sent.args["channel"] == CHANNEL
    assert wording.COVERS in blocks_text(sent.args)
    assert fake.refused_responses == 1 and len(fake.responses) == before  # the expired url was tried first
    assert url.rsplit("/", 1)[1] not in {p.url_id for p in fake.responses[before:]}


async def test_an_answer_whose_response_url_was_revoked_on_demand_gets_feedback(workspace: Workspace) -> None:
    fake, user = workspace.fake, new_user()
    q = await open_question(workspace, user)
    view = await workspace.open_answer_modal(user, q.body)
    fake.expire(json.loads(view["private_metadata"])["url"])
    await workspace.submit(user, view, "Nothing to do with it.")
    [sent] = await fake.wait_calls("chat.postEphemeral")
    assert sent.args["user"] == user and "Not quite." in blocks_text(sent.args)


async def test_boards_show_slack_display_names(workspace: Workspace, slack_app: App) -> None:
    fake = workspace.fake
    message = await post_daily(workspace, slack_app)
    ann, bob, cy = new_user(), new_user(), new_user()
    fake.profiles[ann] = {"display_name": "annie", "real_name": "Ann Example"}
    fake.profiles[bob] = {"display_name": "", "real_name": "Bob Example"}
    fake.profiles[cy] = {"display_name": "", "real_name": ""}
    for user in (ann, bob, cy):
        await workspace.click(user, message, "A", ephemeral=False)
    board = (await workspace.say(ann, "leaderboard")).text
    assert "annie" in board and "Bob Example" in board and cy.lower() in board  # display, real, legacy name
    assert ann.lower() not in board and bob.lower() not in board


async def test_a_new_members_replies_do_not_wait_for_their_name(workspace: Workspace, slack_app: App) -> None:
    """users.info is asked after the reply (adapters.slack.names): while Slack stalls it, a new
    member still gets their practice question and their daily answer's feedback; a board then
    waits for the lookup and shows the display name, not the payload's username."""
    fake = workspace.fake
    gate = fake.hold["users.info"] = asyncio.Event()
    message = await post_daily(workspace, slack_app)
    me = new_user()
    fake.profiles[me] = {"display_name": "new face"}
    q = await workspace.say(me, "")
    assert q.body["response_type"] == "ephemeral" and "practice" in json.dumps(q.body)
    fb = await workspace.click(me, message, "A", ephemeral=False)
    assert "Correct" in fb.text or "Not quite" in fb.text
    await fake.wait_calls("users.info")  # asked for after the replies, and still unanswered
    board = asyncio.create_task(workspace.say(me, "leaderboard"))
    await asyncio.sleep(0.3)
    assert not board.done()  # waits for the name being looked up
    gate.set()
    text = (await board).text
    assert "new face" in text and me.lower() not in text


async def test_the_answer_modal_shows_the_questions_code(db_url: str, clock: FakeClock, fake: FakeSlack,
                                                         tmp_path: Path) -> None:
    pack = tmp_path / "packs"
    shutil.copytree(SAMPLE, pack)
    toml = pack / "sample" / "example.toml"
    text = toml.read_text()
    head, tail = text.split('id = "example-open-factory"', 1)
    toml.write_text(head + 'id = "example-open-factory"\ncode = \'\'\'\ndef create_app():\n    app = Flask(__name__)'
                    '\n    return app\n\'\'\'' + tail)
    app = make_app(db_url, clock, content=pack, settings=settings(fake))
    runner = await start_runner(app, "socket")
    try:
        workspace, user = Workspace(fake, Socket(fake)), new_user()
        q = await open_question(workspace, user)
        view = await workspace.open_answer_modal(user, q.body)
        shown = blocks_text(view)
        assert "def create_app():" in shown and "```" in shown
        assert shown.index("```") < shown.index("Answer")  # above the text box
    finally:
        await app.service.stop()
        await runner.stop()
        app.close()


def sections(body: dict) -> list[str]:  # type: ignore[type-arg]
    return [b["text"]["text"] for b in body.get("blocks", []) if b.get("type") == "section"]


async def test_long_code_is_cut_with_its_fence_closed_and_no_entity_split(db_url: str, clock: FakeClock,
                                                                          fake: FakeSlack, tmp_path: Path) -> None:
    pack = tmp_path / "packs"
    shutil.copytree(SAMPLE, pack)
    toml = pack / "sample" / "example.toml"
    code = "\n".join(f"ok_{i} = a & b && c < d  # line {i}" for i in range(300))
    head, tail = toml.read_text().split('id = "example-open-factory"', 1)
    toml.write_text(head + f"id = \"example-open-factory\"\ncode = '''\n{code}\n'''" + tail)
    app = make_app(db_url, clock, content=pack, settings=settings(fake))
    runner = await start_runner(app, "socket")
    try:
        q = await open_question(Workspace(fake, Socket(fake)), new_user())
        [block] = [t for t in sections(q.body) if t.startswith("```")]
        assert len(block) <= 3000 and len(block) > 2500  # cut, but only as much as needed
        assert block.count("```") == 2 and block.endswith("…\n```")  # the fence closed again
        before = block[: -len("…\n```")]
        assert not re.search(r"&[a-z]*$", before)  # no &amp; cut in two
        assert "ok_0 = a &amp; b &amp;&amp; c &lt; d" in block
    finally:
        await app.service.stop()
        await runner.stop()
        app.close()


async def test_a_long_board_keeps_the_callers_own_line(db_url: str, clock: FakeClock, fake: FakeSlack) -> None:
    app = make_app(db_url, clock, settings=settings(fake).model_copy(
        update={"leaderboard": LeaderboardSection(size=50)}))
    runner = await start_runner(app, "socket")
    try:
        workspace = Workspace(fake, Socket(fake))
        message = await post_daily(workspace, app)
        round_id = await app.engine.rounds.current(DAILY)
        assert round_id is not None
        lq = app.engine.library.get((await app.engine.rounds.card(round_id))[2].question_id)
        assert lq is not None and lq.q.correct_index is not None
        for i in range(55):
            member = Member("slack", TEAM, f"U{i:08d}", f"A rather long display name for member number {i:02d}")
            await app.engine.rounds.answer(member, round_id, choice=lq.q.correct_index, text=None)
        me = new_user()
        fake.profiles[me] = {"display_name": "the caller"}
        wrong = "ABCDE"[(lq.q.correct_index + 1) % len(lq.q.options)]
        await workspace.click(me, message, wrong, ephemeral=False)
        board = (await workspace.say(me, "leaderboard week")).body
        [text] = sections(board)
        assert len(text) <= 3000
        assert text.splitlines()[-1].startswith("` 56.` the caller") and "…" in text
        assert "member number 00" in text  # the top of the board stays
    finally:
        await app.service.stop()
        await runner.stop()
        app.close()


def joined(channel: str, user: str) -> dict:  # type: ignore[type-arg]
    return event_body({"type": "member_joined_channel", "user": user, "channel": channel, "channel_type": "C",
                       "team": TEAM, "event_ts": f"{time.time():.6f}"})


def welcomes(fake: FakeSlack, channel: str) -> list[str]:
    return [blocks_text(c.args) for c in fake.called("chat.postMessage")
            if c.args.get("channel") == channel and "Hello, I am drillbot" in blocks_text(c.args)]


async def test_a_channel_that_adds_the_bot_is_welcomed_once_across_a_restart(db_url: str, clock: FakeClock,
                                                                            fake: FakeSlack) -> None:
    for attempt in range(2):  # the second time round: a restarted bot over the same database
        app = make_app(db_url, clock, settings=settings(fake))
        runner = await start_runner(app, "socket")
        try:
            transport = Socket(fake)
            await transport.event(joined("C0NEWCHAN", new_user()))  # a member joining: not the bot
            await transport.event(joined("C0NEWCHAN", BOT_USER))
            await transport.event(joined("C0NEWCHAN", BOT_USER))  # removed and added again
            await transport.event(joined(f"C0OTHER{attempt}", BOT_USER))
            await fake.wait_for(lambda a=attempt: welcomes(fake, f"C0OTHER{a}"))
        finally:
            await app.service.stop()
            await runner.stop()
            app.close()
    [hello] = welcomes(fake, "C0NEWCHAN")
    assert "/flask-quiz schedule set 09:30 Europe/Berlin" in hello and "/flask-quiz help" in hello


async def test_the_app_home_welcomes_a_member_on_the_first_visit_only(workspace: Workspace) -> None:
    fake, user = workspace.fake, new_user()
    await workspace.open_home(user)
    await workspace.open_home(user)
    published = [c.args for c in await fake.wait_calls("views.publish", 2) if c.args["user_id"] == user]
    texts = [blocks_text(json.loads(p["view"]) if isinstance(p["view"], str) else p["view"]) for p in published]
    # The two visits are handled concurrently (each is acknowledged first), so either publish may be
    # the one that won the welcome: exactly one of them carries it.
    welcomed = [t for t in texts if "Hello, I am drillbot" in t]
    assert len(texts) == 2 and len(welcomed) == 1 and "schedule set" in welcomed[0]
    assert all("Flask interview drill" in t for t in texts)
