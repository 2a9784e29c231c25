"""Driving child bots against one fake Discord: schedule a broadcast, kill, restart, check the result."""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, create_engine, select, text

from bot.clock import SystemClock
from bot.config import Config, Settings
from bot.members.identity import Place
from bot.runtime.builder import build
from bot.storage.models import Round
from tests.discord.fake_discord import FakeDiscord

ROOT = Path(__file__).resolve().parent.parent.parent
SAMPLE = ROOT / "tests" / "fixtures" / "packs"


def channel_ids(fake: FakeDiscord) -> list[str]:
    return [c["id"] for g in fake.guilds for c in g["channels"]]


async def schedule_all(fake: FakeDiscord, db_url: str) -> None:
    """Every channel of the fake gets a daily round due a minute ago (real clock, well within grace)."""
    app = build(Config(Settings(), None, SAMPLE, db_url), clock=SystemClock(), key="scheduler")
    try:
        at = datetime.now(UTC) - timedelta(minutes=1)
        for g in fake.guilds:
            for c in g["channels"]:
                await app.engine.schedules.set(Place("discord", g["id"], c["id"]), time_of_day=f"{at:%H:%M}",
                                               timezone="UTC")
    finally:
        app.close()


@dataclass
class Child:
    proc: asyncio.subprocess.Process

    async def kill(self) -> None:
        if self.proc.returncode is None:
            self.proc.kill()  # SIGKILL: no clean-up of any kind
        await self.proc.wait()


async def start_child(fake: FakeDiscord, db_url: str, state: Path, *, rate: float = 50.0, sweep: float = 0.3,
                      threads: bool = False) -> Child:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DRILLBOT_CHILD_DB": db_url, "DRILLBOT_CHILD_API": fake.base_url,
           "DRILLBOT_CHILD_GATEWAY": fake.gateway_url, "DRILLBOT_CHILD_STATE": str(state),
           "DRILLBOT_CHILD_RATE": str(rate), "DRILLBOT_CHILD_SWEEP": str(sweep),
           "DRILLBOT_CHILD_THREADS": "1" if threads else "0"}
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DRILLBOT_CONFIG", "DRILLBOT_DATABASE_URL"):
        env.pop(var, None)
    proc = await asyncio.create_subprocess_exec(sys.executable, "-m", "tests.reliability.child", env=env,
                                                stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE)
    return Child(proc)


def rounds(db_url: str) -> list[Round]:
    app = build(Config(Settings(), None, SAMPLE, db_url), clock=SystemClock(), key="reader")
    try:
        with app.db.session() as s:
            return list(s.execute(select(Round)).scalars())
    finally:
        app.close()


def _post_states(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {state: n for state, n in conn.execute(
            text("SELECT post_state, count(*) FROM rounds GROUP BY post_state"))}


async def wait_all_posted(db_url: str, n: int, timeout: float = 90.0, every: float = 0.5) -> list[Round]:
    """Poll (one light query, every ``every`` s) until ``n`` rounds are posted; then load them.

    The fake Discord runs in this process and stamps each request when its handler runs: a
    heavy poll (a whole app, every row) would hold the GIL and make requests look bunched.
    """
    deadline = time.monotonic() + timeout
    engine = create_engine(db_url)
    try:
        while True:
            states = await asyncio.to_thread(_post_states, engine)
            if sum(states.values()) == n and states.get("posted", 0) == n:
                return await asyncio.to_thread(rounds, db_url)
            if time.monotonic() > deadline:
                raise AssertionError(f"not all posted in time: {sum(states.values())} rounds of {n}, "
                                     f"states {states}")
            await asyncio.sleep(every)
    finally:
        engine.dispose()


@dataclass(frozen=True)
class Outcome:
    posts_per_channel: dict[str, int]
    missing_ref: int
    wrong_ref: int
    unseen_reveals: int


def round_posts(fake: FakeDiscord, channel: str) -> list[dict[str, object]]:
    """The bot's daily-question messages in a channel (those carrying a round's answer buttons)."""
    out = []
    for m in fake.messages.values():
        if m["channel_id"] != channel:
            continue
        ids = [c.get("custom_id", "") for row in m.get("components") or [] for c in row.get("components", [])]
        if any(i.startswith("drill:a:r:") or i.startswith("drill:o:r:") for i in ids):
            out.append(m)
    return out


def outcome(fake: FakeDiscord, rows: Sequence[Round]) -> Outcome:
    chans = channel_ids(fake)
    per = {c: len(round_posts(fake, c)) for c in chans}
    by_channel = {c: round_posts(fake, c) for c in chans}
    missing = sum(1 for r in rows if r.post_state == "posted" and not r.message_ref)
    wrong = 0
    for r in rows:
        if not r.message_ref:
            continue
        cid, mid, _thread = r.message_ref.split(":")
        if [m["id"] for m in by_channel.get(cid, [])] != [mid]:
            wrong += 1
    # A reveal edits the question (PATCH) or posts a summary: none may reach a channel with no question.
    unseen = sum(1 for rec in fake.requests if rec.method in ("PATCH", "POST") and rec.status == 200
                 and (rec.path.split("/")[2] if rec.path.startswith("/channels/") else "") in per
                 and per[rec.path.split("/")[2]] == 0)
    return Outcome(per, missing, wrong, unseen)


def sql(db_url: str, statement: object, params: dict[str, object] | None = None) -> None:
    """Run one statement on the database (tests move windows' ends)."""
    app = build(Config(Settings(), None, SAMPLE, db_url), clock=SystemClock(), key="writer")
    try:
        with app.db.session() as s, s.begin():
            s.execute(statement, params or {})  # type: ignore[call-overload]
    finally:
        app.close()
