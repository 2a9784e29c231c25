"""The mock interview on Slack: the real Bolt app against the fake Slack, the engine on a fake clock.

A member types the command, the question opens in a modal (views.open), each submission's ack
decides what the modal shows next (response_action update / errors), Skip and Stop update it
(views.update), and the scorecard comes in the modal, ephemerally, or by DM when time runs out.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from adapters.slack import interview as slack_interview
from adapters.slack import interview_render as ir
from bot import wording
from bot.clock import FakeClock
from bot.grading.guards import MAX_ANSWER
from bot.runtime.builder import App
from bot.sessions.interview import Result, Scorecard, StudyItem
from bot.sessions.views import InterviewOver
from bot.storage.models import LiveSession, Score, SessionAnswer
from tests.conftest import CONTENT, START, make_app
from tests.slack.conftest import CHANNEL, Http, Socket, Workspace, find_button, settings, start_runner
from tests.slack.fake_slack import (
    TEAM,
    FakeSlack,
    Posted,
    blocks_problem,
    blocks_text,
    command_body,
    home_action,
    view_problem,
    view_submission,
)

ANN, BOB = "U0ANN", "U0BOB"
IV = "interview mid length=3 minutes=20"


@pytest.fixture(autouse=True)
def names(fake: FakeSlack) -> None:
    fake.profiles.update({ANN: {"real_name": "Ann"}, BOB: {"real_name": "Bob"}})


@pytest.fixture
async def iv_app(db_url: str, clock: FakeClock, fake: FakeSlack) -> AsyncIterator[App]:
    """The whole content: the sample pack has too few open questions for an interview."""
    app = make_app(db_url, clock, content=CONTENT, settings=settings(fake))
    yield app
    app.close()


async def _running(app: App, mode: str, fake: FakeSlack) -> AsyncIterator[Workspace]:
    runner = await start_runner(app, mode)
    try:
        async with aiohttp.ClientSession() as session:
            yield Workspace(fake, Http(runner.port, session) if mode == "http" else Socket(fake))
    finally:
        await app.service.stop()
        await runner.stop()


@pytest.fixture(params=["http", "socket"])
async def both(request: pytest.FixtureRequest, iv_app: App, fake: FakeSlack) -> AsyncIterator[Workspace]:
    async for ws in _running(iv_app, request.param, fake):
        yield ws


@pytest.fixture
async def ws(iv_app: App, fake: FakeSlack) -> AsyncIterator[Workspace]:
    async for w in _running(iv_app, "http", fake):
        yield w


class Modal:
    """The interview window as the member sees it: submit it, press its buttons."""

    def __init__(self, ws: Workspace, user: str, view: dict[str, Any]) -> None:
        self.ws, self.user, self.view = ws, user, view

    @property
    def text(self) -> str:
        return blocks_text(self.view)

    @property
    def question_id(self) -> str:
        found = re.search(r"· `([a-z0-9-]+)`", self.text)
        assert found, self.text
        return found[1]

    def input_block(self) -> str:
        return str(next(b["block_id"] for b in self.view["blocks"] if b["type"] == "input"))

    async def submit(self, text: str, *, view: dict[str, Any] | None = None) -> dict[str, Any]:
        """Submit ``view`` (default: what the modal shows) with ``text``; returns the ack Slack got."""
        shown = view or self.view
        block = next((b["block_id"] for b in shown["blocks"] if b["type"] == "input"), "iv_answer_0")
        raw = await self.ws.transport.interactive(view_submission(
            user=self.user, view=shown, values={block: {"text": {"type": "plain_text_input", "value": text}}}))
        ack: dict[str, Any] = json.loads(raw) if raw.strip() else {}
        if ack.get("response_action") == "update":
            assert view_problem(ack["view"]) == "", ack["view"]
            self.view = {**ack["view"], "id": self.view["id"]}
        return ack

    async def press(self, label: str, *, view: dict[str, Any] | None = None) -> None:
        """Press a button in the modal; waits for the views.update that follows."""
        fake = self.ws.fake
        before = len(fake.called("views.update"))
        shown = view or self.view
        button = find_button(shown["blocks"], label)
        await self.ws.transport.interactive(home_action(user=self.user, view=shown, filled={},
                                                        action={"type": "button", "block_id": "b", **button}))
        call = (await fake.wait_calls("views.update", before + 1))[-1]
        assert call.args["view_id"] == self.view["id"]
        self.view = fake.views[self.view["id"]]


async def command(ws: Workspace, user: str, text: str) -> tuple[Posted, str]:
    """``/flask-quiz <text>`` with a known trigger_id; returns the ephemeral reply and the trigger."""
    url = ws.fake.response_url()
    body = command_body(user=user, text=text, channel=CHANNEL, response_url=url)
    await ws.transport.command(body)
    return await ws.reply(url), body["trigger_id"]


async def start(ws: Workspace, user: str, text: str = IV) -> tuple[Posted, Modal]:
    """Type the command; returns the reply and the modal views.open showed (with the command's trigger)."""
    before = len(ws.fake.called("views.open"))
    reply, trigger = await command(ws, user, text)
    opened = await ws.fake.wait_calls("views.open", before + 1)
    assert opened[-1].args["trigger_id"] == trigger
    return reply, Modal(ws, user, list(ws.fake.views.values())[-1])


def good_answer(app: App, modal: Modal) -> str:
    lq = app.engine.library.get(modal.question_id)
    assert lq is not None
    return lq.q.model_answer or "ABCDE"[lq.q.correct_index or 0]


def count(app: App, model: type, **where: object) -> int:
    def work(s: Session) -> int:
        q = select(func.count()).select_from(model)
        for k, v in where.items():
            q = q.where(getattr(model, k) == v)
        return int(s.execute(q).scalar_one())
    with app.engine.core.db.session() as s:
        return work(s)


def no_errors(caplog: pytest.LogCaptureFixture) -> None:
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def dms(fake: FakeSlack, user: str) -> list[dict[str, Any]]:
    return [c.args for c in fake.called("chat.postMessage") if c.args.get("channel") == user]


# -- the whole flow -----------------------------------------------------------------------

async def test_a_full_interview_in_the_modal(both: Workspace, iv_app: App, fake: FakeSlack, clock: FakeClock,
                                             caplog: pytest.LogCaptureFixture) -> None:
    reply, modal = await start(both, ANN)
    assert "Your interview is open: question 1 of 3 (mid)" in reply.text
    assert reply.body["response_type"] == "ephemeral"
    find_button(reply.body["blocks"], "Continue")
    # The question window: header, prompt, the whole interview's deadline, the hint, the input, Skip and Stop.
    header = modal.view["blocks"][0]
    assert header == {"type": "header", "text": {"type": "plain_text", "text": "Interview · question 1 of 3 · mid"}}
    deadline = int((START + timedelta(minutes=20)).timestamp())
    assert re.search(rf"<!date\^{deadline}\^{{date_short_pretty}} {{time}}\|[^>]+>", modal.text)
    assert wording.INTERVIEW_HINT_BUTTONS in modal.text
    [box] = [b for b in modal.view["blocks"] if b["type"] == "input"]
    assert box["element"]["multiline"] is True and box["element"]["max_length"] == MAX_ANSWER
    find_button(modal.view["blocks"], "Skip")
    find_button(modal.view["blocks"], "Stop")
    meta = json.loads(modal.view["private_metadata"])
    assert set(meta) == {"s", "i", "c"} and meta["i"] == 0 and meta["c"] == CHANNEL
    seen = [modal.question_id]

    for n in (2, 3):
        clock.advance(minutes=2)
        ack = await modal.submit(good_answer(iv_app, modal))
        assert ack["response_action"] == "update"
        assert f"Interview · question {n} of 3 · mid" in modal.text  # the next one, nothing said about the last
        assert modal.question_id not in seen
        seen.append(modal.question_id)
    ack = await modal.submit(good_answer(iv_app, modal))
    assert ack["response_action"] == "update"
    text = modal.text
    assert "Interview scorecard · mid" in text and wording.INTERVIEW_OVER["finished"] in text
    assert re.search(r"Score \d+/100 at mid: ", text) and "By topic" in text and "✓" in text
    assert modal.view["title"]["text"] == ir.SCORECARD_TITLE and "submit" not in modal.view

    assert count(iv_app, SessionAnswer) == 3  # one row per question
    assert count(iv_app, Score) == 0  # the daily boards untouched
    assert count(iv_app, LiveSession, state="finished") == 1
    assert len(fake.called("views.open")) == 1 and not dms(fake, ANN)
    no_errors(caplog)


async def test_time_runs_out_the_scorecard_comes_by_dm_and_the_old_window_says_so(
        ws: Workspace, iv_app: App, fake: FakeSlack, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    _reply, modal = await start(ws, ANN, "interview junior length=3 minutes=5")
    await modal.submit(good_answer(iv_app, modal))
    await iv_app.engine.interviews.tick()
    assert not dms(fake, ANN)  # time left: nothing
    clock.advance(minutes=5, seconds=1)
    await iv_app.engine.interviews.tick()  # (or the service's own tick, whichever comes first)
    await fake.wait_for(lambda: dms(fake, ANN))
    [dm] = dms(fake, ANN)
    text = blocks_text(dm)
    assert wording.INTERVIEW_OVER["time"] in text and "Interview scorecard · junior" in text
    assert text.count(wording.INTERVIEW_NOT_ANSWERED) == 2  # the two unanswered count as missed
    assert f"✗ {wording.MISSED}:" in text and wording.INTERVIEW_STUDY in text
    assert len(dm["blocks"]) <= 50 and blocks_problem(dm["blocks"]) == ""
    # The window still open on question 2: its submission finds the interview over.
    ack = await modal.submit("Blueprints group routes so that an app factory can register them.")
    assert ack["response_action"] == "update" and wording.INTERVIEW_ENDED in blocks_text(ack["view"])
    assert count(iv_app, SessionAnswer) == 3 and count(iv_app, Score) == 0
    no_errors(caplog)


async def test_an_answer_after_the_deadline_gets_the_scorecard_with_the_late_note(
        ws: Workspace, iv_app: App, clock: FakeClock) -> None:
    _reply, modal = await start(ws, ANN, "interview mid length=2 minutes=5")
    clock.advance(minutes=6)  # no tick yet
    ack = await modal.submit(good_answer(iv_app, modal))
    assert ack["response_action"] == "update"
    assert wording.INTERVIEW_LATE in modal.text and wording.INTERVIEW_OVER["time"] in modal.text
    assert "Score 0/100" in modal.text


async def test_a_scorecard_dm_slack_refuses_is_a_warning(ws: Workspace, iv_app: App, fake: FakeSlack,
                                                        clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    await start(ws, ANN, "interview mid length=2 minutes=5")
    fake.lost_channels[ANN] = "channel_not_found"
    clock.advance(minutes=6)
    await iv_app.engine.interviews.tick()
    await fake.wait_for(lambda: any(c.args.get("channel") == ANN for c in fake.called("chat.postMessage")))
    await fake.wait_for(lambda: any("not delivered" in r.getMessage() for r in caplog.records))
    [warned] = [r for r in caplog.records if "not delivered" in r.getMessage()]
    assert warned.levelno == logging.WARNING and "channel_not_found" in warned.getMessage()
    no_errors(caplog)
    assert count(iv_app, LiveSession, state="finished") == 1  # scored all the same: history shows it


async def test_a_restart_in_the_middle_continues_from_the_old_window(db_url: str, fake: FakeSlack,
                                                                     clock: FakeClock) -> None:
    first = make_app(db_url, clock, content=CONTENT, settings=settings(fake), key="first")
    async for w in _running(first, "http", fake):
        _reply, modal = await start(w, ANN)
        await modal.submit(good_answer(first, modal))
        assert "question 2 of 3" in modal.text
    first.close()  # the process stops while question 2 is in the member's window

    second = make_app(db_url, clock, content=CONTENT, settings=settings(fake), key="second")
    try:
        async for w in _running(second, "http", fake):
            modal.ws = w
            ack = await modal.submit(good_answer(second, modal))
            assert ack["response_action"] == "update" and "question 3 of 3" in modal.text
            await modal.submit(good_answer(second, modal))
            assert wording.INTERVIEW_OVER["finished"] in modal.text
            assert count(second, SessionAnswer) == 3
    finally:
        second.close()


# -- refusals: stale, replayed, invalid, forged -------------------------------------------

async def test_refused_and_replayed_submissions_are_errors_under_the_input_and_store_nothing(
        ws: Workspace, iv_app: App, caplog: pytest.LogCaptureFixture) -> None:
    _reply, modal = await start(ws, ANN)
    first = modal.view
    lq = iv_app.engine.library.get(modal.question_id)
    assert lq is not None
    keywords = "--debug, FLASK_DEBUG, arbitrary code, run code, never in production, werkzeug, pin"
    bad = ["   ", "A", keywords] if lq.q.kind == "open" else ["   ", "it prints hello"]
    for text in bad:
        ack = await modal.submit(text)
        assert ack["response_action"] == "errors" and set(ack["errors"]) == {modal.input_block()}, ack
        assert ack["errors"][modal.input_block()]
    assert count(iv_app, SessionAnswer) == 0 and "question 1 of 3" in modal.text
    await modal.submit(good_answer(iv_app, modal))
    assert count(iv_app, SessionAnswer) == 1
    # The first window submitted again (Slack's retry, or a second device): behind, nothing stored.
    ack = await modal.submit(good_answer(iv_app, modal), view=first)
    assert ack == {"response_action": "errors", "errors": {"iv_answer_0": wording.INTERVIEW_MOVED_ON.format(
        n=2, total=3)}}
    assert count(iv_app, SessionAnswer) == 1
    no_errors(caplog)


@pytest.mark.parametrize("metadata", [
    "not json", json.dumps({"s": 1, "i": 0}), json.dumps({"s": "1", "i": 0, "c": ""}),
    json.dumps({"s": 1, "i": -1, "c": ""}), json.dumps({"s": 1, "i": 0, "c": "<#C1|x>"}),
    json.dumps({"s": 1, "i": 0, "c": "", "url": "http://evil"}), json.dumps({"s": True, "i": 0, "c": ""})])
async def test_forged_private_metadata_is_refused(ws: Workspace, iv_app: App, caplog: pytest.LogCaptureFixture,
                                                  metadata: str) -> None:
    _reply, modal = await start(ws, ANN)
    ack = await modal.submit(good_answer(iv_app, modal), view={**modal.view, "private_metadata": metadata})
    assert ack == {"response_action": "errors", "errors": {"iv_answer_0": wording.BAD_REQUEST}}
    assert count(iv_app, SessionAnswer) == 0
    assert any(r.levelno == logging.WARNING and "private_metadata" in r.getMessage() for r in caplog.records)
    no_errors(caplog)


async def test_another_members_session_in_the_metadata_stores_nothing(ws: Workspace, iv_app: App) -> None:
    _reply, ann = await start(ws, ANN)
    _reply, bob = await start(ws, BOB)
    forged = {**bob.view, "private_metadata": ann.view["private_metadata"]}
    ack = await bob.submit(good_answer(iv_app, bob), view=forged)
    assert ack["response_action"] == "errors" and "behind you" in ack["errors"]["iv_answer_0"]
    assert count(iv_app, SessionAnswer) == 0


# -- buttons: Skip, Stop, Continue; the command again ----------------------------------------

async def test_skip_and_stop_in_the_modal(ws: Workspace, iv_app: App, fake: FakeSlack,
                                          caplog: pytest.LogCaptureFixture) -> None:
    _reply, modal = await start(ws, ANN)
    first = modal.view
    await modal.press("Skip")
    assert "Interview · question 2 of 3 · mid" in modal.text and count(iv_app, SessionAnswer) == 0
    await modal.press("Skip", view=first)  # the old window's Skip: refused, the current question shown
    assert "behind you" in modal.text and "question 2 of 3" in modal.text
    stop = find_button(modal.view["blocks"], "Stop")
    assert stop["style"] == "danger" and stop["confirm"]["confirm"]["text"] == "Stop"
    await modal.press("Stop")
    assert wording.INTERVIEW_OVER["stopped"] in modal.text and "Interview scorecard" in modal.text
    assert modal.text.count(wording.INTERVIEW_NOT_ANSWERED) == 3
    assert count(iv_app, LiveSession, state="stopped") == 1
    await modal.press("Stop", view=first)  # nothing runs any more
    assert wording.INTERVIEW_ENDED in modal.text
    assert all(view_problem(json.loads(c.args["view"]) if isinstance(c.args["view"], str) else c.args["view"]) == ""
               for c in fake.called("views.update"))
    no_errors(caplog)


async def test_an_old_windows_stop_does_not_end_a_new_interview(ws: Workspace, iv_app: App,
                                                                clock: FakeClock) -> None:
    _reply, old = await start(ws, ANN, "interview mid length=2 minutes=5")
    clock.advance(minutes=6)
    await iv_app.engine.interviews.tick()
    _reply, new = await start(ws, ANN, "interview junior length=2")
    old.view = {**old.view, "id": new.view["id"]}  # (the fake updates the one window the test watches)
    await old.press("Stop")
    assert wording.INTERVIEW_NOT_THIS in old.text and "question 1 of 2 · junior" in old.text
    assert count(iv_app, LiveSession, state="open") == 1


async def test_continue_reopens_the_window_at_the_current_question(ws: Workspace, iv_app: App,
                                                                   fake: FakeSlack) -> None:
    reply, modal = await start(ws, ANN)
    await modal.submit(good_answer(iv_app, modal))
    # The member closed the window; Continue under the command's reply opens it again, at question 2.
    await ws.click(ANN, reply.body, "Continue", expect_reply=False)
    [_first, again] = await fake.wait_calls("views.open", 2)
    view = again.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert "Interview · question 2 of 3 · mid" in blocks_text(view)
    assert json.loads(view["private_metadata"])["i"] == 1


async def test_an_expired_trigger_says_so_and_continue_opens_it(ws: Workspace, iv_app: App, fake: FakeSlack,
                                                                caplog: pytest.LogCaptureFixture) -> None:
    fake.refuse["views.open"] = ["expired_trigger_id"]
    reply, _trigger = await command(ws, ANN, IV)
    assert wording.INTERVIEW_WINDOW_FAILED.format(n=1, total=3) in reply.text
    await ws.click(ANN, reply.body, "Continue", expect_reply=False)
    calls = await fake.wait_calls("views.open", 2)
    assert "question 1 of 3" in blocks_text(calls[-1].args)
    no_errors(caplog)


async def test_continue_with_no_interview_running_is_a_polite_reply(ws: Workspace, iv_app: App) -> None:
    reply, modal = await start(ws, ANN, "interview mid length=2")
    await modal.press("Stop")
    answer = await ws.click(ANN, reply.body, "Continue")
    assert answer is not None and "no interview running" in answer.text


async def test_the_command_again_reopens_the_running_interview(ws: Workspace, iv_app: App) -> None:
    _reply, modal = await start(ws, ANN)
    await modal.submit(good_answer(iv_app, modal))
    reply, again = await start(ws, ANN, "interview senior")  # another level: still the running one
    assert "still running: back at question 2 of 3 (mid)" in reply.text
    assert "Interview · question 2 of 3 · mid" in again.text
    assert count(iv_app, LiveSession) == 1


async def test_stop_and_history_by_command(ws: Workspace, iv_app: App, clock: FakeClock) -> None:
    empty, _trigger = await command(ws, ANN, "interview history")
    assert "Ann has no finished interviews yet. `/flask-quiz interview` starts one." in empty.text
    _reply, modal = await start(ws, ANN)
    await modal.submit(good_answer(iv_app, modal))
    stopped, _trigger = await command(ws, ANN, "interview stop")
    assert wording.INTERVIEW_OVER["stopped"] in stopped.text and "Interview scorecard · mid" in stopped.text
    assert stopped.body["response_type"] == "ephemeral" and len(stopped.body["blocks"]) <= 50
    clock.advance(days=1)
    history, _trigger = await command(ws, ANN, "interview history")
    assert "Interviews of Ann, newest first:" in history.text
    assert re.search(r"<!date\^\d+\^\{date_short_pretty\}\|[^>]+> · mid · \d+/100 · [a-z ]+ · 1 of 3 answered",
                     history.text)


async def test_skip_by_command_shows_the_window_again(ws: Workspace, iv_app: App, fake: FakeSlack) -> None:
    await start(ws, ANN)
    reply, _trigger = await command(ws, ANN, "interview skip")
    assert "question 2 of 3" in reply.text
    find_button(reply.body["blocks"], "Continue")
    opened = await fake.wait_calls("views.open", 2)
    assert "question 2 of 3" in blocks_text(opened[-1].args)


# -- slow engine ------------------------------------------------------------------------------

async def test_a_slow_engine_acks_saving_then_updates_the_window(
        ws: Workspace, iv_app: App, fake: FakeSlack, monkeypatch: pytest.MonkeyPatch,
        caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(slack_interview, "ANSWER_BUDGET", 0.05)
    real = iv_app.engine.interviews.answer
    gate = asyncio.Event()

    async def slow(member: Any, text: str, *, at: tuple[int, int] | None = None) -> Any:
        await gate.wait()  # the database is busy until the test says
        return await real(member, text, at=at)
    monkeypatch.setattr(iv_app.engine.interviews, "answer", slow)

    _reply, modal = await start(ws, ANN)
    ack = await modal.submit(good_answer(iv_app, modal))
    assert ack["response_action"] == "update" and wording.INTERVIEW_SAVING in blocks_text(ack["view"])
    assert not fake.called("views.update") and count(iv_app, SessionAnswer) == 0
    gate.set()
    [done] = await fake.wait_calls("views.update", 1)
    assert done.args["view_id"] == modal.view["id"]
    modal.view = fake.views[modal.view["id"]]
    assert "Interview · question 2 of 3 · mid" in modal.text and count(iv_app, SessionAnswer) == 1

    # Refused after the ack: nothing can go under the input any more, so the question comes back with why.
    gate.clear()
    ack = await modal.submit("   ")
    assert wording.INTERVIEW_SAVING in blocks_text(ack["view"])
    gate.set()
    await fake.wait_calls("views.update", 2)
    modal.view = fake.views[modal.view["id"]]
    assert wording.INTERVIEW_EMPTY in modal.text and "question 2 of 3" in modal.text
    assert count(iv_app, SessionAnswer) == 1
    no_errors(caplog)


# -- Slack's limits ---------------------------------------------------------------------------

def long_scorecard(n: int = 12) -> InterviewOver:
    from bot.members.identity import Place

    point = "explains in detail why the application context is pushed per request and popped after it " * 4
    results = tuple(Result(f"q-{i}", f"topic-{i % 5}", "Why? " + "Explain the request lifecycle. " * 20, True,
                           (point,) * 3, (point,) * 8, (point,) * 2,
                           (f"https://flask.palletsprojects.com/en/latest/{i}/" + "x" * 100,))
                    for i in range(n))
    study = tuple(StudyItem(p, r.question_id, r.references) for r in results for p in r.missed)
    card = Scorecard("senior", results, tuple((f"topic-{i}", "needs work") for i in range(5)), study, 12, "not yet",
                     -30)
    return InterviewOver(1, Place("slack", TEAM, CHANNEL), ANN, "Ann", "time", 12, card, late=True)


def test_a_12_question_scorecard_with_long_points_fits_slacks_limits() -> None:
    ev = long_scorecard()
    blocks = ir.scorecard(ev)
    assert len(blocks) <= 50 and blocks_problem(blocks) == ""
    text = blocks_text({"blocks": blocks})
    assert "(-30 since your last senior interview)" in text and wording.INTERVIEW_LATE in text
    assert all(f"*{i}. Why?" in text for i in range(1, 13))  # every question is there
    assert text.count("https://flask.palletsprojects.com/en/latest/") >= 12  # a docs link per question (or "more")
    modal = ir.scorecard_modal(ev)
    assert view_problem(modal) == "" and len(modal["blocks"]) <= 100
    assert len(ir.scorecard_text(ev)) < 300


async def test_a_12_question_interview_stopped_by_command_fits_a_message(ws: Workspace, iv_app: App) -> None:
    _reply, modal = await start(ws, ANN, "interview senior length=12 minutes=60")
    assert "question 1 of 12 · senior" in modal.text
    stopped, _trigger = await command(ws, ANN, "interview stop")
    assert len(stopped.body["blocks"]) <= 50 and blocks_problem(stopped.body["blocks"]) == ""
    assert stopped.text.count(wording.INTERVIEW_NOT_ANSWERED) == 12


async def test_a_rate_limited_scorecard_dm_is_sent_after_retry_after(ws: Workspace, iv_app: App, fake: FakeSlack,
                                                                     clock: FakeClock,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    await start(ws, ANN, "interview mid length=2 minutes=5")
    fake.fail_next["chat.postMessage"] = [429]
    clock.advance(minutes=6)
    await iv_app.engine.interviews.tick()
    await fake.wait_for(lambda: len(dms(fake, ANN)) == 2)  # refused once (Retry-After: 1), then sent
    assert fake.rate_limited == 1 and wording.INTERVIEW_OVER["time"] in blocks_text(dms(fake, ANN)[-1])
    no_errors(caplog)
