"""The discord.py client: default intents only, sharded or not, pointed at the configured URLs."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord import commands, components, ids, preferences, reminders, sync
from adapters.discord.handlers import Handlers
from bot.config import DiscordSection

log = logging.getLogger(__name__)


def point_at(settings: DiscordSection) -> None:
    """Send REST and gateway traffic where bot.toml says (a rate-limit proxy, a gateway proxy, a test fake).

    discord.py reads both from class attributes, so this is per process: one Discord
    configuration per process, which is how the bot runs anyway.
    """
    Route.BASE = settings.api_base_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(settings.gateway_url.rstrip("/") + "/")


class _Drill:
    """What both client classes add: the command tree, the buttons, the form handler."""

    drill: Handlers
    tree: app_commands.CommandTree[Any]
    dev_guilds: list[int]
    state_dir: Path
    synced: list[str]

    identify_interval: float

    def _setup(self, handlers: Handlers, *, dev_guilds: list[int], state_dir: Path,
               identify_interval: float) -> None:
        self.drill = handlers
        self.identify_interval = identify_interval
        self.tree = commands.DrillTree(self)
        commands.install(self.tree)
        preferences.install(self.tree)
        self.dev_guilds = dev_guilds
        self.state_dir = state_dir
        self.synced = []

    async def setup_hook(self) -> None:
        # The bot's own buttons ("drill:...") are routed by custom id in on_interaction: as dynamic items
        # discord.py rebuilt the clicked message's whole view (every button) for each click.
        self.add_dynamic_items(*reminders.DYNAMIC_ITEMS)  # type: ignore[attr-defined]
        app_id = self.application_id  # type: ignore[attr-defined]
        self.synced = await sync.sync_if_changed(self.tree, application_id=app_id or 0,
                                                 dev_guilds=self.dev_guilds, state_dir=self.state_dir)

    async def before_identify_hook(self, shard_id: int | None, *, initial: bool = False) -> None:
        # Discord allows one IDENTIFY per 5 s per bucket (max_concurrency 1); a test gateway allows any.
        if not initial:
            await asyncio.sleep(self.identify_interval)

    async def on_guild_join(self, guild: discord.Guild) -> None:
        await self.drill.welcome_guild(guild)

    async def on_interaction(self, interaction: discord.Interaction[Any]) -> None:
        if interaction.type is discord.InteractionType.modal_submit:
            await self.drill.on_form(interaction)
        elif interaction.type is discord.InteractionType.component:
            data: dict[str, Any] = dict(interaction.data or {})
            custom_id = data.get("custom_id")
            if isinstance(custom_id, str) and custom_id.startswith(components.PREFIX):
                # A forged or stale id still reaches the handlers, which parse it once and refuse
                # what the bot could not have made, instead of leaving the click unanswered.
                await self.drill.clicked(interaction, ids.parse(custom_id))


class DrillClient(_Drill, discord.Client):
    def __init__(self, handlers: Handlers, *, dev_guilds: list[int], state_dir: Path, identify_interval: float,
                 **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self._setup(handlers, dev_guilds=dev_guilds, state_dir=state_dir, identify_interval=identify_interval)


class ShardedDrillClient(_Drill, discord.AutoShardedClient):
    def __init__(self, handlers: Handlers, *, dev_guilds: list[int], state_dir: Path, identify_interval: float,
                 **options: Any) -> None:
        super().__init__(intents=discord.Intents.default(), **options)
        self._setup(handlers, dev_guilds=dev_guilds, state_dir=state_dir, identify_interval=identify_interval)


def _not_about_voice(record: logging.LogRecord) -> bool:
    return "voice will NOT be supported" not in record.getMessage()  # the bot never uses voice


def make_client(handlers: Handlers, settings: DiscordSection, *, state_dir: Path,
                identify_interval: float = 5.0, **options: Any) -> discord.Client:
    """Unsharded when ``shard_count`` is 0; else an AutoShardedClient running ``shard_ids`` (or all)."""
    point_at(settings)
    logging.getLogger("discord.client").addFilter(_not_about_voice)
    # Members and presences are never needed: keep memory flat however many guilds there are.
    options.setdefault("member_cache_flags", discord.MemberCacheFlags.none())
    options.setdefault("chunk_guilds_at_startup", False)
    options.setdefault("max_messages", None)
    if settings.shard_count > 0:
        return ShardedDrillClient(handlers, dev_guilds=list(settings.dev_guilds), state_dir=state_dir,
                                  identify_interval=identify_interval,
                                  shard_count=settings.shard_count, shard_ids=list(settings.shard_ids) or None,
                                  **options)
    return DrillClient(handlers, dev_guilds=list(settings.dev_guilds), state_dir=state_dir,
                       identify_interval=identify_interval, **options)
