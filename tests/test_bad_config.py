"""Broken bot.toml files and packs through the `drillbot` command: a clear message, exit ≠ 0, no traceback.

Each message names the file, the key (or ``[schedules][i]``) and what is expected.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bot.runtime.cli import EXIT_CONFIG, main
from tests.conftest import ROOT, SAMPLE


def write(tmp: Path, body: str) -> Path:
    shutil.copytree(SAMPLE, tmp / "content", dirs_exist_ok=True)
    cfg = tmp / "bot.toml"
    cfg.write_text(f'[bot]\ncontent = "content"\ndatabase = "sqlite:///{tmp / "x.db"}"\n' + body)
    return cfg


SCHEDULE = '[[schedules]]\nplatform = "console"\ncommunity = "local"\nchannel = "daily"\ntime = "09:00"\n'

CASES = {
    "unknown topic": (SCHEDULE + 'topics = ["nope"]\n', "[schedules][0] topics: unknown topic(s) 'nope'"),
    "no question left": (SCHEDULE + 'topics = ["more"]\nlevels = ["mid"]\n', "[schedules][0]: no question matches"),
    "same channel twice": (SCHEDULE + SCHEDULE, "[schedules][1]: channel 'daily' of console community 'local' "
                                                "already has a schedule in [schedules][0]"),
    "time zone folder": ('[leaderboard]\ntimezone = "America"\n', "[leaderboard] timezone: unknown time zone"),
    "time zone file": ('[console]\ntimezone = "posixrules"\n', "[console] timezone: unknown time zone"),
    "schedule time zone": (SCHEDULE + 'timezone = "Etc"\n', "[schedules][0] timezone: unknown time zone"),
    "non-ASCII digits": (SCHEDULE.replace("09:00", "٠٩:٠٠"), "[schedules][0] time: '٠٩:٠٠' is not a time"),
    "limits": ("[limits.reports]\nburst = 0\nper_hour = 5\n", "[limits] reports.burst"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_broken_bot_toml_names_file_and_key(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    body, expected = CASES[case]
    cfg = write(tmp_path, body)
    assert main(["console", "--config", str(cfg)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"{cfg}: {expected}" in err, err
    assert "Traceback" not in err


@pytest.mark.parametrize(("url", "expected"), [
    ("nonsense", "[bot] database: not a database URL"),
    ("mysql://u@h/db", "[bot] database: unsupported database kind 'mysql'"),
    ("postgresql+nosuchdriver://u@h/db", "[bot] database: unknown database kind"),
    ("postgresql+asyncpg://u@h/db", "[bot] database: the database driver is not installed"),
])
def test_bad_database_url_names_bot_toml(url: str, expected: str, tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[bot]\ndatabase = "{url}"\n')
    assert main(["health", "--config", str(cfg)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"{cfg}: {expected}" in err and "Traceback" not in err
    assert "u@h" not in err  # the URL itself (it may hold a password) is not echoed


def test_a_config_that_is_not_utf8_a_folder_or_unreadable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    latin = tmp_path / "latin.toml"
    latin.write_bytes('[bot]\nlog_level = "INFO" # café\n'.encode("latin-1"))
    folder = tmp_path / "folder.toml"
    folder.mkdir()
    for path, expected in ((latin, "not UTF-8 text"), (folder, "is a folder; expected a bot.toml file")):
        assert main(["health", "--config", str(path)]) == EXIT_CONFIG
        err = capsys.readouterr().err
        assert f"{path}: {expected}" in err and "Traceback" not in err
    if os.geteuid() != 0:  # root reads anything
        locked = tmp_path / "locked.toml"
        locked.write_text("[bot]\n")
        locked.chmod(0)
        assert main(["health", "--config", str(locked)]) == EXIT_CONFIG
        assert f"{locked}: cannot be read (permission denied)" in capsys.readouterr().err


def test_a_missing_content_folder_names_the_key(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[bot]\ncontent = "packs"\ndatabase = "sqlite:///{tmp_path / "x.db"}"\n')
    assert main(["console", "--config", str(cfg)]) == EXIT_CONFIG
    err = capsys.readouterr().err
    assert f"{cfg}: [bot] content: {tmp_path / 'packs'} not found; expected the folder of question packs" in err


def test_a_folder_named_like_a_topic_file_in_a_pack(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    shutil.copytree(SAMPLE, tmp_path / "c")
    (tmp_path / "c" / "sample" / "x.toml").mkdir()
    (tmp_path / "c" / "sample" / "bad.toml").write_bytes(b'topic = "caf\xe9"\n')
    assert main(["content", "check", str(tmp_path / "c")]) == 1
    out = capsys.readouterr().out
    assert "PROBLEM c/sample/x.toml: is a folder; a pack holds .toml files, one per topic" in out
    assert "PROBLEM c/sample/bad.toml: not valid TOML" in out


def test_the_installed_command_exits_cleanly_too(tmp_path: Path) -> None:
    """Through the real `drillbot` script: a process, its exit code and its stderr."""
    cfg = write(tmp_path, SCHEDULE + SCHEDULE)
    exe = Path(sys.executable).parent / "drillbot"
    proc = subprocess.run([str(exe), "console", "--config", str(cfg)], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, cwd=ROOT, timeout=60, check=False)
    assert proc.returncode == EXIT_CONFIG
    assert "[schedules][1]" in proc.stderr and "Traceback" not in proc.stderr
