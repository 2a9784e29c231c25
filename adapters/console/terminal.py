"""What the console needs from the machine: its time zone, a history file, the input lines."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator
from datetime import datetime, tzinfo
from pathlib import Path
from typing import TextIO
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.config import ConsoleSection


def local_zone() -> tzinfo:
    """The machine's zone: $TZ, else /etc/localtime's IANA name, else its current UTC offset."""
    names = [os.environ.get("TZ", "").removeprefix(":")]
    with contextlib.suppress(OSError):
        target = str(Path("/etc/localtime").resolve())
        if "zoneinfo/" in target:
            names.append(target.split("zoneinfo/", 1)[1])
    for name in names:
        if name:
            try:
                return ZoneInfo(name)
            except (ZoneInfoNotFoundError, ValueError):
                continue
    return datetime.now().astimezone().tzinfo or ZoneInfo("UTC")


def console_zone(section: ConsoleSection) -> tzinfo:
    """The [console] timezone when bot.toml sets one, else the machine's local zone."""
    if "timezone" in section.model_fields_set:
        return ZoneInfo(section.timezone)
    return local_zone()


def history_file() -> Path | None:
    """Where the prompt keeps its history (the user's data dir), or None when it cannot be written."""
    if os.name == "nt":
        base = Path(os.environ.get("APPDATA") or Path.home() / "AppData" / "Roaming")
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    folder = base / "drillbot"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "console-history"
        path.touch()
    except OSError:
        return None
    return path


async def lines(stream: TextIO) -> AsyncIterator[str]:
    """Lines of a pipe or file, read by a daemon thread so Ctrl-C or the end never waits for it."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[str | None] = asyncio.Queue()

    def put(item: str | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is reading any more
            loop.call_soon_threadsafe(queue.put_nowait, item)

    def read() -> None:
        try:
            for line in stream:
                put(line)
        except (OSError, ValueError):  # closed under us
            pass
        finally:
            put(None)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    while (line := await queue.get()) is not None:
        yield line
