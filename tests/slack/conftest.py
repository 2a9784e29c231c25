"""Fixtures: a fake Slack, the real adapter (HTTP or Socket Mode) against it, and a conversation driver."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest

from adapters.slack import Secrets, SlackRunner
from bot.clock import FakeClock
from bot.config import Settings, SlackSection
from bot.runtime.builder import App
from tests.conftest import make_app
from tests.slack.fake_slack import (
    TEAM,
    FakeSlack,
    Posted,
    action_payload,
    blocks_text,
    command_body,
    event_body,
    form,
    sign,
    view_submission,
)

SECRET = "test-signing-secret"
ADMIN = "U0ADMIN"  # listed in bot.toml
CHANNEL = "C0GENERAL"


class Http:
    """Signed requests to the app's /slack/events, the way Slack sends them."""

    def __init__(self, port: int, session: aiohttp.ClientSession) -> None:
        self.url = f"http://127.0.0.1:{port}/slack/events"
        self.session = session

    async def post(self, body: str, content_type: str, *, retry: int = 0, timestamp: str | None = None,
                   secret: str = SECRET) -> tuple[int, str]:
        ts = timestamp or str(int(time.time()))
        headers = {"Content-Type": content_type, "X-Slack-Request-Timestamp": ts,
                   "X-Slack-Signature": sign(secret, body, ts)}
        if retry:
            headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
        async with self.session.post(self.url, data=body.encode(), headers=headers) as resp:
            return resp.status, await resp.text()

    async def command(self, body: dict[str, str], retry: int = 0) -> None:
        status, text = await self.post(form(body), "application/x-www-form-urlencoded", retry=retry)
        assert status == 200, text

    async def interactive(self, payload: dict[str, Any], retry: int = 0) -> str:
        status, text = await self.post(form({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded",
                                       retry=retry)
        assert status == 200, text
        return text

    async def event(self, body: dict[str, Any], retry: int = 0) -> None:
        status, text = await self.post(json.dumps(body), "application/json", retry=retry)
        assert status == 200, text


class Socket:
    """The same deliveries as Socket Mode envelopes; each must be acknowledged."""

    def __init__(self, fake: FakeSlack) -> None:
        self.fake = fake

    async def command(self, body: dict[str, str], retry: int = 0) -> None:
        await self.fake.send_envelope("slash_commands", body, retry_attempt=retry)

    async def interactive(self, payload: dict[str, Any], retry: int = 0) -> str:
        ack = await self.fake.send_envelope("interactive", payload, retry_attempt=retry)
        return json.dumps(ack.get("payload") or {})

    async def event(self, body: dict[str, Any], retry: int = 0) -> None:
        await self.fake.send_envelope("events_api", body, retry_attempt=retry)


def find_button(blocks: list[dict[str, Any]], label: str) -> dict[str, Any]:
    for block in blocks:
        for el in block.get("elements", []):
            if el.get("type") == "button" and el["text"]["text"] == label:
                return dict(el)
    raise AssertionError(f"no button {label!r} in {blocks_text({'blocks': blocks})}")


class Workspace:
    """A Slack workspace as tests see it: members type commands, click buttons, fill modals."""

    def __init__(self, fake: FakeSlack, transport: Http | Socket) -> None:
        self.fake = fake
        self.transport = transport
        self.last_modal: dict[str, Any] | None = None

    async def reply(self, url: str, n: int = 1) -> Posted:
        uid = url.rsplit("/", 1)[1]
        got: list[Posted] = await self.fake.wait_for(
            lambda: len(r := [p for p in self.fake.responses if p.url_id == uid]) >= n and r)
        return got[n - 1]

    async def say(self, user: str, text: str = "", *, channel: str = CHANNEL, retry_times: int = 0) -> Posted:
        """Type ``/flask-quiz <text>``; returns the ephemeral reply (via response_url)."""
        url = self.fake.response_url()
        body = command_body(user=user, text=text, channel=channel, response_url=url)
        await self.transport.command(body)
        for n in range(retry_times):
            await self.transport.command(body, retry=n + 1)
        return await self.reply(url)

    async def click(self, user: str, message: dict[str, Any], label: str, *, channel: str = CHANNEL,
                    ephemeral: bool = True, retry_times: int = 0, expect_reply: bool = True) -> Posted | None:
        """Click the button ``label`` in ``message`` (a posted message or an ephemeral reply)."""
        button = find_button(message["blocks"], label)
        url = self.fake.response_url()
        payload = action_payload(user=user, action={"type": "button", "block_id": "b", **button},
                                 message=message, channel=channel, response_url=url, ephemeral=ephemeral)
        await self.transport.interactive(payload)
        for n in range(retry_times):
            await self.transport.interactive(payload, retry=n + 1)
        if not expect_reply:
            return None
        return await self.reply(url)

    async def submit(self, user: str, view: dict[str, Any], text: str) -> str:
        values = {"answer": {"text": {"type": "plain_text_input", "value": text}}}
        return await self.transport.interactive(view_submission(user=user, view=view, values=values))

    async def open_home(self, user: str) -> None:
        await self.transport.event(event_body({"type": "app_home_opened", "user": user, "channel": "D0HOME",
                                               "tab": "home", "event_ts": f"{time.time():.6f}"}))

    async def open_answer_modal(self, user: str, message: dict[str, Any], *, ephemeral: bool = True) -> dict[str, Any]:
        before = len(self.fake.called("views.open"))
        await self.click(user, message, "Answer", ephemeral=ephemeral, expect_reply=False)
        call = (await self.fake.wait_calls("views.open", before + 1))[-1]
        view = call.args["view"]
        return dict(json.loads(view) if isinstance(view, str) else view)


def settings(fake: FakeSlack, *, mode: str = "http", **extra: Any) -> Settings:
    values: dict[str, Any] = {"mode": mode, "host": "127.0.0.1", "port": 0, "api_base_url": fake.api_url,
                              "admins": [ADMIN], "post_interval": 0.0, **extra}
    return Settings(slack=SlackSection(**values))


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlack]:
    f = FakeSlack()
    await f.start()
    yield f
    await f.stop()


@pytest.fixture
async def slack_app(db_url: str, clock: FakeClock, fake: FakeSlack) -> AsyncIterator[App]:
    app = make_app(db_url, clock, settings=settings(fake))
    yield app
    app.close()


async def start_runner(app: App, mode: str) -> SlackRunner:
    secrets = Secrets(bot_token="xoxb-test", app_token="xapp-test" if mode == "socket" else None,
                      signing_secret=SECRET if mode == "http" else None)
    settings_ = app.config.settings.slack.model_copy(update={"mode": mode})
    runner = SlackRunner(app, secrets, settings_)
    await runner.start()
    await app.service.start()
    return runner


@pytest.fixture(params=["http", "socket"])
async def workspace(request: pytest.FixtureRequest, slack_app: App, fake: FakeSlack) -> AsyncIterator[Workspace]:
    """The adapter running in one mode, and the workspace driver to talk to it (every test runs in both)."""
    runner = await start_runner(slack_app, request.param)
    async with aiohttp.ClientSession() as session:
        transport = Http(runner.port, session) if request.param == "http" else Socket(fake)
        yield Workspace(fake, transport)
    await slack_app.service.stop()
    await runner.stop()


@pytest.fixture
async def socket_workspace(slack_app: App, fake: FakeSlack) -> AsyncIterator[Workspace]:
    """The adapter in Socket Mode only."""
    runner = await start_runner(slack_app, "socket")
    yield Workspace(fake, Socket(fake))
    await slack_app.service.stop()
    await runner.stop()


@pytest.fixture
async def http(slack_app: App, fake: FakeSlack) -> AsyncIterator[Http]:
    """The adapter in HTTP mode, for tests about the HTTP transport itself."""
    runner = await start_runner(slack_app, "http")
    async with aiohttp.ClientSession() as session:
        yield Http(runner.port, session)
    await slack_app.service.stop()
    await runner.stop()


def new_user() -> str:
    return "U" + uuid.uuid4().hex[:8].upper()


__all__ = ["ADMIN", "CHANNEL", "SECRET", "TEAM", "Http", "Socket", "Workspace", "find_button", "new_user"]
