"""One place builds the application: config in, wired objects out."""

from __future__ import annotations

import gc
import logging
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock, SystemClock
from bot.config import Config, check_content_dir, load_config
from bot.content import LEVELS, Library, load_library
from bot.engine import Engine
from bot.errors import ConfigError
from bot.members.identity import Place
from bot.runtime import redact
from bot.runtime.service import Service
from bot.storage.db import Database

log = logging.getLogger(__name__)


@dataclass
class App:
    config: Config
    db: Database
    engine: Engine
    service: Service

    def close(self) -> None:
        self.db.close()


def build(config: Config, *, clock: Clock | None = None, key: str = "main", migrate_in_child: bool = False) -> App:
    """Load content, open and migrate the database, wire engine and service.

    ``migrate_in_child``: for a long-running bot, keep Alembic out of the process.
    """
    started = time.perf_counter()
    redact.install()  # before any adapter logs a request
    check_content_dir(config)
    library, _ = load_library(config.content_dir)
    check_schedules(config, library)
    db = Database(config.database_url)
    db.upgrade(in_child=migrate_in_child)
    engine = Engine(db=db, library=library, settings=config.settings, clock=clock or SystemClock())
    service = Service(engine, key=key)
    log.info("ready in %.0f ms: %d questions, database %s", 1000 * (time.perf_counter() - started),
             len(library.questions), db.engine.url.render_as_string(hide_password=True))
    return App(config, db, engine, service)


def check_schedules(config: Config, library: Library) -> None:
    """Each ``[[schedules]]`` entry's topics exist and leave questions to ask; else ConfigError naming it."""
    where = config.path or "bot.toml"
    topics = library.topics()
    for i, sc in enumerate(config.settings.schedules):
        bad = [t for t in sc.topics if t not in topics]
        if bad:
            raise ConfigError(f"{where}: [schedules][{i}] topics: unknown topic(s) {', '.join(map(repr, bad))}; "
                              f"expected some of: {', '.join(sorted(topics))}")
        if not library.select(topics=tuple(sc.topics), levels=tuple(sc.levels)):
            raise ConfigError(f"{where}: [schedules][{i}]: no question matches topics {sc.topics or 'all'} and "
                              f"levels {sc.levels or list(LEVELS)}")


async def seed_schedules(app: App) -> None:
    """Create the schedules listed in bot.toml for channels that have none yet."""
    for sc in app.config.settings.schedules:
        await app.engine.schedules.set(
            Place(sc.platform, sc.community, sc.channel), time_of_day=sc.time, timezone=sc.timezone,
            days=sc.days, window_minutes=sc.window_minutes, topics=tuple(sc.topics),
            levels=tuple(sc.levels), only_if_missing=True)


GC_THRESHOLD = (10_000, 10, 10)  # allocations per young collection; young ones per middle; middle per full


def tune_runtime() -> None:
    """Settings for a long-running bot, applied once everything is loaded.

    The event loop and the database thread share the GIL: a 1 ms switch
    interval (default 5 ms) lets a finished query hand its result back sooner.
    Freezing the objects built at start-up (content, SQLAlchemy metadata) keeps
    them out of every later garbage collection, which otherwise stalls answers.
    Young collections every ``GC_THRESHOLD[0]`` allocations instead of 700: a crowd's
    requests allocate fast, and with the default the collector's older generations,
    which hold the practice cache, were scanned about 20 times per 800 requests (half
    the collector's time in ``bench/crowd.py slack``: 59 -> 31 ms per 800 requests).
    """
    sys.setswitchinterval(0.001)
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLD)


def load(path: Path | None, *, database_url: str | None = None, clock: Clock | None = None) -> App:
    return build(load_config(path, database_url=database_url), clock=clock)
