"""Shared fixtures.  Every test runs on SQLite; with DRILLBOT_TEST_DATABASE_URL set, on that database."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.clock import FakeClock
from bot.config import Config, Settings
from bot.members.identity import Member, Place
from bot.rounds.posting import Attempt
from bot.runtime.builder import App, build

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
SAMPLE = Path(__file__).parent / "fixtures" / "packs"
PG_URL = os.environ.get("DRILLBOT_TEST_DATABASE_URL", "").strip()
# Monday 16 November 2026, 08:00 UTC.
START = datetime(2026, 11, 16, 8, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _own_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test (and every `drillbot` it starts) keeps default files out of the real user data dir."""
    path = tmp_path_factory.mktemp("data")
    monkeypatch.setenv("DRILLBOT_DATA_DIR", str(path))
    return path


def _reset_postgres(url: str) -> None:
    from bot.storage.db import make_engine

    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture
def db_url(tmp_path: Path) -> Iterator[str]:
    if PG_URL:
        _reset_postgres(PG_URL)
        yield PG_URL
    else:
        yield f"sqlite:///{tmp_path / 'test.db'}"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


def make_app(db_url: str, clock: FakeClock, *, content: Path = SAMPLE, settings: Settings | None = None,
             key: str = "test") -> App:
    config = Config(settings or Settings(), None, content, db_url)
    return build(config, clock=clock, key=key)


@pytest.fixture
def app(db_url: str, clock: FakeClock) -> Iterator[App]:
    a = make_app(db_url, clock)
    yield a
    a.close()


@pytest.fixture
def full_app(db_url: str, clock: FakeClock) -> Iterator[App]:
    a = make_app(db_url, clock, content=CONTENT)
    yield a
    a.close()


PLACE = Place("console", "local", "daily", "daily")


def member(name: str, platform: str = "console", community: str = "local") -> Member:
    return Member(platform, community, name.lower(), name)


class FakePoster:
    """A platform that records what the engine asked it to post (and can be told to fail)."""

    def __init__(self, platform: str = "console", fail_channels: set[str] | None = None) -> None:
        self.platform = platform
        self.fail_channels = fail_channels or set()
        self.posts: list[tuple[str, object]] = []
        self.updates: list[tuple[str, object]] = []
        self.summaries: list[tuple[str, object]] = []
        self.told: list[tuple[str, str]] = []  # (channel, admin) told privately the channel was lost
        self.messages: list[tuple[str, str]] = []  # (user, text) told privately
        self.keys: dict[str, str] = {}  # idempotency key -> message ref

    async def post_round(self, place: Place, card: object, attempt: Attempt) -> str:
        if attempt.maybe_sent:
            found = await self.find_round(place, attempt)
            if found is not None:
                return found
        await attempt.sending()
        if place.channel in self.fail_channels:
            raise ConnectionError(f"cannot post to {place.channel}")
        self.posts.append((place.channel, card))
        self.keys[attempt.key] = ref = f"msg-{len(self.posts)}"
        return ref

    async def find_round(self, place: Place, attempt: Attempt) -> str | None:
        return self.keys.get(attempt.key)

    async def update_round(self, place: Place, message_ref: str, card: object, summary: object) -> None:
        self.updates.append((place.channel, summary))

    async def post_summary(self, place: Place, message_ref: str | None, summary: object) -> None:
        self.summaries.append((place.channel, summary))

    async def channel_lost(self, place: Place, user: str) -> None:
        self.told.append((place.channel, user))

    async def tell(self, place: Place, user: str, text: str) -> None:
        self.messages.append((user, text))


@pytest.fixture
def poster(app: App) -> FakePoster:
    p = FakePoster()
    app.service.add_poster(p)
    return p


@pytest.fixture
async def running(app: App, poster: FakePoster) -> AsyncIterator[App]:
    await app.service.start()
    yield app
    await app.service.stop()
