"""Benchmark: the daily broadcast to 500 Slack channels under a per-channel limit of 1 message/s.

500 channels are scheduled for the same minute; every post job fires at once
(as APScheduler does), then every round is closed at once (message update plus
the summary in the thread: two more writes per channel within the same second).
The fake Slack answers 429 + Retry-After to a second write to a channel within
1 s, and optionally caps the workspace at --workspace-rate writes/s.

    python bench/slack_broadcast.py [--channels 500] [--workspace-rate 0]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sqlalchemy import text  # noqa: E402

from adapters.slack import Secrets, SlackRunner  # noqa: E402
from bot.clock import FakeClock  # noqa: E402
from bot.config import Config, Settings, SlackSection, bundled_content  # noqa: E402
from bot.members.identity import Place  # noqa: E402
from bot.runtime import service as svc  # noqa: E402
from bot.runtime.builder import build  # noqa: E402
from bot.runtime.service import post_job  # noqa: E402
from tests.slack.fake_slack import TEAM, FakeSlack  # noqa: E402


async def main(channels: int, workspace_rate: float, interval: float) -> None:
    fake = FakeSlack()
    await fake.start()
    fake.channel_interval = 1.0
    fake.workspace_rate = workspace_rate
    clock = FakeClock(datetime(2026, 11, 16, 8, 0, tzinfo=UTC))
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(slack=SlackSection(mode="http", host="127.0.0.1", port=0, api_base_url=fake.api_url,
                                               post_interval=interval))
        app = build(Config(settings, None, bundled_content(), f"sqlite:///{Path(tmp) / 'b.db'}"), clock=clock)
        runner = SlackRunner(app, Secrets(bot_token="xoxb-bot", signing_secret="s"))
        await runner.start()
        for i in range(channels):
            await app.engine.schedules.set(Place("slack", TEAM, f"C{i:05d}"), time_of_day="09:00", timezone="UTC",
                                          window_minutes=60)
        clock.set(datetime(2026, 11, 16, 9, 0, tzinfo=UTC))
        ids = [s.channel_id for s in await app.engine.schedules.active()]
        t0 = time.perf_counter()
        svc._SERVICES[app.service.key] = app.service  # what service.start() does, without its serial catch-up
        await asyncio.gather(*(post_job(app.service.key, cid) for cid in ids))
        posted = time.perf_counter() - t0
        open_rounds = [rid for rid, _ in await app.engine.rounds.open_ids()]
        clock.set(datetime(2026, 11, 16, 10, 1, tzinfo=UTC))
        t1 = time.perf_counter()
        await asyncio.gather(*(app.engine.rounds.close(rid) for rid in open_rounds))
        closed = time.perf_counter() - t1
        held = [m for i in range(channels) for m in fake.messages(f"C{i:05d}")]
        ok_posts = sum(1 for m in held if not m.get("thread_ts"))
        thread = sum(1 for m in held if m.get("thread_ts"))
        revealed = sum(1 for i in range(channels) for m in fake.messages(f"C{i:05d}")
                       if "Closed" in str(m.get("blocks")))
        states = await app.engine.core.tx(lambda s: {state: n for state, n in s.execute(
            text("SELECT post_state, COUNT(*) FROM rounds GROUP BY post_state"))})
        svc._SERVICES.pop(app.service.key, None)
        await runner.stop()
        app.close()
    await fake.stop()
    print(f"{channels} channels, 1 msg/s per channel, workspace cap {workspace_rate or 'none'}/s, "
          f"post_interval {interval}s")
    print(f"  posts: {len(open_rounds)} rounds opened, {ok_posts} questions posted in {posted:.2f} s; "
          f"round states {states}")
    print(f"  close: {revealed} posts updated with the answer, {thread} summaries in threads, in {closed:.2f} s")
    print(f"  429s answered by the fake: {fake.rate_limited} (all retried by slack-sdk's handler); "
          f"Web API calls {len(fake.calls)}")
    lost = len(open_rounds) - revealed + (len(open_rounds) - thread)
    print(f"  lost: {lost}")


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--channels", type=int, default=500)
    ap.add_argument("--workspace-rate", type=float, default=0.0)
    ap.add_argument("--interval", type=float, default=1.0)
    a = ap.parse_args()
    asyncio.run(main(a.channels, a.workspace_rate, a.interval))
