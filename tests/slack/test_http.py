"""HTTP mode: request signatures, Slack's published test vector, and multi-workspace OAuth installs."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack import Secrets, SlackRunner
from bot.clock import FakeClock
from bot.errors import ChannelUnavailable
from bot.members.identity import Place
from bot.rounds.posting import Attempt
from bot.runtime.builder import App
from tests.conftest import make_app
from tests.slack.conftest import SECRET, Http, settings
from tests.slack.fake_slack import FakeSlack, command_body, event_body, form, sign

# From Slack's "Verifying requests from Slack" documentation.
DOC_SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
DOC_TIMESTAMP = "1531420618"
DOC_BODY = ("token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V"
            "&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text="
            "&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN"
            "&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c")
DOC_SIGNATURE = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"


def test_slacks_published_signature_example() -> None:
    assert sign(DOC_SECRET, DOC_BODY, DOC_TIMESTAMP) == DOC_SIGNATURE
    verifier = SignatureVerifier(DOC_SECRET, clock=type("C", (), {"now": lambda self: 1531420618.0})())
    assert verifier.is_valid(DOC_BODY, DOC_TIMESTAMP, DOC_SIGNATURE)
    assert not verifier.is_valid(DOC_BODY.replace("roadrunner", "coyote"), DOC_TIMESTAMP, DOC_SIGNATURE)


async def test_bad_signature_and_stale_timestamp_get_401(http: Http, fake: FakeSlack) -> None:
    body = form(command_body(user="U1", response_url=fake.response_url()))
    ctype = "application/x-www-form-urlencoded"
    assert (await http.post(body, ctype, secret="not-the-secret"))[0] == 401
    assert (await http.post(body, ctype, timestamp=str(int(time.time()) - 600)))[0] == 401
    assert (await http.post(body, ctype))[0] == 200
    await fake.wait_for(lambda: fake.responses)
    assert len(fake.responses) == 1  # only the good request did anything


@pytest.fixture
async def oauth_app(db_url: str, clock: FakeClock, fake: FakeSlack) -> AsyncIterator[tuple[App, SlackRunner]]:
    pytest.importorskip("greenlet", reason="slack-sdk's SQLAlchemy stores need SQLAlchemy's asyncio extra")
    app = make_app(db_url, clock, settings=settings(fake, oauth=True))
    runner = SlackRunner(app, Secrets(signing_secret=SECRET, client_id="111.222", client_secret="shh"))
    await runner.start()
    await app.service.start()
    yield app, runner
    await app.service.stop()
    await runner.stop()
    app.close()


# slack-sdk 3.47 still passes aiohttp.BasicAuth for oauth.v2.access; aiohttp 3.14 deprecates it.
@pytest.mark.filterwarnings("ignore:BasicAuth is deprecated:DeprecationWarning")
async def test_oauth_install_then_requests_use_the_installed_token_until_uninstall(
        oauth_app: tuple[App, SlackRunner], fake: FakeSlack) -> None:
    app, runner = oauth_app
    base = f"http://127.0.0.1:{runner.port}"
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as session:
        async with session.get(f"{base}/slack/install") as resp:
            assert resp.status == 200
            page = await resp.text()
            # A Secure cookie: a browser on https sends it back; over plain test HTTP we do it by hand.
            cookie = resp.headers["Set-Cookie"].split(";")[0]
        state = re.search(r"state=([\w-]+)", page)
        assert state is not None and "client_id=111.222" in page
        async with session.get(f"{base}/slack/oauth_redirect?code=c0de&state={state.group(1)}",
                               headers={"Cookie": cookie}) as resp:
            assert resp.status == 200, await resp.text()
        access = fake.called("oauth.v2.access")
        assert len(access) == 1 and access[0].args["code"] == "c0de"
        http = Http(runner.port, session)
        team = fake.oauth_team
        await http.event(event_body({"type": "app_home_opened", "user": "U9", "tab": "home", "channel": "D1"},
                                    team=team))
        (publish,) = await fake.wait_calls("views.publish")
        assert publish.token == "xoxb-installed"
        # the daily post to that workspace uses its own token too
        opened = await app.engine.rounds.post_now(Place("slack", team, "C0OTHER"))
        post = (await fake.wait_calls("chat.postMessage"))[-1]
        assert post.token == "xoxb-installed" and post.args["channel"] == "C0OTHER"
        await app.engine.rounds.close(opened.round_id)
        await http.event(event_body({"type": "app_uninstalled"}, team=team))
        assert runner.installs is not None
        for _ in range(200):  # the event is acknowledged before the clean-up runs
            if await runner.installs.async_find_bot(enterprise_id=None, team_id=team) is None:
                break
            await asyncio.sleep(0.01)
        assert await runner.installs.async_find_bot(enterprise_id=None, team_id=team) is None
        with pytest.raises(ChannelUnavailable):
            async def nothing(*_args: object) -> None:
                return None
            attempt = Attempt(opened.round_id, "k", app.engine.clock.now(), False, nothing, nothing)
            await runner.poster.post_round(Place("slack", team, "C0OTHER"), opened.card, attempt)


async def test_url_verification_challenge(http: Http) -> None:
    status, text = await http.post(json.dumps({"type": "url_verification", "challenge": "abc123",
                                               "token": "legacy"}), "application/json")
    assert status == 200 and "abc123" in text
