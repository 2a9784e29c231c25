"""bot.toml validation: every error names the file, the key and what is expected."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config import load_config
from bot.errors import ConfigError
from tests.conftest import ROOT


def write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "bot.toml"
    p.write_text(text)
    return p


def test_shipped_example_is_valid() -> None:
    cfg = load_config(ROOT / "bot.toml")
    assert cfg.content_dir == ROOT / "content"
    assert cfg.database_url.startswith("sqlite:///") and cfg.database_url.endswith("drillbot.db")


@pytest.mark.parametrize(("text", "expected"), [
    ("[rounds]\nwindow_minutes = 'soon'\n", "[rounds] window_minutes: Input should be a valid integer"),
    ("[rounds]\nwindow = 5\n", "[rounds] window: unknown key"),
    ("[leaderboard]\ntimezone = 'Mars/Base'\n", "[leaderboard] timezone: unknown time zone 'Mars/Base'"),
    ("[[schedules]]\nplatform='slack'\ncommunity='T1'\nchannel='C1'\ntime='25:00'\n",
     "[schedules][0] time: '25:00' is not a time"),
    ("[[schedules]]\nplatform='irc'\ncommunity='T1'\nchannel='C1'\ntime='09:00'\n",
     "[schedules][0] platform: Input should be 'console', 'discord' or 'slack'"),
    ("[bot]\ntoken = 'xoxb-123'\n", "[bot] token: unknown key"),
    ("[bot\n", "not valid TOML"),
])
def test_errors_name_file_key_and_expectation(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(path) in str(err.value)
    assert expected in str(err.value)


def test_secret_values_are_not_echoed(tmp_path: Path) -> None:
    path = write(tmp_path, "[bot]\ntoken = 'xoxb-very-secret'\n")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert "xoxb-very-secret" not in str(err.value)


def test_secrets_come_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = load_config(write(tmp_path, ""))
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    assert cfg.secret("DISCORD_TOKEN") is None
    monkeypatch.setenv("DISCORD_TOKEN", "abc")
    assert cfg.secret("DISCORD_TOKEN") == "abc"


def test_database_url_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DRILLBOT_DATABASE_URL", "postgresql://u@h/db")
    assert load_config(write(tmp_path, "")).database_url == "postgresql://u@h/db"


def test_durations_in_the_config_allow_spaces_and_refuse_what_no_timedelta_holds() -> None:
    from datetime import timedelta

    from bot.config import parse_duration
    assert parse_duration("1d 2h") == timedelta(days=1, hours=2)
    assert parse_duration("90min") == timedelta(minutes=90)
    for bad in ("99999999999d", "", "8x", "٨h", "90"):
        with pytest.raises(ValueError, match="is not a duration"):
            parse_duration(bad)
    assert parse_duration("90", bare_minutes=True) == timedelta(minutes=90)
