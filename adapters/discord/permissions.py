"""The channel permissions the bot needs, checked when a schedule is set (Discord drops what it may not send:
without Embed Links a daily post would show only its buttons)."""

from __future__ import annotations

import discord

# (attribute of discord.Permissions, the name Discord's settings show)
NEEDED: tuple[tuple[str, str], ...] = (
    ("view_channel", "View Channel"),
    ("send_messages", "Send Messages"),
    ("embed_links", "Embed Links"),
    ("read_message_history", "Read Message History"),  # finding a post whose answer was lost
)
FOR_THREADS: tuple[tuple[str, str], ...] = (
    ("create_public_threads", "Create Public Threads"),
    ("send_messages_in_threads", "Send Messages in Threads"),
)


def needed(*, threads: bool) -> tuple[tuple[str, str], ...]:
    return NEEDED + (FOR_THREADS if threads else ())


def missing(perms: discord.Permissions, *, threads: bool) -> list[str]:
    """The names of the needed permissions the bot lacks in a channel (administrator has them all)."""
    if perms.administrator:
        return []
    return [label for attr, label in needed(threads=threads) if not getattr(perms, attr)]


def invite_value(*, threads: bool = True) -> int:
    """The permissions integer for the invite link (docs/discord.md quotes it)."""
    return discord.Permissions(**{attr: True for attr, _ in needed(threads=threads)}).value
