"""The mock interview on Slack: a modal flow over ``engine.interviews``, and the sink for time running out.

- ``/flask-quiz interview ...`` starts one (or, while one runs, reopens it at the current
  question) and opens the question modal with the command's ``trigger_id``; the ephemeral reply
  says it is open and has a Continue button (for a window closed, or one that never opened
  because the trigger had expired).
- Submitting the modal answers the question it showed (``at=(session, index)`` from its
  metadata: a stale or replayed form stores nothing).  Slack wants the ack within 3 s and the
  ack decides what the modal shows, so the engine call runs first, bounded by ``ANSWER_BUDGET``:
  done in time, the ack updates the modal to the next question or the scorecard, or shows the
  refusal under the input; not done, the ack shows "Saving…" and ``views.update`` follows.
- Skip and Stop in the modal come as ``block_actions`` with the view: ack, then ``views.update``.
- ``SlackInterviewSink`` DMs the scorecard when the engine's tick finds the time up.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack import ids
from adapters.slack import interview_render as ir
from adapters.slack.handlers import Body, Handlers
from adapters.slack.poster import PLATFORM, SlackPoster
from adapters.slack.render import Block
from bot import wording
from bot.errors import NotFound, UserError
from bot.members.identity import Member, Place
from bot.runtime import commands, dispatch
from bot.sessions.interviews import Step
from bot.sessions.views import InterviewOver, InterviewQuestion

log = logging.getLogger(__name__)
ANSWER_BUDGET = 2.0  # seconds the engine may take before the ack (Slack's limit is 3)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What an answer leads to: a view for the modal, or a refusal to show under its input."""

    view: Block | None = None
    error: str = ""


class SlackInterviewSink:
    """The engine's ``InterviewSink``: the scorecard as a DM when the time ran out."""

    platform = PLATFORM

    def __init__(self, poster: SlackPoster) -> None:
        self.poster = poster

    async def deliver_interview(self, event: InterviewOver) -> None:
        # Posting to a user id lands in the app's Messages tab (chat:write); the poster's client
        # retries a 429 after Retry-After.  The scorecard is stored either way (history shows it).
        try:
            await self.poster.call(Place(PLATFORM, event.place.community, event.user), "chat.postMessage",
                                   text=ir.scorecard_text(event), blocks=ir.scorecard(event), unfurl_links=False,
                                   unfurl_media=False)
        except Exception as exc:
            log.warning("slack: interview %s: the scorecard for %s was not delivered: %s", event.session_id,
                        event.user, _why(exc))


class InterviewFlow:
    """The command, the modal and its buttons, over the conversation handlers' engine."""

    def __init__(self, handlers: Handlers) -> None:
        self.handlers = handlers
        self.interviews = handlers.engine.interviews
        handlers.interview_command = self.command

    def register(self, app: AsyncApp) -> None:
        t = self.handlers.tracked  # counted while they run, so a graceful stop waits for them
        app.view(ir.CALLBACK)(t(self.on_submit))
        app.action(ir.SKIP_ID)(t(self.on_skip))
        app.action(ir.STOP_ID)(t(self.on_stop))
        app.action(ir.CONTINUE_ID)(t(self.on_continue))

    # -- the command ------------------------------------------------------------------------

    async def command(self, cmd: commands.Interview, member: Member, place: Place, body: Body,
                      client: AsyncWebClient) -> tuple[list[Block], str]:
        """``/flask-quiz interview ...`` after the ack and the claim: what to reply privately."""
        reopened = None
        if cmd.action == "start":
            reopened = await self.interviews.current(member)  # one runs: show it again, no refusal
        view = reopened or await dispatch.run(self.handlers.service, cmd, member=member, place=place,
                                              is_admin=False)
        if not isinstance(view, InterviewQuestion):
            return self.handlers.show(view)
        opened = await self._open(client, ids.trigger(body), view, place.channel)
        return ir.open_reply(view, reopened=reopened is not None, failed=not opened)

    async def _open(self, client: AsyncWebClient, trigger_id: str, step: InterviewQuestion, channel: str) -> bool:
        """Open the question modal; False when Slack refused (an expired trigger: Continue gets a new one)."""
        view = ir.question_modal(step, channel)
        try:
            await client.views_open(trigger_id=trigger_id, view=view)
        except Exception as exc:
            log.info("slack: the interview %s window did not open: %s", step.session_id, _why(exc))
            return False
        return True

    async def on_continue(self, ack: AsyncAck, body: Body, action: Body, respond: AsyncRespond,
                          client: AsyncWebClient) -> None:
        await ack()
        h = self.handlers
        try:
            trigger_id = ids.trigger(body)
            if not await h._first(body, f"act:{trigger_id}"):
                return
            ids.interview_session(action)
            step = await self.interviews.current(ids.member(body))
            if step is None:
                raise NotFound(wording.INTERVIEW_NONE)
            if not await self._open(client, trigger_id, step, ids.channel_of(body) or ""):
                await h._reply(respond, *ir.open_reply(step, failed=True))
        except UserError as exc:
            await h._refuse(respond, exc)
        except Exception:
            await h._fail(respond)

    # -- the modal ------------------------------------------------------------------------

    async def on_submit(self, ack: AsyncAck, body: Body, view: Body, client: AsyncWebClient) -> None:
        block = _input_block(view)
        try:
            meta, member = ids.interview_meta(view), ids.member(body)
            view_id = ids.slack_id(view.get("id"), "view.id")
            text = _typed(view, ir.input_block(meta.index))
        except ids.BadRequest as exc:
            log.warning("slack: refused an interview answer with a bad %s", exc.what)
            await ack(response_action="errors", errors={block: wording.BAD_REQUEST})
            return
        work = asyncio.ensure_future(self._answer(client, member, text, (meta.session_id, meta.index)))
        done, _pending = await asyncio.wait({work}, timeout=ANSWER_BUDGET)
        if done:
            outcome = self._outcome(work, meta.channel)
            if outcome.view is not None:
                await ack(response_action="update", view=outcome.view)
            else:
                await ack(response_action="errors", errors={block: outcome.error})
            return
        # Slow (a busy database): the ack cannot wait; the modal says so and is updated when it is done.
        await ack(response_action="update", view=ir.saving_modal(str(view.get("private_metadata", ""))))
        await asyncio.wait({work})
        outcome = self._outcome(work, meta.channel)
        await self._update(client, view_id, outcome.view or await self._again(member, meta.channel, outcome.error))

    async def _answer(self, client: AsyncWebClient, member: Member, text: str, at: tuple[int, int]) -> Step:
        member = self.handlers.names.now(client, member)  # an interview shows no names: never wait for one
        return await self.interviews.answer(member, text, at=at)

    def _outcome(self, done: asyncio.Future[Step], channel: str) -> Outcome:
        try:
            step = done.result()
        except NotFound:  # the tick ended it (its scorecard went by DM), or it was stopped elsewhere
            return Outcome(view=ir.notice_modal(wording.INTERVIEW_ENDED))
        except UserError as exc:  # empty, a bare letter, a keyword list, moved on: nothing stored
            return Outcome(error=str(exc))
        except Exception:
            log.exception("slack: an interview answer failed")
            return Outcome(error=wording.INTERVIEW_SAVE_FAILED)
        return Outcome(view=self._render(step, channel))

    @staticmethod
    def _render(step: Step, channel: str, *, warning: str = "") -> Block:
        if isinstance(step, InterviewQuestion):
            return ir.question_modal(step, channel, warning=warning)
        return ir.scorecard_modal(step)

    async def _again(self, member: Member, channel: str, warning: str) -> Block:
        """After the ack nothing can go under the input: the current question again, with the refusal."""
        try:
            step = await self.interviews.current(member)
        except Exception:
            log.exception("slack: reading the current interview question failed")
            step = None
        return self._render(step, channel, warning=warning) if step is not None else ir.notice_modal(warning)

    async def _update(self, client: AsyncWebClient, view_id: str, view: Block) -> None:
        try:
            await client.views_update(view_id=view_id, view=view)
        except Exception as exc:  # the member closed the window meanwhile: Continue shows the question
            log.warning("slack: could not update the interview window %s: %s", view_id, _why(exc))

    # -- Skip and Stop inside the modal ------------------------------------------------------

    async def on_skip(self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        await self._button(body, action, client, stop=False)

    async def on_stop(self, ack: AsyncAck, body: Body, action: Body, client: AsyncWebClient) -> None:
        await ack()
        await self._button(body, action, client, stop=True)

    async def _button(self, body: Body, action: Body, client: AsyncWebClient, *, stop: bool) -> None:
        view: Any = body.get("view")
        try:
            view_id = ids.slack_id(view.get("id") if isinstance(view, dict) else None, "view.id")
        except ids.BadRequest:
            log.warning("slack: an interview button without a view id; ignored")
            return
        try:
            meta, member = ids.interview_meta(view), ids.member(body)
            at = ids.interview_at(action)
            if at != (meta.session_id, meta.index):
                raise ids.BadRequest("value")
            if not await self.handlers._first(body, f"act:{ids.trigger(body)}"):
                return  # a retry of a click already handled
        except ids.BadRequest as exc:
            log.warning("slack: refused an interview button with a bad %s", exc.what)
            await self._update(client, view_id, ir.notice_modal(wording.BAD_REQUEST))
            return
        try:
            member = self.handlers.names.now(client, member)
            step: Step
            if stop:
                running = await self.interviews.current(member)
                if running is not None and running.session_id != at[0]:
                    raise UserError(wording.INTERVIEW_NOT_THIS)  # an old window's Stop must not end a new one
                step = await self.interviews.stop(member)
            else:
                step = await self.interviews.skip(member, at=at)
            new = self._render(step, meta.channel)
        except NotFound:
            new = ir.notice_modal(wording.INTERVIEW_ENDED)
        except UserError as exc:  # moved on (a stale window), not this interview
            new = await self._again(member, meta.channel, str(exc))
        except Exception:
            log.exception("slack: an interview button failed")
            new = await self._again(member, meta.channel, wording.INTERVIEW_SAVE_FAILED)
        await self._update(client, view_id, new)


def _input_block(view: Any) -> str:
    """The answer input's block id as the submitted state names it (so an error lands under it)."""
    state = view.get("state") if isinstance(view, dict) else None
    values = state.get("values") if isinstance(state, dict) else None
    found = [k for k in values if isinstance(k, str) and k.startswith(ir.INPUT_PREFIX) and len(k) < 20] \
        if isinstance(values, dict) else []
    return found[0] if found else ir.input_block(0)


def _typed(view: Body, block: str) -> str:
    """The text typed into the answer input ('' when Slack reports none); ``BadRequest`` when malformed."""
    state = view.get("state")
    values = state.get("values") if isinstance(state, dict) else None
    inputs = values.get(block) if isinstance(values, dict) else None
    entry = inputs.get(ir.INPUT_ACTION) if isinstance(inputs, dict) else None
    text = entry.get("value") if isinstance(entry, dict) else None
    if text is None:
        return ""
    if not isinstance(text, str):
        raise ids.BadRequest("value")
    return text


def _why(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        data = exc.response.data
        return str(data.get("error", "")) if isinstance(data, dict) else str(exc.response.status_code)
    return str(exc) or type(exc).__name__
