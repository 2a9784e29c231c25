"""Slack listeners beside the conversation handlers: the admins' settings form in the App Home,
and the stop button under reminders.

The Home tab of an admin ends with a form (channel picker, time picker, time-zone select, day
checkboxes, answer window, topics, levels) and a Save button.  A Home tab has no submit of its
own: Slack sends the click as ``block_actions`` with the form's ``view.state.values``, which is
turned into the same ``schedules.set`` as ``/flask-quiz schedule set``; the tab is then published
again with the confirmation (the next three posts) under the form.

Reminders arrive in the app's direct messages (``SlackPoster.remind``); each has a button
``reminder_stop_<kind>`` whose click turns that kind off and replaces the reminder with a
line saying how to turn it on again.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids, render
from adapters.slack.handlers import PLATFORM, Handlers
from bot import wording
from bot.config import DAYS
from bot.errors import NotAllowed, UserError
from bot.members.identity import Member, Place
from bot.views import Notice, ReminderNote

log = logging.getLogger(__name__)
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
Body = dict[str, Any]
STOP = re.compile(r"^reminder_stop_(reviews|closing)$")
SAVE = "home_schedule_save"
# A static select holds at most 100 options: the zones most servers are in (and the chosen one).
ZONES = ("UTC", "Europe/London", "Europe/Dublin", "Europe/Lisbon", "Europe/Paris", "Europe/Berlin",
         "Europe/Madrid", "Europe/Rome", "Europe/Amsterdam", "Europe/Stockholm", "Europe/Warsaw", "Europe/Prague",
         "Europe/Zurich", "Europe/Vienna", "Europe/Athens", "Europe/Helsinki", "Europe/Kyiv", "Europe/Istanbul",
         "Europe/Moscow", "Africa/Lagos", "Africa/Cairo", "Africa/Johannesburg", "Africa/Nairobi", "Asia/Dubai",
         "Asia/Karachi", "Asia/Kolkata", "Asia/Dhaka", "Asia/Bangkok", "Asia/Jakarta", "Asia/Singapore",
         "Asia/Shanghai", "Asia/Hong_Kong", "Asia/Taipei", "Asia/Manila", "Asia/Seoul", "Asia/Tokyo",
         "Australia/Perth", "Australia/Adelaide", "Australia/Brisbane", "Australia/Sydney", "Pacific/Auckland",
         "America/St_Johns", "America/Halifax", "America/Sao_Paulo", "America/Argentina/Buenos_Aires",
         "America/Bogota", "America/Lima", "America/Mexico_City", "America/New_York", "America/Toronto",
         "America/Chicago", "America/Denver", "America/Phoenix", "America/Los_Angeles", "America/Vancouver",
         "America/Anchorage", "Pacific/Honolulu")
WINDOWS = (30, 60, 120, 240, 480, 720, 1440)
LEVEL_OPTIONS = ("junior", "mid", "senior")


@dataclass(frozen=True, slots=True)
class Chosen:
    """What the form holds (or is filled with)."""

    channel: str | None
    time_of_day: str
    timezone: str
    days: tuple[str, ...]
    window: int
    topics: tuple[str, ...]
    levels: tuple[str, ...]


def _option(text: str, value: str) -> render.Block:
    return {"text": {"type": "plain_text", "text": text[:75]}, "value": value}


def _input(block_id: str, label: str, element: render.Block, *, optional: bool = False) -> render.Block:
    return {"type": "input", "block_id": block_id, "optional": optional, "element": element,
            "label": {"type": "plain_text", "text": label}}


def form(c: Chosen, topics: Mapping[str, str]) -> list[render.Block]:
    """The admins' schedule form, filled with ``c``."""
    zones = ZONES if c.timezone in ZONES else (c.timezone, *ZONES)
    windows = sorted({*WINDOWS, c.window})
    day_options = [_option(name, d) for d, name in zip(DAYS, DAY_NAMES, strict=True)]
    topic_options = [_option(f"{title} ({t})", t) for t, title in sorted(topics.items())][:100]
    level_options = [_option(lv, lv) for lv in LEVEL_OPTIONS]
    channel: render.Block = {"type": "conversations_select", "action_id": "channel",
                             "filter": {"include": ["public", "private"], "exclude_bot_users": True}}
    if c.channel:
        channel["initial_conversation"] = c.channel
    topic_el: render.Block = {"type": "multi_static_select", "action_id": "topics", "options": topic_options,
                              "placeholder": {"type": "plain_text", "text": wording.HOME_ALL_TOPICS}}
    chosen_topics = [o for o in topic_options if o["value"] in c.topics]
    if chosen_topics:
        topic_el["initial_options"] = chosen_topics
    level_el: render.Block = {"type": "checkboxes", "action_id": "levels", "options": level_options}
    if c.levels:
        level_el["initial_options"] = [o for o in level_options if o["value"] in c.levels]
    zone_options = [_option(z, z) for z in zones]
    window_options = [_option(wording.duration(w), str(w)) for w in windows]
    return [
        {"type": "divider"},
        {"type": "header", "text": {"type": "plain_text", "text": wording.HOME_FORM_TITLE}},
        render.context(wording.HOME_FORM_HINT),
        _input("hs_channel", "Channel", channel),
        _input("hs_time", "Time", {"type": "timepicker", "action_id": "time", "initial_time": c.time_of_day}),
        _input("hs_tz", "Time zone", {"type": "static_select", "action_id": "tz", "options": zone_options,
                                      "initial_option": _option(c.timezone, c.timezone)}),
        _input("hs_days", "Days", {"type": "checkboxes", "action_id": "days", "options": day_options,
                                   "initial_options": [o for o in day_options if o["value"] in c.days]}),
        _input("hs_window", "Answers open for", {
            "type": "static_select", "action_id": "window", "options": window_options,
            "initial_option": _option(wording.duration(c.window), str(c.window))}),
        _input("hs_topics", "Topics (none: all)", topic_el, optional=True),
        _input("hs_levels", "Levels (none: all)", level_el, optional=True),
        {"type": "actions", "block_id": "hs_save", "elements": [
            render.button(wording.HOME_SAVE, SAVE, "save", style="primary")]},
    ]


def _picked(state: dict[str, Any], block: str, action: str) -> dict[str, Any]:
    entry = (state.get(block) or {}).get(action)
    return entry if isinstance(entry, dict) else {}


def _values(options: Any) -> tuple[str, ...]:
    return tuple(str(o.get("value")) for o in options if isinstance(o, dict)) if isinstance(options, list) else ()


def read(state: dict[str, Any], defaults: Chosen) -> Chosen:
    """The form's ``view.state.values`` as plain values (the engine checks them all again)."""
    channel = _picked(state, "hs_channel", "channel").get("selected_conversation")
    time_of_day = _picked(state, "hs_time", "time").get("selected_time")
    zone = (_picked(state, "hs_tz", "tz").get("selected_option") or {}).get("value")
    days = _values(_picked(state, "hs_days", "days").get("selected_options"))
    window = (_picked(state, "hs_window", "window").get("selected_option") or {}).get("value")
    if not days:
        raise UserError(wording.HOME_PICK_DAYS)
    if not isinstance(window, str) or not window.isdigit():
        window = str(defaults.window)
    return Chosen(channel=channel if isinstance(channel, str) and channel else None,
                  time_of_day=time_of_day if isinstance(time_of_day, str) else defaults.time_of_day,
                  timezone=zone if isinstance(zone, str) else defaults.timezone, days=days, window=int(window),
                  topics=_values(_picked(state, "hs_topics", "topics").get("selected_options")),
                  levels=_values(_picked(state, "hs_levels", "levels").get("selected_options")))


def reminder(note: ReminderNote) -> tuple[str, list[render.Block]]:
    """A reminder's text and blocks, with its stop button."""
    text = note.text.replace(f"#{note.channel_name}", f"<#{note.channel}>", 1) if note.channel else note.text
    if note.closes_at is not None:
        text += f" ({render.local_time(note.closes_at, '{time}')})"
    blocks = [render.md(text), {"type": "actions", "block_id": "reminder", "elements": [
        render.button(wording.REMIND_STOP[note.kind], f"reminder_stop_{note.kind}", note.community)]}]
    return text, blocks


class Home:
    """Listeners for the Home tab's settings form and reminders' buttons, over the handlers' engine."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.engine = handlers.engine
        handlers.home_extra = self.admin_blocks

    def register(self, app: AsyncApp) -> None:
        t = self.handlers.tracked  # counted while they run, so a graceful stop waits for them
        app.action(STOP)(t(self.on_stop))
        app.action(SAVE)(t(self.on_save))

    # -- the settings form ------------------------------------------------------------------

    async def admin_blocks(self, member: Member, client: AsyncWebClient) -> list[render.Block]:
        """What an admin's Home tab adds: the schedule form (nothing for other members)."""
        if not await self.handlers.is_admin(client, member):
            return []
        ids_ = await self.engine.members.resolve(member)
        return form(self._defaults(ids_.timezone), self.engine.library.topics())

    def _defaults(self, timezone: str) -> Chosen:
        return Chosen(channel=None, time_of_day="09:00", timezone=timezone, days=DAYS[:5],
                      window=self.engine.settings.rounds.window_minutes, topics=(), levels=())

    async def on_save(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        await ack()
        try:
            member = ids.member(body)
        except ids.BadRequest as exc:
            log.warning("slack: a Home form without a usable %s; ignored", exc.what)
            return
        try:
            state = ((body.get("view") or {}).get("state") or {}).get("values") or {}
            chosen = read(state if isinstance(state, dict) else {}, self._defaults("UTC"))
            outcome = await self._save(member, client, chosen)
        except UserError as exc:
            chosen, outcome = None, [render.md(f":warning: {render.esc(str(exc))}")]
        except Exception:
            log.exception("slack: saving the Home settings form failed")
            chosen, outcome = None, [render.md(":warning: " + render.esc(wording.BAD_REQUEST))]
        try:
            view = render.home(await self.engine.boards.stats(member))
            ids_ = await self.engine.members.resolve(member)
            if await self.handlers.is_admin(client, member):
                view["blocks"] += form(chosen or self._defaults(ids_.timezone), self.engine.library.topics())
            view["blocks"] += outcome
            await client.views_publish(user_id=member.user, view=view)
        except Exception:
            log.exception("slack: publishing the Home tab after a save failed")

    async def _save(self, member: Member, client: AsyncWebClient, chosen: Chosen) -> list[render.Block]:
        if not await self.handlers.is_admin(client, member):
            raise NotAllowed(wording.NOT_ADMIN)
        if chosen.channel is None:
            raise UserError(wording.HOME_PICK_CHANNEL)
        place = Place(PLATFORM, member.community, chosen.channel)
        view = await self.engine.schedules.set(
            place, time_of_day=chosen.time_of_day, timezone=chosen.timezone, days=chosen.days,
            window_minutes=chosen.window, topics=chosen.topics, levels=chosen.levels, by=member)
        await self.handlers.service.rebuild()
        return [render.md(wording.HOME_SAVED.format(channel=f"<#{chosen.channel}>")), *render.schedule(view)]

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
