"""The live quiz's buttons on Slack: Join, Start and the answer buttons, translated to engine calls.

Each listener acknowledges first, then claims the delivery (a replay does nothing more), and
answers privately (ephemeral, never replacing the message clicked in).  A ``UserError`` (the
question closed, already answered, not the starter) is the reply; anything else is logged once
by ``Handlers._fail`` and the member told to try again.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids, render
from adapters.slack import live_render as lr
from adapters.slack.handlers import Body, Handlers
from bot import wording
from bot.errors import UserError
from bot.members.identity import Member
from bot.views import Notice

_SESSION = re.compile(r"[1-9][0-9]{0,18}")
_CHOICE = re.compile(r"([1-9][0-9]{0,18})\|([0-9]{1,2})\|([0-4])")


def session_value(action: Any) -> int:
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


Reply = Callable[[Member, Body, Any, AsyncWebClient], Awaitable[str]]


class LiveActions:
    """Listeners for a live session's buttons, over the conversation handlers' engine and helpers."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.live = handlers.engine.live

    def register(self, app: AsyncApp) -> None:
        t = self.handlers.tracked
        app.action(lr.JOIN_ID)(t(self.on_join))
        app.action(lr.START_ID)(t(self.on_start))
        app.action(re.compile(rf"^{lr.CHOICE_PREFIX}\d$"))(t(self.on_choice))

    async def on_join(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                      client: AsyncWebClient) -> None:
        await ack()
        await self._run(body, action, respond, client, self._join)

    async def on_start(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                       client: AsyncWebClient) -> None:
        await ack()
        await self._run(body, action, respond, client, self._start)

    async def on_choice(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()
        await self._run(body, action, respond, client, self._answer)

    async def _join(self, member: Member, body: Body, action: Any, client: AsyncWebClient) -> str:
        return (await self.live.join(member, session_value(action))).text

    async def _start(self, member: Member, body: Body, action: Any, client: AsyncWebClient) -> str:
        session_id = session_value(action)
        await self.live.begin(member, session_id, is_admin=await self.handlers._admin_or_not(client, member))
        return wording.LIVE_STARTING

    async def _answer(self, member: Member, body: Body, action: Any, client: AsyncWebClient) -> str:
        session_id, index, choice = choice_value(action)
        locked = await self.live.answer(member, session_id, index, choice)
        return wording.LIVE_LOCKED_IN.format(chosen=locked.chosen, seconds=locked.elapsed_ms / 1000)

    async def _run(self, body: Body, action: Any, respond: AsyncRespond, client: AsyncWebClient,
                   work: Reply) -> None:
        h = self.handlers
        try:
            key = f"act:{ids.trigger(body)}"
            if not await h._first(body, key):
                return  # a replay of a delivery already handled
            try:
                member = await h.people.named(client, ids.member(body))
                text = await work(member, body, action, client)
            except UserError:
                raise
            except Exception:
                await h._release(key)  # Slack's retry may do it
                raise
            await h._reply(respond, render.notice(Notice(text)), text)
        except UserError as exc:
            await h._refuse(respond, exc)
        except Exception:
            await h._fail(respond)
