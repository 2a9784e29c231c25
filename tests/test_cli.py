"""The `drillbot` command: help, version, content check, db upgrade, health."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot import __version__
from bot.cli import main
from tests.conftest import CONTENT, SAMPLE


@pytest.mark.parametrize("argv", [[], ["run"], ["console"], ["content"], ["content", "check"],
                                  ["content", "schema"], ["db"], ["db", "upgrade"], ["health"]])
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
    assert "0 problem(s)" in out


def test_content_check_reports_problems(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import shutil

    shutil.copytree(SAMPLE, tmp_path / "c")
    f = tmp_path / "c" / "sample" / "more.toml"
    f.write_text(f.read_text().replace('answer = "C"', 'answer = "Z"'))
    assert main(["content", "check", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM c/sample/more.toml: question 'more-senior-choice', field 'answer'" in out


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
