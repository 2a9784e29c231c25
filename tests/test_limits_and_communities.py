"""The engine's own guards: whose round an answer may count for, per-member limits, and the
near-duplicate lint giving the same findings as comparing every pair."""

from __future__ import annotations

import dataclasses
import random

import pytest
from rapidfuzz import fuzz
from sqlalchemy import select

from bot import wording
from bot.clock import FakeClock
from bot.config import LimitsSection, RateLimit, Settings
from bot.content import Library
from bot.content.lint import NEAR_DUPLICATE, near_duplicates
from bot.errors import NotAllowed, UserError
from bot.grading import words
from bot.members.identity import Place
from bot.members.limits import TooFast
from bot.runtime.builder import App
from bot.storage.models import Report
from tests.conftest import FakePoster, make_app, member


async def _right(app: App, round_id: int) -> dict[str, object]:
    card = (await app.engine.rounds.card(round_id))[2]
    lq = app.engine.library.get(card.question_id)
    assert lq is not None
    return {"text": lq.q.model_answer} if lq.q.kind == "open" else {"choice": lq.q.correct_index}


async def test_another_communitys_round_is_refused_unless_answered_in_its_channel(
        app: App, poster: FakePoster) -> None:
    a = Place("console", "team-a", "c-a")
    opened = await app.engine.rounds.post_now(a)
    outsider = member("eve", community="team-b")
    with pytest.raises(NotAllowed, match="another community"):
        await app.engine.rounds.answer(outsider, opened.round_id, **await _right(app, opened.round_id))  # type: ignore[arg-type]
    with pytest.raises(NotAllowed):  # from a channel of their own
        await app.engine.rounds.answer(outsider, opened.round_id, where=Place("console", "team-b", "c-b"),
                                       **await _right(app, opened.round_id))  # type: ignore[arg-type]
    assert (await app.engine.boards.leaderboard(outsider, "all")).rows == ()
    # The same member, in the round's own (shared) channel: counted, on team-a's board only.
    fb = await app.engine.rounds.answer(outsider, opened.round_id, where=Place("console", "team-b", "c-a"),
                                        **await _right(app, opened.round_id))  # type: ignore[arg-type]
    assert fb.correct
    assert [r.name for r in (await app.engine.boards.leaderboard(member("ann", community="team-a"), "all")).rows] \
        == ["eve"]
    assert (await app.engine.boards.leaderboard(outsider, "all")).rows == ()


@pytest.fixture
def tight(db_url: str, clock: FakeClock) -> App:
    limits = LimitsSection(reports=RateLimit(burst=2, per_hour=60), practice=RateLimit(burst=3, per_hour=3600))
    return make_app(db_url, clock, settings=Settings(limits=limits))


async def test_per_member_limits_refuse_politely_and_refill(tight: App, clock: FakeClock) -> None:
    ann, bob = member("ann"), member("bob")
    for _ in range(3):
        await tight.engine.practice.ask(ann)
    with pytest.raises(TooFast) as exc:
        await tight.engine.practice.ask(ann)
    assert str(exc.value) == wording.TOO_FAST.format(when="1 second")
    await tight.engine.practice.ask(bob)  # one member's flood is theirs alone
    clock.advance(seconds=1)
    await tight.engine.practice.ask(ann)
    qid = tight.engine.library.questions[0].id
    await tight.engine.reports.add(ann, qid, "one")
    await tight.engine.reports.add(ann, qid, "two")
    with pytest.raises(TooFast, match="try again in 60 seconds"):
        await tight.engine.reports.add(ann, qid, "three")
    # A refused report is not stored, and an invalid one costs nothing.
    with pytest.raises(UserError):
        await tight.engine.reports.add(bob, "no-such-question", "x")
    await tight.engine.reports.add(bob, qid, "fine")
    stored = await tight.engine.core.tx(lambda s: s.execute(select(Report.reason).order_by(Report.id)).scalars().all())
    assert stored == ["one", "two", "fine"]
    tight.close()


def _pairwise(library: Library) -> list[tuple[str, str, str]]:
    qs = library.questions
    texts = [" ".join(words(q.q.prompt + " " + (q.q.code or ""))) for q in qs]
    out = []
    for i in range(len(qs)):
        for j in range(i + 1, len(qs)):
            score = fuzz.ratio(texts[i], texts[j], score_cutoff=NEAR_DUPLICATE)
            if score:
                out.append((qs[j].file, qs[j].id, f"near-duplicate of {qs[i].id} ({score:.0f}% similar)"))
    return out


def _found(library: Library) -> list[tuple[str, str, str]]:
    return [(p.file, p.question or "", p.message) for p in near_duplicates(library.questions)]


def test_near_duplicates_match_every_pair(full_app: App) -> None:
    real = full_app.engine.library
    assert _found(real) == _pairwise(real)  # the real pack: the same findings
    # Variants of real prompts, some a word or two apart, some far apart, lengths mixed.
    rng = random.Random(7)
    qs = list(real.questions)
    variants = []
    for n, lq in enumerate(rng.sample(qs, 60)):
        ws = lq.q.prompt.split()
        for _ in range(rng.choice([0, 1, 2, 8])):
            ws[rng.randrange(len(ws))] = rng.choice(["app", "request", "blueprint", "x"])
        variants.append(dataclasses.replace(lq, q=lq.q.model_copy(update={"prompt": " ".join(ws),
                                                                         "id": f"{lq.id}-v{n}"})))
    mixed = Library((dataclasses.replace(real.packs[0], questions=tuple(qs + variants)),))
    found = _found(mixed)
    assert found == _pairwise(mixed) and len(found) >= 20
