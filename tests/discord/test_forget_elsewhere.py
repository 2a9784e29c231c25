"""Forget-me run by another process, then the member back here through the fake Discord."""

from __future__ import annotations

import logging

import pytest
from sqlalchemy import func, select

from bot import wording
from bot.clock import FakeClock
from bot.members.identity import Member
from bot.storage.models import Account, PracticeAnswer
from tests.conftest import make_app
from tests.discord.conftest import ANN, Bot
from tests.discord.fake_discord import opt


def embed(reply: dict) -> dict:  # type: ignore[type-arg]
    return reply["data"]["embeds"][0]


async def test_a_member_forgotten_by_another_process_answers_here_as_a_new_member(
        bot: Bot, db_url: str, clock: FakeClock, caplog: pytest.LogCaptureFixture) -> None:
    q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
    first = await bot.click(q, "A")  # this process now caches Ann's ids
    other = make_app(db_url, clock)  # the second process, on the same database
    try:
        gone = await other.engine.members.forget(Member("discord", bot.fake.guilds[0]["id"], ANN["id"], "Ann"))
        assert gone.text == wording.FORGOTTEN
    finally:
        other.close()
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "junior"))
        again = await bot.click(q, "A")
        assert embed(again)["title"] == embed(first)["title"] == "Not quite."  # feedback, not an error reply
        stats = await bot.say("flask-stats")
        assert embed(stats)["title"] == "Stats for Ann"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    with bot.app.db.session() as s:
        n = s.execute(select(func.count()).select_from(PracticeAnswer).join(Account)
                      .where(Account.external_id == ANN["id"])).scalar_one()
    assert n == 1  # only the answer given after the forget-me
