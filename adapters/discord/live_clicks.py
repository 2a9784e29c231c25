"""Inbound for live quizzes: the lobby's Join / Start / Stop buttons and the answer buttons.

Each click is one engine call (``engine.live``) with plain values and a private reply.  An
answer may end the question (every player answered), and Start posts the first question: both
then deliver through the pacer, so a reply that is not ready within ``DEFER_AFTER`` seconds is
deferred first (Discord wants an answer within 3 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

import discord

from adapters.discord import ids
from bot import wording
from bot.members.identity import Member
from bot.views import Notice

if TYPE_CHECKING:
    from bot.sessions.live import LiveSessions

T = TypeVar("T")
Interaction = discord.Interaction[Any]
Send = Callable[..., Awaitable[None]]
NONE = discord.AllowedMentions.none()
DEFER_AFTER = 2.0


async def in_time(interaction: Interaction, work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``; if it is not done in ``DEFER_AFTER`` s, defer the reply (ephemeral) meanwhile."""
    task = asyncio.ensure_future(work)
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


async def click(live: LiveSessions, interaction: Interaction, parsed: ids.LiveClick | ids.LiveAnswer, *,
                member: Member, admin: bool, send: Send) -> None:
    """One click; ``send(interaction, **message)`` is the handlers' reply (``Handlers.send``)."""
    match parsed:
        case ids.LiveAnswer(session_id=sid, index=index, choice=choice):
            locked = await in_time(interaction, live.answer(member, sid, index, choice))
            text = wording.LIVE_LOCKED_IN.format(chosen=locked.chosen, seconds=locked.elapsed_ms / 1000)
            await send(interaction, content=text, ephemeral=True, allowed_mentions=NONE)
        case ids.LiveClick(session_id=sid, action="join"):
            await _notice(send, interaction, await live.join(member, sid))
        case ids.LiveClick(session_id=sid, action="start"):
            await in_time(interaction, live.begin(member, sid, is_admin=admin))
            await _notice(send, interaction, Notice(wording.LIVE_STARTING_THREAD))
        case ids.LiveClick(session_id=sid, action="stop"):
            await in_time(interaction, live.stop(member, sid, is_admin=admin))
            await _notice(send, interaction, Notice(wording.LIVE_STOPPED))


async def _notice(send: Send, interaction: Interaction, notice: Notice) -> None:
    await send(interaction, content=notice.text, ephemeral=True, allowed_mentions=NONE)
