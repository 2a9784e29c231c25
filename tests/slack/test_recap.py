"""The weekly recap on Slack: posted once, with its key in the message metadata; admins turn it off."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.clock import FakeClock
from bot.members.identity import Place
from bot.runtime.builder import App
from bot.runtime.service import post_job, recap_job
from tests.slack.conftest import ADMIN, CHANNEL, TEAM, Workspace, new_user
from tests.slack.fake_slack import blocks_text

MONDAY = datetime(2026, 11, 16, 8, 30, tzinfo=UTC)


def recaps(workspace: Workspace) -> list[dict[str, object]]:
    return [c.args for c in workspace.fake.called("chat.postMessage")
            if (c.args.get("metadata") or {}).get("event_type") == "drillbot_recap"]


async def test_the_recap_posts_once_with_the_week(workspace: Workspace, slack_app: App, clock: FakeClock) -> None:
    await workspace.say(ADMIN, "schedule set 09:30 Europe/Berlin weekdays window=60 topics=more")
    [sched] = await slack_app.engine.schedules.active()
    clock.set(MONDAY)
    await post_job(slack_app.service.key, sched.channel_id)
    message = workspace.fake.messages(CHANNEL)[0]
    labels = [el["text"]["text"] for b in message["blocks"] for el in b.get("elements", [])
              if el.get("type") == "button" and el["text"]["text"] in "ABCDE"]
    card = (await slack_app.engine.rounds.card(message["metadata"]["event_payload"]["round"]))[2]
    lq = slack_app.engine.library.get(card.question_id)
    assert lq is not None and lq.q.correct_index is not None
    right = "ABCDE"[lq.q.correct_index]
    wrong = next(x for x in labels if x != right)
    ann, bob = new_user(), new_user()
    await workspace.click(ann, message, right, ephemeral=False)
    await workspace.click(bob, message, wrong, ephemeral=False)
    clock.advance(minutes=61)
    round_id = await slack_app.engine.rounds.current(Place("slack", TEAM, CHANNEL))
    assert round_id is not None
    await slack_app.engine.rounds.close(round_id, only_if_due=True)

    refused = await workspace.say(new_user(), "schedule recap off")
    assert "Only admins" in refused.text
    clock.set(MONDAY + timedelta(days=7))
    for _ in range(2):
        await recap_job(slack_app.service.key, sched.channel_id)
    [recap] = recaps(workspace)
    assert recap["channel"] == CHANNEL and recap["text"] == "Weekly recap · week 47 of 2026"
    text = blocks_text(recap)  # type: ignore[arg-type]
    assert "1 daily question(s) asked here." in text and "(1 of 2 right)" in text
    assert f"Answer: *{lq.q.options[lq.q.correct_index]}*" in text

    off = await workspace.say(ADMIN, "schedule recap off")
    assert off.text.startswith("The weekly recap is off in this channel.")
    clock.set(MONDAY + timedelta(days=14))
    await recap_job(slack_app.service.key, sched.channel_id)
    assert len(recaps(workspace)) == 1


async def test_a_recap_that_landed_before_its_process_died_is_not_posted_again(
        workspace: Workspace, slack_app: App, clock: FakeClock) -> None:
    from sqlalchemy import update

    from bot.storage.models import Delivery

    await workspace.say(ADMIN, "schedule set 09:30 Europe/Berlin weekdays window=60 topics=more")
    [sched] = await slack_app.engine.schedules.active()
    clock.set(MONDAY)
    await post_job(slack_app.service.key, sched.channel_id)
    clock.set(MONDAY + timedelta(days=7))
    await recap_job(slack_app.service.key, sched.channel_id)
    assert len(recaps(workspace)) == 1
    # The post landed, but the process died before it could mark the delivery sent: its claim is
    # still 'sending' when its lease runs out, and the sweep of another process takes it over.
    await slack_app.engine.core.tx(lambda s: s.execute(
        update(Delivery).where(Delivery.key.like("recap:%")).values(state="sending", lease_until=clock.now())))
    clock.advance(minutes=10)
    await slack_app.engine.recaps.sweep()
    assert len(recaps(workspace)) == 1
    assert len(workspace.fake.called("conversations.history")) >= 2  # looked before each post
