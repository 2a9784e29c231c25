"""Reminders on Slack: in the app's direct messages, only to members who opted in, once, stopped by button."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bot.clock import FakeClock
from bot.runtime.builder import App
from bot.runtime.service import reminder_job
from tests.slack.conftest import Workspace, new_user


def dms(workspace: Workspace, user: str) -> list[dict[str, Any]]:
    return [c.args for c in workspace.fake.called("chat.postMessage") if c.args.get("channel") == user]


async def test_reviews_reminder_by_dm_once_and_stopped_by_its_button(workspace: Workspace, slack_app: App,
                                                                     clock: FakeClock) -> None:
    ann, bob = new_user(), new_user()
    assert "reviews due off" in (await workspace.say(ann, "remind")).text
    on = await workspace.say(ann, "remind reviews 07:00 America/New_York")
    assert "reviews due at 07:00 America/New_York" in on.text
    assert "is not an hour" in (await workspace.say(ann, "remind reviews 7pm")).text
    for who in (ann, bob):  # both practise; only Ann opted in
        question = await workspace.say(who, "more")
        await workspace.click(who, question.body, "A")
    clock.set(datetime(2026, 11, 17, 12, 0, tzinfo=UTC))  # 07:00 in New York
    await reminder_job(slack_app.service.key)
    await reminder_job(slack_app.service.key)
    [note] = dms(workspace, ann)
    assert note["text"].startswith("You have 1 practice question(s) due for review.")
    assert dms(workspace, bob) == []

    message = {"type": "message", "ts": "1.0", "text": note["text"], "blocks": note["blocks"]}
    stopped = await workspace.click(ann, message, "Stop review reminders", channel="D0ANN", ephemeral=False)
    assert stopped is not None and stopped.body["replace_original"] is True
    assert stopped.text.startswith("Review reminders are off.")
    clock.set(datetime(2026, 11, 18, 12, 0, tzinfo=UTC))
    await reminder_job(slack_app.service.key)
    assert len(dms(workspace, ann)) == 1
    assert "reviews due off" in (await workspace.say(ann, "remind")).text
