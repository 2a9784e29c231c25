"""Forged, odd and unauthenticated input through the real Bolt app and the fake Slack.

Each is refused (401 unsigned, 400 malformed, or a polite ephemeral reply), nothing is
stored for a refused input, and no traceback reaches the log.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select, text

from adapters.slack import Secrets, SlackRunner, oauth
from bot import wording
from bot.clock import FakeClock
from bot.members.identity import Place
from bot.runtime.builder import App
from bot.storage.models import Answer, Community, Score
from tests.conftest import make_app
from tests.slack.conftest import ADMIN, CHANNEL, SECRET, Http, Workspace, find_button, new_user, settings
from tests.slack.fake_slack import TEAM, FakeSlack, action_payload, command_body, form

FORM = "application/x-www-form-urlencoded"
OTHER_TEAM = "T0ELSEWHERE"


@pytest.fixture
def errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.INFO)
    return caplog.records


def no_errors(records: list[logging.LogRecord]) -> None:
    bad = [f"{r.name}: {r.getMessage()}" for r in records if r.levelno >= logging.ERROR]
    assert not bad, bad


async def count(app: App, model: type, *where: object) -> int:
    return int(await app.engine.core.tx(
        lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()))


async def daily_post(workspace: Workspace, app: App) -> dict[str, Any]:
    """An admin posts a multiple-choice daily question in CHANNEL; the message as posted."""
    await app.engine.schedules.set(Place("slack", TEAM, CHANNEL), time_of_day="23:00", timezone="UTC",
                                   topics=("more",))
    assert "Posted the daily question" in (await workspace.say(ADMIN, "daily")).text
    [message] = workspace.fake.messages(CHANNEL)
    return message


async def right_label(app: App, message: dict[str, Any]) -> str:
    value = next(el["value"] for b in message["blocks"] for el in b.get("elements", [])
                 if el.get("type") == "button" and el.get("action_id", "").startswith("daily_choice"))
    card = (await app.engine.rounds.card(int(value.split("|")[0])))[2]
    lq = app.engine.library.get(card.question_id)
    assert lq is not None and lq.q.correct_index is not None
    return chr(65 + lq.q.correct_index)


async def click_as(workspace: Workspace, user: str, message: dict[str, Any], label: str, *, team: str,
                   channel: str) -> str:
    button = find_button(message["blocks"], label)
    url = workspace.fake.response_url()
    await workspace.transport.interactive(action_payload(
        user=user, action={"type": "button", "block_id": "b", **button}, message=message, channel=channel,
        response_url=url, team=team, ephemeral=False))
    return (await workspace.reply(url)).text


async def test_an_answer_from_another_workspace_is_refused_unless_the_channel_is_shared(
        workspace: Workspace, slack_app: App, errors: list[logging.LogRecord]) -> None:
    message = await daily_post(workspace, slack_app)
    right = await right_label(slack_app, message)
    # A member of another workspace, clicking a copy of the message in a channel of theirs.
    forged = await click_as(workspace, new_user(), message, right, team=OTHER_TEAM, channel="C0THEIRS")
    assert wording.ROUND_OTHER_COMMUNITY in forged
    assert await count(slack_app, Answer) == 0 and await count(slack_app, Score) == 0
    # A guest from that workspace in the round's own channel (Slack Connect): scored on the host's board.
    guest = await click_as(workspace, new_user(), message, right, team=OTHER_TEAM, channel=CHANNEL)
    assert "Correct!" in guest
    host = await slack_app.engine.core.tx(lambda s: s.execute(
        select(Community.id).where(Community.platform == "slack", Community.external_id == TEAM)).scalar_one())
    assert await count(slack_app, Answer, Answer.community_id == host) == 1
    assert await count(slack_app, Score, Score.community_id != host) == 0
    no_errors(errors)


@pytest.mark.parametrize("value", ["abc|1", "9" * 80 + "|1", "1|9", "1", "|", "１|0", ""])
async def test_forged_action_values_are_refused(workspace: Workspace, slack_app: App,
                                                errors: list[logging.LogRecord], value: str) -> None:
    url = workspace.fake.response_url()
    action = {"type": "button", "block_id": "b", "action_id": "daily_choice_1", "value": value,
              "text": {"type": "plain_text", "text": "B"}}
    await workspace.transport.interactive(action_payload(user=new_user(), action=action, message=None,
                                                         channel=CHANNEL, response_url=url))
    reply = await workspace.reply(url)
    assert wording.BAD_REQUEST in reply.text
    assert await count(slack_app, Answer) == 0
    no_errors(errors)


@pytest.mark.parametrize("drop", ["trigger_id", "team", "user", "value"])
async def test_payloads_missing_a_field_are_refused(workspace: Workspace, errors: list[logging.LogRecord],
                                                    drop: str) -> None:
    url = workspace.fake.response_url()
    action = {"type": "button", "block_id": "b", "action_id": "practice_choice_0", "value": "more-junior-choice|0",
              "text": {"type": "plain_text", "text": "A"}}
    payload = action_payload(user=new_user(), action=action, message=None, channel=CHANNEL, response_url=url)
    if drop == "value":
        del payload["actions"][0]["value"]
    elif drop == "user":
        payload["user"] = {"name": "nobody"}
    elif drop == "team":
        payload.pop("team")
        payload["user"].pop("team_id")
    else:
        payload.pop(drop)
    await workspace.transport.interactive(payload)
    assert wording.BAD_REQUEST in (await workspace.reply(url)).text
    no_errors(errors)


async def test_a_modal_with_bad_private_metadata_is_refused_in_the_modal(
        workspace: Workspace, errors: list[logging.LogRecord]) -> None:
    view = {"id": "V0BAD", "type": "modal", "callback_id": "answer_modal", "private_metadata": "{not json"}
    ack = await workspace.submit(new_user(), view, "Some answer in a sentence.")
    assert wording.BAD_REQUEST in ack
    no_errors(errors)


async def test_a_huge_command_is_refused_at_once(workspace: Workspace, errors: list[logging.LogRecord]) -> None:
    started = time.perf_counter()
    reply = await workspace.say(new_user(), "report more-junior-choice " + "'\"" * 50_000)
    assert time.perf_counter() - started < 3
    assert "longer than any command needs" in reply.text
    no_errors(errors)


@pytest.mark.parametrize("zone", ["Etc", "America", "localtime", "posixrules", "A" * 300])
async def test_schedule_with_a_folder_or_odd_time_zone_is_refused(
        workspace: Workspace, slack_app: App, errors: list[logging.LogRecord], zone: str) -> None:
    reply = await workspace.say(ADMIN, f"schedule set 09:30 {zone}")
    assert "unknown time zone" in reply.text and len(reply.text) < 400
    assert await slack_app.engine.schedules.active() == []
    no_errors(errors)


async def test_a_failing_users_info_refuses_admin_commands(workspace: Workspace, slack_app: App,
                                                           errors: list[logging.LogRecord]) -> None:
    workspace.fake.fail_next["users.info"] = [500, 500, 500, 500]
    reply = await workspace.say(new_user(), "schedule pause")
    assert wording.ADMIN_CHECK_FAILED in reply.text
    no_errors(errors)


# -- HTTP: verify first ---------------------------------------------------------------------

async def raw_post(http: Http, body: str, content_type: str, headers: dict[str, str]) -> int:
    async with http.session.post(http.url, data=body.encode(), headers={"Content-Type": content_type,
                                                                        **headers}) as resp:
        return resp.status


@pytest.mark.parametrize(("body", "ctype", "headers"), [
    ("command=%2Fflask-quiz", FORM, {"X-Slack-Request-Timestamp": "abc", "X-Slack-Signature": "v0=00"}),
    ("payload=not-json", FORM, {}),
    ("payload=%5B1%2C2%5D", FORM, {"X-Slack-Request-Timestamp": "1", "X-Slack-Signature": "v0=1"}),
    ("payload=null", FORM, {"X-Slack-Request-Timestamp": str(int(time.time())), "X-Slack-Signature": "x"}),
    ("{not json", "application/json", {}),
    ("[]", "application/json", {"X-Slack-Request-Timestamp": "９９", "X-Slack-Signature": "v0=ab"}),
])
async def test_unsigned_requests_get_401_whatever_their_body(
        http: Http, fake: FakeSlack, errors: list[logging.LogRecord], body: str, ctype: str,
        headers: dict[str, str]) -> None:
    assert await raw_post(http, body, ctype, headers) == 401
    no_errors(errors)


@pytest.mark.parametrize(("body", "ctype"), [
    ("payload=not-json", FORM), ("payload=%5B1%2C2%5D", FORM), ("payload=null", FORM),
    ("{not json", "application/json"), ("[]", "application/json"), ("null", "application/json"),
    ("payload=%7B%22type%22%3A%22view_submission%22%2C%22view%22%3A%7B%7D%7D", FORM),  # a view without a type
    ("payload=%7B%22type%22%3A%22block_actions%22%2C%22actions%22%3A%5B1%5D%7D", FORM),
])
async def test_signed_but_malformed_bodies_get_400(http: Http, errors: list[logging.LogRecord], body: str,
                                                   ctype: str) -> None:
    assert (await http.post(body, ctype))[0] == 400
    no_errors(errors)


async def test_signed_good_requests_still_pass(http: Http, fake: FakeSlack) -> None:
    status, _ = await http.post(form(command_body(user="U1", text="help", response_url=fake.response_url())), FORM)
    assert status == 200
    await fake.wait_for(lambda: fake.responses)


async def test_response_urls_never_reach_the_logs(http: Http, fake: FakeSlack,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    url = "https://hooks.slack.com/commands/T0TEAM/123/SECRETPART"
    status, _ = await http.post(form(command_body(user="U1", text="help", response_url=url)), FORM)
    assert status == 200
    await asyncio.sleep(0.2)
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert "SECRETPART" not in logged and "SECRETPART" not in caplog.text


# -- OAuth ------------------------------------------------------------------------------------

@pytest.fixture
async def oauth_runner(db_url: str, clock: FakeClock, fake: FakeSlack) -> AsyncIterator[tuple[App, SlackRunner]]:
    app = make_app(db_url, clock, settings=settings(fake, oauth=True))
    runner = SlackRunner(app, Secrets(signing_secret=SECRET, client_id="111.222", client_secret="shh"))
    await runner.start()
    await app.service.start()
    yield app, runner
    await app.service.stop()
    await runner.stop()
    app.close()


async def test_install_page_visits_do_not_grow_the_state_table(
        oauth_runner: tuple[App, SlackRunner], monkeypatch: pytest.MonkeyPatch) -> None:
    app, runner = oauth_runner
    monkeypatch.setattr(oauth, "MAX_STATES", 20)
    with app.db.engine.begin() as conn:  # an expired state from long ago
        conn.execute(text("INSERT INTO slack_oauth_states (state, expire_at) VALUES ('old', '2000-01-01 00:00:00')"))
    async with aiohttp.ClientSession() as session:
        for _ in range(60):
            async with session.get(f"http://127.0.0.1:{runner.port}/slack/install") as resp:
                assert resp.status == 200
    with app.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT state FROM slack_oauth_states")).scalars().all()
    assert len(rows) <= 20 and "old" not in rows


# slack-sdk 3.47 still passes aiohttp.BasicAuth for oauth.v2.access; aiohttp 3.14 deprecates it.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_forget_me_removes_the_installers_user_id(oauth_runner: tuple[App, SlackRunner],
                                                        fake: FakeSlack) -> None:
    app, runner = oauth_runner
    base = f"http://127.0.0.1:{runner.port}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{base}/slack/install") as resp:
            page = await resp.text()
            cookie = resp.headers["Set-Cookie"].split(";")[0]
        state = page.split("state=", 1)[1].split("&", 1)[0].split('"', 1)[0]
        async with session.get(f"{base}/slack/oauth_redirect?code=c0de&state={state}",
                               headers={"Cookie": cookie}) as resp:
            assert resp.status == 200
        with app.db.engine.connect() as conn:
            assert conn.execute(text("SELECT user_id FROM slack_installations")).scalars().all() == ["U0INSTALLER"]
        http = Http(runner.port, session)
        url = fake.response_url()
        await http.command(command_body(user="U0INSTALLER", text="forget-me", team=fake.oauth_team,
                                        response_url=url))
        await fake.wait_for(lambda: [p for p in fake.responses if url.endswith(p.url_id)])
    with app.db.engine.connect() as conn:
        rows = conn.execute(text("SELECT user_id, bot_token FROM slack_installations")).all()
    assert [tuple(r) for r in rows] == [("", "xoxb-installed")]
    # the workspace keeps working with its bot token
    assert (await runner.installs.async_find_bot(enterprise_id=None, team_id=fake.oauth_team)) is not None  # type: ignore[union-attr]
