"""Benchmark: instructions per Slack request, drillbot vs the bare Bolt app, counted by valgrind.

``bench/crowd.py slack`` times bursts of requests, and on this shared 2-core machine its figures
move 0.3-5x from burst to burst.  This counts the work instead: both apps of ``bench/crowd.py``
(``--serve-minimal`` and ``--serve-bot``) run under ``valgrind --tool=callgrind`` with
instrumentation off while they start; after a warm-up burst (cold caches: auth.test, the first
compiled statements) it is switched on, ``--bursts`` bursts of ``--members`` requests are sent at
once, and callgrind's counters are dumped three times: when the last reply has arrived at the
fake's response_url (what the crowd bench's CPU figure covers), after a fixed window that catches
work deferred past the reply (drillbot's display-name lookups), and after a second window as long,
whose count (the process's periodic jobs) is subtracted from the first.  Instruction counts repeat to
within a fraction of a percent whatever else the machine does, so a change's effect on the work
per request shows without a quiet machine; latency is still the crowd bench's to measure.

    python bench/instructions.py [--row new|returning|answer] [--members 200] [--bursts 2] [--cache-sim]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.crowd import post_signed, seed, slack_requests  # noqa: E402
from bench.discord_bench import cpu_s  # noqa: E402

SLOWDOWN = 50  # about how much slower a program runs under callgrind (for drillbot's real-time pauses)
WINDOW = 20.0  # seconds (under callgrind) after the last reply for deferred work, then as long idle


def totals(path: Path) -> dict[str, int]:
    """The events a callgrind dump counted (its ``totals:`` or ``summary:`` line), by name: ``Ir``
    (instructions), and with ``--cache-sim`` the simulated cache misses (``I1mr``, ``D1mr``, ...)."""
    text = path.read_text()
    names = re.search(r"^events:\s+(.+)$", text, re.M)
    m = re.search(r"^(?:totals|summary):\s+([\d ]+)$", text, re.M)
    assert names and m, f"no totals in {path}"
    return dict(zip(names.group(1).split(), map(int, m.group(1).split()), strict=False))


def cycles(events: dict[str, int]) -> float:
    """Cachegrind's rough cycle estimate: an instruction 1, a first-level miss 10, a last-level miss 100."""
    l1 = sum(events.get(k, 0) for k in ("I1mr", "D1mr", "D1mw"))
    ll = sum(events.get(k, 0) for k in ("ILmr", "DLmr", "DLmw"))
    return events.get("Ir", 0) + 10 * l1 + 100 * ll


async def quiet(pid: int, *, for_s: float = 1.0, limit: float = 120.0) -> None:
    """Until the process used under 5 % of a CPU for ``for_s`` seconds (its periodic jobs go on)."""
    end = time.monotonic() + limit
    last = cpu_s(pid)
    while time.monotonic() < end:
        await asyncio.sleep(for_s)
        now = cpu_s(pid)
        if now - last < 0.05 * for_s:
            return
        last = now


def control(*args: str) -> None:
    subprocess.run(["callgrind_control", *args], check=True, capture_output=True, timeout=120)


async def main(args: argparse.Namespace) -> None:
    import aiohttp

    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    await fake.start()
    returning = [(f"UR{i:07d}", f"r{i}") for i in range(args.members)]
    results: dict[str, tuple[int, dict[str, int], dict[str, int]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{Path(tmp) / 'b.db'}"
        if args.row == "returning":
            seed(url, "slack", returning)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
        crowd = str(ROOT / "bench" / "crowd.py")
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0),
                                         timeout=aiohttp.ClientTimeout(total=None)) as session:
            apps = (("minimal", ["--serve-minimal", fake.api_url]), ("drillbot", ["--serve-bot", fake.api_url, url]))
            for name, serve in apps:
                if args.only and name != args.only:
                    continue
                out = Path(tmp) / f"cg.{name}"
                child = subprocess.Popen(
                    ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}",
                     *(["--cache-sim=yes"] if args.cache_sim else []), sys.executable, crowd, *serve],
                    stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                    cwd=ROOT, env={**env, "BENCH_SLOWDOWN": str(SLOWDOWN * (2 if args.cache_sim else 1)),
                                   "BENCH_ABLATE": args.ablate})
                assert child.stdout is not None and child.stdin is not None
                port = json.loads(await asyncio.get_running_loop().run_in_executor(
                    None, child.stdout.readline))["port"]
                sent = 0

                async def burst(r: int, port: int) -> None:
                    nonlocal sent
                    users = ([f"UN{r + 1:02d}{i:05d}" for i in range(args.members)] if args.row == "new"
                             else [u for u, _ in returning])
                    requests = slack_requests(args.row, users, fake.url)
                    want = {rid for rid, _body in requests}
                    await asyncio.gather(*(post_signed(session, port, body) for _rid, body in requests))
                    await fake.wait_for(lambda: want <= {p.url_id for p in fake.responses}, timeout=600)
                    sent += len(requests)

                await burst(-1, port)  # warm-up, not counted
                await quiet(child.pid)
                control("--instr=on", str(child.pid))
                control("--zero", str(child.pid))
                sent = 0
                for r in range(args.bursts):
                    await burst(r, port)
                control("--dump=replied", str(child.pid))
                await asyncio.sleep(WINDOW)  # work the requests deferred past their replies ...
                control("--dump=deferred", str(child.pid))
                await asyncio.sleep(WINDOW)  # ... less what the process does anyway (periodic jobs)
                control("--dump=idle", str(child.pid))
                child.stdin.close()
                child.wait(timeout=300)
                dumps = sorted(Path(tmp).glob(f"cg.{name}*"), key=lambda p: p.stat().st_mtime)
                replied, deferred, idle = _by_trigger(dumps)
                results[name] = (sent, replied, {k: max(0, v - idle.get(k, 0)) for k, v in deferred.items()})
    await fake.stop()
    print(f"Slack (HTTP mode), row {args.row}: instructions per request (callgrind), {args.bursts} burst(s) of "
          f"{args.members} at once after a warm-up burst")
    for name, (sent, replied, deferred) in results.items():
        ir, later = replied.get("Ir", 0), deferred.get("Ir", 0)
        print(f"  {name:<9} to the last reply {ir / sent / 1e3:8.1f} k | deferred after it "
              f"{later / sent / 1e3:7.1f} k (less the idle rate) | in all {(ir + later) / sent / 1e3:8.1f} k")
        if args.cache_sim:
            misses = ", ".join(f"{k} {v / sent:,.0f}" for k, v in replied.items() if k != "Ir")
            print(f"  {'':<9} to the last reply, per request: {misses}; estimated cycles "
                  f"{cycles(replied) / sent / 1e3:,.1f} k")
    if len(results) < 2:
        return
    (bs, br, bd), (ms, mr, md) = results["drillbot"], results["minimal"]
    print(f"  ratio drillbot / minimal: to the last reply {(br['Ir'] / bs) / (mr['Ir'] / ms):.2f}, "
          f"in all {((br['Ir'] + bd.get('Ir', 0)) / bs) / ((mr['Ir'] + md.get('Ir', 0)) / ms):.2f}")
    if args.cache_sim:
        print(f"  estimated cycles to the last reply, drillbot / minimal: "
              f"{(cycles(br) / bs) / (cycles(mr) / ms):.2f}")


def _by_trigger(dumps: list[Path]) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """The events to the last reply, in the window after it, and in the idle window after that."""
    found: dict[str, dict[str, int]] = {"replied": {}, "deferred": {}, "idle": {}}
    for p in dumps:
        head = p.read_text()[:2000]
        for trigger, sums in found.items():
            if re.search(rf"^desc: Trigger: .*{trigger}", head, re.M):
                for k, v in totals(p).items():
                    sums[k] = sums.get(k, 0) + v
    return found["replied"], found["deferred"], found["idle"]


def cli() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--row", choices=("new", "returning", "answer"), default="new")
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--bursts", type=int, default=2)
    p.add_argument("--only", choices=("minimal", "drillbot"), help="count one app only")
    p.add_argument("--cache-sim", action="store_true",
                   help="also simulate the caches (callgrind --cache-sim=yes): misses per request and "
                        "cachegrind's cycle estimate, for work that costs more time than its instructions")
    p.add_argument("--ablate", default="", metavar="PARTS",
                   help="drillbot with parts switched off, to count their cost: verify (the verifying "
                        "middleware), sleep (the pause after the ack), comma-separated")
    args: Any = p.parse_args()
    asyncio.run(main(args))


if __name__ == "__main__":
    cli()
