"""The live quiz's buttons on Slack: Join, Start and the answer buttons, translated to engine calls.

Each listener acknowledges first; ``Handlers.reply_once`` then claims the delivery (a replay
does nothing more) and answers privately, never replacing the message clicked in.  A
``UserError`` (the question closed, already answered, not the starter, a forged value) is the
reply; anything else is logged once and the member told to try again.
"""

from __future__ import annotations

import re
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids
from adapters.slack import live_render as lr
from adapters.slack.handlers import Body, Handlers
from bot import wording
from bot.errors import NotAllowed
from bot.members.identity import Member

_SESSION = re.compile(r"[1-9][0-9]{0,18}")
_CHOICE = re.compile(r"([1-9][0-9]{0,18})\|([0-9]{1,2})\|([0-4])")


def session_value(action: Any) -> int:
    """A Join or Start button's session id."""
    value = action.get("value") if isinstance(action, dict) else None
    if not isinstance(value, str) or not _SESSION.fullmatch(value):
        raise ids.BadRequest("value")
    return int(value)


def choice_value(action: Any) -> tuple[int, int, int]:
    """An answer button's (session id, question index, option)."""
    value = action.get("value") if isinstance(action, dict) else None
    m = _CHOICE.fullmatch(value) if isinstance(value, str) else None
    if m is None:
        raise ids.BadRequest("value")
    return int(m[1]), int(m[2]), int(m[3])


class LiveActions:
    """Listeners for a live session's buttons, over the conversation handlers' engine."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.live = handlers.engine.live

    def register(self, app: AsyncApp) -> None:
        t = self.handlers.tracked  # counted while they run, so a graceful stop waits for them
        app.action(lr.JOIN_ID)(t(self.on_join))
        app.action(lr.START_ID)(t(self.on_start))
        app.action(re.compile(rf"^{lr.CHOICE_PREFIX}\d$"))(t(self.on_choice))

    async def on_join(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                      client: AsyncWebClient) -> None:
        await ack()

        async def join(member: Member) -> str:
            return (await self.live.join(member, session_value(action))).text
        await self.handlers.reply_once(body, respond, client, join)

    async def on_start(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                       client: AsyncWebClient) -> None:
        await ack()

        async def start(member: Member) -> str:
            session_id = session_value(action)
            try:
                await self.live.begin(member, session_id, is_admin=await self.handlers.admin_or_not(client, member))
            except NotAllowed:
                raise NotAllowed(wording.LIVE_BEGIN_NOT_ALLOWED) from None
            return wording.LIVE_STARTING
        await self.handlers.reply_once(body, respond, client, start)

    async def on_choice(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()

        async def answer(member: Member) -> str:
            session_id, index, choice = choice_value(action)
            locked = await self.live.answer(member, session_id, index, choice)
            return wording.LIVE_LOCKED_IN.format(chosen=locked.chosen, seconds=locked.elapsed_ms / 1000)
        await self.handlers.reply_once(body, respond, client, answer)
