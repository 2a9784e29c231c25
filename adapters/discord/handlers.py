"""Inbound: a Discord interaction → an engine call with plain values → a private reply.

One place maps errors to replies: a ``UserError`` is shown to the member, anything else is
logged with its traceback and answered with a short apology.
"""

from __future__ import annotations

import contextlib
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import discord

from adapters.discord import components, ids, interview_flow, live_clicks, render
from bot import wording
from bot.errors import NotAllowed, UserError
from bot.members.identity import Member, Place
from bot.members.limits import MAX_INPUT
from bot.runtime.inflight import InFlight
from bot.runtime.memo import Memo
from bot.runtime.service import Service
from bot.views import Feedback, Help, Leaderboard, Notice, QuestionCard, ScheduleView, Stats, Summary

log = logging.getLogger(__name__)

PLATFORM = "discord"
SORRY = "Something went wrong on our side; it has been logged. Please try again."
NONE = discord.AllowedMentions.none()
Interaction = discord.Interaction[Any]
View = QuestionCard | Leaderboard | Stats | Help | ScheduleView | Notice | Summary | Feedback
# Discord's limits on what a message may hold (a longer one is refused: 400, code 50035).
MAX_CONTENT = 2000
MAX_DESCRIPTION = 4096
MAX_FIELD = 1024
MAX_TITLE = 256


def clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def fit(kw: dict[str, Any]) -> dict[str, Any]:
    """Clip a message to Discord's limits, so a long echo of a member's text never loses the reply."""
    if isinstance(kw.get("content"), str):
        kw["content"] = clip(kw["content"], MAX_CONTENT)
    embed = kw.get("embed")
    if isinstance(embed, discord.Embed):
        if embed.title:
            embed.title = clip(embed.title, MAX_TITLE)
        if embed.description:
            embed.description = clip(embed.description, MAX_DESCRIPTION)
        for i, f in enumerate(embed.fields):
            embed.set_field_at(i, name=clip(f.name or "", MAX_TITLE), value=clip(f.value or "", MAX_FIELD),
                               inline=bool(f.inline))
    return kw


def well_typed(data: Any) -> bool:
    """Every option's value has the type its option type says (discord.py converts before any check:
    a number option holding ``":"`` raised ValueError inside discord.py, and the member got nothing)."""
    options = data.get("options") if isinstance(data, dict) else None
    if options is None:
        return True
    if not isinstance(options, list):
        return False
    for o in options:
        if not isinstance(o, dict) or not isinstance(o.get("name"), str):
            return False
        kind, value = o.get("type"), o.get("value")
        if kind in (1, 2):  # a subcommand or group: its own options
            if not well_typed(o):
                return False
            continue
        ok = {3: isinstance(value, str),
              4: isinstance(value, int) and not isinstance(value, bool),
              5: isinstance(value, bool),
              10: isinstance(value, int | float) and not isinstance(value, bool)}.get(
                  kind if isinstance(kind, int) else -1, False)
        if not ok:
            return False
    return True


def too_long(data: Any) -> int:
    """The length of the longest string option in an interaction's data (0 if none is too long)."""
    stack, longest = [data], 0
    while stack:
        node = stack.pop()
        if isinstance(node, dict):
            value = node.get("value")
            if isinstance(value, str) and len(value) > MAX_INPUT:
                longest = max(longest, len(value))
            stack += list(node.get("options") or []) + list(node.get("components") or [])
            if isinstance(node.get("component"), dict):
                stack.append(node["component"])
        elif isinstance(node, list):
            stack += node
    return longest


def member_of(interaction: Interaction) -> Member:
    u = interaction.user
    return Member(PLATFORM, str(interaction.guild_id or f"dm-{u.id}"), str(u.id), u.display_name)


def place_of(interaction: Interaction) -> Place:
    ch = interaction.channel
    name = getattr(ch, "name", None) or ""
    return Place(PLATFORM, str(interaction.guild_id or f"dm-{interaction.user.id}"),
                 str(interaction.channel_id), name)


def is_admin(interaction: Interaction) -> bool:
    """Manage Server, checked again at run time (Discord's default permissions can be overridden)."""
    perms = interaction.permissions
    return interaction.guild_id is not None and (perms.manage_guild or perms.administrator)


class Handlers:
    def __init__(self, service: Service, *, count_delay: float = 2.0) -> None:
        self.service = service
        self.count_delay = count_delay  # at most one live-count edit per round this often
        self.engine = service.engine
        self.threads = True  # the runner says whether daily posts open a thread (permissions to check)
        # Interactions seen lately, so a replayed delivery (resume) is answered once without a
        # database round trip; engine.members.claim() covers what must also hold across processes.
        self._seen: OrderedDict[int, None] = OrderedDict()
        # Practice cards hold nothing about the member (the engine shares one per question and
        # reason): their embed and (stopped, never stored) buttons are built once and reused.
        self._rendered: Memo[QuestionCard, tuple[discord.Embed, discord.ui.View]] = Memo()
        self.inflight = InFlight()  # drained on a graceful stop
        # Interview DMs go through the poster's pacer: the runner hands its delivery over.
        self.delivery: interview_flow.InterviewDelivery | None = None

    def first_delivery(self, interaction: Interaction) -> bool:
        if interaction.id in self._seen:
            return False
        self._seen[interaction.id] = None
        if len(self._seen) > 20_000:
            self._seen.popitem(last=False)
        return True

    async def claim(self, interaction: Interaction) -> bool:
        """True for the first delivery of a non-idempotent interaction, in any process."""
        return await self.engine.members.claim(PLATFORM, str(interaction.id))

    # -- replies --------------------------------------------------------------------------

    async def reply(self, interaction: Interaction, view: View, *, card_buttons: bool = True,
                    round_id: int | None = None) -> None:
        """Show a view privately to the member who asked."""
        kw: dict[str, Any] = {"ephemeral": True, "allowed_mentions": NONE}
        match view:
            case QuestionCard() if view.mode == "practice" and card_buttons:
                kw["embed"], kw["view"] = self._practice_card(view)
            case QuestionCard():
                kw["embed"] = render.question(view)
                if card_buttons:
                    kw["view"] = components.question_view(view)
            case Feedback():
                kw["embed"] = render.feedback(view)
                rating = components.feedback_view(view, round_id=round_id)
                if rating is not None:
                    kw["view"] = rating
            case Leaderboard():
                kw["embed"] = render.board(view)
            case Stats():
                kw["embeds"] = render.stats(view)
            case ScheduleView():
                kw["embed"] = render.schedule(view)
            case Help():
                kw["embed"] = render.help_embed(view)
            case Summary():
                kw["embed"] = render.summary(view)
            case Notice():
                kw["content"] = render.notice(view)
        await self.send(interaction, **kw)

    def _practice_card(self, card: QuestionCard) -> tuple[discord.Embed, discord.ui.View]:
        return self._rendered.get(card, lambda c: (fit({"embed": render.question(c)})["embed"],
                                                   components.question_view(c)))

    async def send(self, interaction: Interaction, **kw: Any) -> None:
        fit(kw)
        if interaction.response.is_done():
            await interaction.followup.send(**kw)
        else:
            await interaction.response.send_message(**kw)

    async def refuse(self, interaction: Interaction, text: str) -> None:
        """A private refusal; never raises (the interaction may already be answered or expired)."""
        try:
            await self.send(interaction, content=text, ephemeral=True, allowed_mentions=NONE)
        except discord.HTTPException as exc:
            log.warning("interaction %s: Discord refused our reply: %s", interaction.id, exc)

    async def guarded(self, interaction: Interaction, work: Awaitable[None], *, dm_ok: bool = False) -> None:
        """Run a handler; turn errors into private replies.  ``dm_ok``: it may come from a DM (an
        interview's buttons and form, which carry their guild)."""
        with self.inflight.track():
            await self._guarded(interaction, work, dm_ok=dm_ok)

    async def _guarded(self, interaction: Interaction, work: Awaitable[None], *, dm_ok: bool = False) -> None:
        try:
            if self.inflight.closing:  # a graceful stop is draining: take nothing new in
                raise UserError(wording.RESTARTING)
            if interaction.guild_id is None and not dm_ok:  # guild-only; a DM delivery is forged or stale
                raise UserError(wording.GUILD_ONLY)
            await work
        except UserError as exc:
            await self.refuse(interaction, str(exc))
        except discord.HTTPException as exc:
            log.warning("interaction %s: Discord refused our reply: %s", interaction.id, exc)
        except Exception:
            log.exception("interaction %s failed", interaction.id)
            with contextlib.suppress(discord.HTTPException):  # already answered, or the token expired
                await self.send(interaction, content=SORRY, ephemeral=True)
        finally:
            if isinstance(work, Coroutine):
                work.close()  # not awaited when refused up front: close it without a warning

    # -- buttons, forms and answers -------------------------------------------------------

    async def clicked(self, interaction: Interaction, parsed: ids.Parsed | None) -> None:
        """A button under a question, its custom id parsed once (None: not one the bot made)."""
        if not self.first_delivery(interaction):
            return
        # In a DM only an interview's buttons work; one the bot could not have made is refused as such.
        await self.guarded(interaction, self._clicked(interaction, parsed),
                           dm_ok=parsed is None or isinstance(parsed, ids.InterviewClick))

    async def _clicked(self, interaction: Interaction, parsed: ids.Parsed | None) -> None:
        match parsed:
            case ids.AnswerClick(ref=ref, choice=choice):
                await self._answer(interaction, ref, choice, None)
            case ids.OpenClick(ref=ref):
                lq = await self.engine.rounds.question_of(ref.round_id, ref.question_id)
                await interaction.response.send_modal(components.answer_form(ref, lq.q.prompt, lq.q.code))
            case ids.ReportClick(question_id=qid):
                await interaction.response.send_modal(components.report_form(qid))
            case ids.RateClick(question_id=qid, rating=rating):
                await self._rate(interaction, qid, rating)
            case ids.LiveClick() | ids.LiveAnswer():
                await live_clicks.click(self.engine.live, interaction, parsed, member=member_of(interaction),
                                        admin=is_admin(interaction), send=self.send)
            case ids.InterviewClick():
                await interview_flow.click(self, interaction, parsed)
            case ids.DisputeClick(round_id=round_id):
                if await self.claim(interaction):
                    await self.reply(interaction, await self.engine.disputes.file(member_of(interaction), round_id))
            case _:
                raise UserError(wording.BAD_BUTTON)

    async def _answer(self, interaction: Interaction, ref: ids.Ref, choice: int | None, text: str | None) -> None:
        member = member_of(interaction)
        if ref.round_id is not None:
            # No claim: the database allows one answer per member and round, so a replay is refused.
            fb = await self.engine.rounds.answer(member, ref.round_id, choice=choice, text=text,
                                                 where=place_of(interaction))
            await self.reply(interaction, fb, round_id=ref.round_id)
            self.service.engine.rounds.answered(ref.round_id, delay=self.count_delay)
            return
        if not await self.claim(interaction):
            return
        fb = await self.engine.practice.answer(member, ref.question_id or "", choice=choice, text=text)
        await self.reply(interaction, fb)

    async def _rate(self, interaction: Interaction, question_id: str, rating: str) -> None:
        """A rating button under practice feedback (or "I was right")."""
        if not await self.claim(interaction):
            return
        member, practice = member_of(interaction), self.engine.practice
        notice = (await practice.overrule(member, question_id) if rating == "right"
                  else await practice.rate(member, question_id, rating))
        await self.reply(interaction, notice)

    async def on_form(self, interaction: Interaction) -> None:
        """A submitted form (modal): an open answer or a report."""
        data: dict[str, Any] = dict(interaction.data or {})
        custom_id = data.get("custom_id")
        parsed = ids.parse(custom_id) if isinstance(custom_id, str) else None
        if parsed is None and not (isinstance(custom_id, str) and custom_id.startswith("drill:")):
            return  # not ours
        if not self.first_delivery(interaction):
            return
        text = components.form_text(data)
        await self.guarded(interaction, self._form(interaction, parsed, text),
                           dm_ok=parsed is None or isinstance(parsed, ids.InterviewForm))

    async def _form(self, interaction: Interaction, parsed: ids.Parsed | None, text: str) -> None:
        if len(text) > MAX_INPUT:
            raise UserError(wording.INPUT_TOO_LONG.format(length=len(text), limit=MAX_INPUT))
        match parsed:
            case ids.AnswerForm(ref=ref):
                await self._answer(interaction, ref, None, text)
            case ids.ReportForm(question_id=qid):
                await self._report(interaction, qid, text)
            case ids.InterviewForm():
                await interview_flow.form(self, interaction, parsed, text)
            case _:
                raise UserError(wording.BAD_BUTTON)

    async def report(self, interaction: Interaction, question_id: str, reason: str) -> None:
        """``/flask-report``: the question id as typed (checked by the engine) and the reason."""
        if not self.first_delivery(interaction):
            return
        await self.guarded(interaction, self._report(interaction, question_id, reason))

    async def _report(self, interaction: Interaction, question_id: str, reason: str) -> None:
        if await self.claim(interaction):
            notice = await self.engine.reports.add(member_of(interaction), question_id, reason)
            await self.reply(interaction, notice)

    # -- joining a server -----------------------------------------------------------------

    async def welcome_guild(self, guild: discord.Guild) -> None:
        """Say once, in the server's system channel (or the first it may post in), what the bot does."""
        try:
            channel = welcome_channel(guild)
            if channel is None:
                log.info("joined guild %s: no channel to welcome it in", guild.id)
                return
            if await self.engine.members.first_welcome(PLATFORM, f"guild:{guild.id}"):
                await channel.send(embed=render.welcome(), allowed_mentions=NONE)
        except Exception as exc:  # a welcome is a courtesy: never more than a warning
            log.warning("joined guild %s: the welcome failed: %s", guild.id, exc)

    # -- commands -------------------------------------------------------------------------

    async def command(self, interaction: Interaction, work: Callable[[], Awaitable[View]], *,
                      admin: bool = False, once: bool = False, card_buttons: bool = True,
                      defer: bool = False) -> None:
        """Run a slash command's engine call and show the result privately.

        ``admin``: refuse without Manage Server.  ``once``: the call changes something that a
        replayed delivery must not change twice (claimed in the database).  ``defer``: acknowledge
        first (the work may wait on rate limits longer than Discord's 3-second deadline).
        """
        if not self.first_delivery(interaction):
            return

        async def run() -> None:
            if admin and not is_admin(interaction):
                raise NotAllowed(wording.NOT_ADMIN)
            if defer:
                await interaction.response.defer(ephemeral=True, thinking=True)
            if once and not await self.claim(interaction):
                return
            await self.reply(interaction, await work(), card_buttons=card_buttons)

        await self.guarded(interaction, run())


def welcome_channel(guild: discord.Guild) -> discord.TextChannel | None:
    """The system channel, else the first text channel, where the bot may post an embed."""
    me = guild.me
    candidates = [guild.system_channel, *sorted(guild.text_channels, key=lambda c: c.position)]
    for ch in candidates:
        if ch is None:
            continue
        if me is None:
            return ch
        perms = ch.permissions_for(me)
        if perms.view_channel and perms.send_messages and perms.embed_links:
            return ch
    return None


def handlers(interaction: Interaction) -> Handlers:
    """The handlers serving this interaction's client."""
    h: Handlers = interaction.client.drill  # set on the client by adapters.discord.client
    return h
