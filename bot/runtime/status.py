"""The running bot's status file, which `drillbot health` (the Docker HEALTHCHECK) reads.

The bot rewrites it every ``INTERVAL`` seconds with each platform's connection state and
removes it when it stops cleanly.  A file older than ``MAX_AGE`` means the bot hangs or died
without cleaning up; a platform reported disconnected means it lost its connection.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

FILE_NAME = ".drillbot-status.json"
INTERVAL = 15.0
MAX_AGE = 90.0  # six missed updates: the event loop is stuck, or the process is gone


@dataclass(frozen=True, slots=True)
class PlatformState:
    name: str
    connected: bool
    ready: bool


def status_path(data_dir: Path) -> Path:
    return data_dir / FILE_NAME


def write(path: Path, database: str, platforms: list[PlatformState], *, now: float | None = None) -> None:
    """Replace the file atomically, so a health check never reads half of it."""
    payload = {
        "pid": os.getpid(),
        "database": database,
        "updated": time.time() if now is None else now,
        "platforms": {p.name: {"connected": p.connected, "ready": p.ready} for p in platforms},
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, path)


def remove(path: Path) -> None:
    """Remove the file if this process wrote it (another bot may share the data dir)."""
    with contextlib.suppress(OSError, ValueError):
        if json.loads(path.read_text(encoding="utf-8")).get("pid") == os.getpid():
            path.unlink()


def problems(path: Path, database: str, *, now: float | None = None, max_age: float = MAX_AGE) -> list[str] | None:
    """What is wrong according to the file: None when there is no file for ``database``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        return [f"{path}: unreadable status file ({exc})"]
    if not isinstance(data, dict) or not isinstance(data.get("platforms"), dict):
        return [f"{path}: not a drillbot status file"]
    if data.get("database") != database:
        return None  # another bot's (a different database): says nothing about this one
    out: list[str] = []
    age = (time.time() if now is None else now) - float(data.get("updated", 0))
    if age > max_age:
        out.append(f"the bot last reported {age:.0f} s ago (more than {max_age:.0f} s): it hangs or has died")
    for name, state in sorted(data["platforms"].items()):
        if not (isinstance(state, dict) and state.get("connected") and state.get("ready")):
            out.append(f"{name}: not connected")
    return out


def summary(path: Path) -> str:
    """One line for `drillbot health`'s ok message."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return ", ".join(f"{name} connected" for name in sorted(data["platforms"]))
