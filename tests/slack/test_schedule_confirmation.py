"""Slack's `schedule set` confirms with the next three post times, in the channel's zone."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.slack.conftest import ADMIN, Workspace


async def test_schedule_set_shows_the_next_three_posts(workspace: Workspace) -> None:
    saved = await workspace.say(ADMIN, "schedule set 18:15 Asia/Tokyo mon,wed")
    # The clock is Monday 16 Nov 08:00 UTC = 17:00 in Tokyo: today's 18:15 is still to come.
    want = [datetime(2026, 11, d, 9, 15, tzinfo=UTC) for d in (16, 18, 23)]
    line = next(x for x in saved.text.splitlines() if x.startswith("Next posts: "))
    assert line == "Next posts: " + "; ".join(
        f"{at:%a} {at:%d} Nov 18:15 JST (<!date^{int(at.timestamp())}^{{date_short_pretty}} at {{time}}|"
        f"{at:%a %d %b %H:%M} UTC>)" for at in want)
