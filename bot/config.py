"""bot.toml: validated at start; every error names the file, the key and what is expected.

Secrets never live here: tokens come from environment variables only.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import re
import tomllib
import zoneinfo
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Literal

import platformdirs
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from bot.errors import ConfigError

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DATA_DIR_VAR = "DRILLBOT_DATA_DIR"
SECRET_VARS = ("DISCORD_TOKEN", "SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET",
               "SLACK_CLIENT_ID", "SLACK_CLIENT_SECRET")


@functools.cache
def _zones() -> frozenset[str]:
    # The system's tz folder also lists files that are not zones of a place: drop them.
    return frozenset(zoneinfo.available_timezones() - {"localtime", "posixrules", "Factory"})


def _clip(value: object, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 4] + "...'"


def check_timezone(name: str) -> str:
    """Return ``name`` if it is an IANA time zone, else raise ValueError.

    Only the names in ``zoneinfo.available_timezones()``: ``ZoneInfo()`` alone also opens
    tzdata's folders (``Etc``, ``America``: IsADirectoryError), ``localtime`` and
    ``posixrules``, and raises OSError on a name too long for the file system.
    """
    if not isinstance(name, str) or name not in _zones():
        raise ValueError(f"unknown time zone {_clip(name)}; use an IANA name such as 'Europe/Berlin'")
    return name


def check_time(value: str) -> str:
    """Return ``value`` normalised to HH:MM if it is a 24-hour time, else raise ValueError."""
    m = re.fullmatch(r"([0-9]{1,2}):([0-9]{2})", value.strip()) if isinstance(value, str) else None
    if not m or int(m.group(1)) > 23 or int(m.group(2)) > 59:
        raise ValueError(f"{_clip(value)} is not a time; use 24-hour HH:MM such as '09:30'")
    return f"{int(m.group(1)):02d}:{m.group(2)}"


def check_days(days: list[str]) -> list[str]:
    out = []
    for d in days:
        key = d.strip().lower()[:3] if isinstance(d, str) else ""
        if key not in DAYS:
            raise ValueError(f"{_clip(d)} is not a day; use mon, tue, wed, thu, fri, sat, sun")
        if key not in out:
            out.append(key)
    if not out:
        raise ValueError("needs at least one day")
    return sorted(out, key=DAYS.index)


# ASCII digits only (`\d` and int() also take other scripts' digits), with lengths that keep every
# value inside timedelta's range.  Spaces between the parts only where `spaces` allows them.
_PARTS = (r"(?:(?P<d>[0-9]{1,4}){s}d)?{s}(?:(?P<h>[0-9]{1,5}){s}h)?{s}(?:(?P<m>[0-9]{1,6}){s}m(?:in)?)?")
_DURATION = {True: re.compile(_PARTS.replace("{s}", r"\s*"), re.ASCII),
             False: re.compile(_PARTS.replace("{s}", ""), re.ASCII)}
_MINUTES = re.compile(r"[0-9]{1,6}", re.ASCII)


def parse_duration(value: str, *, spaces: bool = True, bare_minutes: bool = False) -> timedelta:
    """'90m', '8h', '1d', '1h30m' (and '1d 2h' with ``spaces``; '90' as minutes with
    ``bare_minutes``) as a timedelta; ValueError otherwise."""
    t = value.strip().casefold()
    if bare_minutes and _MINUTES.fullmatch(t):
        return timedelta(minutes=int(t))
    m = _DURATION[spaces].fullmatch(t)
    if m is None or not any(m.groupdict().values()):
        raise ValueError(f"{value!r} is not a duration; write it like 90m, 8h, 1d or 1h30m")
    d, h, mi = (int(m[k] or 0) for k in ("d", "h", "m"))
    return timedelta(days=d, hours=h, minutes=mi)


def check_duration(value: str) -> str:
    parse_duration(value)
    return value


TimeZone = Annotated[str, AfterValidator(check_timezone)]
Duration = Annotated[str, AfterValidator(check_duration)]
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


class PracticeSection(_Section):
    """Spaced repetition for a once-a-day habit: learning steps of hours and days, not minutes."""

    learning_steps: Annotated[tuple[Duration, ...], Field(min_length=1, max_length=5)] = ("4h", "1d")
    relearning_steps: Annotated[tuple[Duration, ...], Field(max_length=5)] = ("1d",)
    desired_retention: Annotated[float, Field(ge=0.7, le=0.99)] = 0.9
    maximum_interval_days: Annotated[int, Field(ge=1, le=36500)] = 365


class GradingSection(_Section):
    """Optional model-assisted grading of open answers: off unless ``model_url`` is set and a community's
    admins opt in (answers then leave the server).  The key comes from the variable named by ``api_key_env``."""

    model_url: str = ""  # an OpenAI-compatible chat-completions URL, e.g. http://127.0.0.1:11434/v1/chat/completions
    model: str = ""
    api_key_env: Annotated[str, Field(pattern=r"^([A-Z][A-Z0-9_]{0,63})?$")] = ""
    timeout_seconds: Annotated[float, Field(gt=0, le=60)] = 8.0


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


class RateLimit(_Section):
    """A token bucket: ``burst`` actions at once, refilled at ``per_hour``."""

    burst: Annotated[int, Field(ge=1, le=100_000)]
    per_hour: Annotated[float, Field(gt=0, le=1_000_000)]


class LimitsSection(_Section):
    """Per-member limits (bot.members.limits): what one member may do, so no one fills the database."""

    reports: RateLimit = RateLimit(burst=5, per_hour=20)
    practice: RateLimit = RateLimit(burst=40, per_hour=720)  # questions asked plus answers given


class Settings(_Section):
    bot: BotSection = BotSection()
    rounds: RoundsSection = RoundsSection()
    scoring: ScoringSection = ScoringSection()
    practice: PracticeSection = PracticeSection()
    grading: GradingSection = GradingSection()
    leaderboard: LeaderboardSection = LeaderboardSection()
    console: ConsoleSection = ConsoleSection()
    discord: DiscordSection = DiscordSection()
    slack: SlackSection = SlackSection()
    limits: LimitsSection = LimitsSection()
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


def data_dir() -> Path:
    """Where the bot keeps its files when nothing else is configured: $DRILLBOT_DATA_DIR, else the
    platform's user data directory (e.g. ~/.local/share/drillbot), never the folder it was started in."""
    env = os.environ.get(DATA_DIR_VAR, "").strip()
    return Path(env) if env else Path(platformdirs.user_data_dir("drillbot", appauthor=False))


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
        except IsADirectoryError:
            raise ConfigError(f"{path}: is a folder; expected a bot.toml file") from None
        except PermissionError:
            raise ConfigError(f"{path}: cannot be read (permission denied)") from None
        except OSError as exc:
            raise ConfigError(f"{path}: cannot be read ({exc.strerror or exc})") from None
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save it as UTF-8") from None
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
    where = path or "bot.toml"
    _check_schedules(settings, where)
    content = Path(settings.bot.content)
    content_dir = content if content.is_absolute() else base / content
    # The default folder name falls back to the packs installed with the bot, so a bot.toml
    # copied away from the checkout (into a Docker volume, say) still finds them.
    if (path is None or settings.bot.content == BotSection().content) and not content_dir.is_dir():
        content_dir = bundled_content()
    if database_url:
        url, source = database_url, "--database"
    elif os.environ.get("DRILLBOT_DATABASE_URL"):
        url, source = os.environ["DRILLBOT_DATABASE_URL"], "DRILLBOT_DATABASE_URL"
    elif settings.bot.database:
        url, source = settings.bot.database, f"{where}: [bot] database"
    else:
        url, source = f"sqlite:///{data_dir() / 'drillbot.db'}", ""
    check_database_url(url, source)
    return Config(settings, path, content_dir, url)


def check_content_dir(config: Config) -> None:
    """Raise ConfigError naming ``[bot] content`` unless the content folder exists."""
    d = config.content_dir
    if not d.is_dir():
        where = config.path or "bot.toml"
        what = "is not a folder" if d.exists() else "not found"
        raise ConfigError(f"{where}: [bot] content: {d} {what}; expected the folder of question packs "
                          f"(a relative path is resolved beside {where})")


def _check_schedules(settings: Settings, where: object) -> None:
    """One schedule per channel: a second entry for the same channel would silently replace the first."""
    seen: dict[tuple[str, str, str], int] = {}
    for i, sc in enumerate(settings.schedules):
        key = (sc.platform, sc.community, sc.channel)
        if key in seen:
            raise ConfigError(f"{where}: [schedules][{i}]: channel {sc.channel!r} of {sc.platform} community "
                              f"{sc.community!r} already has a schedule in [schedules][{seen[key]}]; "
                              "a channel has one schedule")
        seen[key] = i


def check_database_url(url: str, source: str) -> None:
    """Raise ConfigError naming ``source`` unless ``url`` is a SQLAlchemy URL whose driver is installed."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError, NoSuchModuleError

    label = source or "the database URL"
    try:
        parsed = make_url(url)
        if parsed.get_backend_name() not in ("sqlite", "postgresql"):
            raise ConfigError(f"{label}: unsupported database kind {parsed.get_backend_name()!r}; "
                              "expected sqlite or postgresql")
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
            parsed = parsed.set(drivername="postgresql+psycopg")  # as bot.storage.db does
        dialect = parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(f"{label}: unknown database kind {url.split(':', 1)[0]!r}; "
                          "expected sqlite or postgresql") from None
    except ArgumentError:  # after its subclass above
        raise ConfigError(f"{label}: not a database URL; expected e.g. 'sqlite:///drillbot.db' or "
                          "'postgresql+psycopg://user@host/db'") from None
    try:
        dialect.import_dbapi()
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in ("psycopg", "psycopg_binary"):
            raise  # an optional extra: the CLI names it with the install command for this installation
        raise ConfigError(f"{label}: the database driver is not installed ({exc.name or exc})") from None
    except ImportError as exc:
        raise ConfigError(f"{label}: the database driver is not installed ({exc.name or exc})") from None
