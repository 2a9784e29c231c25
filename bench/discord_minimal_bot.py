"""The yardstick for bench/discord_bench.py: a minimal discord.py bot (a few lines) that answers
a slash command, and a click on a daily post's answer button, with an embed and buttons (and a
live quiz's answer button with a one-line private reply).
Pointed at the fake Discord by two env variables.

    DISCORD_API=http://127.0.0.1:PORT/api/v10 DISCORD_GATEWAY=ws://127.0.0.1:PORT/gateway \
        DISCORD_TOKEN=x python bench/discord_minimal_bot.py
"""

import os

import discord
import yarl

discord.http.Route.BASE = os.environ["DISCORD_API"]
discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(os.environ["DISCORD_GATEWAY"] + "/")

client = discord.Client(intents=discord.Intents.default())
tree = discord.app_commands.CommandTree(client)


def reply() -> dict:
    view = discord.ui.View()
    for letter in "ABCD":
        view.add_item(discord.ui.Button(label=letter, custom_id=f"answer:{letter}"))
    return {"embed": discord.Embed(title="Question", description="What does Flask do?"), "view": view,
            "ephemeral": True}


@tree.command(name="quiz", description="A question")
async def quiz(interaction: discord.Interaction) -> None:
    await interaction.response.send_message(**reply())


class Answer(discord.ui.DynamicItem[discord.ui.Button], template=r"drill:a:r:(?P<round>\d+):(?P<n>\d)"):
    def __init__(self, round_id: str, n: str) -> None:
        super().__init__(discord.ui.Button(label=n, custom_id=f"drill:a:r:{round_id}:{n}"))

    @classmethod
    async def from_custom_id(cls, interaction, item, match):  # type: ignore[no-untyped-def]
        return cls(match["round"], match["n"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message(**reply())


class LiveAnswer(discord.ui.DynamicItem[discord.ui.Button], template=r"drill:lv:a:(?P<rest>[0-9:]+)"):
    """A live quiz's answer button: a private one-line "locked in", as drillbot replies."""

    def __init__(self, rest: str) -> None:
        super().__init__(discord.ui.Button(label="A", custom_id=f"drill:lv:a:{rest}"))

    @classmethod
    async def from_custom_id(cls, interaction, item, match):  # type: ignore[no-untyped-def]
        return cls(match["rest"])

    async def callback(self, interaction: discord.Interaction) -> None:
        await interaction.response.send_message("Locked in: A, after 1.0 s.", ephemeral=True)


async def setup_hook() -> None:
    client.add_dynamic_items(Answer, LiveAnswer)

client.setup_hook = setup_hook  # type: ignore[method-assign]


client.run(os.environ["DISCORD_TOKEN"], log_handler=None)
