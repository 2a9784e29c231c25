"""Sync slash commands with Discord only when their definitions changed.

Syncing on every start spends a rate-limited call per scope and, globally, can take Discord a
while to roll out.  A fingerprint of the command tree per scope (global, or each development
guild) is kept in a small JSON file in the bot's data folder; a scope is synced when its
fingerprint differs.
"""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path
from typing import Any

import discord
from discord import app_commands

log = logging.getLogger(__name__)

FILE = ".drillbot-discord-commands.json"


def fingerprint(tree: app_commands.CommandTree[Any], guild: discord.abc.Snowflake | None = None) -> str:
    defs = sorted((c.to_dict(tree) for c in tree.get_commands(guild=guild)), key=lambda d: str(d["name"]))
    return hashlib.sha256(json.dumps(defs, sort_keys=True, default=str).encode()).hexdigest()


async def sync_if_changed(tree: app_commands.CommandTree[Any], *, application_id: int, dev_guilds: list[int],
                          state_dir: Path) -> list[str]:
    """Sync the scopes whose definitions changed since the last sync; return the scopes synced."""
    path = state_dir / FILE
    try:
        known: dict[str, str] = json.loads(path.read_text())
    except (OSError, ValueError):
        known = {}
    scopes: list[tuple[str, discord.Object | None]] = [("global", None)]
    if dev_guilds:
        # Development: commands go to these guilds only (instant updates), none globally.
        scopes = [(f"guild:{g}", discord.Object(g)) for g in dev_guilds]
        for _key, guild in scopes:
            tree.copy_global_to(guild=guild)  # type: ignore[arg-type]
    synced = []
    for key, guild in scopes:
        full_key = f"{application_id}:{key}"
        digest = fingerprint(tree, guild)
        if known.get(full_key) == digest:
            continue
        await tree.sync(guild=guild)
        known[full_key] = digest
        synced.append(key)
        log.info("slash commands synced (%s)", key)
    if synced:
        state_dir.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(known, indent=1, sort_keys=True))
        tmp.replace(path)
    return synced
