"""The grader on the blind labelled set (tests/fixtures/grading/answers.jsonl): it must not fall
below the floor reached when it was tuned.  Figures and method: docs/grading.md; bench/grading.py.

The set was written before the grader was built, by writers who saw only the prompts, and
labelled by a third reader.  Its "holdout" split was held out for the first round of tuning; it
has since been tuned on too (the second round), so both floors here only stop regressions.  The
grader's quality on unseen answers is measured on a separate, fresh set.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from bot.content import load_library
from bot.errors import UserError
from bot.grading import grade
from tests.conftest import CONTENT

SET = Path(__file__).parent / "fixtures" / "grading" / "answers.jsonl"
ROWS = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
# The fresh set: 44 questions the set above does not cover, split by question into a dev half
# (studied while tuning) and a sealed half kept outside the repository until measured once (docs/grading.md).
FRESH = [json.loads(line) for name in ("fresh-dev.jsonl", "fresh-holdout.jsonl")
         for line in (SET.parent / name).read_text().splitlines() if line.strip()]
# The third blind set (2026-12-02): 280 new answers to 40 open questions drawn at random, written by a
# writer who saw only prompts and code, measured once after the session's tuning; spent since.
SEALED = [json.loads(line) for line in (SET.parent / "sealed-v3.jsonl").read_text().splitlines() if line.strip()]
# The fourth (2026-12-03): 280 answers to 40 other open questions, shuffled, four correct kinds (two terse, casual,
# a paraphrase avoiding the textbook terms) and three not (wrong, negated, right but with one serious false claim).
V4_KINDS = {"terse", "terse2", "casual", "paraphrase", "wrong", "negated", "mixed"}
SEALED_V4 = [json.loads(line) for line in (SET.parent / "sealed-v4.jsonl").read_text().splitlines() if line.strip()]
# The fifth (2026-12-03, later): 320 answers to 40 open questions drawn from all 110, 8 kinds, written by two blind
# writers from the prompts alone and labelled again by an independent reader (319 of 320 agree; the one close call,
# which the reader passed, is left out of the measure).
V5_KINDS = {"paraphrase", "terse", "casual", "partial", "wrong", "negated", "mixed", "vague"}
SEALED_V5_ALL = [json.loads(line) for line in (SET.parent / "sealed-v5.jsonl").read_text().splitlines() if line.strip()]
SEALED_V5 = [r for r in SEALED_V5_ALL if r["label2"] == r["label"]]
# The sixth (2026-12-03, session 25), mixed-v1: 50 open questions not in that session's sample reading, each
# with 4 right answers carrying one false claim (200 distinct claims of 154 kinds, each checked by its blind writer,
# most by running code) and 2 right answers (terse, casual). It measures what no key point lists; nothing was tuned
# on it (the pack's misconceptions were written before it was read, and caught 5 of its 136 accepted mixed answers).
MIXED_V1 = [json.loads(line) for line in (SET.parent / "mixed-v1.jsonl").read_text().splitlines() if line.strip()]
# The seventh (2026-12-04, session 27), mixed-v2: 50 open questions outside that session's sample reading,
# two writers (25 questions each) who saw only the prompts and code: 3 mixed answers (one false claim each,
# 140 of 150 checked by running code), 1 negated, 1 terse and 1 casual per question. Measured once before any
# change; the first writer's half (mxa) was studied since, the second's (mxb) only measured (docs/grading.md).
MIXED_V2 = [json.loads(line) for line in (SET.parent / "mixed-v2.jsonl").read_text().splitlines() if line.strip()]
KINDS = {"paraphrase", "terse", "casual", "partial", "wrong", "negated", "keywords"}
LIBRARY, _ = load_library(CONTENT)

# split -> (most false accepts, % of not-correct), (most false rejects, % of correct),
#          (most negated + keyword-list answers accepted, % of those)
# Reached on 2026-12-02 (docs/grading.md), with both splits used for tuning; fresh-dev was studied while the
# guard and the grader's general rules were tuned, never its questions' key points (the sealed half measures that).
FLOOR = {"tune": (0.0, 0.0, 0.0), "holdout": (0.0, 0.0, 0.0), "fresh-dev": (1.2, 1.6, 0.0),
         "fresh-holdout": (2.4, 0.0, 4.8),
         "sealed-v3": (0.0, 0.9, 0.0),
         # Spent sets since the 2026-12-03 key-point round (three helpers studied their misgraded answers):
         # these floors only stop regressions now.
         "sealed-v4": (0.9, 1.9, 0.0),
         # The fifth set, measured before and after that round and never tuned on (docs/grading.md, round 6):
         # false accepts are its "mixed" answers (right, plus one false claim no key point lists), 26 of 40.
         "sealed-v5": (13.6, 1.7, 0.0),
         # Measured once, blind: about two in three answers with an unlisted false claim pass (the feedback
         # says a pass "covers the key points", not "correct"); a ratchet, not a target.
         "mixed-v1": (59.5, 9.0, 0.0),
         # Measured once, blind, on 2026-12-04: 56.5 % / 23 % / 12 % (negated 6 of 50); after that session's
         # grader fixes and plain-words sweep (which never read it) 55 / 18 / 8; 54.5 / 18 / 8 after session 28's.
         "mixed-v2": (54.5, 18.0, 8.0)}


def _accepted(row: dict[str, str]) -> bool:
    lq = LIBRARY.get(row["question_id"])
    assert lq is not None, f"{row['question_id']} is gone from the pack: relabel or drop its answers"
    try:
        return grade(lq, None, row["text"]).correct
    except UserError:  # a guard answered instead (keyword list, not English, ...)
        return False


def test_the_set_is_what_it_claims() -> None:
    assert len(ROWS) >= 400 and len({r["question_id"] for r in ROWS}) >= 60
    kinds = Counter(r["kind"] for r in ROWS)
    assert set(kinds) == KINDS
    held = {r["question_id"] for r in ROWS if r["split"] == "holdout"}
    assert held and not held & {r["question_id"] for r in ROWS if r["split"] == "tune"}  # held out by question
    assert len(held) * 3 >= len({r["question_id"] for r in ROWS})


def test_the_fresh_set_is_what_it_claims() -> None:
    questions = {r["question_id"] for r in FRESH}
    # 44 questions when written; scenarios-design-recipe-uploads was rewritten since (a near-duplicate
    # of another question), so its 7 answers were dropped: they answer a question the pack no longer asks.
    assert len(FRESH) >= 301 and len(questions) >= 43
    assert {r["split"] for r in FRESH} == {"fresh-dev", "fresh-holdout"}
    dev = {r["question_id"] for r in FRESH if r["split"] == "fresh-dev"}
    assert not dev & {r["question_id"] for r in FRESH if r["split"] == "fresh-holdout"}  # halved by question
    assert not questions & {r["question_id"] for r in ROWS}  # new questions, not more answers to old ones
    for q in questions:  # one answer of every kind per question, each labelled by the reader
        assert Counter(r["kind"] for r in FRESH if r["question_id"] == q) == Counter(KINDS), q
    assert {r["label"] for r in FRESH} == {"correct", "not correct"} and all(r["reader_note"] for r in FRESH)


def _one_of_each_kind(rows: list[dict[str, str]], split: str, size: int, kinds: set[str]) -> set[str]:
    """A sealed set's shape: ``size`` answers to 40 open questions of the pack, all in ``split``, each
    question with one answer of every kind in ``kinds``; returns its questions."""
    questions = {r["question_id"] for r in rows}
    assert len(rows) == size and len(questions) == 40 and {r["split"] for r in rows} == {split}
    for q in questions:
        lq = LIBRARY.get(q)
        assert lq is not None and lq.q.kind == "open", q
        assert Counter(r["kind"] for r in rows if r["question_id"] == q) == Counter(kinds), q
    return questions


def test_the_third_set_is_what_it_claims() -> None:
    _one_of_each_kind(SEALED, "sealed-v3", 280, KINDS)
    assert {r["label"] for r in SEALED} == {"correct", "not correct"} and all(r["reader_note"] for r in SEALED)


def test_the_fourth_set_is_what_it_claims() -> None:
    questions = _one_of_each_kind(SEALED_V4, "sealed-v4", 280, V4_KINDS)
    assert not questions & {r["question_id"] for r in SEALED}  # other questions than the third set's
    assert all((r["label"] == "correct") == (r["kind"] in ("terse", "terse2", "casual", "paraphrase"))
               for r in SEALED_V4)
    assert [r["question_id"] for r in SEALED_V4[:7]] != [SEALED_V4[0]["question_id"]] * 7  # shuffled


def test_the_fifth_set_is_what_it_claims() -> None:
    _one_of_each_kind(SEALED_V5_ALL, "sealed-v5", 320, V5_KINDS)
    assert all((r["label"] == "correct") == (r["kind"] in ("paraphrase", "terse", "casual")) for r in SEALED_V5_ALL)
    assert all(r["label2"] in ("correct", "not correct") and r["reader_note"] for r in SEALED_V5_ALL)
    assert len(SEALED_V5_ALL) - len(SEALED_V5) == 1  # the readers' one disagreement
    assert [r["question_id"] for r in SEALED_V5_ALL[:8]] != [SEALED_V5_ALL[0]["question_id"]] * 8  # shuffled


def _mixed_set(rows: list[dict[str, str]], split: str, kinds: dict[str, int]) -> None:
    """A blind mixed set's shape: 300 answers to 50 open questions, ``kinds`` of answers to each, its mixed
    answers each with a different false claim, and only its terse and casual answers labelled correct."""
    questions = {r["question_id"] for r in rows}
    assert len(rows) == 300 and len(questions) == 50 and {r["split"] for r in rows} == {split}
    for q in questions:
        lq = LIBRARY.get(q)
        assert lq is not None and lq.q.kind == "open", q
        mine = [r for r in rows if r["question_id"] == q]
        assert Counter(r["kind"] for r in mine) == Counter(kinds), q
        assert len({r["reader_note"] for r in mine if r["kind"] == "mixed"}) == kinds["mixed"], q
    assert all((r["label"] == "correct") == (r["kind"] in ("terse", "casual")) for r in rows)


def test_the_sixth_set_is_what_it_claims() -> None:
    _mixed_set(MIXED_V1, "mixed-v1", {"mixed": 4, "terse": 1, "casual": 1})


def test_the_seventh_set_is_what_it_claims() -> None:
    _mixed_set(MIXED_V2, "mixed-v2", {"mixed": 3, "negated": 1, "terse": 1, "casual": 1})


@pytest.mark.parametrize("split", ["tune", "holdout", "fresh-dev", "fresh-holdout", "sealed-v3", "sealed-v4",
                                   "sealed-v5", "mixed-v1", "mixed-v2"])
def test_the_grader_stays_above_its_floor(split: str) -> None:
    rows = [r for r in ROWS + FRESH + SEALED + SEALED_V4 + SEALED_V5 + MIXED_V1 + MIXED_V2 if r["split"] == split]
    good = [r for r in rows if r["label"] == "correct"]
    bad = [r for r in rows if r["label"] != "correct"]
    gamed = [r for r in rows if r["kind"] in ("negated", "keywords")]
    false_accepts = 100 * sum(map(_accepted, bad)) / len(bad)
    false_rejects = 100 * sum(not _accepted(r) for r in good) / len(good)
    gamed_accepted = 100 * sum(map(_accepted, gamed)) / len(gamed) if gamed else 0.0
    most_fa, most_fr, most_gamed = FLOOR[split]
    assert false_accepts <= most_fa, f"false accepts {false_accepts:.1f} %"
    assert false_rejects <= most_fr, f"false rejects {false_rejects:.1f} %"
    assert gamed_accepted <= most_gamed, f"negated and keyword answers accepted {gamed_accepted:.1f} %"
