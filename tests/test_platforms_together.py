"""Discord and Slack in one process, on one engine and one database (what `drillbot run` does)."""

from __future__ import annotations

from pathlib import Path

import aiohttp
from sqlalchemy import select

from adapters.discord import DiscordRunner
from adapters.slack import Secrets, SlackRunner
from bot.clock import FakeClock
from bot.config import DiscordSection, Settings, SlackSection
from bot.members.identity import Place
from bot.storage.models import Account, Round
from tests.conftest import make_app
from tests.discord import conftest as dc
from tests.discord.fake_discord import FakeDiscord
from tests.slack import conftest as sc
from tests.slack.fake_slack import FakeSlack


async def test_one_process_serves_discord_and_slack(db_url: str, clock: FakeClock, tmp_path: Path) -> None:
    discord_fake, slack_fake = FakeDiscord(guilds=1), FakeSlack()
    await discord_fake.start()
    await slack_fake.start()
    settings = Settings(
        discord=DiscordSection(api_base_url=discord_fake.base_url, gateway_url=discord_fake.gateway_url),
        slack=SlackSection(mode="http", host="127.0.0.1", port=0, api_base_url=slack_fake.api_url,
                           admins=[sc.ADMIN], post_interval=0.0))
    app = make_app(db_url, clock, settings=settings)
    discord_runner = DiscordRunner(app, token="test-token", state_dir=tmp_path, count_delay=0.05,
                                   guild_ready_timeout=0.05, identify_interval=0)
    slack_runner = SlackRunner(app, Secrets(bot_token="xoxb-test", app_token=None, signing_secret=sc.SECRET),
                               settings.slack)
    try:
        app.service.add_poster(discord_runner.poster)
        await discord_runner.start()
        await slack_runner.start()
        await app.service.start()
        assert set(app.engine.rounds.posters) == {"discord", "slack"}

        # A practice question on each platform.
        discord_bot = dc.Bot(discord_fake, app, discord_runner)
        reply = await discord_bot.say("flask-quiz")
        assert reply["data"]["flags"] & 64 and reply["data"]["embeds"]
        async with aiohttp.ClientSession() as session:
            workspace = sc.Workspace(slack_fake, sc.Http(slack_runner.port, session))
            answer = await workspace.say("U0SLACKER")
            assert answer.body.get("response_type", "ephemeral") == "ephemeral" and answer.body["blocks"]

        # A daily question posted to each platform goes out through that platform only.
        guild = discord_fake.guilds[0]
        discord_place = Place("discord", str(guild["id"]), str(guild["channels"][0]["id"]))
        slack_place = Place("slack", sc.TEAM, sc.CHANNEL)
        await app.engine.rounds.post_now(discord_place)
        await app.engine.rounds.post_now(slack_place)
        # (channel "0" holds the fake's record of interaction replies)
        assert [m["channel_id"] for m in discord_fake.messages.values() if m["channel_id"] != "0"] == \
            [discord_place.channel]
        posted = await slack_fake.wait_calls("chat.postMessage")
        assert [p.args["channel"] for p in posted] == [sc.CHANNEL]

        with app.db.session() as s:
            platforms = sorted(p for (p,) in s.execute(select(Account.platform).distinct()))
            rounds = s.execute(select(Round.post_state)).scalars().all()
        assert platforms == ["discord", "slack"]
        assert sorted(rounds) == ["posted", "posted"]
    finally:
        await app.service.stop()
        await slack_runner.stop()
        await discord_runner.stop()
        app.close()
        await slack_fake.stop()
        await discord_fake.close()
