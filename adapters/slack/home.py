"""Slack listeners beside the conversation handlers: the stop button under reminders.

Reminders arrive in the app's direct messages (``SlackPoster.remind``); each has a button
``reminder_stop_<kind>`` whose click turns that kind off and replaces the reminder with a
line saying how to turn it on again.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from adapters.slack import ids, render
from adapters.slack.handlers import Handlers
from bot import wording
from bot.errors import UserError
from bot.views import Notice, ReminderNote

log = logging.getLogger(__name__)
Body = dict[str, Any]
STOP = re.compile(r"^reminder_stop_(reviews|closing)$")


def reminder(note: ReminderNote) -> tuple[str, list[render.Block]]:
    """A reminder's text and blocks, with its stop button."""
    text = note.text.replace(f"#{note.channel_name}", f"<#{note.channel}>", 1) if note.channel else note.text
    if note.closes_at is not None:
        text += f" ({render.local_time(note.closes_at, '{time}')})"
    blocks = [render.md(text), {"type": "actions", "block_id": "reminder", "elements": [
        render.button(wording.REMIND_STOP[note.kind], f"reminder_stop_{note.kind}", note.community)]}]
    return text, blocks


class Home:
    """Listeners for reminders' buttons, over the conversation handlers' engine."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.engine = handlers.engine

    def register(self, app: AsyncApp) -> None:
        app.action(STOP)(self.on_stop)

    async def on_stop(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        await ack()
        kind = str(action.get("action_id", "")).removeprefix("reminder_stop_")
        try:
            notice = await self.engine.reminders.stop(ids.member(body), kind)
        except UserError as exc:
            notice = Notice(str(exc), ok=False)
        except Exception:
            log.exception("slack: stopping reminders failed")
            notice = Notice(wording.BAD_REQUEST, ok=False)
        try:
            await respond(text=notice.text, blocks=render.notice(notice), replace_original=True)
        except Exception as exc:
            log.warning("slack: could not confirm the stopped reminders: %s", exc)
