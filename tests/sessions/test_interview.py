"""The mock interview's pure logic, on the real content packs."""

from __future__ import annotations

import pytest

from bot.content import Library, load_library
from bot.errors import UserError
from bot.sessions import interview as iv
from tests.conftest import CONTENT


@pytest.fixture(scope="module")
def library() -> Library:
    lib, _ = load_library(CONTENT)
    return lib


@pytest.mark.parametrize("level", ["junior", "mid", "senior"])
def test_a_plan_is_shaped_like_a_screen(library: Library, level: str) -> None:
    p = iv.plan(library, level, seed=7)
    qs = [library.get(q) for q in p.question_ids]
    assert len(qs) == 6 and len(set(p.question_ids)) == 6 and p.minutes == 20
    assert all(q is not None and q.q.level == level for q in qs)
    assert sum(1 for q in qs if q and q.q.kind == "open") >= 5  # mostly open
    assert any(iv.is_design(q) for q in qs if q) and any(iv.is_code(q) for q in qs if q)
    stages = [iv._weight(q)[0] for q in qs if q]
    assert stages == sorted(stages)  # warm-up first, scenarios and design last
    assert len({q.topic for q in qs if q}) >= 3


def test_plan_errors_name_what_is_wrong(library: Library) -> None:
    with pytest.raises(UserError, match="'expert'"):
        iv.plan(library, "expert")
    with pytest.raises(UserError, match="2 to 12"):
        iv.plan(library, "mid", length=40)


def test_scorecard_from_answers_unanswered_count_as_missed(library: Library) -> None:
    p = iv.plan(library, "mid", seed=3)
    first, second = p.question_ids[:2]
    lq = library.get(first)
    assert lq is not None and lq.q.model_answer
    results = iv.grade_all(library, p, {first: lq.q.model_answer, second: "I do not know."})
    assert len(results) == 6
    assert results[0].answered and results[0].covered and results[0].share > 0.5
    unanswered = results[2]
    assert not unanswered.answered and not unanswered.covered and unanswered.missed
    card = iv.scorecard("mid", results, previous=80)
    assert card.score < 45 and card.band == "not yet" and card.change == card.score - 80
    assert {t for t, _ in card.topics} == {r.topic for r in results}
    assert any(item.question_id == unanswered.question_id and item.references for item in card.study)
    assert all(item.point in r.missed for item in card.study for r in results if r.question_id == item.question_id)

    def best_answer(qid: str) -> str:
        q = library.get(qid)
        assert q is not None
        return q.q.model_answer or "ABCDE"[q.q.correct_index or 0]
    perfect = iv.grade_all(library, p, {q: best_answer(q) for q in p.question_ids})
    best = iv.scorecard("mid", perfect)
    assert best.score >= 70 and best.band == "ready for mid" and best.change is None
    assert all(band != "needs work" for _t, band in best.topics)
