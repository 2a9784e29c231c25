"""Points by level and the week/month a moment belongs to, in the community's time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.boards.points import period_key, period_keys, points_for
from bot.config import ScoringSection


@pytest.mark.parametrize(("level", "correct", "points"), [
    ("junior", True, 10), ("mid", True, 20), ("senior", True, 30), ("senior", False, 0)])
def test_points_by_level(level: str, correct: bool, points: int) -> None:
    assert points_for(level, correct, ScoringSection()) == points


def test_points_table_is_configurable() -> None:
    assert points_for("mid", True, ScoringSection(mid=7)) == 7


def test_week_and_month_follow_the_community_time_zone() -> None:
    # Sunday 23:30 in Los Angeles is already Monday in UTC.
    late_sunday = datetime(2026, 11, 30, 7, 30, tzinfo=UTC)
    assert period_key("week", late_sunday, "America/Los_Angeles") == "w2026-48"
    assert period_key("week", late_sunday, "UTC") == "w2026-49"
    assert period_key("month", late_sunday, "America/Los_Angeles") == "m2026-11"
    assert period_key("month", late_sunday, "UTC") == "m2026-11"
    new_year = datetime(2026, 12, 31, 23, 30, tzinfo=UTC)
    assert period_key("month", new_year, "Asia/Tokyo") == "m2027-01"


def test_iso_week_across_new_year() -> None:
    assert period_key("week", datetime(2027, 1, 1, 12, tzinfo=UTC), "UTC") == "w2026-53"
    assert period_keys(datetime(2027, 1, 4, 12, tzinfo=UTC), "UTC") == ("w2027-01", "m2027-01", "all")
