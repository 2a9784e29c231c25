"""Reliability benchmarks: the real bot (a child process) against the fake Discord of the tests.

    python bench/reliability.py storm [--channels 1000] [--rate 48] [--threads]
    python bench/reliability.py kill  [--channels 300] [--kills 5] [--seeds 3] [--db URL]
    python bench/reliability.py two   --db postgresql://... [--channels 300]

storm: a broadcast through a global 429 wave and per-route waves; reports the most requests
Discord saw in any one second, the 429s drawn and posts lost or doubled.  kill: SIGKILL the
bot at random points of a broadcast, restart it within grace, and count posts per channel.
two: two processes on PostgreSQL, one killed mid-broadcast; the survivor must post and close.
Each run uses a new SQLite file unless --db is given (a PostgreSQL database is emptied first).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from tests.discord.fake_discord import FakeDiscord  # noqa: E402
from tests.reliability.harness import (  # noqa: E402
    outcome,
    rounds,
    schedule_all,
    sql,
    start_child,
    wait_all_posted,
)


def fresh_db(url: str | None, tmp: Path, name: str) -> str:
    if not url:
        return f"sqlite:///{tmp / (name + '.db')}"
    from tests.conftest import _reset_postgres
    _reset_postgres(url)
    return url


def fake_for(channels: int, *, global_limit: int | None = 50) -> FakeDiscord:
    guilds = max(1, channels // 50)
    return FakeDiscord(guilds=guilds, channels_per_guild=channels // guilds, global_limit=global_limit)


def posts_sent(fake: FakeDiscord) -> int:
    return len(fake.sent("POST", r"/channels/\d+/messages"))


def max_per_second(times: list[float]) -> int:
    times = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(times):
        while times[j] <= t - 1.0:
            j += 1
        best = max(best, i - j + 1)
    return best


async def storm(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        fake = fake_for(args.channels)
        await fake.start()
        db = fresh_db(args.db, Path(tmp), "storm")
        await schedule_all(fake, db)
        child = await start_child(fake, db, Path(tmp), rate=args.rate, sweep=5.0, threads=args.threads)
        try:
            await fake.wait_for(lambda: posts_sent(fake) >= 1, timeout=120)
            t0 = time.monotonic()
            chans = [c["id"] for g in fake.guilds for c in g["channels"]]
            hot = random.Random(7).sample(chans, 5)
            # A global wave (1.5 s) after 3 s and one (1 s) after 8 s; per-route waves on 5 channels for 40 s.
            if not args.calm:
                fake.storm(start_in=3.0, duration=1.5, is_global=True)
                fake.storm(start_in=0.0, duration=40.0, is_global=False,
                           path=rf"/channels/({'|'.join(hot)})/messages(/\d+/threads)?")
                fake.storm(start_in=8.0, duration=1.0, is_global=True)
            rows = await wait_all_posted(db, len(chans), timeout=600)
            if args.threads:
                await fake.wait_for(lambda: len(fake.sent("POST", r"/channels/\d+/messages/\d+/threads"))
                                    >= len(chans), timeout=120)
            took = time.monotonic() - t0
        finally:
            await child.kill()
        rest = [r for r in fake.requests if r.path.startswith("/channels/")]
        limited = [r for r in rest if r.status == 429]
        on_hot = sum(1 for r in limited if r.path.split("/")[2] in hot)
        result = outcome(fake, rows)
        per = Counter(result.posts_per_channel.values())
        label = "storm (calm)" if args.calm else "storm"
        print(f"{label}: {len(chans)} channels, rate {args.rate}/s, threads {args.threads}: {len(rest)} requests "
              f"in {took:.1f} s; max {max_per_second([r.at for r in rest])} in any second (server side); "
              f"429s drawn {len(limited)} ({100 * len(limited) / len(rest):.2f} %; {on_hot} on the 5 hot routes), "
              f"of which over the fake's "
              f"own 50/s limit {fake.global_429s}; posts per channel {dict(per)}; "
              f"missing refs {result.missing_ref}, wrong refs {result.wrong_ref}")
        await fake.close()


async def kill(args: argparse.Namespace) -> None:
    totals: Counter[int] = Counter()
    for seed in range(1, args.seeds + 1):
        rng = random.Random(seed)
        with tempfile.TemporaryDirectory() as tmp:
            fake = fake_for(args.channels, global_limit=None)
            fake.nonce_window = 0.0 if seed % 2 == 0 else 300.0  # even seeds: only the history lookup helps
            await fake.start()
            db = fresh_db(args.db, Path(tmp), f"kill{seed}")
            await schedule_all(fake, db)
            t0 = time.monotonic()
            for _k in range(args.kills):
                child = await start_child(fake, db, Path(tmp), rate=50.0, sweep=0.5)
                target = posts_sent(fake) + rng.randint(1, max(2, args.channels // (args.kills + 1)))
                with contextlib.suppress(TimeoutError):
                    await fake.wait_for(lambda t=target, f=fake: posts_sent(f) >= t, timeout=120)  # type: ignore[misc]
                await asyncio.sleep(rng.random() * 0.05)
                await child.kill()
            states = Counter(r.post_state for r in rounds(db))
            child = await start_child(fake, db, Path(tmp), rate=50.0, sweep=0.5)
            try:
                rows = await wait_all_posted(db, args.channels, timeout=600)
            finally:
                await child.kill()
            result = outcome(fake, rows)
            per = Counter(result.posts_per_channel.values())
            totals.update(per)
            print(f"kill seed {seed}: {args.channels} channels, {args.kills} SIGKILLs (nonce window "
                  f"{fake.nonce_window:.0f} s); before the last restart {dict(states)}; after it, posts per "
                  f"channel {dict(per)}, missing refs {result.missing_ref}, wrong refs {result.wrong_ref}, "
                  f"unseen reveals {result.unseen_reveals}, {time.monotonic() - t0:.1f} s")
            await fake.close()
    print(f"kill: posts per channel over all seeds {dict(totals)}")


async def two(args: argparse.Namespace) -> None:
    if not args.db or not args.db.startswith("postgresql"):
        raise SystemExit("two: pass --db postgresql://...")
    with tempfile.TemporaryDirectory() as tmp:
        fake = fake_for(args.channels, global_limit=None)
        await fake.start()
        db = fresh_db(args.db, Path(tmp), "two")
        await schedule_all(fake, db)
        one = await start_child(fake, db, Path(tmp) / "one", rate=25.0, sweep=1.0)
        survivor = await start_child(fake, db, Path(tmp) / "two", rate=25.0, sweep=1.0)
        try:
            await fake.wait_for(lambda: posts_sent(fake) >= args.channels // 4, timeout=120)
            await one.kill()
            t_kill = time.monotonic()
            rows = await wait_all_posted(db, args.channels, timeout=600)
            took = time.monotonic() - t_kill
            result = outcome(fake, rows)
            closes = datetime.now(UTC) + timedelta(seconds=5)
            await asyncio.to_thread(sql, db, text("UPDATE rounds SET closes_at = :at"), {"at": closes})
            while True:
                rows = await asyncio.to_thread(rounds, db)
                if all(r.closed_at is not None for r in rows):
                    break
                await asyncio.sleep(0.2)
        finally:
            await survivor.kill()
            await one.kill()
        late = [(r.closed_at - r.closes_at).total_seconds() for r in rows if r.closed_at is not None]
        print(f"two: {args.channels} channels, one of two processes SIGKILLed after {args.channels // 4} posts; "
              f"all posted {took:.1f} s after the kill; posts per channel "
              f"{dict(Counter(result.posts_per_channel.values()))}; missing refs {result.missing_ref}; closes "
              f"late by at most {max(late):.2f} s (median {sorted(late)[len(late) // 2]:.2f} s)")
        await fake.close()


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("storm")
    s.add_argument("--channels", type=int, default=1000)
    s.add_argument("--rate", type=float, default=48.0)
    s.add_argument("--threads", action="store_true")
    s.add_argument("--calm", action="store_true", help="no 429 waves: the pace alone")
    s.add_argument("--db", default="")
    k = sub.add_parser("kill")
    k.add_argument("--channels", type=int, default=300)
    k.add_argument("--kills", type=int, default=5)
    k.add_argument("--seeds", type=int, default=3)
    k.add_argument("--db", default="")
    t = sub.add_parser("two")
    t.add_argument("--channels", type=int, default=300)
    t.add_argument("--db", default="")
    args = p.parse_args()
    asyncio.run({"storm": storm, "kill": kill, "two": two}[args.cmd](args))


if __name__ == "__main__":
    main()
