"""The `drillbot` command."""

from __future__ import annotations

import argparse
import asyncio
import importlib
import logging
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from bot import __version__
from bot.config import SECRET_VARS, load_config
from bot.errors import ConfigError, ContentError, DrillError

if TYPE_CHECKING:
    from bot.runtime.builder import App

# Heavy modules (SQLAlchemy, Alembic, APScheduler) are imported by the commands
# that need them, so `drillbot content check` and `--help` start fast.

log = logging.getLogger("drillbot")

# platform -> (module, sets of environment variables; any complete set switches it on)
PLATFORMS: dict[str, tuple[str, tuple[tuple[str, ...], ...]]] = {
    "discord": ("adapters.discord", (("DISCORD_TOKEN",),)),
    # One workspace with a bot token, or many installed through OAuth (HTTP mode).
    "slack": ("adapters.slack", (("SLACK_BOT_TOKEN",), ("SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET"))),
}


def _config_path(arg: str | None) -> Path | None:
    if arg:
        return Path(arg)
    env = os.environ.get("DRILLBOT_CONFIG")
    if env:
        return Path(env)
    default = Path("bot.toml")
    return default if default.exists() else None


def _db_url(arg: str | None) -> str | None:
    if not arg:
        return None
    return arg if "://" in arg else f"sqlite:///{Path(arg).resolve()}"


def _app(args: argparse.Namespace, *, migrate_in_child: bool = False) -> App:
    from bot.runtime.builder import build, tune_runtime

    config = load_config(_config_path(args.config), database_url=_db_url(getattr(args, "db", None)))
    logging.basicConfig(level=getattr(logging, config.settings.bot.log_level),
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr)
    if not args.verbose:
        logging.getLogger("apscheduler").setLevel(logging.WARNING)
        logging.getLogger("alembic").setLevel(logging.WARNING)
        # The console (also `run` with no platform tokens) starts quietly: its welcome is the first line.
        quiet = args.command == "console" or (args.command == "run" and not _platforms())
        logging.getLogger("bot").setLevel(logging.WARNING if quiet else logging.INFO)
        logging.getLogger("drillbot").setLevel(logging.WARNING if quiet else logging.INFO)
    app = build(config, migrate_in_child=migrate_in_child)
    tune_runtime()
    return app


async def _console(app: App, user: str) -> None:
    from adapters.console import ConsoleAdapter
    from bot.runtime.builder import seed_schedules

    s = app.config.settings.console
    adapter = ConsoleAdapter(app.service, user=user or s.user, channel=s.channel)
    app.service.add_poster(adapter)
    await app.engine.schedules.set(adapter.place, time_of_day=s.time, timezone=s.timezone, days=s.days,
                                  only_if_missing=True)
    await seed_schedules(app)
    await app.service.start()
    try:
        await adapter.run()
    finally:
        await app.service.stop()


async def _run(app: App, user: str) -> int:
    """Start every platform with credentials (the console when none), on one engine and database."""
    from bot.runtime.builder import seed_schedules

    wanted = _platforms()
    if not wanted:
        log.info("no platform credentials set (%s): starting the local console", ", ".join(SECRET_VARS))
        await _console(app, user)
        return 0
    runners = []
    for name in wanted:
        module, _env = PLATFORMS[name]
        try:
            mod = importlib.import_module(module)
        except ImportError as exc:
            raise ConfigError(f"{name}: credentials are set but the adapter cannot be loaded ({exc}); "
                              f"install it with `pip install '.[{name}]'`") from None
        runner = mod.create(app)  # registers itself as the platform's Poster
        runners.append(runner)
    try:
        for runner in runners:
            await runner.start()  # logged in and ready to post
        await seed_schedules(app)
        await app.service.start()
        await asyncio.gather(*(runner.serve() for runner in runners))
    finally:
        await app.service.stop()
        for runner in runners:
            await runner.stop()
    return 0


def _platforms() -> list[str]:
    """The chat platforms whose credentials are set."""
    return [name for name, (_mod, options) in PLATFORMS.items()
            if any(all(os.environ.get(v) for v in env) for env in options)]


def cmd_run(args: argparse.Namespace) -> int:
    # A chat bot runs for weeks: it migrates in a child so Alembic never stays in its memory.
    # The console is short-lived and interactive: it migrates in-process, which starts faster.
    app = _app(args, migrate_in_child=bool(_platforms()))
    try:
        return asyncio.run(_run(app, args.user))
    finally:
        app.close()


def cmd_console(args: argparse.Namespace) -> int:
    app = _app(args)
    try:
        asyncio.run(_console(app, args.user))
    finally:
        app.close()
    return 0


def cmd_content_check(args: argparse.Namespace) -> int:
    from bot.content import count, load_library
    from bot.content.lint import lint

    started = time.perf_counter()
    content = Path(args.content) if args.content else load_config(_config_path(args.config)).content_dir
    library, problems = load_library(content, strict=False)
    problems += lint(library)
    c = count(library)
    print(f"{c.total} questions in {len(library.packs)} pack(s) from {content}")
    for p in library.packs:
        print(f"  pack {p.meta.id} {p.meta.version}: {p.meta.title} ({len(p.questions)})")
    print("by topic: " + ", ".join(f"{k} {v}" for k, v in c.by_topic.items()))
    print("by level: " + ", ".join(f"{k} {v}" for k, v in c.by_level.items()))
    print("by kind:  " + ", ".join(f"{k} {v}" for k, v in c.by_kind.items()))
    print(f"with code: {c.with_code}, with a machine check: {c.with_check}")
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(f"{'PROBLEM' if problem.is_error else 'WARNING'} {problem}")
    print(f"{len(errors)} problem(s), {len(problems) - len(errors)} warning(s)"
          f" · {1000 * (time.perf_counter() - started):.0f} ms")
    return 1 if errors else 0


def cmd_content_schema(args: argparse.Namespace) -> int:
    from bot.content import json_schema

    sys.stdout.write(json_schema())
    return 0


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from bot.storage.db import Database

    config = load_config(_config_path(args.config), database_url=_db_url(args.db))
    db = Database(config.database_url)
    try:
        db.upgrade()
    finally:
        db.close()
    print(f"database at {db.engine.url.render_as_string(hide_password=True)} is up to date")
    return 0


def cmd_reports(args: argparse.Namespace) -> int:
    """The maintainers' queue: question reports, "I was right" overrules and disputed grades."""
    from datetime import UTC, datetime

    from bot.content import reports
    from bot.storage.db import Database

    config = load_config(_config_path(args.config), database_url=_db_url(args.db))
    db = Database(config.database_url)
    try:
        db.upgrade()
        with db.session() as s, s.begin():
            if args.fix is not None:
                if not reports.resolve(s, args.fix, status="fixed", now=datetime.now(UTC)):
                    print(f"drillbot: there is no open report {args.fix}", file=sys.stderr)
                    return 1
                print(f"report {args.fix} marked fixed")
                return 0
            rows = reports.queue(s, everything=args.all, kind=args.kind)
    finally:
        db.close()
    for r in rows:
        print(f"#{r.id} {r.kind} [{r.status}] {r.question_id} · {r.reporter} · {r.created_at:%Y-%m-%d %H:%M} UTC")
        print(f"    {r.reason}")
        if r.answer_text:
            print("    answer: " + r.answer_text.replace("\n", "\n            "))
    print(f"{len(rows)} {'report(s)' if args.all else 'open report(s)'}")
    return 0


def cmd_health(args: argparse.Namespace) -> int:
    """Exit 0 when the config is valid and the database answers (used by the Docker HEALTHCHECK)."""
    from sqlalchemy import text

    from bot.storage.db import Database

    config = load_config(_config_path(args.config), database_url=_db_url(args.db))
    db = Database(config.database_url)
    try:
        with db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
    finally:
        db.close()
    print("ok")
    return 0


def parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--config", metavar="PATH", help="bot.toml to use (default: ./bot.toml if present, "
                        "or $DRILLBOT_CONFIG)")
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    p = argparse.ArgumentParser(prog="drillbot", description="Interview-drill bot for Discord, Slack "
                                "and the terminal.", parents=[common])
    p.add_argument("--version", action="version", version=f"drillbot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    r = sub.add_parser("run", parents=[common], help="run every platform with credentials "
                       "(the console when none are set)")
    r.add_argument("--user", default="", help="console player name (default: your login name)")
    r.add_argument("--db", metavar="PATH", help="SQLite file or SQLAlchemy URL")
    r.set_defaults(fn=cmd_run)

    c = sub.add_parser("console", parents=[common], help="play in the terminal")
    c.add_argument("--user", default="", help="player name (default: your login name)")
    c.add_argument("--db", metavar="PATH", help="SQLite file or SQLAlchemy URL")
    c.set_defaults(fn=cmd_console)

    content = sub.add_parser("content", parents=[common], help="question packs")
    csub = content.add_subparsers(dest="content_command", required=True, metavar="SUBCOMMAND")
    check = csub.add_parser("check", parents=[common], help="validate every pack and print counts")
    check.add_argument("content", nargs="?", help="content folder (default: from bot.toml)")
    check.set_defaults(fn=cmd_content_check)
    schema = csub.add_parser("schema", parents=[common], help="print the JSON Schema of a topic file")
    schema.set_defaults(fn=cmd_content_schema)

    db = sub.add_parser("db", parents=[common], help="database")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    up = dsub.add_parser("upgrade", parents=[common], help="apply migrations")
    up.add_argument("--db", metavar="PATH", help="SQLite file or SQLAlchemy URL")
    up.set_defaults(fn=cmd_db_upgrade)

    rep = sub.add_parser("reports", parents=[common], help="the maintainers' queue: reports, overrules, disputes")
    rep.add_argument("--all", action="store_true", help="also the ones already fixed or decided")
    rep.add_argument("--kind", choices=("question", "overrule", "dispute"), help="only this kind")
    rep.add_argument("--fix", type=int, metavar="ID", help="mark report ID fixed")
    rep.add_argument("--db", metavar="PATH", help="SQLite file or SQLAlchemy URL")
    rep.set_defaults(fn=cmd_reports)

    h = sub.add_parser("health", parents=[common], help="check config and database (for HEALTHCHECK)")
    h.add_argument("--db", metavar="PATH", help="SQLite file or SQLAlchemy URL")
    h.set_defaults(fn=cmd_health)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.fn(args))
    except ContentError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 2
    except DrillError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    raise SystemExit(main())
