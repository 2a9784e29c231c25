"""The mock interview's pure logic: plan, deadline, grading without feedback, scorecard, change.

No database and no clock here: ``bot.sessions.interviews`` stores the plan in
``session_questions`` and the answers in ``session_answers`` like a live session, and calls these.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.content import LEVELS, Library, LoadedQuestion
from bot.errors import UserError
from bot.grading import grade, parse_choice

DESIGN_TAGS = frozenset({"scenario", "design"})
DEFAULT_LENGTH = 6
DEFAULT_MINUTES = 20


@dataclass(frozen=True, slots=True)
class Plan:
    level: str
    question_ids: tuple[str, ...]
    minutes: int


def is_design(lq: LoadedQuestion) -> bool:
    return bool(DESIGN_TAGS & set(lq.q.tags))


def is_code(lq: LoadedQuestion) -> bool:
    return lq.q.code is not None or "code" in lq.q.tags


def _weight(lq: LoadedQuestion) -> tuple[int, int]:
    """Warm-up first: plain recall, then code reading, then scenarios and design; more points later."""
    stage = 2 if is_design(lq) else 1 if is_code(lq) else 0
    return stage, len(lq.q.key_points or ())


def plan(library: Library, level: str, *, length: int = DEFAULT_LENGTH, minutes: int = DEFAULT_MINUTES,
         seed: int = 0) -> Plan:
    """Mostly open questions across the level's topics, with at least one scenario/design and one
    code-reading question, ordered from warm-up to harder."""
    if level not in LEVELS:
        raise UserError(f"Unknown level {level!r}. Levels: {', '.join(LEVELS)}.")
    if not 2 <= length <= 12:
        raise UserError(f"An interview has 2 to 12 questions, not {length}.")
    rng = random.Random(seed)
    pool = [q for q in library.select(levels=(level,)) if q.q.kind == "open"]
    if len(pool) < length:
        raise UserError(f"Not enough open {level} questions for {length}: {len(pool)} exist.")
    rng.shuffle(pool)
    chosen: list[LoadedQuestion] = []
    # Mostly open: a code-reading question may be a choice one where the level has no open one.
    others = [q for q in library.select(levels=(level,)) if q.q.kind != "open"]
    rng.shuffle(others)
    for need, where in ((is_design, pool), (is_code, pool + others)):
        pick = next((q for q in where if need(q) and q not in chosen), None)
        if pick is not None:
            chosen.append(pick)
    # Then one per topic in turn, so the screen covers the level's topics.
    by_topic: dict[str, list[LoadedQuestion]] = {}
    for q in pool:
        if q not in chosen:
            by_topic.setdefault(q.topic, []).append(q)
    topics = sorted(by_topic, key=lambda t: (any(c.topic == t for c in chosen), rng.random()))
    while len(chosen) < length and any(by_topic.values()):
        for t in topics:
            if by_topic[t] and len(chosen) < length:
                chosen.append(by_topic[t].pop())
    chosen.sort(key=_weight)
    return Plan(level, tuple(q.id for q in chosen), minutes)


def deadline(started: datetime, p: Plan) -> datetime:
    return started + timedelta(minutes=p.minutes)


@dataclass(frozen=True, slots=True)
class Result:
    question_id: str
    topic: str
    prompt: str
    answered: bool
    covered: tuple[str, ...]
    missed: tuple[str, ...]
    contradicted: tuple[str, ...]
    references: tuple[str, ...]
    correct: bool = False  # the grader's verdict, as practice would give it (fed to spaced repetition)

    @property
    def share(self) -> float:
        """The part of the question's key points covered (a contradiction costs one more point)."""
        total = len(self.covered) + len(self.missed)
        return max(0.0, (len(self.covered) - len(self.contradicted)) / total) if total else 0.0

    @property
    def points(self) -> int:
        """0..100 for this question (what is stored, so a past scorecard keeps its score)."""
        return round(100 * self.share)


def grade_all(library: Library, p: Plan, answers: Mapping[str, str]) -> list[Result]:
    """Every planned question graded (``bot.grading.grade``); one left unanswered misses all its points."""
    out: list[Result] = []
    for qid in p.question_ids:
        lq = library.get(qid)
        if lq is None:
            continue
        text = answers.get(qid, "").strip()
        points = tuple(k.point for k in lq.q.key_points or ())
        if lq.q.kind != "open":  # a code-reading choice question: its one point is the right option
            idx = lq.q.correct_index
            points = (f"the answer is {lq.q.options[idx]}",) if idx is not None else ()
            choice = parse_choice(lq.q, text) if text else None
            ok = choice is not None and grade(lq, choice, None).correct
            out.append(Result(qid, lq.topic, lq.q.prompt, choice is not None, points if ok else (),
                              () if ok else points, (), tuple(lq.q.references), ok))
            continue
        if not text:
            out.append(Result(qid, lq.topic, lq.q.prompt, False, (), points, (), tuple(lq.q.references)))
            continue
        g = grade(lq, None, text)
        out.append(Result(qid, lq.topic, lq.q.prompt, True, g.covered, g.missed, g.contradicted,
                          tuple(lq.q.references), g.correct))
    return out


@dataclass(frozen=True, slots=True)
class StudyItem:
    point: str
    question_id: str
    references: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Scorecard:
    level: str
    results: tuple[Result, ...]
    topics: tuple[tuple[str, str], ...]  # (topic, "strong" | "fair" | "needs work")
    study: tuple[StudyItem, ...]
    score: int  # 0..100
    band: str  # "ready for {level}" | "close" | "not yet"
    change: int | None  # points since the member's last interview (None: the first)


def overall(points: Sequence[int]) -> int:
    """The interview's 0..100 score from its questions' points (a stored interview's too)."""
    return round(sum(points) / len(points)) if points else 0


def band_of(level: str, score: int) -> str:
    return f"ready for {level}" if score >= 70 else "close" if score >= 45 else "not yet"


def topic_band(share: float) -> str:
    return "strong" if share >= 0.75 else "fair" if share >= 0.4 else "needs work"


def scorecard(level: str, results: Sequence[Result], *, previous: int | None = None) -> Scorecard:
    """Per question, per topic, a study list of missed points with their docs, a band and the change."""
    shares: dict[str, list[float]] = {}
    for r in results:
        shares.setdefault(r.topic, []).append(r.share)
    topics = tuple((t, topic_band(sum(v) / len(v))) for t, v in sorted(shares.items()))
    study = tuple(StudyItem(point, r.question_id, r.references) for r in results for point in r.missed)
    score = overall([r.points for r in results])
    band = band_of(level, score)
    return Scorecard(level, tuple(results), topics, study, score, band,
                     None if previous is None else score - previous)
