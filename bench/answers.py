"""Benchmark: daily answers per second and latency on a large SQLite database.

Builds (once, cached in bench/.data/) a database holding 100,000 members and
1,000,000 answers, then has 50 members answer through the real engine
(Engine.answer_round): first closed loop (each member answers again as soon
as acknowledged: the maximum throughput), then open loop at an offered load of
2,000 answers/s (latency at that rate).  Prints throughput and latency
percentiles beside this machine's raw sqlite3 insert-and-commit rate.  It also times the
leaderboard (top 10 + the caller's rank) for the 100,000-member community.

    python bench/answers.py [--members 100000] [--answers 1000000] [--concurrency 50] [--rate 2000]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.boards.points import period_keys  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.config import Config, Settings  # noqa: E402
from bot.members.identity import Member, Place  # noqa: E402
from bot.runtime.builder import App, build, tune_runtime  # noqa: E402

NOW = datetime(2026, 11, 16, 9, 0, tzinfo=UTC)
PER_ROUND = 50


def raw_sqlite_rate(n: int = 5000) -> float:
    """Single-row INSERT + COMMIT per row with the same pragmas (WAL, synchronous=NORMAL)."""
    with tempfile.TemporaryDirectory() as d:
        conn = sqlite3.connect(Path(d) / "raw.db", isolation_level=None)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=NORMAL")
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, a INTEGER, b TEXT)")
        start = time.perf_counter()
        for i in range(n):
            conn.execute("BEGIN")
            conn.execute("INSERT INTO t (a, b) VALUES (?, ?)", (i, "x"))
            conn.execute("COMMIT")
        elapsed = time.perf_counter() - start
        conn.close()
    return n / elapsed


def populate(path: Path, members: int, answers: int) -> None:
    """Fill a migrated database directly with sqlite3 (fast), consistent with the engine's tables."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    conn.execute("INSERT INTO communities (id, platform, external_id, name, timezone) "
                 "VALUES (1, 'bench', 'guild', 'bench', 'UTC')")
    conn.executemany("INSERT INTO accounts (id, platform, external_id, display_name) VALUES (?, 'bench', ?, ?)",
                     ((i, f"u{i}", f"member {i}") for i in range(1, members + 1)))
    rounds = answers // PER_ROUND
    channels = 20
    conn.executemany("INSERT INTO channels (id, community_id, external_id, name) VALUES (?, 1, ?, ?)",
                     ((c, f"c{c}", f"c{c}") for c in range(1, channels + 1)))
    rng = random.Random(1)
    fmt = "%Y-%m-%d %H:%M:%S.%f"
    start = NOW - timedelta(days=rounds // channels + 1)
    totals: dict[int, list[int]] = {}
    answer_rows = []
    for r in range(1, rounds + 1):
        opened = start + timedelta(days=r // channels)
        conn.execute("INSERT INTO rounds (id, channel_id, slot, question_id, opened_at, closes_at, closed_at, "
                     "post_state) VALUES (?, ?, ?, 'routing-x', ?, ?, ?, 'posted')",
                     (r, r % channels + 1, f"s{r}", opened.strftime(fmt),
                      (opened + timedelta(hours=8)).strftime(fmt), (opened + timedelta(hours=8)).strftime(fmt)))
        for who in rng.sample(range(1, members + 1), PER_ROUND):
            ok = rng.random() < 0.6
            pts = 20 if ok else 0
            t = totals.setdefault(who, [0, 0, 0])
            t[0] += pts
            t[1] += 1
            t[2] += ok
            answer_rows.append((r, who, "routing", 0, int(ok), pts, opened.strftime(fmt)))
        if len(answer_rows) >= 100_000:
            conn.executemany("INSERT INTO answers (round_id, account_id, community_id, topic, choice, correct, "
                             "points, answered_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)", answer_rows)
            answer_rows.clear()
    conn.executemany("INSERT INTO answers (round_id, account_id, community_id, topic, choice, correct, points, "
                     "answered_at) VALUES (?, ?, 1, ?, ?, ?, ?, ?)", answer_rows)
    week, month, _ = period_keys(NOW, "UTC")
    for period in ("all", week, month):
        conn.executemany("INSERT INTO scores (community_id, period, account_id, points, answered, correct, "
                         "reached_at) VALUES (1, ?, ?, ?, ?, ?, ?)",
                         ((period, who, p, a, c, (start + timedelta(seconds=who)).strftime(fmt))
                          for who, (p, a, c) in totals.items()))
    conn.execute("INSERT INTO score_buckets (community_id, period, points, members) "
                 "SELECT community_id, period, points, count(*) FROM scores GROUP BY community_id, period, points")
    conn.execute("COMMIT")
    conn.execute("ANALYZE")
    conn.close()


def make(db: Path, clock: FakeClock) -> App:
    return build(Config(Settings(), None, ROOT / "content", f"sqlite:///{db}"), clock=clock)


async def bench_answers(app: App, members: int, concurrency: int, rounds_n: int,
                        warmup: int = 5) -> tuple[float, list[float]]:
    places = [Place("bench", "guild", f"live{i}") for i in range(rounds_n + warmup)]
    opened = [await app.engine.rounds.open(p) for p in places]
    cards = [(o.round_id, app.engine.library.get(o.card.question_id)) for o in opened if o is not None]
    people = [Member("bench", "guild", f"u{i}", f"member {i}")
              for i in random.Random(2).sample(range(1, members + 1), concurrency)]
    for m in people:  # warm the id cache as a live bot would have
        await app.engine.members.resolve(m)
    latencies: list[float] = []
    warm = cards[:warmup]
    measured = cards[warmup:]

    async def member_loop(m: Member, rounds: list[tuple[int, Any]], record: bool) -> None:
        for round_id, lq in rounds:
            assert lq is not None
            t0 = time.perf_counter()
            if lq.q.kind == "open":
                await app.engine.rounds.answer(m, round_id, text=lq.q.model_answer or "x")
            else:
                await app.engine.rounds.answer(m, round_id, choice=0)
            if record:
                latencies.append(time.perf_counter() - t0)

    # A running bot is warm: statements compiled, hot index pages cached.  Not measured.
    await asyncio.gather(*(member_loop(m, warm, False) for m in people))
    start = time.perf_counter()
    await asyncio.gather(*(member_loop(m, measured, True) for m in people))
    return time.perf_counter() - start, latencies


async def bench_offered(app: App, members: int, concurrency: int, rounds_n: int,
                        rate: float) -> tuple[float, list[float]]:
    """Open loop: answers arrive at ``rate`` per second from ``concurrency`` members, whatever the latency."""
    places = [Place("bench", "guild", f"paced{i}") for i in range(rounds_n)]
    opened = [await app.engine.rounds.open(p) for p in places]
    cards = [(o.round_id, app.engine.library.get(o.card.question_id)) for o in opened if o is not None]
    people = [Member("bench", "guild", f"u{i}", f"member {i}")
              for i in random.Random(4).sample(range(1, members + 1), concurrency)]
    for m in people:
        await app.engine.members.resolve(m)
    latencies: list[float] = []

    async def one(m: Member, round_id: int, lq: Any) -> None:
        t0 = time.perf_counter()
        if lq.q.kind == "open":
            await app.engine.rounds.answer(m, round_id, text=lq.q.model_answer or "x")
        else:
            await app.engine.rounds.answer(m, round_id, choice=0)
        latencies.append(time.perf_counter() - t0)

    jobs = [(m, rid, lq) for rid, lq in cards for m in people]
    tasks = []
    start = time.perf_counter()
    for i, job in enumerate(jobs):
        delay = start + i / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(one(*job)))
    await asyncio.gather(*tasks)
    return time.perf_counter() - start, latencies


async def bench_board(app: App, members: int, n: int = 200) -> list[float]:
    rng = random.Random(3)
    times = []
    for _ in range(n):
        who = Member("bench", "guild", f"u{rng.randint(1, members)}")
        t0 = time.perf_counter()
        board = await app.engine.boards.leaderboard(who, "all")
        times.append(time.perf_counter() - t0)
        assert len(board.rows) == 10 and board.me is not None
    return times


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--members", type=int, default=100_000)
    ap.add_argument("--answers", type=int, default=1_000_000)
    ap.add_argument("--concurrency", type=int, default=50)
    ap.add_argument("--rate", type=float, default=2000, help="offered load for the open-loop run (answers/s)")
    ap.add_argument("--rounds", type=int, default=200, help="open rounds each member answers (after 5 warm-up rounds)")
    args = ap.parse_args()

    data = ROOT / "bench" / ".data"
    data.mkdir(exist_ok=True)
    base = data / f"answers-{args.members}-{args.answers}.db"
    clock = FakeClock(NOW)
    if not base.exists():
        t0 = time.perf_counter()
        tmp = base.with_suffix(".building")
        make(tmp, clock).close()
        populate(tmp, args.members, args.answers)
        tmp.rename(base)
        print(f"built {base.name} in {time.perf_counter() - t0:.0f} s")
    work = data / "answers-run.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(work) + suffix).unlink(missing_ok=True)
    work.write_bytes(base.read_bytes())

    raw = raw_sqlite_rate()
    app = make(work, clock)
    tune_runtime()  # as `drillbot run` does
    try:
        elapsed, lat = asyncio.run(bench_answers(app, args.members, args.concurrency, args.rounds))
        paced_elapsed, paced = asyncio.run(bench_offered(app, args.members, args.concurrency, args.rounds,
                                                         args.rate))
        board = asyncio.run(bench_board(app, args.members))
    finally:
        app.close()
    rate = len(lat) / elapsed
    print(f"database: {args.members:,} members, {args.answers:,} answers (SQLite, WAL)")
    print(f"closed loop (each of {args.concurrency} members answers again as soon as acknowledged): "
          f"{len(lat):,} answers in {elapsed:.2f} s = {rate:,.0f}/s; "
          f"latency p50 {1000 * pct(lat, 50):.1f} ms, p99 {1000 * pct(lat, 99):.1f} ms, max {1000 * max(lat):.1f} ms")
    print(f"offered {args.rate:,.0f}/s from {args.concurrency} members: {len(paced):,} answers at "
          f"{len(paced) / paced_elapsed:,.0f}/s; latency p50 {1000 * pct(paced, 50):.1f} ms, "
          f"p99 {1000 * pct(paced, 99):.1f} ms, max {1000 * max(paced):.1f} ms")
    print(f"raw sqlite3 insert+commit on this machine: {raw:,.0f}/s (engine/raw = {rate / raw:.2f})")
    print(f"leaderboard top 10 + own rank, {args.members:,} members: median {1000 * statistics.median(board):.2f} ms,"
          f" p99 {1000 * pct(board, 99):.2f} ms")


if __name__ == "__main__":
    main()
