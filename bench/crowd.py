"""Benchmark: a crowd asking for practice questions at once, drillbot vs a bare bot, burst by burst.

Discord: drillbot (a real ``drillbot run`` process) and bench/discord_minimal_bot.py run at once,
each on its own fake Discord, and take turns, row by row and round by round, so a slow spell of
this shared machine lands on both.  Rows:

- ``new``:       N members never seen before type ``/flask-quiz`` at once (new ids every round);
- ``returning``: N members, each with a few hundred answers and cards in the database, type it;
- ``daily``:     N clicks on a daily question's answer button (a new post every round);
- ``live``:      N clicks on a live quiz question's answer button (the admin's quiz, a question per
  round; not in the default rows: ``--rows live``).

Latency is from the gateway frame to the interaction callback at the fake.

Slack (HTTP mode): drillbot's Slack runner and a minimal slack-bolt app run as two child
processes against one fake Slack; rows ``new``/``returning`` send ``/flask-quiz`` and ``answer``
clicks a practice question's first choice.  Latency is from sending the signed request to the
ephemeral reply's ARRIVAL at the fake's response_url (both apps ack first, then post there; the
minimal app posts through one shared HTTP session, as drillbot does).

Verdict per row: the median over rounds of (drillbot p99 / minimal p99); CPU per request of each
process is read from /proc, in all and split by thread (the event loop's user and system time, and
all other threads').

Slack's served apps take experiments from the environment: ``BENCH_ABLATE=verify,sleep,gc,names``
switches drillbot's verifying middleware, its pause after the ack, the garbage collector or the display-name
lookups off;
``BENCH_GC_THRESHOLD=10000,10,10`` sets the collector's thresholds; ``BENCH_GC_STATS=1`` prints its
collections per generation and their time when drillbot exits.

``--pin`` puts the driver (this process, with the fakes) on the first CPU and both bots on the
second: the bots take turns, so each has that CPU to itself in its turn.  On this 2-core machine
it steadied the bare bot's p99 but not drillbot's, whose database thread then shares the bot's
CPU, and the same code still measured 1.5-1.7 in one run and 1.0-1.3 in another; so it is off by
default, and figures say which way they were taken.

    python bench/crowd.py discord [--members 200] [--rounds 7] [--database URL]
    python bench/crowd.py slack   [--members 200] [--rounds 7] [--database URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.discord_bench import ADMIN, _config, _env, cpu_s, minimal, pct, settle, stat_times, stop  # noqa: E402
from tests.discord.fake_discord import FakeDiscord, Sent, buttons, opt, sub, user  # noqa: E402

RETURNING_BASE = 500_000  # Discord user ids of the seeded members
NEW_BASE = 1_000_000


# -- placement --------------------------------------------------------------------------------------

DRIVER_CPU, BOT_CPU = 0, 1


def pinning(args: argparse.Namespace) -> bool:
    """Whether to pin (decided once, before this process pins itself)."""
    return bool(args.pin) and {DRIVER_CPU, BOT_CPU} <= os.sched_getaffinity(0)


def placement(args: argparse.Namespace) -> str:
    return f"driver on CPU {DRIVER_CPU}, bots on CPU {BOT_CPU}" if args.pin else "not pinned"


def pin(proc: subprocess.Popen[Any], cpu: int) -> None:
    """Every thread of ``proc`` (and so those it starts later) to ``cpu``."""
    for task in Path(f"/proc/{proc.pid}/task").iterdir():
        with contextlib.suppress(ProcessLookupError):
            os.sched_setaffinity(int(task.name), {cpu})


# -- seeding returning members -------------------------------------------------------------------

def seed(url: str, platform: str, users: list[tuple[str, str]], *, cards: int = 250, answers: int = 300) -> None:
    """Accounts with ``answers`` practice answers and ``cards`` FSRS cards each; half of them have
    reviews due now, the others only reviews due later (so they are given new questions)."""
    import fsrs
    from sqlalchemy import insert

    from bot.config import bundled_content
    from bot.content import load_library
    from bot.storage.db import Database
    from bot.storage.models import Account, Card, PracticeAnswer

    library, _ = load_library(bundled_content())
    qs = library.questions
    db = Database(url)
    db.upgrade()
    now = datetime.now(UTC)
    rng = random.Random(7)
    with db.session() as s, s.begin():
        s.execute(insert(Account), [{"platform": platform, "external_id": u, "display_name": n} for u, n in users])
    with db.session() as s, s.begin():
        ids = dict(s.execute(
            Account.__table__.select().with_only_columns(Account.external_id, Account.id)
            .where(Account.platform == platform)).all())
        card_rows, answer_rows = [], []
        for k, (u, _n) in enumerate(users):
            aid = ids[u]
            for q in rng.sample(qs, cards):
                due = now + timedelta(days=rng.uniform(1, 30))
                if k % 2 == 0 and rng.random() < 0.05:
                    due = now - timedelta(hours=rng.uniform(1, 48))
                card = fsrs.Card(card_id=aid, due=due)
                card_rows.append({"account_id": aid, "question_id": q.id, "due": due, "state": card.to_json(),
                                  "previous": None, "reviewed_at": now - timedelta(days=rng.uniform(1, 60))})
            for _ in range(answers):
                q = rng.choice(qs)
                answer_rows.append({"account_id": aid, "question_id": q.id, "topic": q.topic,
                                    "correct": rng.random() < 0.6, "answered_at": now - timedelta(days=40),
                                    "text": None})
        s.execute(insert(Card), card_rows)
        s.execute(insert(PracticeAnswer), answer_rows)
    db.close()


# -- rows and rounds -------------------------------------------------------------------------------

def split_cpu(pid: int) -> dict[str, float]:
    """CPU seconds the process has used so far, split four ways: user and system time of its main
    thread (the event loop) and of all its other threads together; and the main thread's context
    switches (``wakeups``: it slept and was woken; ``preempted``: the scheduler took the CPU away)."""
    out = dict.fromkeys(("main user", "main sys", "others user", "others sys", "main wakeups", "main preempted"),
                        0.0)
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            user, system = stat_times(task / "stat")
            status = (task / "status").read_text() if int(task.name) == pid else ""
        except OSError:  # the thread ended meanwhile
            continue
        who = "main" if int(task.name) == pid else "others"
        out[f"{who} user"] += user
        out[f"{who} sys"] += system
        for line in status.splitlines():
            if line.startswith("voluntary_ctxt_switches:"):
                out["main wakeups"] += int(line.split()[1])
            elif line.startswith("nonvoluntary_ctxt_switches:"):
                out["main preempted"] += int(line.split()[1])
    return out


def since(before: dict[str, float], pid: int) -> dict[str, float]:
    return {k: v - before[k] for k, v in split_cpu(pid).items()}


class Row:
    def __init__(self, name: str) -> None:
        self.name = name
        self.rounds: list[tuple[list[float], list[float]]] = []
        self.cpu = {"drillbot": 0.0, "minimal": 0.0}
        self.n = 0
        self.first: tuple[list[float], list[float]] | None = None  # the cold burst (not in the verdict)
        self.split: dict[str, dict[str, float]] = {"drillbot": {}, "minimal": {}}  # CPU s by thread

    def report(self) -> str:
        b = [x for r in self.rounds for x in r[0]]
        m = [x for r in self.rounds for x in r[1]]
        ratios = [pct(rb, 99) / pct(rm, 99) for rb, rm in self.rounds]
        per = {k: 1000 * v / max(1, self.n) for k, v in self.cpu.items()}
        lines = [f"  {self.name:<10} drillbot p50 {pct(b, 50):6.1f} p99 {pct(b, 99):6.1f} | minimal p50 "
                 f"{pct(m, 50):6.1f} p99 {pct(m, 99):6.1f} | p99 ratio median {statistics.median(ratios):.2f} "
                 f"(rounds {min(ratios):.2f}-{max(ratios):.2f}; drillbot first {_median(ratios[0::2])}, second "
                 f"{_median(ratios[1::2])}) | CPU/request drillbot {per['drillbot']:.2f} ms "
                 f"minimal {per['minimal']:.2f} ms"]
        for bot, split in self.split.items():
            if split:
                lines.append(f"  {'':<10} {bot} CPU/request by thread (ms): " + ", ".join(
                    f"{k} {1000 * v / max(1, self.n):.2f}" for k, v in split.items() if "main " not in k
                    or k.endswith(("user", "sys"))) + "; main thread per request: " + ", ".join(
                    f"{k.split()[1]} {v / max(1, self.n):.2f}" for k, v in split.items()
                    if k.endswith(("wakeups", "preempted"))))
        if self.first is not None:
            fb, fm = self.first
            lines.append(f"  {'':<10} first burst (cold caches): drillbot p99 {pct(fb, 99):6.1f}, "
                         f"minimal p99 {pct(fm, 99):6.1f}")
        return "\n".join(lines)


def _median(values: list[float]) -> str:
    return f"{statistics.median(values):.2f}" if values else "-"


async def take_turns(rows: dict[str, Row], rounds: int,
                     burst: Callable[[str, str, int], Awaitable[tuple[list[float], float, dict[str, float]]]],
                     *, warm: Callable[[], object] = lambda: None) -> None:
    """``burst(row, bot, round)`` -> (latencies ms, CPU s, CPU s by thread: ``split_cpu``'s difference);
    round -1 is the cold first burst, after which ``warm()`` is called.  Who goes first alternates
    round by round, so a cost of going first or second (the driver's state, a cache the other bot
    just cooled) lands on both alike."""
    for name, row in rows.items():
        row.first = ((await burst(name, "drillbot", -1))[0], (await burst(name, "minimal", -1))[0])
    warm()
    for r in range(rounds):
        for name, row in rows.items():
            got = {}
            for bot in ("drillbot", "minimal") if r % 2 == 0 else ("minimal", "drillbot"):
                got[bot] = await burst(name, bot, r)
            (b, b_cpu, b_split), (m, m_cpu, m_split) = got["drillbot"], got["minimal"]
            row.rounds.append((b, m))
            row.cpu["drillbot"] += b_cpu
            row.cpu["minimal"] += m_cpu
            for bot, split in (("drillbot", b_split), ("minimal", m_split)):
                for k, v in split.items():
                    row.split[bot][k] = row.split[bot].get(k, 0.0) + v
            row.n += len(b)


# -- Discord ---------------------------------------------------------------------------------------

async def discord(args: argparse.Namespace) -> None:
    fake, yard = FakeDiscord(guilds=1, channels_per_guild=1), FakeDiscord(guilds=1, channels_per_guild=1)
    for f in (fake, yard):
        await f.start()
    rows = {name: Row(name) for name in args.rows.split(",")}
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        url = args.database or f"sqlite:///{tmp / 'bench.db'}"
        returning = [(str(RETURNING_BASE + i), f"r{i}") for i in range(args.members)]
        if "returning" in rows:
            seed(url, "discord", returning)
        cfg = _config(tmp, fake)
        cfg.write_text(cfg.read_text().replace(f'sqlite:///{tmp / "bench.db"}', url))
        wrap = [str(ROOT / "bench" / "profiled.py"), args.profile] if args.profile else []
        bot = subprocess.Popen([sys.executable, *wrap, "-m", "bot.runtime.cli", "run", "--config", str(cfg)],
                               env=_env(fake), cwd=tmp, stdout=subprocess.DEVNULL, stderr=open(tmp / "bot.log", "wb"))  # noqa: SIM115
        mini = minimal(tmp, yard)
        procs = {"drillbot": bot, "minimal": mini}
        if args.pin:
            for proc in procs.values():
                pin(proc, BOT_CPU)
        try:
            await fake.wait_for(lambda: fake.commands.get("global") and fake.sessions, timeout=60)
            await yard.wait_for(lambda: yard.sessions, timeout=60)
            while True:  # ready: an admin command answered
                if bot.poll() is not None:
                    sys.exit(f"drillbot exited ({bot.returncode}) before it was ready:\n"
                             + (tmp / "bot.log").read_text()[-3000:])
                sent = await fake.slash("flask-admin", sub("show"), who=ADMIN, admin=True)
                try:
                    await fake.callback(sent, timeout=2)
                    break
                except TimeoutError:
                    pass
            ch = fake.guilds[0]["channels"][0]["id"]
            seen: set[str] = set()

            async def admin_says(what: str) -> None:
                sent = await fake.slash("flask-admin", sub(what), who=ADMIN, admin=True)
                await fake.wait_for(lambda: fake.sent("POST", rf"/webhooks/\d+/{sent.token}"), timeout=30)

            async def new_post() -> tuple[dict[str, Any], str]:
                while True:  # a multiple-choice daily question (open ones take a form)
                    await admin_says("close")
                    await admin_says("post-now")
                    post = dict((await fake.wait_for(lambda: [
                        m for m in fake.messages.values() if m["channel_id"] == ch and m["id"] not in seen
                        and any(v.startswith(("drill:a:r", "drill:o:r")) for v in buttons(m).values())],
                        timeout=30))[0])
                    seen.add(post["id"])
                    if "Answer" not in buttons(post):
                        return post, next(v for v in buttons(post).values() if v.startswith("drill:a:r"))

            posts: dict[int, tuple[dict[str, Any], str]] = {}
            answered: list[str] = []
            live: dict[str, Any] = {}
            questions_by_round: dict[int, tuple[dict[str, Any], str]] = {}

            async def live_question(r: int) -> tuple[dict[str, Any], str]:
                """Question r+1 of the live quiz the admin started (one question per round)."""
                if not live:
                    await fake.slash("flask-live", opt("count", args.rounds + 1, 4), opt("seconds", 300, 4),
                                     who=ADMIN, admin=True)
                    lobby = (await fake.wait_for(lambda: [m for m in fake.messages.values() if m["channel_id"] == ch
                                                          and "Join" in buttons(m)], timeout=30))[0]
                    live["thread"] = (await fake.wait_for(lambda: fake.threads.get(lobby["id"]), timeout=30))["id"]
                    await fake.click(lobby, buttons(lobby)["Start"], who=ADMIN, admin=True)
                title = f"Question {r + 2} of "  # round -1 (the cold burst) is question 1
                q = (await fake.wait_for(lambda: [
                    m for m in fake.messages.values() if m["channel_id"] == live["thread"] and m["embeds"]
                    and str(m["embeds"][0].get("title", "")).startswith(title) and "Stop" in buttons(m)],
                    timeout=60))[0]
                return dict(q), next(iter(buttons(q).values()))  # the first option (A, or True)

            async def burst(row: str, which: str, r: int) -> tuple[list[float], float, dict[str, float]]:
                on = fake if which == "drillbot" else yard
                proc = procs[which]
                if row == "daily" and r not in posts:  # whichever bot goes first this round
                    posts[r] = await new_post()
                if row == "live" and r not in questions_by_round:
                    questions_by_round[r] = await live_question(r)
                if row == "new":
                    people = [user(NEW_BASE + (r + 1) * 10_000 + i, f"n{r}-{i}") for i in range(args.members)]
                elif row == "returning":
                    people = [user(int(u), n) for u, n in returning]
                else:
                    people = [user(RETURNING_BASE + i, f"r{i}") for i in range(args.members)]

                async def one(who: dict[str, Any]) -> Sent:
                    if row == "daily":
                        return await on.click(posts[r][0], posts[r][1], who=who)
                    if row == "live":
                        return await on.click(questions_by_round[r][0], questions_by_round[r][1], who=who)
                    if which == "drillbot":
                        return await on.slash("flask-quiz", who=who)
                    return await on.interact(2, {"id": "1", "name": "quiz", "type": 1, "options": []}, who=who)

                await settle(bot, mini)
                before, split = cpu_s(proc.pid), split_cpu(proc.pid)
                sents = [await one(w) for w in people]
                await on.wait_for(lambda: all(s.id in on.callbacks for s in sents), timeout=120)
                lat = [1000 * (on.callbacks[s.id][0].at - s.sent_at) for s in sents]
                if row == "live" and which == "drillbot":  # the admin answers too: everyone has, the question ends
                    await on.click(questions_by_round[r][0], questions_by_round[r][1], who=ADMIN, admin=True)
                if which == "drillbot":
                    answered.extend(str((on.callbacks[s.id][0].body.get("data") or {}).get("embeds", [{}])[0]
                                        .get("footer", {}).get("text", "")) for s in sents
                                    if row not in ("daily", "live"))
                return lat, cpu_s(proc.pid) - before, since(split, proc.pid)

            await take_turns(rows, args.rounds, burst)
            questions = sum(1 for a in answered if a)
        finally:
            stop(bot)
            stop(mini)
    for f in (fake, yard):
        await f.close()
    print(f"Discord: INTERACTION_CREATE -> callback, {args.members} at once, {args.rounds} rounds taking turns "
          f"(ms); database {'PostgreSQL' if args.database else 'SQLite'}; {questions} questions served; "
          f"{placement(args)}")
    for row in rows.values():
        print(row.report())


# -- Slack -----------------------------------------------------------------------------------------

SECRET = "bench-secret"


def slack_requests(row: str, users: list[str], responses_url: str) -> list[tuple[str, str]]:
    """(response_url id, signed-to-be form body) per member: ``/flask-quiz``, or for row ``answer`` a
    click on a practice question's first choice; each reply is to come to its own response_url."""
    from tests.slack.fake_slack import action_payload, command_body, form

    out = []
    for u in users:
        rid = uuid.uuid4().hex[:12]
        response_url = f"{responses_url}/response/{rid}"
        if row == "answer":
            button = {"type": "button", "action_id": "practice_choice_0", "block_id": "b",
                      "value": "routing-default-methods-post|0", "text": {"type": "plain_text", "text": "A"}}
            payload = action_payload(user=u, action=button, message={"ts": "1.2", "blocks": []},
                                     channel="C0GENERAL", response_url=response_url, ephemeral=True)
            out.append((rid, form({"payload": json.dumps(payload)})))
        else:
            out.append((rid, form(command_body(user=u, response_url=response_url, text=""))))
    return out


async def post_signed(session: Any, port: int, body: str) -> None:
    """POST ``body`` to an app's events path, signed as Slack signs it now; it must answer 200."""
    from tests.slack.fake_slack import sign

    ts = str(int(time.time()))
    headers = {"Content-Type": "application/x-www-form-urlencoded", "X-Slack-Request-Timestamp": ts,
               "X-Slack-Signature": sign(SECRET, body, ts)}
    async with session.post(f"http://127.0.0.1:{port}/slack/events", data=body.encode(), headers=headers) as r:
        await r.read()
        assert r.status == 200, r.status


CPROFILE = "BENCH_CPROFILE"  # --cprofile: where a served app writes its profile of the measured rounds


@contextlib.contextmanager
def profiled_after_signal() -> Iterator[None]:
    """With ``BENCH_CPROFILE`` set, profile from the first SIGUSR1 (the driver sends it once the cold
    bursts are over, so start-up and first-use costs stay out) to the end, and write it there."""
    path = os.environ.get(CPROFILE)
    if not path:
        yield
        return
    import cProfile

    profile = cProfile.Profile()
    signal.signal(signal.SIGUSR1, lambda *_: profile.enable())
    try:
        yield
    finally:
        profile.disable()
        profile.dump_stats(path)


async def serve_minimal(api: str) -> None:
    import aiohttp
    from aiohttp import web
    from slack_bolt.app.async_server import AsyncSlackAppServer
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.webhook.async_client import AsyncWebhookClient

    from adapters.slack.poster import make_client

    app = AsyncApp(client=make_client("xoxb-min", api), signing_secret=SECRET)
    session = aiohttp.ClientSession()
    blocks = [{"type": "section", "text": {"type": "mrkdwn", "text": "What does Flask answer?"}},
              {"type": "actions", "elements": [{"type": "button", "text": {"type": "plain_text", "text": x},
                                                "action_id": f"practice_choice_{i}", "value": f"q|{i}"}
                                               for i, x in enumerate("ABCD")]}]

    async def say(respond: Any, **kw: Any) -> None:
        await AsyncWebhookClient(respond.response_url, session=session).send(
            response_type="ephemeral", replace_original=False, **kw)

    @app.command("/flask-quiz")
    async def quiz(ack, respond):  # type: ignore[no-untyped-def]
        await ack()
        await say(respond, text="A question", blocks=blocks)

    @app.action("practice_choice_0")
    async def click(ack, respond):  # type: ignore[no-untyped-def]
        await ack()
        await say(respond, text="Correct!")

    site = web.AppRunner(AsyncSlackAppServer(port=0, path="/slack/events", app=app, host="127.0.0.1").web_app,
                         access_log=None)
    await site.setup()
    await web.TCPSite(site, "127.0.0.1", 0).start()
    like = like_drillbot(set(os.environ.get("BENCH_MINIMAL", "").split(",")))
    print(json.dumps({"port": site.addresses[0][1]}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    if like is not None:
        like.close()
    await site.cleanup()
    await session.close()


def like_drillbot(parts: set[str]) -> Any:
    """``BENCH_MINIMAL=heap,tune,switch``: give the bare app a part of drillbot's process, to find what
    makes the same library calls cost more there: ``heap`` builds (and keeps, unused) a whole drillbot
    app, content pack, database engine and all; ``tune`` applies ``tune_runtime``; ``switch`` only
    its 1 ms GIL switch interval."""
    kept = None
    if "heap" in parts:
        from bot.config import Config, Settings, bundled_content
        from bot.runtime.builder import build

        kept = build(Config(Settings(), None, bundled_content(),
                            f"sqlite:///{tempfile.mkdtemp()}/heap.db"))
    if "tune" in parts:
        from bot.runtime.builder import tune_runtime
        tune_runtime()
    if "switch" in parts:
        sys.setswitchinterval(0.001)
    return kept


def collector_experiments(ablate: set[str]) -> None:
    """``BENCH_ABLATE=gc``: no garbage collection at all (what the collector costs a burst);
    ``BENCH_GC_THRESHOLD=a,b,c``: other thresholds; ``BENCH_GC_STATS=1``: collections per generation and
    their time, printed when the process exits."""
    import atexit
    import gc

    if "gc" in ablate:
        gc.disable()
    if os.environ.get("BENCH_GC_THRESHOLD"):
        gc.set_threshold(*map(int, os.environ["BENCH_GC_THRESHOLD"].split(",")))
    if not os.environ.get("BENCH_GC_STATS"):
        return
    spent: dict[int, list[float]] = {0: [0, 0.0], 1: [0, 0.0], 2: [0, 0.0]}
    began = [0.0]

    def timing(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            began[0] = time.perf_counter()
        else:
            spent[info["generation"]][0] += 1
            spent[info["generation"]][1] += time.perf_counter() - began[0]
    gc.callbacks.append(timing)
    atexit.register(lambda: print(f"gc: {spent}", file=sys.stderr))


async def serve_bot(api: str, db: str) -> None:
    from adapters.slack import Secrets, SlackRunner
    from bot.config import Config, Settings, SlackSection, bundled_content
    from bot.runtime.builder import build, tune_runtime

    settings = Settings(slack=SlackSection(mode="http", host="127.0.0.1", port=0, api_base_url=api))
    app = build(Config(settings, None, bundled_content(), db))
    runner = SlackRunner(app, Secrets(bot_token="xoxb-bot", signing_secret=SECRET))
    slow = float(os.environ.get("BENCH_SLOWDOWN", "1"))  # bench/instructions.py: callgrind's slowdown
    if slow != 1:
        # Timers run in real time under callgrind, the program ~50x slower: the display-name
        # lookups, which wait for the crowd to calm, would otherwise start during the burst.
        from adapters.slack import names
        names.LONGEST *= slow
        runner.handlers.names.pause *= slow
    # bench/instructions.py --ablate: switch a part off to count what it costs
    ablate = set(os.environ.get("BENCH_ABLATE", "").split(","))
    if "verify" in ablate:
        from aiohttp import web

        from adapters.slack import verify

        @web.middleware
        async def passthrough(request: Any, handler: Any) -> Any:
            return await handler(request)
        verify.middleware = lambda *a: passthrough  # type: ignore[assignment]
    if "sleep" in ablate:
        from adapters.slack import handlers
        handlers.AFTER_ACK = 0
    if "names" in ablate:  # no display-name lookups after a newcomer's reply
        runner.handlers.names.now = lambda client, member: member  # type: ignore[method-assign]
    await runner.start()
    await app.service.start()
    tune_runtime()
    if os.environ.get("BENCH_SWITCH"):
        sys.setswitchinterval(float(os.environ["BENCH_SWITCH"]))
    collector_experiments(ablate)
    print(json.dumps({"port": runner.port}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await app.service.stop()
    await runner.stop()
    app.close()


async def slack(args: argparse.Namespace) -> None:
    import aiohttp

    from tests.slack.fake_slack import FakeSlack

    fake = FakeSlack()
    await fake.start()
    rows = {name: Row(name) for name in args.rows.split(",")}
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database or f"sqlite:///{Path(tmp) / 'b.db'}"
        returning = [(f"UR{i:07d}", f"r{i}") for i in range(args.members)]
        if "returning" in rows:
            seed(url, "slack", returning)
        env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore"}
        wrap = [str(ROOT / "bench" / "profiled.py"), args.profile] if args.profile else []
        profiled = {name: {CPROFILE: f"{args.cprofile}.{name}"} if args.cprofile else {}
                    for name in ("minimal", "drillbot")}
        children = {
            "minimal": subprocess.Popen([sys.executable, __file__, "--serve-minimal", fake.api_url],
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                        env=env | profiled["minimal"]),
            "drillbot": subprocess.Popen([sys.executable, *wrap, __file__, "--serve-bot", fake.api_url, url],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT,
                                         env=env | profiled["drillbot"])}
        ports = {}
        for name, child in children.items():
            assert child.stdout is not None
            ports[name] = json.loads(await asyncio.get_running_loop().run_in_executor(
                None, child.stdout.readline))["port"]
        if args.pin:
            for child in children.values():
                pin(child, BOT_CPU)
        arrived: dict[str, float] = {}
        seen = 0

        served: list[str] = []
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            async def burst(row: str, which: str, r: int) -> tuple[list[float], float, dict[str, float]]:
                nonlocal seen
                if row == "new":
                    users = [f"UN{r + 1:02d}{i:05d}" for i in range(args.members)]
                else:
                    users = [u for u, _ in returning]
                requests = slack_requests(row, users, fake.url)
                urls = [rid for rid, _body in requests]
                await settle(*children.values())  # type: ignore[arg-type]
                proc = children[which]
                before, split = cpu_s(proc.pid), split_cpu(proc.pid)
                start = time.monotonic()
                sent_at = {}
                tasks = []
                for rid, body in requests:
                    sent_at[rid] = time.monotonic()
                    tasks.append(asyncio.create_task(post_signed(session, ports[which], body)))
                want = set(urls)
                await fake.wait_for(lambda: want <= {p.url_id for p in fake.responses[seen:]}, timeout=120)
                for p in fake.responses[seen:]:
                    arrived[p.url_id] = p.at
                    if which == "drillbot" and row != "answer":
                        served.append(p.text)
                seen = len(fake.responses)
                await asyncio.gather(*tasks)
                del start
                return ([1000 * (arrived[u] - sent_at[u]) for u in urls], cpu_s(proc.pid) - before,
                        since(split, proc.pid))

            def warm() -> None:  # --cprofile: the measured rounds begin (unhandled, SIGUSR1 would end them)
                for child in children.values() if args.cprofile else ():
                    os.kill(child.pid, signal.SIGUSR1)

            await take_turns(rows, args.rounds, burst, warm=warm)
        for child in children.values():
            assert child.stdin is not None
            child.stdin.close()
            child.wait(timeout=30)
    await fake.stop()
    print(f"Slack (HTTP mode): signed request sent -> ephemeral reply arrives at response_url, {args.members} at "
          f"once, {args.rounds} rounds taking turns (ms); database {'PostgreSQL' if args.database else 'SQLite'}; "
          f"{len(served)} replies to /flask-quiz; {placement(args)}")
    for row in rows.values():
        print(row.report())


def main() -> None:
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-minimal":
        with profiled_after_signal():
            asyncio.run(serve_minimal(sys.argv[2]))
        return
    if len(sys.argv) > 1 and sys.argv[1] == "--serve-bot":
        with profiled_after_signal():
            asyncio.run(serve_bot(sys.argv[2], sys.argv[3]))
        return
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("platform", choices=("discord", "slack"))
    p.add_argument("--members", type=int, default=200)
    p.add_argument("--rounds", type=int, default=7)
    p.add_argument("--rows", default="")
    p.add_argument("--profile", default="", help="write a cProfile of drillbot's process to this file")
    p.add_argument("--cprofile", default="", metavar="PREFIX",
                   help="Slack: profile both apps with cProfile over the measured rounds (not the cold first "
                        "bursts), written to PREFIX.minimal and PREFIX.drillbot (to compare the work per request)")
    p.add_argument("--database", default="", help="drillbot's database URL (default: a new SQLite file)")
    p.add_argument("--pin", action="store_true",
                   help="the driver on CPU 0, both bots on CPU 1 (default: wherever the scheduler puts them)")
    args = p.parse_args()
    args.pin = pinning(args)
    if args.pin:
        os.sched_setaffinity(0, {DRIVER_CPU})
    if not args.rows:
        args.rows = "new,returning,daily" if args.platform == "discord" else "new,returning,answer"
    asyncio.run(discord(args) if args.platform == "discord" else slack(args))


if __name__ == "__main__":
    main()
