"""Fixtures: a fake Discord on 127.0.0.1, and the real bot (discord.py) connected to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Coroutine
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordRunner
from bot.clock import FakeClock
from bot.config import DiscordSection, Settings
from bot.runtime.builder import App
from tests.conftest import SAMPLE, make_app
from tests.discord.fake_discord import JSON, FakeDiscord, Sent, buttons, user

ANN = user(7001, "Ann")
BOB = user(7002, "Bob")
EVE = user(7003, "@everyone")


def settings_for(fake: FakeDiscord, **discord: Any) -> Settings:
    return Settings(discord=DiscordSection(api_base_url=fake.base_url, gateway_url=fake.gateway_url, **discord))


class Bot:
    """The bot under test, with conversation helpers that go through the fake Discord."""

    def __init__(self, fake: FakeDiscord, app: App, runner: DiscordRunner) -> None:
        self.fake, self.app, self.runner = fake, app, runner

    async def say(self, command: str, *options: JSON, who: JSON = ANN, **kw: Any) -> JSON:
        """Invoke a slash command and return the callback the bot answered with."""
        sent = await self.fake.slash(command, *options, who=who, **kw)
        return await self.reply_to(sent)

    async def reply_to(self, sent: Sent) -> JSON:
        body = await self.fake.callback(sent)
        if body["type"] == 5:  # deferred: the answer comes as a follow-up message
            recs = await self.fake.wait_for(lambda: [r for r in self.fake.sent("POST", r"/webhooks/\d+/" + sent.token)])
            return {"type": 4, "data": recs[0].body}
        return {**body, "message": self.fake.responses.get(sent.id)}

    async def click(self, reply: JSON, label: str, *, who: JSON = ANN, **kw: Any) -> JSON:
        """Click a button (by label) on the message a reply created."""
        message = reply["message"]
        sent = await self.fake.click(message, buttons(message)[label], who=who, **kw)
        return await self.reply_to(sent)


async def start_bot(fake: FakeDiscord, app: App, state_dir: Path) -> Bot:
    runner = DiscordRunner(app, token="test-token", state_dir=state_dir, count_delay=0.05,
                           guild_ready_timeout=0.05, identify_interval=0)
    app.service.add_poster(runner.poster)
    await runner.start()
    await app.service.start()
    return Bot(fake, app, runner)


async def stop_bot(bot: Bot) -> None:
    await bot.app.service.stop()
    await bot.runner.stop()


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    f = FakeDiscord(guilds=2)
    await f.start()
    yield f
    await f.close()


BotFactory = Callable[..., Coroutine[Any, Any, Bot]]


@pytest.fixture
async def make_bot(fake: FakeDiscord, db_url: str, clock: FakeClock, tmp_path: Path) -> AsyncIterator[BotFactory]:
    """Start a bot (several times, e.g. to restart it) against one fake Discord and one database."""
    started: list[Bot] = []

    async def factory(*, content: Path = SAMPLE, **discord: Any) -> Bot:
        app = make_app(db_url, clock, content=content, settings=settings_for(fake, **discord))
        bot = await start_bot(fake, app, tmp_path)
        started.append(bot)
        return bot

    yield factory
    for bot in started:
        await stop_bot(bot)
        bot.app.close()


@pytest.fixture
async def bot(make_bot: BotFactory) -> Bot:
    return await make_bot()
