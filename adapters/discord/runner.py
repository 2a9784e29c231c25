"""The platform runner `drillbot run` drives: log in, connect, serve, stop."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from pathlib import Path
from typing import Any

import aiohttp
import discord
from sqlalchemy.engine import make_url

from adapters.discord import pacing
from adapters.discord.client import make_client
from adapters.discord.handlers import Handlers
from adapters.discord.pacing import Pacer
from adapters.discord.poster import DiscordPoster
from bot.errors import ConfigError
from bot.runtime.builder import App

log = logging.getLogger(__name__)


def data_dir(app: App) -> Path:
    """Where small state files go: beside the SQLite database, else beside bot.toml, else here."""
    url = make_url(app.config.database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(url.database).resolve().parent
    if app.config.path is not None:
        return app.config.path.resolve().parent
    return Path.cwd()


class DiscordRunner:
    platform = "discord"

    def __init__(self, app: App, *, token: str, state_dir: Path | None = None, count_delay: float = 2.0,
                 **client_options: Any) -> None:
        settings = app.config.settings.discord
        self.token = token
        self.api_url = settings.api_base_url
        self.handlers = Handlers(app.service, count_delay=count_delay)
        self.handlers.threads = settings.threads
        rate = settings.broadcast_rate
        if settings.shard_count and settings.shard_ids:
            # Several processes share one bot token (and its global limit): each takes its share.
            rate *= len(set(settings.shard_ids)) / settings.shard_count
        self.pacer = Pacer(rate)
        self.client = make_client(self.handlers, settings, state_dir=state_dir or data_dir(app), **client_options)
        self.poster = DiscordPoster(self.client, threads=settings.threads, pacer=self.pacer)
        self.handlers.delivery = self.poster.interviews  # interview DMs through the same pacer
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Log in (and sync commands if they changed), connect, and wait until every shard is ready."""
        # Made here, in the running loop: every REST attempt discord.py makes takes a turn (pacing).
        self.client.http.connector = pacing.PacedConnector(self.pacer, self.api_url)
        try:
            await self.client.login(self.token)
        except discord.LoginFailure as exc:
            await self.client.close()
            raise ConfigError(f"DISCORD_TOKEN was refused by Discord ({exc})") from None
        except (aiohttp.ClientError, OSError) as exc:
            await self.client.close()
            raise ConfigError(f"cannot reach Discord at {self.api_url} ({exc}); check the network, "
                              "or [discord] api_base_url in bot.toml") from None
        self._task = asyncio.create_task(self.client.connect(reconnect=True))
        ready = asyncio.create_task(self.client.wait_until_ready())
        try:
            await asyncio.wait((self._task, ready), return_when=asyncio.FIRST_COMPLETED)
            if not ready.done():
                await self._task  # connecting failed: raise its error
        except BaseException:
            # `drillbot run` starts runners before its own cleanup is armed: never leak a session.
            ready.cancel()
            await self.stop()
            raise
        log.info("discord: connected as %s to %d guild(s)", self.client.user, len(self.client.guilds))

    async def serve(self) -> None:
        if self._task is not None:
            # Shielded: a stop cancels the wait, not the gateway, which ``stop`` closes with 1000.
            await asyncio.shield(self._task)

    async def drain(self) -> None:
        """Turn new interactions away and let those in flight store their answers and reply."""
        left = await self.handlers.inflight.drain()
        if left:
            log.warning("discord: %d interaction(s) still in flight at shutdown", left)

    async def connection(self) -> tuple[bool, bool]:
        """(connected, ready) for the status file: the gateway socket is open, every shard is ready."""
        ws = getattr(self.client, "ws", None)
        connected = not self.client.is_closed() and ws is not None and bool(getattr(ws, "open", False))
        return connected, connected and self.client.is_ready()

    async def stop(self) -> None:
        if self._task is not None and not isinstance(self.client, discord.AutoShardedClient):
            # discord.py's Client.close() closes the gateway with 1000 while its own reader is still
            # waiting on the socket; aiohttp then wakes that reader first, whose close (4000, "will
            # reconnect") goes out instead.  Stop the reader, then close: Discord sees 1000.  (Shards
            # already cancel their reader before closing.)
            self._task.cancel()
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task
        await self.client.close()
        if self._task is not None:
            with contextlib.suppress(Exception, asyncio.CancelledError):
                await self._task


def create(app: App) -> DiscordRunner:
    token = app.config.secret("DISCORD_TOKEN")
    if token is None:
        raise ConfigError("DISCORD_TOKEN is not set")
    runner = DiscordRunner(app, token=token)
    app.service.add_poster(runner.poster)
    return runner
