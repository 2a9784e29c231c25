"""A crowd typing /flask-quiz at once in Slack (HTTP and Socket Mode): each member gets their own
question (chosen from their own history) in the ephemeral reply, new members are created together,
and the burst's claims, accounts and questions share transactions."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import event, func, select

from bot import wording
from bot.practice import cards
from bot.runtime.builder import App
from bot.storage.models import Account, ProcessedEvent
from bot.views import QuestionCard
from tests.slack.conftest import Workspace, new_user

N = 40


async def test_a_crowd_at_once_each_gets_their_own_question_in_shared_transactions(
        workspace: Workspace, slack_app: App) -> None:
    crowd = [new_user() for _ in range(N)]
    for u in crowd[: N // 2]:  # half of them have learnt the one question the filter allows
        q = await workspace.say(u, "more senior")
        await workspace.click(u, q.body, "C")
    commits: list[int] = []
    event.listen(slack_app.db.engine, "commit", lambda _conn: commits.append(1))
    replies = await asyncio.gather(*(workspace.say(u, "more senior") for u in crowd))
    for i, q in enumerate(replies):
        assert q.body["response_type"] == "ephemeral"
        assert "more-senior-choice" in q.text
        want = wording.REASON["ahead"] if i < N // 2 else wording.REASON["new"]
        assert want in q.text, (i, q.text)
    urls = [q.url_id for q in replies]
    assert len(set(urls)) == N and sum(p.url_id in urls for p in workspace.fake.responses) == N  # one reply each
    with slack_app.db.session() as s:
        n = s.execute(select(func.count()).select_from(Account).where(
            Account.platform == "slack", Account.external_id.in_(crowd))).scalar_one()
        claims = s.execute(select(func.count()).select_from(ProcessedEvent)).scalar_one()
    assert n == N and claims >= 2 * N  # the first half's question and answer, and everyone's command
    # One by one: 40 claims, 20 new accounts, 40 questions.
    assert 0 < len(commits) < N // 2, len(commits)


async def test_a_practice_card_is_rendered_once_for_the_whole_crowd(
        workspace: Workspace, slack_app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    """Nothing in a practice card is about the member: a crowd drawing the same one is sent blocks
    built once, and what each receives is what a fresh rendering of the card gives."""
    from adapters.slack import render

    made: list[str] = []
    real = render.question

    def counted(card: QuestionCard) -> list[render.Block]:
        made.append(card.question_id)
        return real(card)

    monkeypatch.setattr(render, "question", counted)
    crowd = [new_user() for _ in range(N)]
    replies = await asyncio.gather(*(workspace.say(u, "more senior") for u in crowd))
    assert all("more-senior-choice" in q.text for q in replies)
    assert made == ["more-senior-choice"], made  # one card (the same question, the same reason): built once
    card = slack_app.engine.practice._card(
        cards.Choice(slack_app.engine.library.get("more-senior-choice"), "new"))  # type: ignore[arg-type]
    assert all(q.body["blocks"] == real(card) for q in replies)
