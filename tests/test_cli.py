"""The `drillbot` command: help, version, content check, db upgrade, health."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot import __version__
from bot.clock import FakeClock
from bot.runtime.cli import main
from tests.conftest import CONTENT, SAMPLE


@pytest.mark.parametrize("argv", [[], ["run"], ["console"], ["content"], ["content", "check"],
                                  ["content", "schema"], ["db"], ["db", "upgrade"], ["health"], ["reports"]])
def test_help_on_every_command(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main([*argv, "--help"])
    assert exit_.value.code == 0
    assert "usage: drillbot" in capsys.readouterr().out


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"drillbot {__version__}"


def test_content_check_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["content", "check", str(CONTENT)]) == 0
    out = capsys.readouterr().out
    assert "by topic: basics" in out and "by level: junior" in out and "by kind:  choice" in out
    assert re.search(r"prose claims pinned by code: [1-9]", out)
    assert "0 problem(s)" in out


def test_content_check_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(SAMPLE, tmp_path / "c")
    f = tmp_path / "c" / "sample" / "more.toml"
    f.write_text(f.read_text().replace('answer = "C"', 'answer = "Z"'))
    assert main(["content", "check", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM c/sample/more.toml: question 'more-senior-choice', field 'answer'" in out


def test_content_check_runs_the_machine_checks_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(SAMPLE, tmp_path / "c")
    f = tmp_path / "c" / "sample" / "example.toml"
    f.write_text(f.read_text().replace("values = [404, 308, 200, 405]", "values = [404, 200, 308, 405]"))
    assert main(["content", "check", str(tmp_path / "c")]) == 0  # the format is fine ...
    assert "machine checks not run: add --run" in capsys.readouterr().out
    assert main(["content", "check", "--run", str(tmp_path / "c")]) == 1  # ... the answer key is not
    out = capsys.readouterr().out
    assert "FAIL c/sample/example.toml: example-trailing-slash" in out and "1 failed" in out


def test_db_upgrade_and_health(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "x.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert main(["health", "--db", str(db)]) == 0
    assert "created the database" in capsys.readouterr().out


def test_bad_config_exits_with_a_clear_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bot.toml"
    cfg.write_text("[rounds]\ngrace = 3\n")
    assert main(["db", "upgrade", "--config", str(cfg), "--db", str(tmp_path / "y.db")]) == 78  # EX_CONFIG
    assert f"{cfg}: [rounds] grace: unknown key" in capsys.readouterr().err


async def test_reports_lists_the_queue_and_marks_an_entry_fixed(tmp_path: Path, clock: FakeClock,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    from tests.conftest import make_app, member

    db = tmp_path / "r.db"
    app = make_app(f"sqlite:///{db}", clock)
    try:
        await app.engine.reports.add(member("ann"), "more-junior-choice", "Option B is misleading")
        await app.engine.practice.answer(member("bob"), "example-open-factory", text="A function makes the app.")
        await app.engine.practice.overrule(member("bob"), "example-open-factory")
    finally:
        app.close()
    assert main(["reports", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    assert "#1 question [open] more-junior-choice · ann (console)" in out and "Option B is misleading" in out
    assert "#2 overrule [open] example-open-factory · bob (console)" in out
    assert "answer: A function makes the app." in out and "2 open report(s)" in out
    assert main(["reports", "--fix", "1", "--db", str(db)]) == 0
    assert main(["reports", "--fix", "1", "--db", str(db)]) == 1  # no longer open
    capsys.readouterr()
    assert main(["reports", "--db", str(db)]) == 0
    assert "1 open report(s)" in capsys.readouterr().out
    assert main(["reports", "--all", "--kind", "question", "--db", str(db)]) == 0
    assert "#1 question [fixed]" in capsys.readouterr().out


def test_a_long_running_bot_tunes_the_garbage_collector() -> None:
    # In a child: the collector's settings are process-wide, and the test process keeps its own.
    import subprocess
    import sys

    from bot.runtime.builder import GC_THRESHOLD

    probe = ("import gc; from bot.runtime.builder import tune_runtime; tune_runtime(); "
             "print(gc.get_threshold(), gc.get_freeze_count() > 0)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parent.parent).stdout.strip()
    assert out == f"{GC_THRESHOLD} True"
