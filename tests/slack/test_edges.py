"""Slack's limits and habits: counts at the reveal, expired response URLs, display names, careful cuts."""

from __future__ import annotations

from bot.members.identity import Place
from bot.runtime.builder import App
from tests.slack.conftest import CHANNEL, Workspace, new_user
from tests.slack.fake_slack import TEAM, blocks_text

DAILY = Place("slack", TEAM, CHANNEL)


async def post_daily(workspace: Workspace, app: App) -> dict:  # type: ignore[type-arg]
    """A multiple-choice daily question in the channel (topic "more" has only those)."""
    await app.engine.schedules.set(DAILY, time_of_day="23:00", timezone="UTC", topics=("more",))
    await app.service.engine.rounds.post_now(DAILY)
    await workspace.fake.wait_calls("chat.postMessage")
    return workspace.fake.messages(CHANNEL)[0]


def labels(message: dict) -> list[str]:  # type: ignore[type-arg]
    return [el["text"]["text"] for b in message["blocks"] for el in b.get("elements", []) if el.get("type") == "button"]


async def test_the_reveal_shows_how_many_chose_each_option(workspace: Workspace, slack_app: App) -> None:
    message = await post_daily(workspace, slack_app)
    letters = labels(message)
    assert letters[0] == "A"
    for user, label in ((new_user(), "A"), (new_user(), "A"), (new_user(), letters[-1])):
        await workspace.click(user, message, label, ephemeral=False)
    round_id = await slack_app.engine.rounds.current(DAILY)
    assert round_id is not None
    closed = await slack_app.service.engine.rounds.close(round_id)
    assert closed is not None
    right = closed.summary.question.options.index(closed.summary.right or "")
    counts = [2 if i == 0 else 1 if i == len(letters) - 1 else 0 for i in range(len(letters))]
    expected = " · ".join(f"{x} {n}{' ✓' if i == right else ''}"
                          for i, (x, n) in enumerate(zip(letters, counts, strict=True)))
    fake = workspace.fake
    reveal = await fake.wait_for(lambda: [c for c in fake.called("chat.update") if "Closed" in blocks_text(c.args)])
    assert expected in blocks_text(reveal[-1].args)
    thread = (await fake.wait_calls("chat.postMessage", 2))[-1]
    assert f"Chosen: {expected}" in blocks_text(thread.args)
