"""Fuzzing the Slack adapter over HTTP: signed and unsigned bodies, action values, modal values.

Properties: an unsigned request gets 401 and a signed one 200, 400 or 404 (no listener), never 500; every request
is answered within 3 s; nothing reaches the log at ERROR; a refused input changes no row; an
action from another workspace never lands on that workspace's board.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot import wording
from bot.members.identity import Place
from bot.runtime.builder import App
from bot.storage.models import Answer, Community, Score
from tests.fuzz import REPLY_WITHIN, fuzz_settings, json_value, member_text, no_errors, row_counts
from tests.slack.conftest import CHANNEL, Http
from tests.slack.fake_slack import TEAM, FakeSlack, action_payload, form, view_submission

FORM = "application/x-www-form-urlencoded"
OTHER = "T0FUZZ"


@pytest.fixture
def records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    caplog.set_level(logging.INFO)
    return caplog.records


bodies = st.one_of(
    json_value.map(lambda v: (form({"payload": json.dumps(v)}), FORM)),
    json_value.map(lambda v: (json.dumps(v), "application/json")),
    member_text.map(lambda t: (t, FORM)),
    member_text.map(lambda t: (t, "application/json")),
    st.dictionaries(st.sampled_from(["command", "text", "team_id", "user_id", "trigger_id", "channel_id",
                                     "response_url", "payload", "type"]), member_text, max_size=6)
    .map(lambda d: (form(d), FORM)),
)


@fuzz_settings
@given(body=bodies, signed=st.booleans(), stamp=st.one_of(st.none(), member_text))
async def test_fuzz_signed_and_unsigned_bodies(http: Http, records: list[logging.LogRecord],
                                               body: tuple[str, str], signed: bool, stamp: str | None) -> None:
    text, ctype = body
    started = time.monotonic()
    if signed:
        status, _ = await http.post(text, ctype)
        assert status in (200, 400, 404), (status, body)  # 404: Bolt has no listener for it; never 500
    else:
        headers = {"Content-Type": ctype, "X-Slack-Signature": "v0=" + "0" * 64}
        if stamp is not None:
            # What a client can put in a header: printable ASCII (aiohttp refuses control characters).
            headers["X-Slack-Request-Timestamp"] = "".join(c for c in stamp if " " < c < "\x7f")[:50] or "0"
        async with http.session.post(http.url, data=text.encode(), headers=headers) as resp:
            assert resp.status == 401
    assert time.monotonic() - started < REPLY_WITHIN
    no_errors(records)


async def count(app: App, model: type, *where: object) -> int:
    return int(await app.engine.core.tx(
        lambda s: s.execute(select(func.count()).select_from(model).where(*where)).scalar_one()))


@fuzz_settings
@given(data=st.data())
async def test_fuzz_action_values_and_modal_values(http: Http, fake: FakeSlack, slack_app: App,
                                                   records: list[logging.LogRecord], data: st.DataObject) -> None:
    if await slack_app.engine.rounds.current(_place()) is None:
        await slack_app.engine.rounds.post_now(_place())
    round_id = await slack_app.engine.rounds.current(_place())
    value = data.draw(st.one_of(member_text, st.sampled_from([f"{round_id}|{n}" for n in range(6)]),
                                st.sampled_from(["more-junior-choice|0", "more-junior-choice", str(round_id)])))
    team = data.draw(st.sampled_from([TEAM, OTHER]))
    channel = data.draw(st.sampled_from([CHANNEL, "C0ELSEWHERE", None]))
    before = await row_counts(slack_app)
    started = time.monotonic()
    if data.draw(st.booleans()):
        action_id = data.draw(st.sampled_from(["daily_choice_0", "practice_choice_1", "daily_open", "practice_open"]))
        url = fake.response_url()
        payload: dict[str, Any] = action_payload(
            user="U0FUZZ", action={"type": "button", "block_id": "b", "action_id": action_id, "value": value,
                                   "text": {"type": "plain_text", "text": "A"}},
            message=None, channel=channel, response_url=url, team=team)
        opened = len(fake.called("views.open"))
        status, _ = await http.post(form({"payload": json.dumps(payload)}), FORM)
        assert status == 200
        # Answered: a reply to the response_url, or the answer form opened.
        await fake.wait_for(lambda: [p for p in fake.responses if url.endswith(p.url_id)]
                            or len(fake.called("views.open")) > opened, timeout=REPLY_WITHIN)
        refused = any(t in p.text for p in fake.responses if url.endswith(p.url_id)
                      for t in (wording.BAD_REQUEST, wording.ROUND_OTHER_COMMUNITY))
    else:
        meta = data.draw(st.one_of(member_text, json_value.map(json.dumps),
                                   st.sampled_from([json.dumps({"mode": "daily", "ref": value, "url": "",
                                                                "channel": channel or ""})])))
        view = {"id": "V0FUZZ", "type": "modal", "callback_id": "answer_modal", "private_metadata": meta}
        typed = {"answer": {"text": {"type": "plain_text_input", "value": data.draw(member_text)}}}
        body = view_submission(user="U0FUZZ", view=view, team=team, values=typed)
        status, text = await http.post(form({"payload": json.dumps(body)}), FORM)
        assert status == 200
        refused = "errors" in text
    assert time.monotonic() - started < REPLY_WITHIN
    if refused:
        assert await row_counts(slack_app) == before
    no_errors(records)
    await other_workspace_left_no_trace(slack_app)


async def other_workspace_left_no_trace(app: App) -> None:
    """Nothing scored for the other workspace: in a shared channel, answers score on the host's board."""
    other = await app.engine.core.tx(lambda s: s.execute(
        select(Community.id).where(Community.external_id == OTHER)).scalars().all())
    for cid in other:
        assert await count(app, Score, Score.community_id == cid) == 0
        assert await count(app, Answer, Answer.community_id == cid) == 0


def _place() -> Place:
    return Place("slack", TEAM, CHANNEL)


random_payloads = st.dictionaries(st.sampled_from(["type", "user", "team", "actions", "trigger_id", "view",
                                                  "response_url", "channel", "container"]), json_value, max_size=7)
action_payloads = st.builds(lambda v, aid, team: action_payload(
    user="U0FUZZ", action={"type": "button", "block_id": "b", "action_id": aid, "value": v,
                           "text": {"type": "plain_text", "text": "A"}},
    message=None, channel=CHANNEL, response_url=None, team=team),
    member_text, st.sampled_from(["daily_choice_0", "practice_choice_1", "daily_open", "home_practice"]),
    st.sampled_from([TEAM, OTHER]))


@fuzz_settings
@given(kind=st.sampled_from(["interactive", "slash_commands", "events_api"]), random=random_payloads,
       action=action_payloads)
async def test_fuzz_socket_mode_envelopes(socket_workspace: Any, slack_app: App, records: list[logging.LogRecord],
                                          kind: str, random: dict[str, Any], action: dict[str, Any]) -> None:
    """Socket Mode has no signature to check.  An action the bot listens for is acknowledged within
    3 s whatever its fields hold; a payload no listener matches is left unacknowledged by Bolt (by
    design: Slack then shows an error); neither raises to the log at ERROR."""
    fake = socket_workspace.fake
    await fake.send_envelope("interactive", action, timeout=REPLY_WITHIN)
    with contextlib.suppress(AssertionError):  # not acknowledged: no listener for it
        await fake.send_envelope(kind, random, timeout=0.1)
    await asyncio.sleep(0.02)  # the listeners' work after the ack
    no_errors(records)
    await other_workspace_left_no_trace(slack_app)
