"""Wiring: the Bolt app, Socket Mode or an HTTP server, token or OAuth installs, the poster."""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from aiohttp import web
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_server import AsyncSlackAppServer
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.listener.async_builtins import AsyncTokenRevocationListeners
from slack_bolt.oauth.async_oauth_settings import AsyncOAuthSettings
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import closing, verify
from adapters.slack.handlers import Handlers
from adapters.slack.home import Home
from adapters.slack.interview import InterviewFlow, SlackInterviewSink
from adapters.slack.live import SlackLiveSink
from adapters.slack.live_actions import LiveActions
from adapters.slack.poster import PLATFORM, SlackPoster, make_client
from bot.config import SlackSection
from bot.errors import ChannelUnavailable, ConfigError
from bot.members.identity import Member
from bot.runtime.builder import App

if TYPE_CHECKING:
    from adapters.slack.oauth import ThreadedInstallationStore

log = logging.getLogger(__name__)
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class Secrets:
    bot_token: str | None = None
    app_token: str | None = None
    signing_secret: str | None = None
    client_id: str | None = None
    client_secret: str | None = None


class SlackRunner:
    """One Slack app: handles requests (socket or HTTP) and posts daily questions."""

    platform = PLATFORM

    def __init__(self, app: App, secrets: Secrets, settings: SlackSection | None = None) -> None:
        self.app = app
        self.settings = settings or app.config.settings.slack
        self.secrets = secrets
        self._check()
        self.handlers = Handlers(app.service, admins=list(self.settings.admins))
        self.poster = SlackPoster(self.client_for, interval=self.settings.post_interval)
        self.live = SlackLiveSink(self.poster)  # live quizzes, paced by the same poster
        self.interviews = SlackInterviewSink(self.poster)  # scorecards by DM when an interview's time runs out
        self.installs: ThreadedInstallationStore | None = None
        self._clients: dict[str, AsyncWebClient] = {}
        self.bolt: AsyncApp | None = None
        self.socket: AsyncSocketModeHandler | None = None
        self._site: web.AppRunner | None = None
        self.port = 0
        self._stopped = asyncio.Event()

    def _check(self) -> None:
        s, sec = self.settings, self.secrets
        if s.oauth and s.mode != "http":
            raise ConfigError("bot.toml: [slack] oauth = true needs mode = \"http\" (installs come over HTTP)")
        if s.oauth and not (sec.client_id and sec.client_secret and sec.signing_secret):
            raise ConfigError("slack: oauth needs SLACK_CLIENT_ID, SLACK_CLIENT_SECRET and SLACK_SIGNING_SECRET")
        if not s.oauth and not sec.bot_token:
            raise ConfigError("slack: set SLACK_BOT_TOKEN (xoxb-...)")
        if s.mode == "socket" and not sec.app_token:
            raise ConfigError("slack: socket mode needs SLACK_APP_TOKEN (xapp-..., scope connections:write)")
        if s.mode == "http" and not sec.signing_secret:
            raise ConfigError("slack: http mode needs SLACK_SIGNING_SECRET")

    # -- clients --------------------------------------------------------------------------

    async def client_for(self, team_id: str) -> AsyncWebClient:
        """The Web API client holding ``team_id``'s bot token (one token in single-workspace mode)."""
        if self.installs is None:
            assert self.bolt is not None
            return self.bolt.client
        client = self._clients.get(team_id)
        if client is None:
            bot = await self.installs.async_find_bot(enterprise_id=None, team_id=team_id)
            if bot is None:
                raise ChannelUnavailable(f"no installation for workspace {team_id}")
            client = self._clients[team_id] = make_client(bot.bot_token, self.settings.api_base_url,
                                                          session=self.handlers.http())
        return client

    def build(self) -> AsyncApp:
        """The Bolt app with every listener; OAuth settings when multi-workspace."""
        s, sec = self.settings, self.secrets
        base = make_client(None if s.oauth else sec.bot_token, s.api_base_url)
        settings = None
        if s.oauth:
            # Imported only here: slack-sdk's SQLAlchemy stores need greenlet (SQLAlchemy's asyncio extra).
            from adapters.slack import oauth

            assert sec.client_id and sec.client_secret
            self.installs, states = oauth.stores(self.app.db.engine, sec.client_id)
            installs = self.installs.store

            async def forget(member: Member) -> bool:
                if member.platform != PLATFORM:
                    return False
                return await asyncio.to_thread(oauth.forget_installer, installs, member.community, member.user) > 0
            self.app.engine.members.on_forget(forget)
            settings = AsyncOAuthSettings(client_id=sec.client_id, client_secret=sec.client_secret,
                                          scopes=list(oauth.SCOPES), installation_store=self.installs,
                                          state_store=states)
        # No verification in Bolt: over HTTP every POST to the events path is verified before Bolt
        # sees it (adapters.slack.verify, installed in ``start``; the OAuth pages are GETs, which Bolt
        # never verifies), and Socket Mode has no signatures. Verifying again cost each request a
        # second signature check (about 5 % of drillbot's instructions per /flask-quiz, bench/instructions.py).
        bolt = AsyncApp(client=base, signing_secret=sec.signing_secret or "", oauth_settings=settings,
                        request_verification_enabled=False, logger=logging.getLogger("slack_bolt"))
        self.handlers.register(bolt)
        Home(self.handlers).register(bolt)
        LiveActions(self.handlers).register(bolt)
        InterviewFlow(self.handlers).register(bolt)
        if self.installs is not None:
            revoked = AsyncTokenRevocationListeners(self.installs)
            bolt.event("tokens_revoked")(revoked.handle_tokens_revoked_events)
            bolt.event("app_uninstalled")(self.on_uninstalled)
        self.bolt = bolt
        return bolt

    async def on_uninstalled(self, context: AsyncBoltContext) -> None:
        """Forget the workspace's tokens; its channels' schedules pause at their next post."""
        assert self.installs is not None
        # Drop the cached client first: a post racing the clean-up must not reuse the dead token.
        self._clients.pop(context.team_id or "", None)
        await self.installs.async_delete_all(enterprise_id=context.enterprise_id, team_id=context.team_id)
        log.warning("slack: uninstalled from workspace %s", context.team_id)

    # -- PlatformRunner -------------------------------------------------------------------

    async def start(self) -> None:
        bolt = self.bolt or self.build()
        # Web API calls on the app's one session: Bolt's per-request clients copy it from here.
        bolt.client.session = self.handlers.http()
        self.app.service.add_poster(self.poster)
        self.app.engine.live.add_sink(self.live)  # lifts dispatch's "not available here" for live
        self.app.engine.interviews.add_sink(self.interviews)  # ... and for interviews
        if self.settings.mode == "socket":
            self.socket = AsyncSocketModeHandler(bolt, self.secrets.app_token, web_client=bolt.client)
            closing.FILTER.active = False
            await self.socket.connect_async()  # type: ignore[no-untyped-call]
            log.info("slack: connected in socket mode")
            return
        server = AsyncSlackAppServer(port=self.settings.port, path=EVENTS_PATH, app=bolt,
                                     host=self.settings.host)
        # Verify before Bolt parses anything (see adapters.slack.verify); _check() ensured the secret.
        server.web_app.middlewares.append(verify.middleware(self.secrets.signing_secret or "", EVENTS_PATH))
        self._site = web.AppRunner(server.web_app, access_log=None)
        await self._site.setup()
        site = web.TCPSite(self._site, self.settings.host, self.settings.port)
        await site.start()
        self.port = int(self._site.addresses[0][1])  # the real port when bot.toml says 0
        log.info("slack: listening on http://%s:%s%s", self.settings.host, self.port, EVENTS_PATH)

    async def serve(self) -> None:
        await self._stopped.wait()

    async def connection(self) -> tuple[bool, bool]:
        """(connected, ready) for the status file: the socket is up, or the HTTP server listens."""
        if self.socket is not None:
            up = bool(await self.socket.client.is_connected())
            return up, up
        up = self._site is not None and not self._stopped.is_set()
        return up, up

    async def drain(self) -> None:
        """Close the socket (no new envelopes), then let listeners in flight store and reply."""
        if self.socket is not None:
            closing.FILTER.active = True  # acks that find the socket gone are expected now (adapters.slack.closing)
            await self.socket.close_async()  # type: ignore[no-untyped-call]
            self.socket = None
        left = await self.handlers.inflight.drain()
        if left:
            log.warning("slack: %d delivery(ies) still in flight at shutdown", left)

    async def stop(self) -> None:
        self._stopped.set()
        await self.handlers.close()
        if self.socket is not None:
            await self.socket.close_async()  # type: ignore[no-untyped-call]
            self.socket = None
        if self._site is not None:
            await self._site.cleanup()
            self._site = None


def create(app: App) -> SlackRunner:
    """`drillbot run` entry point: secrets from the environment, settings from bot.toml."""
    cfg = app.config
    runner = SlackRunner(app, Secrets(
        bot_token=cfg.secret("SLACK_BOT_TOKEN"), app_token=cfg.secret("SLACK_APP_TOKEN"),
        signing_secret=cfg.secret("SLACK_SIGNING_SECRET"), client_id=cfg.secret("SLACK_CLIENT_ID"),
        client_secret=cfg.secret("SLACK_CLIENT_SECRET")))
    app.service.add_poster(runner.poster)
    app.engine.live.add_sink(runner.live)
    app.engine.interviews.add_sink(runner.interviews)
    return runner
