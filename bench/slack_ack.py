"""Benchmark: time to ack for 200 members at once, drillbot vs a minimal slack-bolt app (HTTP mode).

The two apps run in one child process (the bot on a fresh SQLite database
with the full Flask pack); this process is Slack: it holds the fake Web API
and response_url receiver and sends correctly signed requests, 200 at once,
alternating between the apps over several rounds.  Reported: p50/p99 from
sending a request to receiving Slack's HTTP 200, and the bot/minimal ratio.

    python bench/slack_ack.py [--members 200] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.slack.fake_slack import FakeSlack, action_payload, command_body, form, sign  # noqa: E402

SECRET = "bench-secret"


# -- the servers (child process) ----------------------------------------------------------------

async def serve(api: str, db: str) -> None:
    from aiohttp import web
    from slack_bolt.app.async_server import AsyncSlackAppServer
    from slack_bolt.async_app import AsyncApp

    from adapters.slack import Secrets, SlackRunner
    from adapters.slack.poster import make_client
    from bot.config import Config, Settings, SlackSection, bundled_content
    from bot.runtime.builder import build, tune_runtime

    # The minimal app: a few lines answering the same command with an ephemeral message and buttons.
    minimal = AsyncApp(client=make_client("xoxb-min", api), signing_secret=SECRET)

    @minimal.command("/flask-quiz")
    async def quiz(ack):  # type: ignore[no-untyped-def]
        await ack(text="A question", blocks=[
            {"type": "section", "text": {"type": "mrkdwn", "text": "What does Flask answer?"}},
            {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": x},
                                              "action_id": f"practice_choice_{i}", "value": f"q|{i}"}
                                             for i, x in enumerate("ABCD")]}])

    @minimal.action("practice_choice_0")
    async def click(ack, respond):  # type: ignore[no-untyped-def]
        await ack()
        await respond(text="Correct!", replace_original=False)

    site = web.AppRunner(AsyncSlackAppServer(port=0, path="/slack/events", app=minimal, host="127.0.0.1").web_app,
                         access_log=None)
    await site.setup()
    await web.TCPSite(site, "127.0.0.1", 0).start()

    settings = Settings(slack=SlackSection(mode="http", host="127.0.0.1", port=0, api_base_url=api))
    app = build(Config(settings, None, bundled_content(), f"sqlite:///{db}"))
    runner = SlackRunner(app, Secrets(bot_token="xoxb-bot", signing_secret=SECRET))
    await runner.start()
    await app.service.start()
    tune_runtime()
    print(json.dumps({"minimal": site.addresses[0][1], "bot": runner.port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)  # until the parent closes stdin
    await app.service.stop()
    await runner.stop()
    await site.cleanup()
    app.close()


# -- Slack (this process) -----------------------------------------------------------------------

async def send(session: aiohttp.ClientSession, port: int, body: str) -> float:
    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(SECRET, body, ts)}
    t0 = time.perf_counter()
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as r:
        await r.read()
        assert r.status == 200, r.status
    return time.perf_counter() - t0


def command(fake: FakeSlack, user: str) -> str:
    return form(command_body(user=user, response_url=fake.response_url(), text=""))


def click(fake: FakeSlack, user: str, qid: str) -> str:
    button = {"type": "button", "action_id": "practice_choice_0", "block_id": "b", "value": f"{qid}|0",
              "text": {"type": "plain_text", "text": "A"}}
    payload = action_payload(user=user, action=button, message={"ts": "1.2", "blocks": []}, channel="C0GENERAL",
                             response_url=fake.response_url(), ephemeral=True)
    return form({"payload": json.dumps(payload)})


async def burst(session: aiohttp.ClientSession, port: int, bodies: list[str]) -> list[float]:
    return list(await asyncio.gather(*(send(session, port, b) for b in bodies)))


def pct(xs: list[float], p: float) -> float:
    return 1000 * sorted(xs)[min(len(xs) - 1, int(p * len(xs)))]


async def main(members: int, rounds: int) -> None:
    fake = FakeSlack()
    await fake.start()
    with tempfile.TemporaryDirectory() as tmp:
        child = subprocess.Popen([sys.executable, __file__, "--serve", fake.api_url, str(Path(tmp) / "b.db")],
                                 stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
        assert child.stdout is not None and child.stdin is not None
        ports = json.loads(await asyncio.get_running_loop().run_in_executor(None, child.stdout.readline))
        users = [f"U{uuid.uuid4().hex[:8].upper()}" for _ in range(members)]
        conn = aiohttp.TCPConnector(limit=0)
        samples: dict[tuple[str, str], list[float]] = {}
        async with aiohttp.ClientSession(connector=conn) as session:
            for name in ("minimal", "bot"):  # warm-up: auth.test, accounts, connections
                await burst(session, ports[name], [command(fake, u) for u in users])
            await asyncio.sleep(1.0)
            for _ in range(rounds):
                for name in ("minimal", "bot"):
                    got = await burst(session, ports[name], [command(fake, u) for u in users])
                    samples.setdefault((name, "command"), []).extend(got)
                    await asyncio.sleep(0.5)  # let the bot's work after the ack finish
                    clicks = [click(fake, u, "routing-default-methods-post") for u in users]
                    got = await burst(session, ports[name], clicks)
                    samples.setdefault((name, "button"), []).extend(got)
                    await asyncio.sleep(0.5)
        child.stdin.close()
        child.wait(timeout=30)
    await fake.stop()
    print(f"{members} members at once, {rounds} rounds, HTTP mode, signed requests; ms from send to HTTP 200")
    for kind in ("command", "button"):
        m, b = samples[("minimal", kind)], samples[("bot", kind)]
        print(f"  {kind:<8} minimal p50 {pct(m, .5):6.1f} p99 {pct(m, .99):6.1f} | "
              f"bot p50 {pct(b, .5):6.1f} p99 {pct(b, .99):6.1f} | p99 ratio {pct(b, .99) / pct(m, .99):.2f}"
              f" (mean ratio {statistics.mean(b) / statistics.mean(m):.2f})")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--serve":
        asyncio.run(serve(sys.argv[2], sys.argv[3]))
    else:
        ap = argparse.ArgumentParser()
        ap.add_argument("--members", type=int, default=200)
        ap.add_argument("--rounds", type=int, default=5)
        a = ap.parse_args()
        asyncio.run(main(a.members, a.rounds))
