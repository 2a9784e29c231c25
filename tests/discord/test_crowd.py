"""A crowd typing /flask-quiz at once through the fake Discord: each member gets their own question
(chosen from their own history), new members are created together, and the burst shares transactions."""

from __future__ import annotations

from sqlalchemy import event, func, select

from bot import wording
from bot.storage.models import Account
from tests.discord.conftest import Bot
from tests.discord.fake_discord import buttons, opt, user

N = 40


async def test_a_crowd_at_once_each_gets_their_own_question_in_shared_transactions(bot: Bot) -> None:
    fake = bot.fake
    crowd = [user(81_000 + i, f"crowd{i}") for i in range(N)]
    for who in crowd[: N // 2]:  # half of them have learnt the one question the filter allows
        q = await bot.say("flask-quiz", opt("topic", "more"), opt("level", "senior"), who=who)
        await bot.click(q, "C", who=who)
    commits: list[int] = []
    event.listen(bot.app.db.engine, "commit", lambda _conn: commits.append(1))
    sents = [await fake.slash("flask-quiz", opt("topic", "more"), opt("level", "senior"), who=w) for w in crowd]
    replies = [await fake.callback(s, timeout=30) for s in sents]
    for i, (sent, reply) in enumerate(zip(sents, replies, strict=True)):
        assert len(fake.callbacks[sent.id]) == 1  # one reply per interaction
        e = reply["data"]["embeds"][0]
        assert e["footer"]["text"] == "more-senior-choice"
        want = wording.REASON["ahead"] if i < N // 2 else wording.REASON["new"]
        assert e["author"]["name"] == want, (i, e["author"])
        assert set(buttons(fake.responses[sent.id])) >= {"A", "B", "C"}
    with bot.app.db.session() as s:
        n = s.execute(select(func.count()).select_from(Account).where(
            Account.platform == "discord", Account.external_id.in_([w["id"] for w in crowd]))).scalar_one()
    assert n == N
    # Half the crowd new: one by one that is 20 account transactions and 40 question transactions.
    assert 0 < len(commits) < N // 2, len(commits)
