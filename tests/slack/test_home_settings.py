"""The App Home settings form: admins set a channel's schedule without typing syntax."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from bot.clock import FakeClock
from bot.runtime.builder import App
from bot.runtime.service import post_job
from tests.slack.conftest import ADMIN, CHANNEL, Workspace, find_button, new_user
from tests.slack.fake_slack import blocks_text, home_action


def option(options: list[dict[str, Any]], value: str) -> dict[str, Any]:
    return next(o for o in options if o["value"] == value)


def element(view: dict[str, Any], block_id: str) -> dict[str, Any]:
    return dict(next(b for b in view["blocks"] if b.get("block_id") == block_id)["element"])


async def save(workspace: Workspace, user: str, view: dict[str, Any], filled: dict[str, Any]) -> dict[str, Any]:
    before = len(workspace.fake.called("views.publish"))
    button = find_button(view["blocks"], "Save schedule")
    await workspace.transport.interactive(home_action(user=user, view=view, filled=filled,
                                                      action={"type": "button", "block_id": "hs_save", **button}))
    call = (await workspace.fake.wait_calls("views.publish", before + 1))[-1]
    assert call.args["user_id"] == user
    published = call.args["view"]
    return dict(json.loads(published) if isinstance(published, str) else published)


async def test_the_home_form_sets_a_schedule_that_posts_at_its_local_time(workspace: Workspace, slack_app: App,
                                                                        clock: FakeClock) -> None:
    fake = workspace.fake
    member = new_user()
    await workspace.open_home(member)
    await fake.wait_for(lambda: member in fake.homes)
    assert not any(b["type"] == "input" for b in fake.homes[member]["blocks"])  # members see no form

    await workspace.open_home(ADMIN)
    home = await fake.wait_for(lambda: fake.homes.get(ADMIN))
    assert [b["block_id"] for b in home["blocks"] if b["type"] == "input"] == [
        "hs_channel", "hs_time", "hs_tz", "hs_days", "hs_window", "hs_topics", "hs_levels"]
    assert element(home, "hs_channel")["type"] == "conversations_select"
    assert element(home, "hs_time") == {"type": "timepicker", "action_id": "time", "initial_time": "09:00"}
    zones, days = element(home, "hs_tz")["options"], element(home, "hs_days")["options"]
    windows, topics = element(home, "hs_window")["options"], element(home, "hs_topics")["options"]

    saved = await save(workspace, ADMIN, home, {
        "hs_channel": CHANNEL, "hs_time": "07:45", "hs_tz": option(zones, "Asia/Tokyo"),
        "hs_days": [option(days, "mon"), option(days, "wed")], "hs_window": option(windows, "60"),
        "hs_topics": [option(topics, "more")]})
    text = blocks_text(saved)
    assert f"Saved the schedule for <#{CHANNEL}>." in text
    # Monday 16 Nov, 17:00 in Tokyo: the first post is Wednesday's.
    [line] = [x for x in text.splitlines() if x.startswith("Next posts: ")]
    assert [p.split(" (")[0] for p in line.removeprefix("Next posts: ").split("; ")] == [
        "Wed 18 Nov 07:45 JST", "Mon 23 Nov 07:45 JST", "Wed 25 Nov 07:45 JST"]
    assert element(saved, "hs_time")["initial_time"] == "07:45"  # the form shows what was saved
    assert element(saved, "hs_channel")["initial_conversation"] == CHANNEL

    [sched] = await slack_app.engine.schedules.active()
    assert (sched.timing.time_of_day, sched.timing.timezone, sched.timing.days) == ("07:45", "Asia/Tokyo",
                                                                                     ("mon", "wed"))
    assert "answers open 60 min · topics more" in (await workspace.say(ADMIN, "schedule")).text
    clock.set(datetime(2026, 11, 17, 22, 45, tzinfo=UTC))  # Wednesday 07:45 in Tokyo
    await post_job(slack_app.service.key, sched.channel_id)
    [post] = await fake.wait_calls("chat.postMessage")
    assert post.args["channel"] == CHANNEL and "*Daily question*" in blocks_text(post.args)


async def test_the_home_form_refuses_members_and_explains_what_is_missing(workspace: Workspace,
                                                                        slack_app: App) -> None:
    fake = workspace.fake
    await workspace.open_home(ADMIN)
    home = await fake.wait_for(lambda: fake.homes.get(ADMIN))
    days = element(home, "hs_days")["options"]
    no_channel = await save(workspace, ADMIN, home, {"hs_time": "07:45", "hs_days": [option(days, "fri")]})
    assert "Pick the channel the daily question goes to." in blocks_text(no_channel)
    no_days = await save(workspace, ADMIN, home, {"hs_channel": CHANNEL, "hs_days": []})
    assert "Pick at least one day." in blocks_text(no_days)
    forged = await save(workspace, new_user(), home, {"hs_channel": CHANNEL, "hs_days": [option(days, "fri")]})
    assert "Only admins can do that." in blocks_text(forged)
    assert not any(b["type"] == "input" for b in forged["blocks"])
    assert await slack_app.engine.schedules.active() == []


def test_the_fake_refuses_what_slack_refuses_in_a_form() -> None:
    from adapters.slack.home import Chosen, form
    from tests.slack.fake_slack import view_problem

    good = form(Chosen(None, "09:00", "Asia/Kathmandu", ("mon",), 480, (), ()), {"a": "A"})
    assert view_problem({"type": "home", "blocks": good}) == ""  # a zone off the list is added to it
    days = next(b for b in good if b.get("block_id") == "hs_days")
    days["element"]["options"] = days["element"]["options"] * 2
    assert "too many options" in view_problem({"type": "home", "blocks": good})
    tz = {"type": "input", "block_id": "z", "label": {"type": "plain_text", "text": "Zone"},
          "element": {"type": "static_select", "action_id": "tz", "options": [{"text": {}, "value": "UTC"}],
                      "initial_option": {"text": {}, "value": "Mars"}}}
    assert "initial_option" in view_problem({"type": "home", "blocks": [tz]})
