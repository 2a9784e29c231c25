"""The `drillbot` command's conventions: global options, exit codes, health, db upgrade, data location,
missing extras, and a clean stop on SIGTERM/SIGINT, each through the real entry point."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path

import pytest

from bot.runtime import status
from bot.runtime.cli import EXIT_CONFIG, _hint_for, install_hint, main
from bot.storage.db import head_revision, make_engine, upgrade
from tests.conftest import ROOT

BIN = Path(sys.executable).parent / "drillbot"
DRILLBOT = [str(BIN)] if BIN.exists() else [sys.executable, "-m", "bot.runtime.cli"]


def cli(args: list[str], *, env: dict[str, str] | None = None, cwd: Path | None = None,
        stdin: str = "") -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **(env or {})}
    for var in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_CLIENT_ID", "DRILLBOT_CONFIG"):
        if var not in (env or {}):
            full.pop(var, None)
    if "DRILLBOT_DATABASE_URL" not in (env or {}):
        full.pop("DRILLBOT_DATABASE_URL", None)
    return subprocess.run([*DRILLBOT, *args], input=stdin, capture_output=True, text=True, cwd=cwd or ROOT,
                          env=full, timeout=60)


@pytest.fixture
def bad_config(tmp_path: Path) -> Path:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[rounds]\ngrace = 3\n")
    return cfg


# -- global options, before or after the command ------------------------------------------

@pytest.mark.parametrize("before", [True, False])
def test_config_before_or_after_the_command(bad_config: Path, before: bool,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--config", str(bad_config), "health"] if before else ["health", "--config", str(bad_config)]
    assert main(argv) == EXIT_CONFIG
    assert f"{bad_config}: [rounds] grace: unknown key" in capsys.readouterr().err


@pytest.mark.parametrize("argv", [["-v", "db", "upgrade"], ["db", "-v", "upgrade"], ["db", "upgrade", "--verbose"]])
def test_verbose_anywhere(argv: list[str], tmp_path: Path) -> None:
    from bot.runtime.cli import parser

    assert parser().parse_args([*argv, "--db", str(tmp_path / "x.db")]).verbose is True
    assert parser().parse_args(["db", "upgrade"]).verbose is False


def test_db_before_the_command(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "before.db"
    assert main(["--db", str(db), "db", "upgrade"]) == 0
    assert db.is_file()
    assert main(["--db", str(db), "health"]) == 0


def test_db_where_it_does_not_apply_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--db", "x.db", "content", "schema"])
    assert exit_.value.code == 2
    assert "--db does not apply to `content`" in capsys.readouterr().err


# -- exit codes ---------------------------------------------------------------------------

def test_exit_codes_are_in_help(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["health", "--help"])
    out = capsys.readouterr().out
    assert "2 bad command line; 78 configuration error" in out and "1 unexpected error" in out


def test_usage_error_exits_2() -> None:
    done = cli(["nonsense"])
    assert done.returncode == 2 and "invalid choice: 'nonsense'" in done.stderr


def test_config_error_exits_78_without_a_traceback(bad_config: Path) -> None:
    done = cli(["--config", str(bad_config), "console"])
    assert done.returncode == 78
    assert "unknown key" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("verbose", [False, True])
def test_unexpected_error_exits_1(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                  verbose: bool) -> None:
    import bot.runtime.cli

    def broken(args: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr(bot.runtime.cli, "cmd_content_schema", broken)
    assert main(["content", "schema", *(["-v"] if verbose else [])]) == 1
    err = capsys.readouterr().err
    assert "drillbot: unexpected error: RuntimeError: boom" in err
    assert ("Traceback" in err) is verbose
    assert ("run with -v" in err) is not verbose


# -- health creates nothing ---------------------------------------------------------------

def test_health_on_a_missing_folder_creates_nothing(tmp_path: Path) -> None:
    db = tmp_path / "nonexistent" / "dir" / "x.db"
    done = cli(["health"], env={"DRILLBOT_DATABASE_URL": f"sqlite:///{db}"})
    assert done.returncode == 1
    assert f"no database file at {db} (nor the folder {db.parent})" in done.stderr
    assert not (tmp_path / "nonexistent").exists()


def test_health_on_a_missing_file_creates_nothing(tmp_path: Path) -> None:
    done = cli(["health", "--db", str(tmp_path / "x.db")])
    assert done.returncode == 1 and "drillbot db upgrade" in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_health_on_an_unmigrated_database(tmp_path: Path) -> None:
    db = tmp_path / "empty.db"
    with closing(sqlite3.connect(db)) as conn:
        conn.execute("CREATE TABLE t (x)")
    done = cli(["health", "--db", str(db)])
    assert done.returncode == 1 and "is not migrated; run `drillbot db upgrade`" in done.stderr
    with closing(sqlite3.connect(db)) as conn:  # and it did not migrate it either
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables == {"t"}


def test_health_on_an_unreachable_server() -> None:
    done = cli(["health", "--db", "postgresql://nobody@127.0.0.1:9/none"])
    assert done.returncode == 1 and "cannot reach the database at postgresql://nobody@127.0.0.1:9/none" in done.stderr
    assert "Traceback" not in done.stderr


# -- health reads the running bot's status file -------------------------------------------

@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    db = tmp_path / "ok.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    return db


def _status(data_dir: Path, db: Path, *, age: float = 0.0, connected: bool = True) -> None:
    status.write(status.status_path(data_dir), f"sqlite:///{db}",
                 [status.PlatformState("console", True, True), status.PlatformState("slack", connected, connected)],
                 now=time.time() - age)


def test_health_with_connected_platforms(migrated: Path, _own_data_dir: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    _status(_own_data_dir, migrated)
    assert main(["health", "--db", str(migrated)]) == 0
    assert "console connected, slack connected" in capsys.readouterr().out


def test_health_fails_on_a_disconnected_platform(migrated: Path, _own_data_dir: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _status(_own_data_dir, migrated, connected=False)
    assert main(["health", "--db", str(migrated)]) == 1
    assert "unhealthy: slack: not connected" in capsys.readouterr().err


def test_health_fails_on_a_stale_status(migrated: Path, _own_data_dir: Path,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    _status(_own_data_dir, migrated, age=status.MAX_AGE + 30)
    assert main(["health", "--db", str(migrated)]) == 1
    assert "the bot last reported 120 s ago" in capsys.readouterr().err


def test_health_ignores_another_databases_status(migrated: Path, _own_data_dir: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    _status(_own_data_dir, tmp_path / "other.db", connected=False)
    assert main(["health", "--db", str(migrated)]) == 0
    assert "no running bot reported" in capsys.readouterr().out


# -- db upgrade says what it did ----------------------------------------------------------

def test_db_upgrade_reports_what_it_did(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    head = head_revision()
    new, old = tmp_path / "new.db", tmp_path / "old.db"
    assert main(["db", "upgrade", "--db", str(new)]) == 0
    assert f"created the database at sqlite:///{new} at revision {head}" in capsys.readouterr().out
    assert main(["db", "upgrade", "--db", str(new)]) == 0
    assert f"the database at sqlite:///{new} is already at revision {head}" in capsys.readouterr().out

    engine = make_engine(f"sqlite:///{old}")
    upgrade(engine, "0001")
    engine.dispose()
    assert main(["db", "upgrade", "--db", str(old)]) == 0
    assert f"upgraded the database at sqlite:///{old} from revision 0001 to {head}" in capsys.readouterr().out


# -- where the data goes ------------------------------------------------------------------

def test_default_database_is_in_the_user_data_dir(tmp_path: Path) -> None:
    here, xdg = tmp_path / "here", tmp_path / "xdg"
    here.mkdir()
    env = {"XDG_DATA_HOME": str(xdg), "DRILLBOT_DATA_DIR": ""}
    done = cli(["db", "upgrade"], env=env, cwd=here)
    assert done.returncode == 0, done.stderr
    assert (xdg / "drillbot" / "drillbot.db").is_file()
    assert list(here.iterdir()) == []  # nothing in the folder it was started from
    assert cli(["health"], env=env, cwd=here).returncode == 0


def test_bot_toml_and_environment_override_the_default(tmp_path: Path) -> None:
    from bot.config import load_config

    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[bot]\ndatabase = "sqlite:///{tmp_path / "toml.db"}"\n')
    assert load_config(cfg).database_url == f"sqlite:///{tmp_path / 'toml.db'}"
    done = cli(["db", "upgrade", "--config", str(cfg)], env={"DRILLBOT_DATABASE_URL": f"sqlite:///{tmp_path}/env.db"})
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "env.db").is_file() and not (tmp_path / "toml.db").exists()


def test_a_copied_bot_toml_still_finds_the_bundled_packs(tmp_path: Path) -> None:
    """bot.toml names `content = "content"`; copied away from the checkout (a Docker volume), it falls
    back to the packs installed with the bot."""
    from bot.config import bundled_content, load_config

    cfg = tmp_path / "bot.toml"
    cfg.write_text((ROOT / "bot.toml").read_text())
    assert load_config(cfg).content_dir == bundled_content()
    cfg.write_text('[bot]\ncontent = "mine"\n')  # a folder of one's own is never replaced
    assert load_config(cfg).content_dir == tmp_path / "mine"


# -- a missing optional dependency names the extra ----------------------------------------

def _without(module: str, argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`drillbot ARGV` (through main) in a process where ``module`` cannot be imported."""
    code = (f"import sys; sys.modules[{module!r}] = None\n"
            f"from bot.runtime.cli import main; raise SystemExit(main({argv!r}))")
    full = {**os.environ, "PYTHONPATH": str(ROOT), **env}
    full.pop("DRILLBOT_DATABASE_URL", None)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=full, timeout=60,
                          cwd=ROOT)


@pytest.mark.parametrize(("module", "argv", "env", "extra"), [
    ("psycopg", ["health", "--db", "postgresql://u@127.0.0.1:9/x"], {}, "postgres"),
    ("psycopg", ["console", "--db", "postgresql://u@127.0.0.1:9/x"], {}, "postgres"),
    ("discord", ["run", "--db", "DB"], {"DISCORD_TOKEN": "x"}, "discord"),
    ("slack_bolt", ["run", "--db", "DB"], {"SLACK_BOT_TOKEN": "xoxb-1", "SLACK_APP_TOKEN": "xapp-1"}, "slack"),
])
def test_missing_extra_names_the_install_command(tmp_path: Path, module: str, argv: list[str],
                                                 env: dict[str, str], extra: str) -> None:
    argv = [str(tmp_path / "x.db") if a == "DB" else a for a in argv]
    done = _without(module, argv, env)
    assert done.returncode == EXIT_CONFIG, done.stderr
    assert f"drillbot's '{extra}' extra) is not installed; install it with `{install_hint(extra)}`" in done.stderr
    assert "Traceback" not in done.stderr and "ModuleNotFoundError" not in done.stderr


def test_install_hint_follows_how_drillbot_was_installed() -> None:
    assert _hint_for('{"url": "file:///src/drillbot", "dir_info": {"editable": true}}', "postgres") == \
        "pip install -e '.[postgres]'"
    assert _hint_for('{"url": "file:///src/drillbot", "dir_info": {}}', "slack") == "pip install '.[slack]'"
    assert _hint_for('{"url": "file:///w/drillbot-1.0-py3-none-any.whl", "archive_info": {}}', "discord") == \
        "pip install 'drillbot[discord]'"
    assert _hint_for(None, "postgres") == "pip install 'drillbot[postgres]'"  # from an index: no direct_url


# -- SIGTERM and SIGINT stop the bot cleanly ----------------------------------------------

@pytest.mark.parametrize("command", ["console", "run"])
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_the_bot_cleanly(tmp_path: Path, _own_data_dir: Path, command: str,
                                      sig: signal.Signals) -> None:
    """stdin stays open (as under `docker run -i`): the console's reader is blocked on it."""
    db = tmp_path / "bot.db"
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_CLIENT_ID", "DRILLBOT_DATABASE_URL")}
    proc = subprocess.Popen([*DRILLBOT, command, "--user", "t", "--db", str(db)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, cwd=tmp_path)
    path = status.status_path(_own_data_dir)
    try:
        deadline = time.monotonic() + 30
        while not path.exists():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the bot never reported itself ready"
            time.sleep(0.05)
        health = cli(["health", "--db", str(db)])
        assert health.returncode == 0 and "console connected" in health.stdout, health.stderr
        started = time.monotonic()
        proc.send_signal(sig)
        code = proc.wait(timeout=10)
        took = time.monotonic() - started
    finally:
        if proc.poll() is None:
            proc.kill()
        _out, err = proc.communicate()
    assert code == 0, err
    assert took < 2.0
    assert "Traceback" not in err
    assert not path.exists()  # the status file goes with the bot
    # The database was closed properly: the WAL was checkpointed into the file and truncated.
    wal = db.with_name(db.name + "-wal")
    assert not wal.exists() or wal.stat().st_size == 0


def test_status_file_is_removed_only_by_its_writer(tmp_path: Path) -> None:
    path = status.status_path(tmp_path)
    status.write(path, "sqlite:///x.db", [status.PlatformState("console", True, True)])
    other = path.read_text().replace(f'"pid": {os.getpid()}', '"pid": 1')
    path.write_text(other)
    status.remove(path)
    assert path.exists()  # another bot's file, sharing the data dir
    status.write(path, "sqlite:///x.db", [])
    status.remove(path)
    assert not path.exists()


def test_an_unreadable_status_file_is_unhealthy(tmp_path: Path) -> None:
    path = status.status_path(tmp_path)
    path.write_text("{not json")
    problems = status.problems(path, "sqlite:///x.db")
    assert problems is not None and "unreadable status file" in problems[0]


def test_an_unreachable_database_at_start_is_one_clear_line() -> None:
    done = cli(["console", "--db", "postgresql://nobody@127.0.0.1:9/none"])
    assert done.returncode == 1
    assert "drillbot: cannot reach the database: connection failed" in done.stderr
    assert "Traceback" not in done.stderr and "unexpected" not in done.stderr
