"""Inbound: slash command, buttons, the answer modal and the Home tab, translated to engine calls.

Every listener acknowledges first and does the slow work afterwards (Slack
wants the ack within 3 seconds).  Each delivery is then claimed once
(``engine.claim``), so Slack's retries of the same request do nothing more.
Listeners catch their own errors: an exception raised right after ``ack()``
could replace the ack in Bolt's HTTP path.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.async_app import AsyncApp, AsyncBoltContext
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from adapters.slack import ids, interview_render, render
from adapters.slack.names import Names
from adapters.slack.people import People
from bot import wording
from bot.content import LEVELS
from bot.errors import DrillError, NotAllowed, UserError
from bot.members.identity import Member, Place
from bot.members.limits import MAX_INPUT
from bot.members.members import home_target
from bot.runtime import commands, dispatch
from bot.runtime.inflight import InFlight
from bot.runtime.memo import Memo
from bot.runtime.service import Service
from bot.sessions.views import InterviewHistory, InterviewOver, InterviewQuestion, Lobby
from bot.views import Feedback, Help, Leaderboard, Notice, QuestionCard, ScheduleView, Stats, Summary

log = logging.getLogger(__name__)
PLATFORM = "slack"
ADMIN_COMMANDS = (commands.Daily, commands.SetSchedule, commands.PauseSchedule, commands.RemoveSchedule,
                  commands.CloseRound, commands.ShowDisputes, commands.DecideDispute, commands.ModelGrading,
                  *commands.ADMIN_SETTINGS)
# Bolt's HTTP path polls for the ack every 10 ms; letting that poll send the response before
# starting database work keeps a burst of slow work from delaying other members' acks.
AFTER_ACK = 0.012
ADMIN_TTL = 300.0  # seconds a users.info answer about admin rights is trusted
HTTP_TIMEOUT = 30.0  # seconds for any one request to Slack (slack-sdk's own default)
Body = dict[str, Any]


class Handlers:
    """The listeners of one Bolt app, over one engine service."""

    def __init__(self, service: Service, *, admins: list[str]) -> None:
        self.service = service
        self.engine = service.engine
        self.admins = set(admins)
        self.people = People()
        self.names = Names(self.people, self.engine.members.rename)
        self._session: aiohttp.ClientSession | None = None
        self.home_extra: Callable[[Member, AsyncWebClient], Awaitable[list[render.Block]]] | None = None
        # ``interview ...`` commands (adapters.slack.interview: they open a modal with the trigger_id).
        self.interview_command: Callable[[commands.Interview, Member, Place, Body, AsyncWebClient],
                                         Awaitable[tuple[list[render.Block], str]]] | None = None
        self.inflight = InFlight()  # drained on a graceful stop
        # Practice cards hold nothing about the member (the engine shares one per question and
        # reason): their blocks are built once and sent to everyone who draws them.
        self._rendered: Memo[QuestionCard, tuple[list[render.Block], str]] = Memo()

    def register(self, app: AsyncApp) -> None:
        t = self.tracked
        app.command(wording.COMMAND)(t(self.on_command))
        app.action(re.compile(r"^(practice|daily)_choice_\d$"))(t(self.on_choice))
        app.action(re.compile(r"^(practice|daily)_open$"))(t(self.on_open))
        app.action("home_practice")(t(self.on_home_practice))
        app.action(re.compile(r"^practice_rate_(again|hard|good|easy|right)$"))(t(self.on_rate))
        app.action("daily_dispute")(t(self.on_dispute))
        app.view(render.MODAL)(t(self.on_modal))
        app.event("app_home_opened")(t(self.on_home_opened))
        app.event("member_joined_channel")(t(self.on_member_joined))

    def tracked(self, listener: Any) -> Any:
        """The listener, counted while it runs (Bolt reads its parameters through ``__wrapped__``)."""
        @functools.wraps(listener)
        async def run(**kwargs: Any) -> None:
            with self.inflight.track():
                await listener(**kwargs)
        return run

    # -- helpers --------------------------------------------------------------------------

    async def _first(self, body: Body, key: str) -> bool:
        """After the ack has gone out, claim the delivery: False when it was already handled (a retry)."""
        await asyncio.sleep(AFTER_ACK)
        return await self.engine.members.claim(PLATFORM, key)

    async def _release(self, key: str) -> None:
        """The claimed work failed: let Slack's retry of the delivery do it."""
        try:
            await self.engine.members.release(PLATFORM, key)
        except Exception:
            log.exception("could not release the claim on %s", key)

    async def is_admin(self, client: AsyncWebClient, member: Member) -> bool:
        """Listed in bot.toml, or a workspace admin or owner (users.info, cached for a few minutes)."""
        if member.user in self.admins:
            return True
        try:
            user = await self.people.info(client, member, max_age=ADMIN_TTL)
        except Exception as exc:  # Slack down, rate limited, token revoked: refuse, never guess
            log.warning("slack: users.info for %s failed during an admin check: %s", member.user, exc)
            raise NotAllowed(wording.ADMIN_CHECK_FAILED) from None
        return bool(user.get("is_admin") or user.get("is_owner") or user.get("is_primary_owner"))

    async def admin_or_not(self, client: AsyncWebClient, member: Member) -> bool:
        """``is_admin``, but False (not a refusal) when Slack cannot say: for commands anyone may use."""
        try:
            return await self.is_admin(client, member)
        except NotAllowed:
            return False

    async def reply_once(self, body: Body, respond: AsyncRespond, client: AsyncWebClient,
                         work: Callable[[Member], Awaitable[str]]) -> None:
        """After the ack: claim the delivery (a replay does nothing), run ``work`` for the named member
        and reply its text privately; a ``UserError`` is the reply, anything else is logged once."""
        try:
            key = f"act:{ids.trigger(body)}"
            if not await self._first(body, key):
                return
            try:
                text = await work(await self.named(client, ids.member(body)))
            except UserError:
                raise
            except Exception:
                await self._release(key)  # Slack's retry may do it
                raise
            await self._reply(respond, render.notice(Notice(text)), text)
        except UserError as exc:
            await self._refuse(respond, exc)
        except Exception:
            await self._fail(respond)

    async def _reply(self, respond: AsyncRespond, blocks: list[render.Block], text: str) -> None:
        """Ephemeral, and never replacing the message the member clicked in.

        Sent on the shared HTTP session (``http``): Bolt's ``respond`` opens a new session (and
        connection) per reply, which under a burst costs the event loop more than the reply.
        """
        if respond.response_url is None:
            await respond(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)
            return
        hook = AsyncWebhookClient(respond.response_url, session=self.http())
        await hook.send(text=text, blocks=blocks, response_type="ephemeral", replace_original=False)

    def http(self) -> aiohttp.ClientSession:
        """The app's one HTTP session, for replies and Web API calls alike, so connections are kept
        alive and reused: slack-sdk's clients (and Bolt's ``respond``) open a session, and a new
        connection, per call unless given one; made on first use, in the running loop."""
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=HTTP_TIMEOUT))
        return self._session

    async def named(self, client: AsyncWebClient, member: Member) -> Member:
        """The member under the name Slack shows, for what shows names (boards, stats, lobbies):
        after the lookups already asked for have landed (``Names.settled``, bounded), so no one
        is shown under a name being looked up; the member's own, if not known, is looked up now."""
        await self.names.settled()
        return self.people.known_name(member) or await self.people.named(client, member)

    async def close(self) -> None:
        await self.names.close()
        if self._session is not None:
            await self._session.close()

    # -- the slash command ----------------------------------------------------------------

    async def on_command(self, ack: AsyncAck, body: Body, respond: AsyncRespond, client: AsyncWebClient) -> None:
        await ack()
        try:
            key = f"cmd:{ids.trigger(body)}"
            if not await self._first(body, key):
                return
            try:
                blocks, text = await self.command(body, client)
            except Exception:
                await self._release(key)
                raise
            await self._reply(respond, blocks, text)
        except UserError as exc:
            await self._refuse(respond, exc)
        except Exception:
            await self._fail(respond)

    async def command(self, body: Body, client: AsyncWebClient) -> tuple[list[render.Block], str]:
        """Run ``/flask-quiz <text>``; returns what to show the member."""
        member = ids.member(body)
        name = body.get("channel_name", "")
        place = Place(PLATFORM, member.community, ids.slack_id(body.get("channel_id"), "channel_id"),
                      name if isinstance(name, str) else "")
        text = body.get("text", "")
        if not isinstance(text, str):
            raise ids.BadRequest("text")
        if len(text) > MAX_INPUT:  # before parsing: the tokenizer is quadratic on pathological input
            return self._notice(wording.INPUT_TOO_LONG.format(length=len(text), limit=MAX_INPUT))
        try:
            cmd = commands.parse(text, topics=self.engine.library.topic_ids, levels=LEVELS)
            if isinstance(cmd, commands.ShowHelp):
                return render.help_blocks(self.engine.help(), cmd.unknown), "Help"
            admin = isinstance(cmd, ADMIN_COMMANDS) and await self.is_admin(client, member)
            if isinstance(cmd, commands.Live):  # the starter needs no rights: a failed check only means "not admin"
                admin = await self.admin_or_not(client, member)
            # After the admin check (one users.info). A practice question shows no name: the
            # member's is looked up after the reply (adapters.slack.names).
            member = (self.names.now(client, member) if isinstance(cmd, commands.Practice)
                      else await self.named(client, member))
            if isinstance(cmd, commands.Interview) and self.interview_command is not None:
                return await self.interview_command(cmd, member, place, body, client)
            view = await dispatch.run(self.service, cmd, member=member, place=place, is_admin=admin)
        except (commands.ParseError, DrillError) as exc:
            return self._notice(str(exc))
        return self.show(view)

    @staticmethod
    def _notice(text: str) -> tuple[list[render.Block], str]:
        return render.notice(Notice(text, ok=False)), text

    def show(self, view: dispatch.View) -> tuple[list[render.Block], str]:
        match view:
            case QuestionCard() if view.mode == "practice":
                blocks, text = self._rendered.get(view, lambda c: (render.question(c), render.question_text(c)))
                return list(blocks), text  # a list of its own for the caller; the blocks are shared, never changed
            case QuestionCard():
                return render.notice(Notice(render.POSTED)), render.POSTED
            case Leaderboard():
                return render.board(view), f"Leaderboard · {view.label}"
            case Stats():
                return render.stats(view), f"Stats for {view.name}"
            case ScheduleView():
                return render.schedule(view), "Schedule"
            case Help():
                return render.help_blocks(view), "Help"
            case Summary():
                return render.notice(Notice(render.summary_text(view))), render.summary_text(view)
            case Notice():
                return render.notice(view), view.text
            case Lobby():  # the lobby itself is in the channel (adapters.slack.live)
                return render.notice(Notice(wording.LIVE_LOBBY_POSTED)), wording.LIVE_LOBBY_POSTED
            case InterviewQuestion():  # the question itself is in a modal (adapters.slack.interview)
                return interview_render.open_reply(view)
            case InterviewOver():
                return interview_render.scorecard(view), interview_render.scorecard_text(view)
            case InterviewHistory():
                return interview_render.history(view), interview_render.history_text(view)
        raise AssertionError(f"no rendering for {view!r}")

    # -- answering ------------------------------------------------------------------------

    async def on_choice(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                        client: AsyncWebClient) -> None:
        await ack()
        daily = str(action.get("action_id", "")).startswith("daily")
        key = ""
        try:
            key = f"act:{ids.trigger(body)}"
            # A daily answer is not claimed: the database keeps one answer per member and round,
            # and a repeat shows the stored answer's feedback (a claim committed before the answer
            # lost the answer when the process died in between).
            if not await self._claim_unless(daily, body, key):
                return
            ref, index = ids.choice_value(action, daily=daily)
            try:
                member = self.names.now(client, ids.member(body))  # feedback shows no name
                fb = await self.answer(member, ref, index, None, channel=ids.channel_of(body))
            except UserError:
                raise
            except Exception:
                if not daily:
                    await self._release(key)
                raise
            await self._reply(respond, render.feedback(fb, round_id=ref.round_id), render.feedback_text(fb))
        except UserError as exc:
            await self._reply(respond, render.notice(Notice(str(exc), ok=False)), str(exc))
        except Exception:
            await self._fail(respond)

    async def _claim_unless(self, daily: bool, body: Body, key: str) -> bool:
        if daily:
            await asyncio.sleep(AFTER_ACK)  # still let the ack go out first
            return True
        return await self._first(body, key)

    async def on_rate(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        """A rating button under practice feedback (or "I was right")."""
        await ack()
        try:
            if not await self._first(body, f"act:{ids.trigger(body)}"):
                return
            rating = str(action.get("action_id", "")).removeprefix("practice_rate_")
            member, practice = ids.member(body), self.engine.practice
            qid = ids.ref(action.get("value"), daily=False).question_id or ""
            notice = (await practice.overrule(member, qid) if rating == "right"
                      else await practice.rate(member, qid, rating))
            await self._reply(respond, render.notice(notice), notice.text)
        except UserError as exc:
            await self._reply(respond, render.notice(Notice(str(exc), ok=False)), str(exc))
        except Exception:
            await self._fail(respond)

    async def on_dispute(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond) -> None:
        """"Dispute this grade" under daily feedback: the answer goes to the workspace's admins."""
        await ack()
        try:
            if not await self._first(body, f"act:{ids.trigger(body)}"):
                return
            round_id = ids.ref(action.get("value"), daily=True).round_id or 0
            notice = await self.engine.disputes.file(ids.member(body), round_id)
            await self._reply(respond, render.notice(notice), notice.text)
        except UserError as exc:
            await self._refuse(respond, exc)
        except Exception:
            await self._fail(respond)

    async def answer(self, member: Member, ref: ids.Ref, choice: int | None, text: str | None, *,
                     channel: str | None) -> Feedback:
        """``channel``: where Slack says the answer was given (the round's own channel may be shared)."""
        if ref.round_id is not None:
            where = Place(PLATFORM, member.community, channel) if channel else None
            fb = await self.engine.rounds.answer(member, ref.round_id, choice=choice, text=text, where=where)
            self.service.engine.rounds.answered(ref.round_id)  # the post's live count, throttled
            return fb
        return await self.engine.practice.answer(member, ref.question_id or "", choice=choice, text=text)

    async def on_open(self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient,
                      respond: AsyncRespond) -> None:
        await ack()
        try:
            trigger_id = ids.trigger(body)
            if not await self._first(body, f"act:{trigger_id}"):
                return
            daily = str(action.get("action_id", "")).startswith("daily")
            ref = ids.open_value(action, daily=daily)
            lq = await self.engine.rounds.question_of(ref.round_id, ref.question_id)
            prompt, code = lq.q.prompt, lq.q.code
            url = body.get("response_url", "")
            meta = {"mode": "daily" if daily else "practice", "ref": ids.encode(ref),
                    "url": url if isinstance(url, str) else "", "channel": ids.channel_of(body) or ""}
            await client.views_open(trigger_id=trigger_id, view=render.answer_modal(prompt, meta, code=code))
        except UserError as exc:
            await self._refuse(respond, exc)
        except Exception:
            await self._fail(respond)

    async def on_modal(self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient) -> None:
        # Everything is read before the ack: a bad field is then an error in the modal, not a lost answer.
        try:
            meta, member = ids.meta(view), ids.member(body)
            view_id = ids.slack_id(view.get("id"), "view.id")
            values = (view.get("state") or {}).get("values") or {}
            value = (values.get(render.ANSWER_BLOCK) or {}).get(render.ANSWER_INPUT) or {}
            text = value.get("value") or ""
            if not isinstance(text, str):
                raise ids.BadRequest("value")
            text = text.strip()
        except (ids.BadRequest, AttributeError):
            await ack(response_action="errors", errors={render.ANSWER_BLOCK: wording.BAD_REQUEST})
            return
        if not text:
            await ack(response_action="errors", errors={render.ANSWER_BLOCK: wording.TYPE_ANSWER})
            return
        if len(text) > MAX_INPUT:
            await ack(response_action="errors", errors={render.ANSWER_BLOCK: wording.INPUT_TOO_LONG.format(
                length=len(text), limit=MAX_INPUT)})
            return
        await ack()  # closes the modal; the feedback arrives as an ephemeral message
        daily = meta.ref.round_id is not None
        key = f"view:{view_id}:{view.get('hash', '')}"
        try:
            if not await self._claim_unless(daily, body, key):
                return
            member = self.names.now(client, member)  # feedback shows no name
            fb = await self.answer(member, meta.ref, None, text, channel=meta.channel or None)
            blocks, fallback = render.feedback(fb, round_id=meta.ref.round_id), render.feedback_text(fb)
        except UserError as exc:
            blocks, fallback = render.notice(Notice(str(exc), ok=False)), str(exc)
        except Exception:
            if not daily:
                await self._release(key)
            log.exception("answer from the modal failed")
            blocks, fallback = render.notice(Notice("Something went wrong; please try again.", ok=False)), "Error"
        await self._deliver(client, meta.url, meta.channel, member.user, blocks, fallback)

    async def _deliver(self, client: AsyncWebClient, url: str, channel: str, user: str,
                       blocks: list[render.Block], text: str) -> None:
        """Feedback to a member privately: by the response_url, else (none, or it expired after
        30 minutes: an answer typed slowly) by chat.postEphemeral in the channel."""
        if url:
            try:
                sent = await AsyncWebhookClient(url).send(text=text, blocks=blocks, response_type="ephemeral",
                                                          replace_original=False)
                if sent.status_code == 200:
                    return
                log.info("slack: response_url refused feedback to %s (%s %s); posting it ephemerally",
                         user, sent.status_code, sent.body[:40])
            except Exception as exc:
                log.info("slack: response_url failed for %s (%s); posting ephemerally", user, exc)
        if not channel:
            log.warning("slack: no channel to deliver feedback to %s in", user)
            return
        try:
            await client.chat_postEphemeral(channel=channel, user=user, text=text, blocks=blocks)
        except Exception:
            log.exception("could not deliver modal feedback to %s", user)

    # -- App Home -------------------------------------------------------------------------

    async def on_home_opened(self, event: Body, body: Body, client: AsyncWebClient,
                             context: AsyncBoltContext) -> None:
        # Bolt acknowledges events before calling this; refreshing twice is harmless, so no claim.
        if event.get("tab") != "home":
            return
        try:
            member = Member(PLATFORM, ids.slack_id(context.team_id or body.get("team_id"), "team_id"),
                            ids.slack_id(event.get("user"), "user"))
            stats = await self.engine.boards.stats(member)
            first = await self.engine.members.first_welcome(PLATFORM, home_target(member.community, member.user))
            view = render.home(stats, first=first)
            if self.home_extra is not None:  # the admins' settings form (adapters.slack.home)
                view["blocks"] += await self.home_extra(member, client)
            await client.views_publish(user_id=member.user, view=view)
        except ids.BadRequest as exc:
            log.warning("slack: app_home_opened without a usable %s; ignored", exc.what)
        except Exception:
            log.exception("publishing the Home tab failed")

    async def on_member_joined(self, event: Body, body: Body, client: AsyncWebClient,
                               context: AsyncBoltContext) -> None:
        """The bot was added to a channel: say once there what it does and how an admin sets it up."""
        if not context.bot_user_id or event.get("user") != context.bot_user_id:
            return  # someone else joined
        try:
            team = ids.slack_id(context.team_id or body.get("team_id"), "team_id")
            channel = ids.slack_id(event.get("channel"), "channel")
            if await self.engine.members.first_welcome(PLATFORM, f"channel:{team}/{channel}"):
                await client.chat_postMessage(channel=channel, text=wording.WELCOME_TITLE, blocks=render.welcome())
        except ids.BadRequest as exc:
            log.warning("slack: member_joined_channel without a usable %s; ignored", exc.what)
        except Exception as exc:  # a welcome is a courtesy: never more than a warning
            log.warning("slack: the welcome in a new channel failed: %s", exc)

    async def on_home_practice(self, ack: AsyncAck, body: Body, client: AsyncWebClient) -> None:
        # Home tab clicks have no response_url: the question goes to the app's direct messages.
        await ack()
        try:
            if not await self._first(body, f"act:{ids.trigger(body)}"):
                return
            member = ids.member(body)
            card = await self.engine.practice.ask(member)
            await client.chat_postMessage(channel=member.user, text=render.question_text(card),
                                          blocks=render.question(card))
        except UserError as exc:
            log.info("slack: practice from the Home tab refused: %s", exc)
        except Exception:
            log.exception("practice from the Home tab failed")

    async def _refuse(self, respond: AsyncRespond, exc: UserError) -> None:
        """Tell the member why not (a refusal, logged without a traceback)."""
        if isinstance(exc, ids.BadRequest):
            log.warning("slack: refused a request with a bad %s", exc.what)
        try:
            await self._reply(respond, render.notice(Notice(str(exc), ok=False)), str(exc))
        except Exception as err:  # no response_url (a forged payload), or it expired
            log.warning("slack: could not deliver a refusal: %s", err)

    async def _fail(self, respond: AsyncRespond) -> None:
        log.exception("handling a Slack request failed")
        try:
            await respond(text="Something went wrong; please try again.", response_type="ephemeral",
                          replace_original=False)
        except Exception:
            log.exception("could not tell the member about the failure")
