"""Whole conversations with the real Bolt app, over HTTP (signed requests) and over Socket Mode."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot import wording
from bot.clock import FakeClock
from bot.members.identity import Place
from bot.runtime.builder import App
from bot.runtime.service import post_job
from tests.slack.conftest import ADMIN, CHANNEL, Workspace, find_button, new_user
from tests.slack.fake_slack import TEAM, action_payload, blocks_text


async def test_practice_question_then_button_gives_private_feedback(workspace: Workspace) -> None:
    user = new_user()
    q = await workspace.say(user, "more senior")
    assert q.body["response_type"] == "ephemeral"
    assert "more-senior-choice" in q.text and "*C.* Setup code in the app factory" in q.text
    fb = await workspace.click(user, q.body, "C")
    assert fb is not None
    assert fb.body["response_type"] == "ephemeral" and fb.body["replace_original"] is False
    assert "Correct!" in fb.text and "https://flask.palletsprojects.com/en/stable/changes/" in fb.text
    wrong = await workspace.click(user, (await workspace.say(user, "more junior")).body, "A")
    assert wrong is not None and "Not quite." in wrong.text and "You chose: Only POST" in wrong.text
    assert "Right answer: *GET (plus HEAD and OPTIONS, added automatically)*" in wrong.text


async def test_help_and_unknown_text_get_the_command_list(workspace: Workspace) -> None:
    assert "/flask-quiz leaderboard [week|month|all]" in (await workspace.say(new_user(), "help")).text
    reply = await workspace.say(new_user(), "bananas please")
    assert "I don't know `bananas please`" in reply.text and "/flask-quiz forget-me" in reply.text


async def test_open_question_answer_modal_gives_graded_feedback(workspace: Workspace) -> None:
    user = new_user()
    q = await workspace.say(user, "example mid")
    if "example-open-factory" not in q.text:  # two mid questions: answer the other one first
        await workspace.click(user, q.body, "A")
        q = await workspace.say(user, "example mid")
    assert "example-open-factory" in q.text
    view = await workspace.open_answer_modal(user, q.body)
    assert view["type"] == "modal" and "application factory" in blocks_text(view)
    empty = json.loads(await workspace.submit(user, view, "   "))
    assert empty.get("response_action") == "errors"  # a blank answer keeps the modal open
    await workspace.submit(user, view, "A create_app factory function; each test gets its own config; "
                                       "extensions use init_app")
    meta = json.loads(view["private_metadata"])
    fb = await workspace.reply(meta["url"])
    assert wording.COVERS in fb.text and wording.COVERS_CAVEAT in fb.text and "Model answer" in fb.text
    assert fb.body["replace_original"] is False


async def test_stats_leaderboard_report_and_forget_me(workspace: Workspace) -> None:
    user = new_user()
    await workspace.click(user, (await workspace.say(user, "more junior")).body, "B")
    assert "Answered *1* (0 daily, 1 practice)" in (await workspace.say(user, "stats")).text
    assert "Leaderboard" in (await workspace.say(user, "leaderboard month")).text
    assert "report on more-junior-choice is saved" in (
        await workspace.say(user, "report more-junior-choice typo in option B")).text
    assert "deleted" in (await workspace.say(user, "forget-me")).text
    assert "Answered *0*" in (await workspace.say(user, "stats")).text


async def test_home_tab_is_published_when_opened(workspace: Workspace, slack_app: App) -> None:
    user = new_user()
    await workspace.click(user, (await workspace.say(user, "more junior")).body, "B")
    await workspace.open_home(user)
    call = (await workspace.fake.wait_calls("views.publish"))[-1]
    view = call.args["view"]
    view = json.loads(view) if isinstance(view, str) else view
    assert call.args["user_id"] == user and view["type"] == "home"
    assert "Answered *1*" in blocks_text(view) and "reviews due" in blocks_text(view)
    # the Home button sends a practice question to the member's direct messages
    await workspace.click(user, view, "Practise now", channel=user, expect_reply=False)
    dm = await workspace.fake.wait_for(lambda: workspace.fake.messages(user))
    assert "Practice" in blocks_text(dm[0])


async def test_non_admin_is_refused_and_bad_values_are_explained(workspace: Workspace) -> None:
    user = new_user()
    refused = await workspace.say(user, "schedule set 09:00 UTC")
    assert "Only admins can do that." in refused.text
    assert any(c.args.get("user") == user for c in workspace.fake.called("users.info"))
    workspace.fake.admins.add(owner := new_user())  # a workspace admin per users.info
    assert "no daily schedule" in (await workspace.say(owner, "schedule pause")).text
    assert "is not a time" in (await workspace.say(ADMIN, "schedule set 25:00 UTC")).text
    assert "unknown time zone" in (await workspace.say(ADMIN, "schedule set 09:00 Moon/Base")).text


async def test_retried_requests_count_once(workspace: Workspace) -> None:
    user = new_user()
    q = await workspace.say(user, "more junior", retry_times=2)
    await workspace.click(user, q.body, "B", retry_times=2)
    stats = await workspace.say(user, "stats")
    assert "Answered *1* (0 daily, 1 practice)" in stats.text
    per_url: dict[str, int] = {}
    for r in workspace.fake.responses:
        per_url[r.url_id] = per_url.get(r.url_id, 0) + 1
    assert sorted(per_url.values()) == [1, 1, 1]  # question, feedback, stats: one reply each


async def test_scheduled_daily_round_from_post_to_reveal(workspace: Workspace, slack_app: App,
                                                         clock: FakeClock) -> None:
    fake = workspace.fake
    saved = await workspace.say(ADMIN, "schedule set 09:30 Europe/Berlin mon,tue,wed,thu,fri window=60")
    assert "09:30 Europe/Berlin" in saved.text
    assert "Europe/Berlin" in (await workspace.say(new_user(), "schedule")).text
    (sched,) = await slack_app.engine.schedules.active()
    clock.set(datetime(2026, 11, 16, 9, 30, tzinfo=ZoneInfo("Europe/Berlin")))  # Monday, local time
    await post_job(slack_app.service.key, sched.channel_id)
    (post,) = await fake.wait_calls("chat.postMessage")
    assert post.args["channel"] == CHANNEL and post.token == "xoxb-test"
    text = blocks_text(post.args)
    assert "*Daily question*" in text and "<!date^" in text and "0 answered" in text
    message = fake.messages(CHANNEL)[0]
    ann, bob = new_user(), new_user()
    labels = [el["text"]["text"] for b in message["blocks"] for el in b.get("elements", [])
              if el.get("type") == "button"]
    assert labels
    fb1 = await workspace.click(ann, message, labels[0], ephemeral=False)
    fb2 = await workspace.click(bob, message, labels[-1], ephemeral=False)
    assert fb1 is not None and fb2 is not None and fb1.body["replace_original"] is False
    again = await workspace.click(ann, message, labels[-1], ephemeral=False)
    # Answers are final: a second click shows the feedback of the answer stored, not of this one.
    assert again is not None and again.text == fb1.text and again.body["blocks"] == fb1.body["blocks"]
    # the live count, without revealing anything
    update = (await fake.wait_calls("chat.update"))[-1]
    assert "2 answered" in blocks_text(update.args) and "Answer:" not in blocks_text(update.args)
    clock.advance(minutes=61)
    round_id = await slack_app.engine.rounds.current(Place("slack", TEAM, CHANNEL))
    assert round_id is not None
    await slack_app.service.engine.rounds.close(round_id, only_if_due=True)
    closed = (await fake.wait_calls("chat.update", 2))[-1]
    assert "Answer:" in blocks_text(closed.args) and "2 answered" in blocks_text(closed.args)
    assert not any(b["type"] == "actions" for b in closed.args["blocks"])  # no more answers
    thread = (await fake.wait_calls("chat.postMessage", 2))[-1]
    assert thread.args["thread_ts"] == message["ts"] and "*2* answered" in blocks_text(thread.args)


async def test_admin_posts_now_and_the_button_answers_count(workspace: Workspace) -> None:
    reply = await workspace.say(ADMIN, "daily")
    assert "Posted the daily question" in reply.text
    post = (await workspace.fake.wait_calls("chat.postMessage"))[-1]
    assert post.args["channel"] == "C0GENERAL"
    assert "Only admins" in (await workspace.say(new_user(), "daily")).text


async def test_practice_feedback_has_rating_buttons_that_set_the_next_review(workspace: Workspace,
                                                                             slack_app: App) -> None:
    user = new_user()
    fb = await workspace.click(user, (await workspace.say(user, "more junior")).body, "A")
    assert fb is not None and "Not quite." in fb.text
    rated = await workspace.click(user, fb.body, "Hard")
    assert rated is not None and rated.body["response_type"] == "ephemeral"
    assert "Noted: hard." in rated.text and "Next review of this question" in rated.text


async def test_i_was_right_on_an_open_answer_reaches_the_maintainers(workspace: Workspace,
                                                                     slack_app: App) -> None:
    from sqlalchemy import select

    from bot.storage.models import Report

    user = new_user()
    q = await workspace.say(user, "example mid")
    if "example-open-factory" not in q.text:
        await workspace.click(user, q.body, "A")
        q = await workspace.say(user, "example mid")
    view = await workspace.open_answer_modal(user, q.body)
    await workspace.submit(user, view, "Put the app in a function.")
    fb = await workspace.reply(json.loads(view["private_metadata"])["url"])
    assert "Not quite." in fb.text
    overruled = await workspace.click(user, fb.body, "I was right")
    assert overruled is not None and "Noted: you were right." in overruled.text
    with slack_app.db.session() as s:
        assert s.execute(select(Report.kind, Report.answer_text)).all() == [("overrule", "Put the app in a function.")]


async def test_a_disputed_daily_grade_reaches_the_admins_and_the_member_is_told(workspace: Workspace) -> None:
    fake = workspace.fake
    await workspace.say(ADMIN, "schedule set 09:30 UTC topics=example levels=mid")
    for _ in range(3):  # two mid questions: post until the open one is up
        assert "Posted the daily question" in (await workspace.say(ADMIN, "daily")).text
        message = fake.messages(CHANNEL)[-1]
        if "example-open-factory" in blocks_text(message):
            break
        await workspace.say(ADMIN, "close")
    user = new_user()
    view = await workspace.open_answer_modal(user, message, ephemeral=False)
    await workspace.submit(user, view, "It is about making the app in a function.")
    fb = await workspace.reply(json.loads(view["private_metadata"])["url"])
    assert "Not quite." in fb.text
    disputed = await workspace.click(user, fb.body, "Dispute this grade")
    assert disputed is not None and "Sent to this community's admins" in disputed.text
    assert "Only admins" in (await workspace.say(new_user(), "disputes")).text
    listing = await workspace.say(ADMIN, "disputes")
    assert "#1" in listing.text and "making the app in a function" in listing.text
    before = len(fake.called("chat.postMessage"))
    assert "granted" in (await workspace.say(ADMIN, "grant 1")).text
    dm = (await fake.wait_calls("chat.postMessage", before + 1))[-1]
    assert dm.args["channel"] == user and "was granted by an admin" in dm.args["text"]
    assert "+20 points" in dm.args["text"]


@pytest.mark.parametrize("daily", [True, False])
async def test_a_delivery_whose_work_failed_is_handled_when_slack_retries_it(
        workspace: Workspace, slack_app: App, monkeypatch: pytest.MonkeyPatch, daily: bool) -> None:
    """The first try failed after the ack (in a killed process: never finished); Slack's retry stores it."""
    fake = workspace.fake
    if daily:
        daily_place = Place("slack", TEAM, CHANNEL)
        # Topic "more" asks only multiple-choice questions: buttons to click.
        await slack_app.engine.schedules.set(daily_place, time_of_day="23:00", timezone="UTC", topics=("more",))
        await slack_app.service.engine.rounds.post_now(daily_place)
        message = fake.messages(CHANNEL)[0]
        component = slack_app.engine.rounds
    else:
        message = (await workspace.say(new_user(), "more junior")).body
        component = slack_app.engine.practice  # type: ignore[assignment]
    real = component.answer
    calls = 0

    async def failing_once(*args: object, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise ConnectionError("the database went away")
        return await real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(component, "answer", failing_once)
    user = new_user()
    label = next(el["text"]["text"] for b in message["blocks"] for el in b.get("elements", [])
                 if el.get("type") == "button" and "_choice_" in el.get("action_id", ""))
    url = fake.response_url()
    payload = action_payload(user=user, action={"type": "button", "block_id": "b",
                                                **find_button(message["blocks"], label)},
                             message=message, channel=CHANNEL, response_url=url, ephemeral=not daily)
    await workspace.transport.interactive(payload)
    first = await workspace.reply(url)
    assert "Something went wrong" in first.text
    await workspace.transport.interactive(payload, retry=1)  # Slack's retry of the same delivery
    second = await workspace.reply(url, 2)
    assert calls == 2 and "went wrong" not in second.text and ("Correct" in second.text or "Not quite" in
                                                                second.text), second.text
    stats = await workspace.say(user, "stats")
    assert ("Answered *1* (1 daily" if daily else "Answered *1* (0 daily, 1 practice)") in stats.text
