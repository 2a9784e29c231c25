"""bot.toml: validated at start; every error names the file, the key and what is expected.

Secrets never live here: tokens come from environment variables only.
"""

from __future__ import annotations

import importlib.resources
import os
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SECRET_VARS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
               "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise ValueError."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r}; use an IANA name such as 'Europe/Berlin'") from None
    return name


def check_time(value: str) -> str:
    """Return ``value`` normalised to HH:MM if it is a 24-hour time, else raise ValueError."""
    m = re.fullmatch(r"(\d{1,2}):(\d{2})", value.strip())
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{value!r} is not a time; use 24-hour HH:MM such as '09:30'")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def check_days(days: list[str]) -> list[str]:
    out = []
    for d in days:
        key = d.strip().lower()[:3]
        if key not in DAYS:
            raise ValueError(f"{d!r} is not a day; use mon, tue, wed, thu, fri, sat, sun")
        if key not in out:
            out.append(key)
    if not out:
        raise ValueError("needs at least one day")
    return sorted(out, key=DAYS.index)


TimeZone = Annotated[str, AfterValidator(check_timezone)]
TimeOfDay = Annotated[str, AfterValidator(check_time)]
Days = Annotated[list[str], AfterValidator(check_days)]
Level = Literal["junior", "mid", "senior"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BotSection(_Section):
    content: str = "content"
    database: str = ""
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"


class RoundsSection(_Section):
    window_minutes: Annotated[int, Field(ge=5, le=7 * 24 * 60)] = 8 * 60
    grace_minutes: Annotated[int, Field(ge=0, le=24 * 60)] = 120
    low_pool_warning: Annotated[int, Field(ge=0)] = 10
    # Every process sweeps this often: closes overdue rounds and retries stale posts of any
    # process.  A process's claim on a post it works on lasts three sweeps unless renewed.
    sweep_seconds: Annotated[float, Field(ge=0.1, le=3600)] = 20.0


class ScoringSection(_Section):
    junior: Annotated[int, Field(ge=0, le=1000)] = 10
    mid: Annotated[int, Field(ge=0, le=1000)] = 20
    senior: Annotated[int, Field(ge=0, le=1000)] = 30


class LeaderboardSection(_Section):
    size: Annotated[int, Field(ge=1, le=50)] = 10
    timezone: TimeZone = "UTC"


class ScheduleSection(_Section):
    """A channel's daily round, seeded into the database if the channel has none yet."""

    platform: Literal["console", "discord", "slack"]
    community: str
    channel: str
    time: TimeOfDay
    timezone: TimeZone = "UTC"
    days: Days = list(DAYS)
    window_minutes: Annotated[int, Field(ge=5, le=7 * 24 * 60)] | None = None
    topics: list[str] = []
    levels: list[Level] = []


class ConsoleSection(_Section):
    user: str = ""
    channel: str = "daily"
    time: TimeOfDay = "09:00"
    timezone: TimeZone = "UTC"
    days: Days = list(DAYS)


class DiscordSection(_Section):
    """Discord adapter settings (the token comes from DISCORD_TOKEN)."""

    api_base_url: Annotated[str, Field(pattern=r"^https?://")] = "https://discord.com/api/v10"
    gateway_url: Annotated[str, Field(pattern=r"^wss?://")] = "wss://gateway.discord.gg"
    dev_guilds: list[int] = []  # sync commands to these guilds (instant) instead of globally
    shard_count: Annotated[int, Field(ge=0)] = 0  # 0: one shard, or Discord's recommendation when sharded
    shard_ids: list[Annotated[int, Field(ge=0)]] = []  # shards this process runs (empty: all)
    threads: bool = True  # open a discussion thread under each daily question
    broadcast_rate: Annotated[float, Field(gt=0, le=50)] = 48.0  # requests/s, under the global 50/s


class SlackSection(_Section):
    """Slack adapter settings (tokens come from SLACK_* environment variables)."""

    mode: Literal["socket", "http"] = "socket"
    host: str = "0.0.0.0"
    port: Annotated[int, Field(ge=0, le=65535)] = 3000
    api_base_url: Annotated[str, Field(pattern=r"^https?://")] = "https://slack.com/api/"
    admins: list[str] = []  # user ids allowed to administer, besides workspace admins and owners
    oauth: bool = False  # multi-workspace install (HTTP mode; SLACK_CLIENT_ID and SLACK_CLIENT_SECRET)
    post_interval: Annotated[float, Field(ge=0, le=60)] = 1.0  # seconds between posts to one channel


class Settings(_Section):
    bot: BotSection = BotSection()
    rounds: RoundsSection = RoundsSection()
    scoring: ScoringSection = ScoringSection()
    leaderboard: LeaderboardSection = LeaderboardSection()
    console: ConsoleSection = ConsoleSection()
    discord: DiscordSection = DiscordSection()
    slack: SlackSection = SlackSection()
    schedules: list[ScheduleSection] = []


@dataclass(frozen=True, slots=True)
class Config:
    """Validated settings plus the paths they resolve to and the secrets from the environment."""

    settings: Settings
    path: Path | None
    content_dir: Path
    database_url: str

    def secret(self, name: str) -> str | None:
        """A secret from the environment (never from bot.toml, never logged)."""
        assert name in SECRET_VARS
        value = os.environ.get(name, "").strip()
        return value or None


def bundled_content() -> Path:
    """The packs installed with the bot (a wheel), or those of the source checkout."""
    try:
        installed = Path(str(importlib.resources.files("drillbot_content")))
    except ModuleNotFoundError:
        installed = None
    if installed is not None and any(installed.glob("*/pack.toml")):
        return installed
    return Path(__file__).resolve().parent.parent / "content"


def _where(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    idx = [p for p in loc if isinstance(p, int)]
    if len(parts) > 1:
        head = f"[{parts[0]}" + (f"][{idx[0]}]" if idx else "]")
        return f"{head} {'.'.join(parts[1:])}"
    return parts[0] if parts else "(top level)"


def load_config(path: Path | None, *, database_url: str | None = None) -> Config:
    """Read and validate ``path`` (None: defaults only).  Relative paths resolve beside the file."""
    raw: dict[str, object] = {}
    base = Path.cwd()
    if path is not None:
        base = path.resolve().parent
        try:
            raw = tomllib.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"{path}: file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML: {exc}") from None
    try:
        settings = Settings.model_validate(raw)
    except ValidationError as err:
        lines = []
        for e in err.errors():
            msg = e["msg"].removeprefix("Value error, ")
            if e["type"] == "extra_forbidden":
                msg = "unknown key (check the spelling against the example bot.toml)"
            got = "" if e["type"] in ("extra_forbidden", "missing") else f" (got {e['input']!r})"
            lines.append(f"{path or 'bot.toml'}: {_where(tuple(e['loc']))}: {msg}{got}")
        raise ConfigError("\n".join(lines)) from None
    content = Path(settings.bot.content)
    content_dir = content if content.is_absolute() else base / content
    if path is None and not content_dir.is_dir():
        content_dir = bundled_content()
    url = (database_url or os.environ.get("DRILLBOT_DATABASE_URL") or settings.bot.database
           or f"sqlite:///{base / 'drillbot.db'}")
    return Config(settings, path, content_dir, url)
