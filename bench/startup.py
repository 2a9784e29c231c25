"""Benchmark: `drillbot content check` on the full pack, and start-up to a ready console.

Both are timed as whole processes (interpreter start included), the way a user
meets them, over several runs on a fresh and on an existing database.

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(ROOT)}
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DRILLBOT_DATABASE_URL", "DRILLBOT_CONFIG"):
        e.pop(var, None)
    return e


def content_check() -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot.runtime.cli", "content", "check", str(ROOT / "content")],
                   check=True, capture_output=True, env=env())
    return time.perf_counter() - t0


def console_ready(db: Path) -> float:
    """From process start until the console has answered its first command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "bot.runtime.cli", "console", "--user", "bench", "--db", str(db)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env(), text=True, cwd=ROOT)
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("help\n")
    proc.stdin.flush()
    first = proc.stdout.readline()
    elapsed = time.perf_counter() - t0
    proc.stdin.close()
    proc.wait(timeout=30)
    assert first.startswith("── Commands"), first
    return elapsed


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    checks = [content_check() for _ in range(args.runs)]
    with tempfile.TemporaryDirectory() as d:
        fresh = [console_ready(Path(d) / f"fresh{i}.db") for i in range(args.runs)]
        existing = [console_ready(Path(d) / "fresh0.db") for _ in range(args.runs)]
    for name, xs in (("drillbot content check (266 questions)", checks),
                     ("console ready, new database (migrations run)", fresh),
                     ("console ready, existing database", existing)):
        print(f"{name}: median {1000 * statistics.median(xs):.0f} ms, max {1000 * max(xs):.0f} ms "
              f"({args.runs} runs)")


if __name__ == "__main__":
    main()
