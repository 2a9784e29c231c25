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
from typing import Any

from slack_sdk.oauth.installation_store import Bot, Installation
from slack_sdk.oauth.installation_store.async_installation_store import AsyncInstallationStore
from slack_sdk.oauth.installation_store.sqlalchemy import SQLAlchemyInstallationStore
from slack_sdk.oauth.state_store.async_state_store import AsyncOAuthStateStore
from slack_sdk.oauth.state_store.sqlalchemy import SQLAlchemyOAuthStateStore
from sqlalchemy import Engine

log = logging.getLogger(__name__)
SCOPES = ("commands", "chat:write", "chat:write.public", "users:read")


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
        return await asyncio.to_thread(self.store.issue)

    async def async_consume(self, state: str) -> bool:
        return await asyncio.to_thread(self.store.consume, state)


def stores(engine: Engine, client_id: str) -> tuple[ThreadedInstallationStore, ThreadedStateStore]:
    """Both stores on ``engine``; their tables (slack_*) are created if missing."""
    installs = SQLAlchemyInstallationStore(client_id=client_id, engine=engine, logger=log)
    states = SQLAlchemyOAuthStateStore(expiration_seconds=600, engine=engine, logger=log)
    installs.create_tables()  # type: ignore[no-untyped-call]
    states.create_tables()  # type: ignore[no-untyped-call]
    return ThreadedInstallationStore(installs), ThreadedStateStore(states)
