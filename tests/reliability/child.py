"""``python -m tests.reliability.child``: the real Discord bot against a fake Discord, until killed.

The parent test (or bench/reliability.py) runs the fake in its own process and kills this
child with SIGKILL at random points of a broadcast.  Settings come from the environment:
DRILLBOT_CHILD_DB, DRILLBOT_CHILD_API, DRILLBOT_CHILD_GATEWAY, DRILLBOT_CHILD_STATE and the
optional DRILLBOT_CHILD_RATE, DRILLBOT_CHILD_SWEEP, DRILLBOT_CHILD_THREADS.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from pathlib import Path

from adapters.discord import DiscordRunner
from bot.config import Config, DiscordSection, RoundsSection, Settings
from bot.runtime.builder import build

SAMPLE = Path(__file__).resolve().parent.parent / "fixtures" / "packs"


async def main() -> None:
    env = os.environ
    settings = Settings(
        rounds=RoundsSection(sweep_seconds=float(env.get("DRILLBOT_CHILD_SWEEP", "0.3"))),
        discord=DiscordSection(api_base_url=env["DRILLBOT_CHILD_API"], gateway_url=env["DRILLBOT_CHILD_GATEWAY"],
                               broadcast_rate=float(env.get("DRILLBOT_CHILD_RATE", "48")),
                               threads=env.get("DRILLBOT_CHILD_THREADS", "0") == "1"))
    app = build(Config(settings, None, SAMPLE, env["DRILLBOT_CHILD_DB"]), key=f"child-{os.getpid()}")
    runner = DiscordRunner(app, token="test-token", state_dir=Path(env["DRILLBOT_CHILD_STATE"]),
                           count_delay=0.05, guild_ready_timeout=0.05, identify_interval=0)
    app.service.add_poster(runner.poster)
    await runner.start()
    print("ready", flush=True)
    await app.service.start()
    print("caught-up", flush=True)
    await asyncio.Event().wait()  # until killed


if __name__ == "__main__":
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(main())
