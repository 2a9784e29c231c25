"""Benchmark: a live quiz with 500 players, through the engine and the real scheduler.

What is timed, per question (wall clock, ``SystemClock``; the service's APScheduler job takes
the steps, as in ``drillbot run``):

- ``answers``: N players click at once (one burst); latency of each ``engine.live.answer`` call
  (the reply a platform adapter sends is ready when it returns), p50 / p99 / max, and the
  burst's wall time.
- ``reveal``: from the question's deadline to the reveal being handed to the platform sink
  (the 500 answers counted, every player's spaced-repetition card written, the board built).
  Half the questions end by time (10 % of the players never answer), half early (everyone
  answered: the last answer's call takes the step, so the reveal is out before that reply and
  is inside the burst's wall time; shown as nan).
- ``bare``: in the same run, an ``asyncio`` task sleeping until each deadline: how late this
  machine's event loop wakes up anyway (the floor under any bot's reveal).

The sink records events (no network): Discord and Slack delivery of one reveal is one or two
paced requests on top (see docs/performance.md).

    python bench/live.py [--players 500] [--questions 4] [--seconds 10] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.config import Config, Settings  # noqa: E402
from bot.members.identity import Member, Place  # noqa: E402
from bot.runtime.builder import build  # noqa: E402
from bot.sessions.rules import LiveOptions  # noqa: E402
from bot.sessions.views import Event, LiveQuestion, Lobby, Reveal  # noqa: E402

PLACE = Place("console", "bench", "live", "live")


class Sink:
    """Records when each event reaches the platform side."""

    platform = "console"

    def __init__(self) -> None:
        self.seen: list[tuple[float, Event]] = []
        self.question: asyncio.Queue[LiveQuestion] = asyncio.Queue()
        self.reveal: asyncio.Queue[tuple[datetime, Reveal]] = asyncio.Queue()

    async def deliver_session(self, event: Event) -> str | None:
        if isinstance(event, LiveQuestion):
            self.question.put_nowait(event)
        elif isinstance(event, Reveal):
            self.reveal.put_nowait((datetime.now(UTC), event))
        return "thread" if isinstance(event, Lobby) else None


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def bare_lateness(deadline: datetime) -> float:
    await asyncio.sleep(max(0.0, (deadline - datetime.now(UTC)).total_seconds()))
    return (datetime.now(UTC) - deadline).total_seconds() * 1000


async def run(players: int, questions: int, seconds: int, url: str) -> None:
    app = build(Config(Settings(), None, ROOT / "content", url), key="bench-live")
    sink = Sink()
    app.engine.live.add_sink(sink)
    live = app.engine.live
    members = [Member("console", "bench", f"p{i}", f"player {i}") for i in range(players)]
    await app.service.start()
    try:
        lobby = await live.start(members[0], PLACE, LiveOptions(count=questions, seconds=seconds))
        await asyncio.gather(*(live.join(m, lobby.session_id) for m in members[1:]))
        await live.begin(members[0], lobby.session_id)
        rows = []
        for n in range(questions):
            q = await asyncio.wait_for(sink.question.get(), timeout=seconds + 30)
            everyone = n % 2 == 1
            crowd = members if everyone else members[: players * 9 // 10]
            bare = asyncio.create_task(bare_lateness(q.closes_at))

            async def click(m: Member, q: LiveQuestion = q) -> float:
                t = time.perf_counter()
                await live.answer(m, q.session_id, q.index, 0)
                return (time.perf_counter() - t) * 1000

            t0 = time.perf_counter()
            latencies = list(await asyncio.gather(*(click(m) for m in crowd)))
            wall = (time.perf_counter() - t0) * 1000
            last_reply = datetime.now(UTC)
            at, reveal = await asyncio.wait_for(sink.reveal.get(), timeout=seconds + 30)
            assert reveal.index == q.index and reveal.answered == len(crowd), (reveal.answered, len(crowd))
            if everyone:  # the last answer's call takes the step: the reveal is out before its reply
                delay = float("nan") if at <= last_reply else (at - last_reply).total_seconds() * 1000
                bare.cancel()
                bare_ms = float("nan")
            else:
                delay = (at - q.closes_at).total_seconds() * 1000
                bare_ms = await bare
            rows.append((n + 1, "early" if everyone else "time", len(crowd), statistics.median(latencies),
                         pct(latencies, 0.99), max(latencies), wall, delay, bare_ms))
        print(f"{players} players, {questions} questions of {seconds} s, database {url.split(':')[0]}")
        print(f"{'q':>2} {'ends':>5} {'answers':>7} {'p50 ms':>7} {'p99 ms':>7} {'max ms':>7} {'burst ms':>8} "
              f"{'reveal ms':>9} {'bare ms':>7}")
        for r in rows:
            print(f"{r[0]:>2} {r[1]:>5} {r[2]:>7} {r[3]:>7.0f} {r[4]:>7.0f} {r[5]:>7.0f} {r[6]:>8.0f} {r[7]:>9.0f} "
                  f"{r[8]:>7.0f}")
    finally:
        await app.service.stop()
        app.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--players", type=int, default=500)
    ap.add_argument("--questions", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=10)
    ap.add_argument("--database", default="")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as d:
        url = a.database or f"sqlite:///{d}/live.db"
        asyncio.run(run(a.players, a.questions, a.seconds, url))


if __name__ == "__main__":
    main()
