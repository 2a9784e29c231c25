"""Database set-up: engine with the right pragmas, migrations, and where queries run.

The adapters are asyncio programs, so queries run on a small thread pool (one thread for
SQLite, where writers queue anyway; several for PostgreSQL), except the group-commit
batches of answers on SQLite, which run on the event loop (see ``Database.run_batch``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)
T = TypeVar("T")
MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATE_URL_VAR = "DRILLBOT_MIGRATE_URL"


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and foreign keys."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            # Let SQLAlchemy issue BEGIN itself so transactions behave the same as on PostgreSQL.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            # Boards and answers touch a few hot indexes: keep them in memory (64 MiB page cache).
            # No mmap: with the checkpointer writing the file, mapped reads stalled answers (p99 +8 ms).
            cur.execute("PRAGMA cache_size=-65536")
            cur.execute("PRAGMA temp_store=MEMORY")
            cur.execute("PRAGMA wal_autocheckpoint=0")  # see Checkpointer
            cur.execute("PRAGMA journal_size_limit=67108864")  # a reset WAL shrinks back to 64 MiB
            cur.close()

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if conn.get_execution_options().get("isolation_level") == "AUTOCOMMIT":
                return  # ``Database.peek``: one read, no transaction, no lock
            # IMMEDIATE takes the write lock up front: no deadlock-prone lock upgrades.
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return create_engine(parsed, pool_pre_ping=True, pool_size=10, max_overflow=10)


def head_revision() -> str:
    """The newest migration, read from the revision files (without importing Alembic)."""
    revisions: dict[str, str | None] = {}
    for path in (MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*["\']([^"\']+)', text, re.M)
        down = re.search(r'^down_revision\s*=\s*(?:["\']([^"\']+)|None)', text, re.M)
        if rev:
            revisions[rev.group(1)] = down.group(1) if down else None
    heads = set(revisions) - {d for d in revisions.values() if d}
    if len(heads) != 1:
        raise RuntimeError(f"expected one migration head, found {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at, or None for a new database."""
    with engine.connect() as conn:
        return _revision_on(conn)


def _revision_on(conn: Connection) -> str | None:
    if not inspect(conn).has_table("alembic_version"):
        return None
    return conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one_or_none()


# pg_advisory_xact_lock key for migrations ("drillbot" in ASCII, as a bigint).
MIGRATION_LOCK = 0x6472696C6C626F74


def upgrade_in_child(url: str) -> None:
    """Migrate in a short-lived child process (``python -m bot.storage.migrate``).

    A bot runs for weeks: the ~10 MB that importing Alembic and Mako costs would stay with
    it to the end, though it migrates once.  The URL goes through the environment, not the
    command line, where other users could read a password.
    """
    env = {**os.environ, MIGRATE_URL_VAR: url}
    done = subprocess.run([sys.executable, "-m", "bot.storage.migrate"], env=env, capture_output=True, text=True,
                          check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"database migration failed (exit {done.returncode}):\n{tail}")


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Apply Alembic migrations up to ``revision`` (nothing to import when already there)."""
    if revision == "head" and current_revision(engine) == head_revision():
        return
    # Imported here: Alembic is needed only to migrate and weighs ~11 MB resident.
    from alembic import command
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            # Processes started together on a new database would all create the tables (and
            # all but one crash on alembic_version's key): one migrates, the others wait here,
            # then find the database already at head.  Released when this transaction ends.
            conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": MIGRATION_LOCK})
            if revision == "head" and _revision_on(conn) == head_revision():
                return
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


class Checkpointer(threading.Thread):
    """Copies SQLite's write-ahead log into the database file off the write path.

    With SQLite's automatic checkpoints the commit that crosses the threshold
    does the copying, which stalls every answer queued behind it; here a
    background thread does it with PASSIVE checkpoints, which never block writers,
    at the lowest CPU priority, every 2 s (a page rewritten many times in between
    is copied once; at 0.5 s the p99 of answers was ~10 ms worse).
    """

    def __init__(self, engine: Engine, interval: float = 2.0) -> None:
        super().__init__(name="drillbot-checkpoint", daemon=True)
        self.engine = engine
        self.interval = interval
        self._stop_event = threading.Event()

    def run(self) -> None:
        # Lowest CPU priority: on a small machine the copying must not delay answers.
        with contextlib.suppress(OSError, AttributeError):
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), 19)
        while not self._stop_event.wait(self.interval):
            self.checkpoint("PASSIVE")

    def checkpoint(self, mode: str) -> None:
        try:
            raw = self.engine.raw_connection()
            try:
                raw.driver_connection.execute(f"PRAGMA wal_checkpoint({mode})")  # type: ignore[union-attr]
            finally:
                raw.close()
        except Exception:  # the next round will try again; the log just grows meanwhile
            log.warning("WAL checkpoint (%s) failed", mode, exc_info=True)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.checkpoint("TRUNCATE")


class Database:
    """An engine, a session factory and the threads that run queries off the event loop."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.is_sqlite = self.engine.dialect.name == "sqlite"
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        workers = 1 if self.is_sqlite else 8  # SQLite writers queue anyway
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="drillbot-db")
        self._checkpointer: Checkpointer | None = None
        if self.is_sqlite and self.engine.url.database not in (None, "", ":memory:"):
            self._checkpointer = Checkpointer(self.engine)
            self._checkpointer.start()

    def upgrade(self, *, in_child: bool = False) -> None:
        """Migrate to the newest revision (nothing to do, and nothing imported, when already there).

        ``in_child``: migrate in a child process, for a long-running bot (an in-memory
        database, which no other process can see, is migrated here regardless).
        """
        if current_revision(self.engine) == head_revision():
            return
        if in_child and self.engine.url.database not in (None, "", ":memory:"):
            upgrade_in_child(self.url)
            return
        upgrade(self.engine)

    def session(self) -> Session:
        return self.sessions()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on a database thread and await its result."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, fn, *args)

    async def peek(self, fn: Callable[[Connection], T]) -> T:
        """``fn(connection)`` for one read outside any transaction (autocommit): on SQLite it takes no
        write lock, so a poll that usually finds nothing (the sessions' tick, four times a second)
        never queues behind, or holds up, the writers."""
        def work() -> T:
            with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                return fn(conn)
        return await self.run(work)

    async def run_batch(self, fn: Callable[..., T], *args: Any) -> T:
        """Run a group-commit batch: on SQLite right here on the event loop, else as ``run``.

        Under a burst (200 members answering a daily post at once) the event loop is busy
        for a long stretch, and the sqlite3 module lets go of the GIL at every step of every
        statement: a batch on a thread then waited for a switch at each row it wrote (a
        batch of one answer took 55-75 ms).  Called inline, a batch of 200 costs its own
        ~16 ms.  Everything else stays on the thread, so that, say, Slack's acks are never
        held up behind a practice question being chosen.
        """
        if self.is_sqlite:
            return fn(*args)
        return await self.run(fn, *args)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        if self._checkpointer is not None:
            self._checkpointer.stop()
        self.engine.dispose()
