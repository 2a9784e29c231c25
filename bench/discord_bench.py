"""Benchmarks of the Discord adapter against the fake Discord of the tests (tests/discord/fake_discord.py).

The bot runs as a real `drillbot run` process (DISCORD_TOKEN set, bot.toml pointing REST and
gateway at the fake); the yardstick is bench/discord_minimal_bot.py, run in the same way
against the same fake in the same run, because on a shared 2-core machine absolute latency
says more about the machine than about the bot.

    python bench/discord_bench.py latency   [--members 200] [--rounds 10]
    python bench/discord_bench.py broadcast [--channels 1000] [--rate 48] [--threads]
    python bench/discord_bench.py memory    [--guilds 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.discord.fake_discord import FakeDiscord, Sent, buttons, sub, user  # noqa: E402

ADMIN = user(1, "admin")


def _env(fake: FakeDiscord) -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(ROOT), "DISCORD_TOKEN": "bench-token", "DISCORD_API": fake.base_url,
         "DISCORD_GATEWAY": fake.gateway_url, "PYTHONWARNINGS": "ignore"}
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DRILLBOT_DATABASE_URL", "DRILLBOT_CONFIG"):
        e.pop(var, None)
    return e


def _config(tmp: Path, fake: FakeDiscord, *, rate: float = 40.0, threads: bool = False,
            schedules: str = "") -> Path:
    cfg = tmp / "bot.toml"
    cfg.write_text(f"""
[bot]
content = "{ROOT / 'content'}"
database = "sqlite:///{tmp / 'bench.db'}"
log_level = "WARNING"

[discord]
api_base_url = "{fake.base_url}"
gateway_url = "{fake.gateway_url}"
threads = {'true' if threads else 'false'}
broadcast_rate = {rate}
{schedules}""")
    return cfg


def drillbot(tmp: Path, fake: FakeDiscord, **config: Any) -> subprocess.Popen[bytes]:
    cfg = _config(tmp, fake, **config)
    return subprocess.Popen([sys.executable, "-m", "bot.runtime.cli", "run", "--config", str(cfg)], env=_env(fake),
                            cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(tmp / "bot.log", "wb"))


def minimal(tmp: Path, fake: FakeDiscord) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, str(ROOT / "bench" / "discord_minimal_bot.py")], env=_env(fake),
                            cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(tmp / "minimal.log", "wb"))


def stop(proc: subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def stat_times(stat: Path) -> tuple[float, float]:
    """User and system CPU seconds from a /proc ``stat`` file (a process's, or one of its threads')."""
    fields = stat.read_text().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def cpu_s(pid: int) -> float:
    """User + system CPU seconds the process has used so far."""
    return sum(stat_times(Path(f"/proc/{pid}/stat")))


async def settle(*procs: subprocess.Popen[bytes], quiet: float = 0.3, limit: float = 5.0) -> None:
    """Wait until none of ``procs`` used CPU for ``quiet`` seconds (deferred work done), or ``limit``."""
    end = time.monotonic() + limit
    last = [cpu_s(p.pid) for p in procs]
    while time.monotonic() < end:
        await asyncio.sleep(quiet)
        now = [cpu_s(p.pid) for p in procs]
        if now == last:
            return
        last = now


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(p / 100 * (len(s) - 1)))]


async def _answered(fake: FakeDiscord, sent: Sent, timeout: float) -> bool:
    try:
        await fake.callback(sent, timeout=timeout)
        return True
    except TimeoutError:
        return False


async def _burst(fake: FakeDiscord, make: Any, n: int, base: int) -> list[float]:
    """Deliver ``n`` interactions at once; latency of each from its gateway frame to its callback (ms)."""
    sents = [await make(user(base + i, f"m{base + i}")) for i in range(n)]
    await fake.wait_for(lambda: all(s.id in fake.callbacks for s in sents), timeout=60)
    return [1000 * (fake.callbacks[s.id][0].at - s.sent_at) for s in sents]


# -- latency ---------------------------------------------------------------------------------

Click = tuple[dict[str, Any], str]  # a daily post and one of its answer buttons


async def latency(args: argparse.Namespace) -> None:
    """Both bots run at once, each on its own fake Discord, and take turns: a burst of clicks
    on drillbot's new daily post, then the same burst on the minimal bot, round after round.
    A slow spell of this shared machine then lands on both, and each round gives a ratio."""
    fakes = FakeDiscord(guilds=1, channels_per_guild=1), FakeDiscord(guilds=1, channels_per_guild=1)
    for f in fakes:
        await f.start()
    fake, yard = fakes
    seen: set[str] = set()
    rounds: list[tuple[list[float], list[float]]] = []
    cpu = {"drillbot": 0.0, "minimal": 0.0}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        bot, mini = drillbot(tmp, fake), minimal(tmp, yard)
        try:
            await fake.wait_for(lambda: fake.commands.get("global") and fake.sessions, timeout=60)
            await yard.wait_for(lambda: yard.sessions, timeout=60)  # it matches commands by name: no sync
            while not await _answered(fake, await fake.slash("flask-admin", sub("show"), who=ADMIN, admin=True),
                                      timeout=2):
                pass  # ready
            ch = fake.guilds[0]["channels"][0]["id"]

            async def admin_says(what: str) -> None:
                sent = await fake.slash("flask-admin", sub(what), who=ADMIN, admin=True)
                await fake.wait_for(lambda: fake.sent("POST", rf"/webhooks/\d+/{sent.token}"))  # deferred: done

            async def new_post() -> Click:
                """Close the open round, post a new multiple-choice one (open ones take a form)."""
                while True:
                    await admin_says("close")
                    await admin_says("post-now")
                    post = dict((await fake.wait_for(lambda: [
                        m for m in fake.messages.values() if m["channel_id"] == ch and m["id"] not in seen
                        and any(v.startswith(("drill:a:r", "drill:o:r")) for v in buttons(m).values())]))[0])
                    seen.add(post["id"])
                    if "Answer" not in buttons(post):
                        return post, next(v for v in buttons(post).values() if v.startswith("drill:a:r"))

            async def burst(on: FakeDiscord, proc: subprocess.Popen[bytes], click: Click) -> tuple[list[float], float]:
                async def one(who: dict[str, Any]) -> Sent:
                    return await on.click(click[0], click[1], who=who)
                await settle(bot, mini)  # the other bot's deferred work (live counts) must not interfere
                before = cpu_s(proc.pid)
                lat = await _burst(on, one, args.members, 20_000)
                return lat, cpu_s(proc.pid) - before

            first = await new_post()
            cold, _ = await burst(fake, bot, first)  # members never seen: accounts created on first answers
            await burst(yard, mini, first)  # the minimal bot's warm-up
            for _ in range(args.rounds):  # the same members, a new question each round
                click = await new_post()
                b, b_cpu = await burst(fake, bot, click)
                m, m_cpu = await burst(yard, mini, click)
                rounds.append((b, m))
                cpu["drillbot"] += b_cpu
                cpu["minimal"] += m_cpu
            titles = [(cb[0].body["data"].get("embeds") or [{}])[0].get("title") for cb in fake.callbacks.values()]
            graded = sum(t in ("Correct!", "Not quite.") for t in titles)
        finally:
            stop(bot)
            stop(mini)
    for f in fakes:
        await f.close()
    print(f"INTERACTION_CREATE -> callback, {args.members} at once, {args.rounds} rounds taking turns (ms); "
          f"{graded} daily answers graded and acknowledged:")
    print(f"  {'drillbot, new members':<24} p50 {pct(cold, 50):6.1f}  p99 {pct(cold, 99):6.1f}  (first answers)")
    ratios = []
    for b, m in rounds:
        ratios.append(pct(b, 99) / pct(m, 99))
        print(f"  drillbot p50 {pct(b, 50):6.1f} p99 {pct(b, 99):6.1f} | minimal p50 {pct(m, 50):6.1f} "
              f"p99 {pct(m, 99):6.1f} | p99 ratio {ratios[-1]:.2f}")
    n = args.members * args.rounds
    per = {k: 1000 * v / n for k, v in cpu.items()}
    print(f"  CPU per answer: drillbot {per['drillbot']:.2f} ms, minimal {per['minimal']:.2f} ms, "
          f"ratio {per['drillbot'] / per['minimal']:.2f}")
    print(f"  p99 ratio: median {statistics.median(ratios):.2f} over {len(ratios)} rounds "
          f"(quartiles {pct(ratios, 25):.2f}-{pct(ratios, 75):.2f}; target <= 1.3)")


# -- broadcast -------------------------------------------------------------------------------

async def broadcast(args: argparse.Namespace) -> None:
    per_guild = 20
    fake = FakeDiscord(guilds=args.channels // per_guild, channels_per_guild=per_guild)
    await fake.start()
    now = datetime.now(UTC)
    at = (now + timedelta(minutes=1 if now.second < 30 else 2)).replace(second=0, microsecond=0)
    entries = "\n".join(
        f'[[schedules]]\nplatform = "discord"\ncommunity = "{g["id"]}"\nchannel = "{c["id"]}"\n'
        f'time = "{at:%H:%M}"\ntimezone = "UTC"\n' for g in fake.guilds for c in g["channels"])
    with tempfile.TemporaryDirectory() as d:
        proc = drillbot(Path(d), fake, rate=args.rate, threads=args.threads, schedules=entries)
        expected = args.channels * (2 if args.threads else 1)
        try:
            await fake.wait_for(lambda: fake.sessions, timeout=120)
            connected = datetime.now(UTC)
            wait = (at - datetime.now(UTC)).total_seconds() + 120
            done = await fake.wait_for(lambda: len(ok := [r for r in fake.sent("POST", r"/channels/\d+/messages.*")
                                                          if r.status < 300]) >= expected and ok, timeout=wait)
        finally:
            stop(proc)
    await fake.close()
    tried = fake.sent("POST", r"/channels/\d+/messages.*")
    span = done[-1].at - done[0].at
    allowed = (expected - 1) / 50
    per_channel = {r.path.split("/")[2] for r in done if r.path.endswith("/messages")}
    print(f"broadcast to {args.channels} channels ({expected} requests, threads={args.threads}, "
          f"broadcast_rate={args.rate}):")
    print(f"  first to last post {span:.2f} s; the 50/s global limit allows {allowed:.2f} s; "
          f"ratio {span / allowed:.3f} (target <= 1.10)")
    print(f"  429 from the global limit: {fake.global_429s}; requests tried {len(tried)}; "
          f"channels with a post {len(per_channel)}; schedule fired at {at:%H:%M:%S}, "
          f"bot connected {(at - connected).total_seconds():.1f} s before it; "
          f"first post +{done[0].at - (time.monotonic() - (datetime.now(UTC) - at).total_seconds()):.2f} s")


# -- memory ----------------------------------------------------------------------------------

async def memory(args: argparse.Namespace) -> None:
    """drillbot twice (a first start creates its database; a restart finds it), then the minimal bot."""
    fake = FakeDiscord(guilds=args.guilds, channels_per_guild=2)
    await fake.start()
    results = {}
    with tempfile.TemporaryDirectory() as d:
        for name, spawn in (("drillbot, new database", drillbot), ("drillbot, restarted", drillbot),
                            ("minimal discord.py bot", minimal)):
            fake.sessions.clear()
            proc = spawn(Path(d), fake)
            try:
                await fake.wait_for(lambda: fake.sessions, timeout=60)
                await asyncio.sleep(args.idle)  # GUILD_CREATEs in, ready, then idle
                samples = [rss_mb(proc.pid)]
                for _ in range(3):
                    await asyncio.sleep(0.5)
                    samples.append(rss_mb(proc.pid))
                results[name] = max(samples)
            finally:
                stop(proc)
    await fake.close()
    base = results["minimal discord.py bot"]
    print(f"resident memory, idle, connected to {args.guilds} guilds (fake gateway):")
    for name, mb in results.items():
        print(f"  {name:<24} {mb:6.1f} MB   ratio {mb / base:.2f}")
    print("  (targets: <= 1.5 x the minimal bot, < 150 MB)")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    s = p.add_subparsers(dest="what", required=True)
    lat = s.add_parser("latency")
    lat.add_argument("--members", type=int, default=200)
    lat.add_argument("--rounds", type=int, default=10)
    b = s.add_parser("broadcast")
    b.add_argument("--channels", type=int, default=1000)
    b.add_argument("--rate", type=float, default=48.0)
    b.add_argument("--threads", action="store_true")
    m = s.add_parser("memory")
    m.add_argument("--guilds", type=int, default=1000)
    m.add_argument("--idle", type=float, default=8.0)
    args = p.parse_args()
    asyncio.run({"latency": latency, "broadcast": broadcast, "memory": memory}[args.what](args))


if __name__ == "__main__":
    main()
