"""Multi-workspace installs: slack-sdk's SQLAlchemy stores in the bot's own database.

slack-sdk's ``AsyncSQLAlchemy*`` stores need an ``AsyncEngine`` (an async driver
such as aiosqlite or asyncpg, plus greenlet); the bot runs one synchronous
engine for SQLite and PostgreSQL alike.  So we use the synchronous stores on
that engine and run each call in a worker thread: the event loop never
blocks, and installs live in the same database (and backups) as everything else.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine, delete, func, select, update

log = logging.getLogger(__name__)
SCOPES = ("commands", "chat:write", "chat:write.public", "users:read", "channels:history", "groups:history",
          "channels:read", "groups:read")  # as in manifest.yaml (a test compares them)
# Live OAuth states kept at most.  Anyone can GET /slack/install, and each visit issues a state:
# without a bound, unauthenticated requests would grow the table by a row each.  An install
# takes a person a minute; a flood evicts the oldest pending states, never anything else.
MAX_STATES = 200


class ThreadedInstallationStore(AsyncInstallationStore):
    """The synchronous SQLAlchemy installation store, awaited from a worker thread."""

    def __init__(self, store: SQLAlchemyInstallationStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_save(self, installation: Installation) -> None:
        await asyncio.to_thread(self.store.save, installation)

    async def async_save_bot(self, bot: Bot) -> None:
        await asyncio.to_thread(self.store.save_bot, bot)

    async def async_find_bot(self, *, enterprise_id: str | None, team_id: str | None,
                             is_enterprise_install: bool | None = False) -> Bot | None:
        return await asyncio.to_thread(lambda: self.store.find_bot(
            enterprise_id=enterprise_id, team_id=team_id, is_enterprise_install=is_enterprise_install))

    async def async_find_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                      user_id: str | None = None,
                                      is_enterprise_install: bool | None = False) -> Installation | None:
        return await asyncio.to_thread(lambda: self.store.find_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id,
            is_enterprise_install=is_enterprise_install))

    async def async_delete_bot(self, *, enterprise_id: str | None, team_id: str | None) -> None:
        await asyncio.to_thread(lambda: self.store.delete_bot(enterprise_id=enterprise_id, team_id=team_id))

    async def async_delete_installation(self, *, enterprise_id: str | None, team_id: str | None,
                                        user_id: str | None = None) -> None:
        await asyncio.to_thread(lambda: self.store.delete_installation(
            enterprise_id=enterprise_id, team_id=team_id, user_id=user_id))


class ThreadedStateStore(AsyncOAuthStateStore):
    """The synchronous SQLAlchemy OAuth state store, awaited from a worker thread."""

    def __init__(self, store: SQLAlchemyOAuthStateStore) -> None:
        self.store = store

    @property
    def logger(self) -> logging.Logger:
        return log

    async def async_issue(self, *args: Any, **kwargs: Any) -> str:
        return await asyncio.to_thread(self.issue)

    def issue(self) -> str:
        """A new state, after deleting expired ones and the oldest beyond ``MAX_STATES``."""
        table = self.store.oauth_states
        now = datetime.now(UTC).replace(tzinfo=None)  # slack-sdk stores naive UTC
        with self.store.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.expire_at <= now))
            live = conn.execute(select(func.count()).select_from(table)).scalar_one()
            if live >= MAX_STATES:
                keep = select(table.c.id).order_by(table.c.id.desc()).limit(MAX_STATES - 1).scalar_subquery()
                conn.execute(delete(table).where(table.c.id.not_in(keep)))
        return self.store.issue()

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def forget_installer(store: SQLAlchemyInstallationStore, team_id: str, user_id: str) -> int:
    """Blank a member's user id (and any user token) in their workspace's install records (forget-me).

    The bot token stays: the workspace's install does not end because the person who clicked
    "Add to Slack" asked to be forgotten.  Returns the rows changed.
    """
    table = store.installations
    with store.engine.begin() as conn:
        res = conn.execute(update(table).where(table.c.team_id == team_id, table.c.user_id == user_id)
                           .values(user_id="", user_token=None, user_scopes=None, user_refresh_token=None,
                                   user_token_expires_at=None))
    return int(res.rowcount or 0)


def stores(engine: Engine, client_id: str) -> tuple[ThreadedInstallationStore, ThreadedStateStore]:
    """Both stores on ``engine``; their tables (slack_*) are created if missing."""
    installs = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine, logger=log)
    installs.create_tables()  # type: ignore[no-untyped-call]
    states.create_tables()  # type: ignore[no-untyped-call]
    return ThreadedInstallationStore(installs), ThreadedStateStore(states)
