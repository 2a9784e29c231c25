"""What the platform runners report for the status file that `drillbot health` reads."""

from __future__ import annotations

from pathlib import Path

from adapters.discord import DiscordRunner
from adapters.slack import Secrets, SlackRunner
from bot.clock import FakeClock
from bot.config import DiscordSection, Settings, SlackSection
from tests.conftest import make_app
from tests.discord.fake_discord import FakeDiscord
from tests.slack import conftest as sc
from tests.slack.fake_slack import FakeSlack


async def test_runners_report_connected_while_up_and_not_after_stop(db_url: str, clock: FakeClock,
                                                                    tmp_path: Path) -> None:
    discord_fake, slack_fake = FakeDiscord(guilds=1), FakeSlack()
    await discord_fake.start()
    await slack_fake.start()
    settings = Settings(
        discord=DiscordSection(api_base_url=discord_fake.base_url, gateway_url=discord_fake.gateway_url),
        slack=SlackSection(mode="http", host="127.0.0.1", port=0, api_base_url=slack_fake.api_url))
    app = make_app(db_url, clock, settings=settings)
    discord_runner = DiscordRunner(app, token="test-token", state_dir=tmp_path, guild_ready_timeout=0.05,
                                   identify_interval=0)
    slack_runner = SlackRunner(app, Secrets(bot_token="xoxb-test", signing_secret=sc.SECRET), settings.slack)
    try:
        assert await discord_runner.connection() == (False, False)  # not started yet
        await discord_runner.start()
        await slack_runner.start()
        assert await discord_runner.connection() == (True, True)
        assert await slack_runner.connection() == (True, True)
        await slack_runner.stop()
        await discord_runner.stop()
        assert await slack_runner.connection() == (False, False)
        assert await discord_runner.connection() == (False, False)
    finally:
        await slack_runner.stop()
        await discord_runner.stop()
        app.close()
        await slack_fake.stop()
        await discord_fake.close()
