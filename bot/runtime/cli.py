"""The `drillbot` command."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import logging
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot import __version__
from bot.config import SECRET_VARS, data_dir, load_config
from bot.errors import ConfigError, ContentError, DrillError
from bot.runtime import status

if TYPE_CHECKING:
    from bot.runtime.builder import App
    from bot.runtime.service import PlatformRunner

# Exit codes (documented in the README and `drillbot --help`).
EXIT_OK = 0
EXIT_FAILED = 1  # an unexpected error, or a check that found problems (content check, health)
EXIT_USAGE = 2  # bad command line (argparse's own code)
EXIT_CONFIG = 78  # EX_CONFIG: bot.toml, the environment, the database URL, a missing extra, the packs

EPILOG = """\
exit codes: 0 ok; 1 unexpected error, or a check found problems (content check, health);
2 bad command line; 78 configuration error (bot.toml, environment, database, missing extra).
Global options (--config, -v, --db) go before or after the command."""

# Optional dependencies: top-level module -> the extra that installs it.
EXTRAS = {"psycopg": "postgres", "psycopg_binary": "postgres", "discord": "discord", "slack_bolt": "slack",
          "slack_sdk": "slack", "aiohttp": "slack"}

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
    reporter = asyncio.create_task(_report_status(app, [("console", None)]))
    try:
        await adapter.run()
    finally:
        reporter.cancel()
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
        except ModuleNotFoundError as exc:
            why = missing_extra(exc) or f"its adapter cannot be loaded ({exc})"
            raise ConfigError(f"{name}: credentials are set but {why}") from None
        runner = mod.create(app)  # registers itself as the platform's Poster
        runners.append(runner)
    reporter: asyncio.Task[None] | None = None
    try:
        for runner in runners:
            await runner.start()  # logged in and ready to post
        await seed_schedules(app)
        await app.service.start()
        reporter = asyncio.create_task(_report_status(app, [(r.platform, r) for r in runners]))
        await asyncio.gather(*(runner.serve() for runner in runners))
    finally:
        if reporter is not None:
            reporter.cancel()
        # A graceful stop: answers in flight are stored and answered before anything closes.
        await asyncio.gather(*(runner.drain() for runner in runners))
        await app.service.stop()
        for runner in runners:
            await runner.stop()
    return 0


def _status_file() -> Path:
    return status.status_path(data_dir())


def _db_label(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


async def _report_status(app: App, platforms: list[tuple[str, PlatformRunner | None]]) -> None:
    """Keep the status file that `drillbot health` reads fresh; remove it when the bot stops."""
    path, database = _status_file(), _db_label(app.config.database_url)
    try:
        while True:
            states = []
            for name, runner in platforms:
                probe = getattr(runner, "connection", None)
                try:
                    connected, ready = await probe() if probe is not None else (True, True)
                except Exception:  # a probe that fails says the connection is not usable
                    log.warning("%s: connection check failed", name, exc_info=True)
                    connected = ready = False
                states.append(status.PlatformState(name, connected, ready))
            try:
                status.write(path, database, states)
            except OSError as exc:  # a read-only data dir must not stop the bot
                log.warning("cannot write the status file %s: %s", path, exc)
            await asyncio.sleep(status.INTERVAL)
    finally:
        status.remove(path)


def _platforms() -> list[str]:
    """The chat platforms whose credentials are set."""
    return [name for name, (_mod, options) in PLATFORMS.items()
            if any(all(os.environ.get(v) for v in env) for env in options)]


class _Stopped:
    """Which signal stopped the bot, if one did (the process then exits 0 once clean)."""

    signal: int | None = None


def _serve(main: Coroutine[Any, Any, object]) -> None:
    """Run ``main`` on a new event loop until it ends, or SIGTERM/SIGINT cancels it.

    Cancelling runs every ``finally`` of the bot (scheduler, platforms, status file). Unlike
    ``asyncio.run`` it does not wait for the default executor after a signal: the console's
    reader may sit in a thread blocked on stdin, which no signal can wake (see ``_exit``).
    """
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    task = loop.create_task(main)

    def stop(signum: int) -> None:
        if _Stopped.signal is None:
            _Stopped.signal = signum
            log.info("%s: shutting down", signal.Signals(signum).name)
            task.cancel()

    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop, sig)
    try:
        try:
            loop.run_until_complete(task)
        except asyncio.CancelledError:
            if _Stopped.signal is None:
                raise
        rest = asyncio.all_tasks(loop)
        for t in rest:
            t.cancel()
        loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
        loop.run_until_complete(loop.shutdown_asyncgens())
        if _Stopped.signal is None:
            loop.run_until_complete(loop.shutdown_default_executor())
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
        asyncio.set_event_loop(None)
        loop.close()


def _long_running(args: argparse.Namespace, body: Any, *, migrate_in_child: bool = False) -> int:
    """Build the app, serve until done or signalled, then close the database."""
    # Until the event loop takes over, SIGTERM stops start-up the way Ctrl-C does.
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        app = _app(args, migrate_in_child=migrate_in_child)
    except KeyboardInterrupt:
        return EXIT_OK
    try:
        _serve(body(app, args.user))
    except KeyboardInterrupt:  # between start-up and the loop's own handlers
        pass
    finally:
        app.close()
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
    return EXIT_OK


def cmd_run(args: argparse.Namespace) -> int:
    # A chat bot runs for weeks: it migrates in a child so Alembic never stays in its memory.
    # The console is short-lived and interactive: it migrates in-process, which starts faster.
    return _long_running(args, _run, migrate_in_child=bool(_platforms()))


def cmd_console(args: argparse.Namespace) -> int:
    return _long_running(args, _console)


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
    print(f"with code: {c.with_code}, with a machine check: {c.with_check}, prose claims pinned by code: {c.claims}")
    errors = [p for p in problems if p.is_error]
    for problem in problems:
        print(f"{'PROBLEM' if problem.is_error else 'WARNING'} {problem}")
    failed = 0
    if args.run:
        from bot.content.checks import run_all

        checked, failed = run_all(library)
        print(f"{checked} machine check(s) run, {failed} failed")
    else:
        print("machine checks not run: add --run (a few minutes: some start a real server)")
    print(f"{len(errors) + failed} problem(s), {len(problems) - len(errors)} warning(s)"
          f" · {1000 * (time.perf_counter() - started):.0f} ms")
    return 1 if errors or failed else 0


def cmd_content_schema(args: argparse.Namespace) -> int:
    from bot.content import json_schema

    sys.stdout.write(json_schema())
    return 0


def _open_engine(url: str) -> Any:
    """An engine, with a missing driver or a bad URL reported as a configuration error."""
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    from bot.storage.db import make_engine

    try:
        return make_engine(url)
    except (ArgumentError, NoSuchModuleError) as exc:
        raise ConfigError(f"database URL {url!r} is not usable: {exc}") from None


def _db_error(label: str, exc: Exception) -> DrillError:
    first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
    return DrillError(f"cannot reach the database at {label}: {first}")


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from bot.storage.db import current_revision, head_revision, upgrade

    config = load_config(_config_path(args.config), database_url=_db_url(args.db))
    label = _db_label(config.database_url)
    engine = _open_engine(config.database_url)
    try:
        before = current_revision(engine)
        head = head_revision()
        if before == head:
            print(f"the database at {label} is already at revision {head}")
            return EXIT_OK
        upgrade(engine)
        after = current_revision(engine)
    except OperationalError as exc:
        raise _db_error(label, exc) from None
    finally:
        engine.dispose()
    if before is None:
        print(f"created the database at {label} at revision {after}")
    else:
        print(f"upgraded the database at {label} from revision {before} to {after}")
    return EXIT_OK


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
    """Exit 0 when the config is valid, the database is migrated and the running bot's platforms are
    connected (the Docker HEALTHCHECK).  Creates nothing: no file, no folder, no table."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import OperationalError

    from bot.storage.db import current_revision, head_revision

    config = load_config(_config_path(args.config), database_url=_db_url(args.db))
    url, label = config.database_url, _db_label(config.database_url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        file = Path(str(parsed.database))
        if not file.is_file():
            where = "" if file.parent.is_dir() else f" (nor the folder {file.parent})"
            print(f"unhealthy: no database file at {file}{where}; create it with `drillbot db upgrade`",
                  file=sys.stderr)
            return EXIT_FAILED
    engine = _open_engine(url)
    try:
        at = current_revision(engine)
    except OperationalError as exc:
        print(f"unhealthy: {_db_error(label, exc)}", file=sys.stderr)
        return EXIT_FAILED
    finally:
        engine.dispose()
    head = head_revision()
    if at != head:
        state = "not migrated" if at is None else f"at revision {at}, not {head}"
        print(f"unhealthy: the database at {label} is {state}; run `drillbot db upgrade`", file=sys.stderr)
        return EXIT_FAILED
    path = _status_file()
    problems = status.problems(path, label)
    if problems:
        for p in problems:
            print(f"unhealthy: {p}", file=sys.stderr)
        return EXIT_FAILED
    running = "no running bot reported" if problems is None else status.summary(path)
    print(f"ok: database at revision {head}; {running}")
    return EXIT_OK


def _globals(p: argparse.ArgumentParser, *, db: bool, top: bool = False) -> None:
    """The options every command takes, before or after the command name.

    Below the top level their default is SUPPRESS: otherwise a subcommand's default would
    overwrite what was given before the command (`drillbot --config x health`).
    """
    default = None if top else argparse.SUPPRESS
    p.add_argument("--config", metavar="PATH", default=default,
                   help="bot.toml to use (default: $DRILLBOT_CONFIG, or ./bot.toml if present)")
    p.add_argument("-v", "--verbose", action="store_true", default=False if top else argparse.SUPPRESS,
                   help="log more, and show the traceback of an unexpected error")
    if db:
        p.add_argument("--db", metavar="PATH", default=default,
                       help="SQLite file or SQLAlchemy URL (default: $DRILLBOT_DATABASE_URL, bot.toml's "
                       "[bot] database, or drillbot.db in the user data directory)")


# Commands that open the database, and so take --db.
_TAKES_DB = {cmd_run, cmd_console, cmd_db_upgrade, cmd_health, cmd_reports}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="drillbot", description="Interview-drill bot for Discord, Slack "
                                "and the terminal.", epilog=EPILOG,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    _globals(p, db=True, top=True)
    p.add_argument("--version", action="version", version=f"drillbot {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(parent: Any, name: str, help: str, *, db: bool = False) -> argparse.ArgumentParser:
        c: argparse.ArgumentParser = parent.add_parser(name, help=help, epilog=EPILOG,
                                                       formatter_class=argparse.RawDescriptionHelpFormatter)
        _globals(c, db=db)
        return c

    r = command(sub, "run", "run every platform with credentials (the console when none are set)", db=True)
    r.add_argument("--user", default="", help="console player name (default: your login name)")
    r.set_defaults(fn=cmd_run)

    c = command(sub, "console", "play in the terminal", db=True)
    c.add_argument("--user", default="", help="player name (default: your login name)")
    c.set_defaults(fn=cmd_console)

    content = command(sub, "content", "question packs")
    csub = content.add_subparsers(dest="content_command", required=True, metavar="SUBCOMMAND")
    check = command(csub, "check", "validate every pack and print counts")
    check.add_argument("content", nargs="?", help="content folder (default: from bot.toml)")
    check.add_argument("--run", action="store_true",
                       help="also run every question's machine check against the installed Flask")
    check.set_defaults(fn=cmd_content_check)
    schema = command(csub, "schema", "print the JSON Schema of a topic file")
    schema.set_defaults(fn=cmd_content_schema)

    db = command(sub, "db", "database")
    dsub = db.add_subparsers(dest="db_command", required=True, metavar="SUBCOMMAND")
    up = command(dsub, "upgrade", "create the database or apply new migrations", db=True)
    up.set_defaults(fn=cmd_db_upgrade)

    rep = command(sub, "reports", "the maintainers' queue: reports, overrules, disputes", db=True)
    rep.add_argument("--all", action="store_true", help="also the ones already fixed or decided")
    rep.add_argument("--kind", choices=("question", "overrule", "dispute"), help="only this kind")
    rep.add_argument("--fix", type=int, metavar="ID", help="mark report ID fixed")
    rep.set_defaults(fn=cmd_reports)

    h = command(sub, "health", "check config, database and the running bot's platforms (the HEALTHCHECK)",
                db=True)
    h.set_defaults(fn=cmd_health)
    return p


def install_hint(extra: str) -> str:
    """The command that installs ``extra`` the way this copy of drillbot was installed."""
    from importlib.metadata import distributions

    import bot

    if (Path(bot.__file__).resolve().parent.parent / "pyproject.toml").is_file():
        return f"pip install -e '.[{extra}]'"  # imported from a checkout: an editable install, or none
    for dist in distributions(name="drillbot"):
        direct = dist.read_text("direct_url.json")
        if direct:
            return _hint_for(direct, extra)
    return _hint_for(None, extra)


def _hint_for(direct_url: str | None, extra: str) -> str:
    """From pip's direct_url.json (PEP 610): a checkout gets `.`, a wheel or an index the name."""
    import json

    try:
        info = json.loads(direct_url) if direct_url else {}
    except ValueError:
        info = {}
    dir_info = info.get("dir_info") if isinstance(info, dict) else None
    if isinstance(dir_info, dict):
        return f"pip install -e '.[{extra}]'" if dir_info.get("editable") else f"pip install '.[{extra}]'"
    return f"pip install 'drillbot[{extra}]'"


def missing_extra(exc: ModuleNotFoundError) -> str | None:
    """`the X library is missing; install it with ...` for an optional dependency, else None."""
    root = (exc.name or "").split(".")[0]
    extra = EXTRAS.get(root)
    if extra is None:
        return None
    return f"the {root} library (drillbot's '{extra}' extra) is not installed; install it with `{install_hint(extra)}`"


def _exit(code: int) -> int:
    """After a signal, end the process even if the console's reader thread is blocked on stdin.

    Everything was closed by then; the interpreter's exit would wait for that thread forever.
    """
    stuck = [t for t in threading.enumerate()
             if t is not threading.main_thread() and t.is_alive() and not t.daemon]
    if _Stopped.signal is not None and stuck:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)
    return code


def main(argv: Sequence[str] | None = None) -> int:
    p = parser()
    args = p.parse_args(argv)
    if args.db is not None and args.fn not in _TAKES_DB:
        p.error(f"--db does not apply to `{args.command}`")
    try:
        return _exit(int(args.fn(args)))
    except (ConfigError, ContentError) as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return EXIT_CONFIG
    except ModuleNotFoundError as exc:
        hint = missing_extra(exc)
        if hint is not None:
            print(f"drillbot: {hint}", file=sys.stderr)
            return EXIT_CONFIG
        return _unexpected(exc, verbose=args.verbose)
    except DrillError as exc:
        print(f"drillbot: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from sqlalchemy.exc import OperationalError

        if isinstance(exc, OperationalError):  # the server is down, the file cannot be opened: not a bug
            first = str(exc.orig or exc).strip().splitlines()[0]
            print(f"drillbot: cannot reach the database: {first}", file=sys.stderr)
            return EXIT_FAILED
        return _unexpected(exc, verbose=args.verbose)


def _unexpected(exc: Exception, *, verbose: bool) -> int:
    """A bug: one line, and the traceback with -v."""
    if verbose:
        traceback.print_exception(exc)
    print(f"drillbot: unexpected error: {type(exc).__name__}: {exc}"
          + ("" if verbose else " (run with -v for the traceback)"), file=sys.stderr)
    return EXIT_FAILED


if __name__ == "__main__":
    raise SystemExit(main())
