"""Inbound for live quizzes: the lobby's Join / Start / Stop buttons and the answer buttons.

Each click is one engine call (``engine.live``) with plain values and a private reply.  An
answer may end the question (every player answered), and Start posts the first question: both
then deliver through the pacer, so a reply that is not ready within ``DEFER_AFTER`` seconds is
deferred first (Discord wants an answer within 3 s).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import TYPE_CHECKING, Any, TypeVar

from adapters.discord import ids
from adapters.discord.handlers import NONE, Interaction, is_admin, member_of
from bot import wording
from bot.views import Notice

if TYPE_CHECKING:
    from adapters.discord.handlers import Handlers

T = TypeVar("T")
DEFER_AFTER = 2.0


async def in_time(interaction: Interaction, work: Coroutine[Any, Any, T]) -> T:
    """Await ``work``; if it is not done in ``DEFER_AFTER`` s, defer the reply (ephemeral) meanwhile."""
    task = asyncio.ensure_future(work)
    done, _pending = await asyncio.wait({task}, timeout=DEFER_AFTER)
    if not done:
        await interaction.response.defer(ephemeral=True, thinking=True)
    return await task


async def click(h: Handlers, interaction: Interaction, parsed: ids.LiveClick | ids.LiveAnswer) -> None:
    live, member = h.engine.live, member_of(interaction)
    match parsed:
        case ids.LiveAnswer(session_id=sid, index=index, choice=choice):
            locked = await in_time(interaction, live.answer(member, sid, index, choice))
            text = wording.LIVE_LOCKED_IN.format(chosen=locked.chosen, seconds=locked.elapsed_ms / 1000)
            await h.send(interaction, content=text, ephemeral=True, allowed_mentions=NONE)
        case ids.LiveClick(session_id=sid, action="join"):
            await h.reply(interaction, await live.join(member, sid))
        case ids.LiveClick(session_id=sid, action="start"):
            await in_time(interaction, live.begin(member, sid, is_admin=is_admin(interaction)))
            await h.reply(interaction, Notice(wording.LIVE_STARTING))
        case ids.LiveClick(session_id=sid, action="stop"):
            await in_time(interaction, live.stop(member, sid, is_admin=is_admin(interaction)))
            await h.reply(interaction, Notice(wording.LIVE_STOPPED))
