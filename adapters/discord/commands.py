"""The slash commands.

Discord cannot invoke a command that has subcommands bare, so ``/flask-quiz`` is a plain
command (practice, with optional topic and level) and every other feature is a sibling
top-level command; the admin ones are grouped under ``/flask-admin``, which Discord hides
from members without Manage Server (and ``Handlers.command`` checks again at run time).
"""

from __future__ import annotations

import dataclasses
import logging
import re
from collections.abc import Iterable
from functools import cache
from typing import Any
from zoneinfo import available_timezones

import discord
from discord import app_commands
from discord.app_commands import Choice

from adapters.discord import interview_flow, permissions
from adapters.discord.handlers import NONE, Interaction, View, handlers, member_of, place_of, too_long, well_typed
from adapters.discord.handlers import is_admin as permissions_admin
from bot import wording
from bot.config import DAYS
from bot.content import LEVELS
from bot.errors import UserError
from bot.members.limits import MAX_INPUT
from bot.sessions import interview as iv
from bot.sessions.rules import LiveOptions
from bot.views import Notice

log = logging.getLogger(__name__)

LEVEL_CHOICES = [Choice(name=lv, value=lv) for lv in LEVELS]
LEVEL_SETS = [Choice(name="all levels", value="all"), *LEVEL_CHOICES,
              Choice(name="junior and mid", value="junior,mid"), Choice(name="mid and senior", value="mid,senior")]
PERIODS = [Choice(name="this week", value="week"), Choice(name="this month", value="month"),
           Choice(name="all time", value="all")]
MAX_CHOICES = 25  # Discord: an autocomplete answer holds at most 25 choices
MAX_CHOICE = 100  # ... each name and value at most 100 characters
DAY_PRESETS = {"every day": ",".join(DAYS), "weekdays": "mon,tue,wed,thu,fri", "weekends": "sat,sun"}


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def _split(value: object) -> list[str]:
    return [v for v in re.split(r"[,\s]+", str(value or "").strip().lower()) if v]


def _text(value: object) -> str:
    """A string option as text, whatever type a forged interaction gave it."""
    return value.strip() if isinstance(value, str) else str(value).strip() if value is not None else ""


class DrillTree(app_commands.CommandTree[Any]):
    """The command tree, refusing what Discord would never send before any command runs.

    Discord checks options against the registered commands; a forged or stale interaction
    (a client with an old command list, a hand-made request through a proxy) is not checked,
    so this tree refuses direct messages, over-long options and autocomplete on options that
    have none, and turns every error discord.py raises about options (a choice never offered,
    a wrong type, a command that changed) into a private reply instead of a traceback.
    """

    async def interaction_check(self, interaction: Interaction, /) -> bool:
        data: Any = interaction.data or {}
        if interaction.type is discord.InteractionType.autocomplete:
            if interaction.guild_id is None or not well_typed(data) or not _autocompletes(self, interaction):
                await _no_suggestions(interaction)
                return False
            return True
        if interaction.guild_id is None:
            await _refuse(interaction, wording.GUILD_ONLY)
            return False
        if not well_typed(data):
            await _refuse(interaction, wording.BAD_OPTIONS)
            return False
        longest = too_long(data)
        if longest:
            await _refuse(interaction, wording.INPUT_TOO_LONG.format(length=longest, limit=MAX_INPUT))
            return False
        return True

    async def on_error(self, interaction: Interaction, error: app_commands.AppCommandError, /) -> None:
        if isinstance(error, app_commands.CommandInvokeError):
            log.error("command %s failed", interaction.command and interaction.command.qualified_name,
                      exc_info=error.original)
            await _refuse(interaction, wording.BAD_REQUEST)
            return
        # The member's input (or a forged interaction), not a fault of ours: a warning, no traceback.
        log.warning("interaction %s refused: %s: %s", interaction.id, type(error).__name__, error)
        if interaction.type is discord.InteractionType.autocomplete:
            await _no_suggestions(interaction)
        else:
            await _refuse(interaction, wording.BAD_OPTIONS)


def _autocompletes(tree: app_commands.CommandTree[Any], interaction: Interaction) -> bool:
    """The focused option exists, is a string, and its command suggests values for it."""
    data: Any = interaction.data or {}
    try:
        command, options = tree._get_app_command_options(data)
    except app_commands.AppCommandError:
        return False
    focused = next((o for o in options if isinstance(o, dict) and o.get("focused")), None)
    if focused is None or not isinstance(focused.get("value"), str):
        return False
    param = command._params.get(str(focused.get("name")))
    return param is not None and param.autocomplete is not None


async def _refuse(interaction: Interaction, text: str) -> None:
    try:
        if interaction.response.is_done():
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NONE)
        else:
            await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NONE)
    except discord.HTTPException as exc:
        log.warning("interaction %s: Discord refused our reply: %s", interaction.id, exc)


async def _no_suggestions(interaction: Interaction) -> None:
    try:
        if not interaction.response.is_done():
            await interaction.response.autocomplete([])
    except discord.HTTPException as exc:
        log.warning("interaction %s: Discord refused our suggestions: %s", interaction.id, exc)


# -- members ---------------------------------------------------------------------------------

@app_commands.command(name="flask-quiz", description="A private Flask practice question, picked by spaced "
                      "repetition.")
@app_commands.describe(topic="Only questions on this topic", level="Only questions of this level")
@app_commands.choices(level=LEVEL_CHOICES)
@app_commands.guild_only()
async def quiz(interaction: Interaction, topic: str | None = None, level: Choice[str] | None = None) -> None:
    h, m = handlers(interaction), member_of(interaction)
    await h.command(interaction, lambda: h.engine.practice.ask(m, topic=_text(topic) or None,
                                                              level=level.value if level else None))


@quiz.autocomplete("topic")
async def _topic(interaction: Interaction, current: str) -> list[Choice[str]]:
    titles = handlers(interaction).engine.library.topics()  # id -> title
    cur = current.lower()
    return [Choice(name=f"{title} ({t})"[:MAX_CHOICE], value=t) for t, title in sorted(titles.items())
            if cur in t.lower() or cur in title.lower()][:MAX_CHOICES]


@app_commands.command(name="flask-leaderboard", description="The top members and your own rank.")
@app_commands.describe(period="Which board (default: this week)")
@app_commands.choices(period=PERIODS)
@app_commands.guild_only()
async def leaderboard(interaction: Interaction, period: Choice[str] | None = None) -> None:
    h, m = handlers(interaction), member_of(interaction)
    p = period.value if period else "week"
    await h.command(interaction, lambda: h.engine.boards.leaderboard(m, "month" if p == "month" else "all" if p == "all"
                                                              else "week"))


@app_commands.command(name="flask-stats", description="Your answers, accuracy per topic, streaks and reviews due.")
@app_commands.guild_only()
async def stats(interaction: Interaction) -> None:
    h, m = handlers(interaction), member_of(interaction)
    await h.command(interaction, lambda: h.engine.boards.stats(m))


@app_commands.command(name="flask-help", description="What drillbot can do, with the topics and levels.")
@app_commands.guild_only()
async def help_(interaction: Interaction) -> None:
    h = handlers(interaction)

    async def show() -> View:
        return h.engine.help()
    await h.command(interaction, show)


@app_commands.command(name="flask-forget-me", description="Delete everything drillbot stores about you.")
@app_commands.guild_only()
async def forget_me(interaction: Interaction) -> None:
    h, m = handlers(interaction), member_of(interaction)
    await h.command(interaction, lambda: h.engine.members.forget(m), once=True)


@app_commands.command(name="flask-report", description="Tell the maintainers a question is wrong.")
@app_commands.describe(question="The question id (shown under every question)", reason="What is wrong with it")
@app_commands.guild_only()
async def report(interaction: Interaction, question: str, reason: app_commands.Range[str, 1, 1500]) -> None:
    await handlers(interaction).report(interaction, _text(question), _text(reason))


@app_commands.command(name="flask-live", description="A live group quiz in a thread: everyone answers, "
                      "a running score, a podium.")
@app_commands.describe(count="Questions (default 10, at most 30)", topics="Only these topics, comma-separated",
                       levels="Only these levels", seconds="Seconds per question (default 30)",
                       stop="Stop the live quiz running here (its starter or Manage Server)")
@app_commands.choices(levels=LEVEL_SETS)
@app_commands.guild_only()
async def live(interaction: Interaction, count: app_commands.Range[int, 1, 30] | None = None,
               topics: str | None = None, levels: Choice[str] | None = None,
               seconds: app_commands.Range[int, 10, 300] | None = None, stop: bool = False) -> None:
    h, m, place = handlers(interaction), member_of(interaction), place_of(interaction)
    admin_ = permissions_admin(interaction)

    async def work() -> View:
        if stop:
            session_id = await h.engine.live.current(place)
            if session_id is None:
                raise UserError(wording.LIVE_NONE_HERE)
            await h.engine.live.stop(m, session_id, is_admin=admin_)
            return Notice(wording.LIVE_STOPPED)
        defaults = LiveOptions()
        level_list = _split(levels.value) if levels and levels.value != "all" else []
        lobby = await h.engine.live.start(m, place, LiveOptions(
            count=count or defaults.count, topics=tuple(_split(topics)), levels=tuple(level_list),
            seconds=seconds or defaults.seconds), is_admin=admin_)
        return Notice(wording.LIVE_OPENED.format(when=f"<t:{int(lobby.starts_at.timestamp())}:R>"))
    # The lobby, its thread (or the podium and the summaries) wait on the pacer: defer first.
    await h.command(interaction, work, once=True, defer=True)


@live.autocomplete("topics")
async def _live_topics(interaction: Interaction, current: str) -> list[Choice[str]]:
    return topic_choices(current, handlers(interaction).engine.library.topics())


@app_commands.command(name="flask-interview", description="A private mock interview in your DMs, against the "
                      "clock: no feedback until the scorecard.")
@app_commands.describe(level="Junior, mid or senior (default mid)", length="Questions (default 6, 2 to 12)",
                       minutes="Minutes for the whole interview (default 20, 5 to 90)",
                       history="List your past scorecards", stop="End your running interview now")
@app_commands.choices(level=LEVEL_CHOICES)
@app_commands.guild_only()
async def interview(interaction: Interaction, level: Choice[str] | None = None,
                    length: app_commands.Range[int, 2, 12] | None = None,
                    minutes: app_commands.Range[int, 5, 90] | None = None, history: bool = False,
                    stop: bool = False) -> None:
    # Already running: the command shows its current question again instead of refusing.
    await interview_flow.command(handlers(interaction), interaction, member=member_of(interaction),
                                 place=place_of(interaction), level=level.value if level else "mid",
                                 length=length or iv.DEFAULT_LENGTH, minutes=minutes or iv.DEFAULT_MINUTES,
                                 history=history, stop=stop)


# -- admins ----------------------------------------------------------------------------------

admin = app_commands.Group(name="flask-admin", description="The daily question in this channel (Manage Server).",
                           default_permissions=discord.Permissions(manage_guild=True), guild_only=True)


@admin.command(name="schedule", description="Post a daily question in this channel at a local time.")
@app_commands.describe(time="24-hour local time, e.g. 09:30", timezone="IANA time zone, e.g. Europe/Berlin",
                       days="Days, e.g. mon,tue,wed,thu,fri (default: every day)",
                       window="Minutes the question takes answers (default 480)",
                       topics="Only these topics, comma-separated (default: all)", levels="Only these levels")
@app_commands.choices(levels=LEVEL_SETS)
async def schedule(interaction: Interaction, time: str, timezone: str, days: str | None = None,
                   window: app_commands.Range[int, 5, 7 * 24 * 60] | None = None, topics: str | None = None,
                   levels: Choice[str] | None = None) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        day_list = _split(DAY_PRESETS.get(_text(days).lower(), days)) or list(DAYS)
        level_list = _split(levels.value) if levels and levels.value != "all" else []
        view = await h.engine.schedules.set(place, time_of_day=_text(time), timezone=_text(timezone), days=day_list,
                                           window_minutes=window, topics=tuple(_split(topics)),
                                           levels=tuple(level_list), by=member_of(interaction))
        await h.service.rebuild()
        lacking = permissions.missing(interaction.app_permissions, threads=h.threads)
        if lacking:
            view = dataclasses.replace(view, warning=wording.MISSING_PERMISSIONS.format(missing=", ".join(lacking)))
        return view
    await h.command(interaction, work, admin=True)


@schedule.autocomplete("timezone")
async def _timezone(interaction: Interaction, current: str) -> list[Choice[str]]:
    cur = current.strip().lower().replace(" ", "_")
    starts = [z for z in _zones() if z.lower().startswith(cur) or z.lower().split("/")[-1].startswith(cur)]
    contains = [z for z in _zones() if cur in z.lower() and z not in starts]
    return [Choice(name=z, value=z) for z in (starts + contains)[:MAX_CHOICES]]


@schedule.autocomplete("days")
async def _days(interaction: Interaction, current: str) -> list[Choice[str]]:
    return [Choice(name=f"{k} ({v})", value=v) for k, v in DAY_PRESETS.items() if current.lower() in f"{k} {v}"]


@schedule.autocomplete("topics")
async def _topics(interaction: Interaction, current: str) -> list[Choice[str]]:
    return topic_choices(current, handlers(interaction).engine.library.topics())


def topic_choices(current: str, known: Iterable[str]) -> list[Choice[str]]:
    """Suggestions for a comma-separated topic list: what is typed so far plus one more topic.

    Within Discord's limits (a longer or 26th choice makes Discord refuse the whole answer): at most
    25 choices, each value at most 100 characters, never a topic already in the list.  A list too
    long for a suggestion can still be typed and sent as it is.
    """
    *done, last = current.split(",") if current else [""]
    chosen = list(dict.fromkeys(t.strip().lower() for t in done if t.strip()))
    prefix = ",".join(chosen)
    out: list[Choice[str]] = []
    for t in sorted(known):
        if t in chosen or not t.startswith(last.strip().lower()):
            continue
        value = f"{prefix},{t}" if prefix else t
        if len(value) > MAX_CHOICE:
            continue
        out.append(Choice(name=value, value=value))
        if len(out) == MAX_CHOICES:
            break
    return out


@admin.command(name="show", description="This channel's schedule and next post.")
async def show(interaction: Interaction) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        view = await h.engine.schedules.get(place)
        return view if view is not None else Notice(wording.NO_SCHEDULE, ok=False)
    await h.command(interaction, work, admin=True)


async def _pause(interaction: Interaction, paused: bool) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        notice = await h.engine.schedules.pause(place, paused)
        await h.service.rebuild()
        return notice
    await h.command(interaction, work, admin=True)


@admin.command(name="pause", description="Stop posting the daily question here until resumed.")
async def pause(interaction: Interaction) -> None:
    await _pause(interaction, True)


@admin.command(name="resume", description="Post the daily question here again.")
async def resume(interaction: Interaction) -> None:
    await _pause(interaction, False)


@admin.command(name="remove", description="Remove this channel's schedule.")
async def remove(interaction: Interaction) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        notice = await h.engine.schedules.remove(place)
        await h.service.rebuild()
        return notice
    await h.command(interaction, work, admin=True)


@admin.command(name="post-now", description="Post a daily question in this channel now.")
async def post_now(interaction: Interaction) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        return (await h.service.engine.rounds.post_now(place)).card
    # Posting waits its turn under the global rate limit: defer so the 3-second deadline holds.
    await h.command(interaction, work, admin=True, once=True, card_buttons=False, defer=True)


@admin.command(name="close", description="Close this channel's open question now and reveal the answer.")
async def close(interaction: Interaction) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        round_id = await h.engine.rounds.current(place)
        if round_id is None:
            raise UserError(wording.NO_OPEN_ROUND_HERE)
        closed = await h.service.engine.rounds.close(round_id)
        if closed is None:
            raise UserError(wording.ROUND_ALREADY_CLOSED)
        return closed.summary
    await h.command(interaction, work, admin=True, once=True, defer=True)


@admin.command(name="disputes", description="Disputed daily grades waiting for a decision.")
async def disputes(interaction: Interaction) -> None:
    h, place = handlers(interaction), place_of(interaction)
    await h.command(interaction, lambda: h.engine.disputes.pending(place), admin=True)


@admin.command(name="grant", description="Grant a disputed grade: the answer counts as correct.")
@app_commands.describe(number="The dispute's number, from /flask-admin disputes")
async def grant(interaction: Interaction, number: app_commands.Range[int, 1, 2_000_000_000]) -> None:
    await _decide(interaction, number, grant=True)


@admin.command(name="decline", description="Decline a disputed grade: the grade stands.")
@app_commands.describe(number="The dispute's number, from /flask-admin disputes")
async def decline(interaction: Interaction, number: app_commands.Range[int, 1, 2_000_000_000]) -> None:
    await _decide(interaction, number, grant=False)


@admin.command(name="model-grading", description="Let typed answers near the line go to the grading model.")
@app_commands.describe(enabled="On: answers leave this server for the model configured in bot.toml")
async def model_grading(interaction: Interaction, enabled: bool) -> None:
    h, place = handlers(interaction), place_of(interaction)
    await h.command(interaction, lambda: h.engine.members.model_grading(place, enabled), admin=True, once=True)


async def _decide(interaction: Interaction, number: int, *, grant: bool) -> None:
    h, place = handlers(interaction), place_of(interaction)

    async def work() -> View:
        decision = await h.engine.disputes.decide(place, number, grant=grant)
        await h.engine.rounds.tell(place, decision.member, decision.message)
        return decision.notice
    await h.command(interaction, work, admin=True, once=True, defer=True)


COMMANDS: tuple[Any, ...] = (quiz, leaderboard, stats, help_, forget_me, report, live, interview, admin)


def install(tree: app_commands.CommandTree[Any]) -> None:
    for cmd in COMMANDS:
        tree.add_command(cmd)
