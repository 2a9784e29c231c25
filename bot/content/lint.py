"""Pack-wide quality rules, reported like load errors (file, question id, field).

Run by ``drillbot content check`` and by the test suite, so a pack that slips
on any rule fails the build; problems with ``severity="warning"`` are only reported.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path
from urllib.parse import urlparse

from rapidfuzz import fuzz, process

from bot.content import LETTERS, Library, LoadedQuestion, Problem
from bot.grading import Answer, grade_open, words
from bot.grading.match import phrase_words
from bot.grading.text import dropped_edge

# Official documentation of Flask, the Pallets projects, the extensions and the
# tools the pack names.  Extension docs are hosted on Read the Docs.
OFFICIAL_HOSTS = (
    "palletsprojects.com", "readthedocs.io", "docs.sqlalchemy.org", "alembic.sqlalchemy.org",
    "docs.python.org", "peps.python.org", "docs.gunicorn.org", "nginx.org", "docs.celeryq.dev",
    "python-rq.org", "docs.pytest.org", "pypi.org", "www.rfc-editor.org", "datatracker.ietf.org",
    "developer.mozilla.org", "cheatsheetseries.owasp.org", "owasp.org", "docs.docker.com",
    "kubernetes.io", "redis.io", "www.mongodb.com", "www.postgresql.org", "www.sqlite.org",
    "docs.aws.amazon.com", "devcenter.heroku.com", "cloud.google.com", "learn.microsoft.com",
    "wsgi.readthedocs.io", "www.uvicorn.org", "marshmallow.readthedocs.io", "supervisord.org",
    "www.freedesktop.org", "socket.io", "hypothesis.readthedocs.io", "coverage.readthedocs.io",
    "github.com/pallets-eco", "github.com/pallets", "www.psycopg.org",
)
MAX_POSITION_SHARE = 0.35
MAX_LONGEST_SHARE = 0.40
NEAR_DUPLICATE = 90.0
# A key-point phrase is "common" when it appears in more than this share of the
# other open questions' model answers: it then shows no understanding of this one.
COMMON_PHRASE_SHARE = 0.10

# Sentences that say nothing an interviewer would give a point for.  A phrase
# they match would be covered by anyone who just talks about Flask in general.
NEUTRAL_SENTENCES = (
    "Flask is a Python web framework and this is a question about a request, a session, "
    "the database and the config.",
    "In my Flask application the view function handles the request and returns a response "
    "to the client, and I would write a test for it.",
    "I would use an extension, a blueprint, a template and the app object, and check the "
    "documentation of the library.",
    "It depends on the application, the server, the data and the users, so I would look at "
    "the code and the logs first.",
    "The app runs behind a proxy on a server with a worker, a cache, a context, a route, a view, "
    "an error, a URL and a JSON response for the API.",
)


def _official(url: str) -> bool:
    parsed = urlparse(url)
    host_path = parsed.netloc + parsed.path
    return parsed.scheme == "https" and any(
        parsed.netloc == h or parsed.netloc.endswith("." + h) or host_path.startswith(h + "/")
        for h in OFFICIAL_HOSTS
    )


def lint(library: Library) -> list[Problem]:
    """Every pack-wide problem: references, key points, duplicates, answer balance (some are warnings)."""
    problems: list[Problem] = []
    qs = library.questions
    problems += _key_point_problems([lq for lq in qs if lq.q.kind == "open"])
    problems += _misconception_problems(library)
    for lq in qs:
        q = lq.q
        for i, url in enumerate(q.references):
            if not _official(url):
                problems.append(Problem(lq.file, q.id, f"references[{i}]",
                                        f"{url} is not official documentation (see bot/content/lint.py)"))
        if q.check is not None and not q.code:
            problems.append(Problem(lq.file, q.id, "check", "a check needs the question's code"))
        prose = _plain(" ".join(t for t in (q.explanation, q.model_answer) if t))
        for i, claim in enumerate(q.claims):
            if _plain(claim.says) not in prose:
                problems.append(Problem(lq.file, q.id, f"claims[{i}].says",
                                        f"{claim.says!r} is not in the explanation or the model answer"))
            if claim.with_code and not q.code:
                problems.append(Problem(lq.file, q.id, f"claims[{i}].with_code", "the question has no code"))

    problems += near_duplicates(qs)

    choice = [lq for lq in qs if lq.q.kind == "choice"]
    if len(choice) >= 10:
        positions = Counter(lq.q.answer for lq in choice)
        for letter in LETTERS:
            share = positions.get(letter, 0) / len(choice)
            if share > MAX_POSITION_SHARE:
                problems.append(Problem("(all packs)", None, "answer",
                                        f"{share:.0%} of choice questions have answer {letter} "
                                        f"(limit {MAX_POSITION_SHARE:.0%})"))
        longest = [lq for lq in choice if _correct_is_longest(lq.q.choices or [], lq.q.correct_index or 0)]
        if len(longest) / len(choice) > MAX_LONGEST_SHARE:
            problems.append(Problem("(all packs)", None, "choices",
                                    f"the right option is the longest in {len(longest) / len(choice):.0%} "
                                    f"of choice questions (limit {MAX_LONGEST_SHARE:.0%})"))
    return problems


def _plain(text: str) -> str:
    """Prose as a claim quotes it: without backticks, case or runs of white space."""
    return " ".join(text.replace("`", "").casefold().split())


def near_duplicates(qs: Sequence[LoadedQuestion], cutoff: float = NEAR_DUPLICATE) -> list[Problem]:
    """Pairs of questions whose prompt and code are at least ``cutoff`` % alike (``fuzz.ratio``).

    Not every pair is compared: the ratio is 2·matches / (len a + len b), so two texts can only
    reach ``cutoff`` when the longer is at most (200 - cutoff) / cutoff times the shorter.  Sorted
    by length, each text is scored (in C, by ``process.extract``) against that window only: the
    same findings as all pairs, in 1.5 s instead of 64-83 s for 5,000 questions.
    """
    texts = [" ".join(words(lq.q.prompt + " " + (lq.q.code or ""))) for lq in qs]
    order = sorted(range(len(texts)), key=lambda k: len(texts[k]))
    lengths = [len(texts[k]) for k in order]
    pairs: list[tuple[int, int, float]] = []
    for pos, a in enumerate(order):
        end = bisect.bisect_right(lengths, lengths[pos] * (200 - cutoff) / cutoff, lo=pos + 1)
        window = [texts[k] for k in order[pos + 1:end]]
        for _text, score, offset in process.extract(texts[a], window, scorer=fuzz.ratio, score_cutoff=cutoff,
                                                    limit=None):
            b = order[pos + 1 + offset]
            pairs.append((min(a, b), max(a, b), score))
    # Reported on the later question, in file order, as the pairwise loop did.
    return [Problem(qs[j].file, qs[j].id, "prompt", f"near-duplicate of {qs[i].id} ({score:.0f}% similar)")
            for i, j, score in sorted(pairs)]


def _misconception_problems(library: Library) -> list[Problem]:
    """A pack's misconception that a neutral sentence makes, or that a model answer it applies to makes."""
    problems: list[Problem] = []
    neutral = [Answer(t) for t in NEUTRAL_SENTENCES]
    for pack in library.packs:
        if not pack.questions:
            continue
        file = str(Path(pack.questions[0].file).parent / "pack.toml")
        for i, mc in enumerate(pack.meta.misconceptions):
            for j, phrase in enumerate(mc.phrases):
                problems += _clause_edge(file, None, f"misconceptions[{i}].phrases[{j}]", phrase)
                if any(n.has(phrase) for n in neutral):
                    problems.append(Problem(file, None, f"misconceptions[{i}].phrases[{j}]",
                                            f"{phrase!r} is matched by a neutral sentence about Flask"))
        for lq in pack.questions:
            if lq.q.kind != "open" or not lq.q.model_answer:
                continue
            g = grade_open(lq.q, lq.q.model_answer, pack.meta.misconceptions)
            for i, mc in enumerate(pack.meta.misconceptions):
                if any(c.startswith(mc.claim + " (you wrote: ") for c in g.contradicted):
                    problems.append(Problem(file, None, f"misconceptions[{i}]",
                                            f"the model answer of {lq.id} makes this claim: narrow its phrases"))
    return problems


def _clause_edge(file: str, qid: str | None, field: str, phrase: str) -> list[Problem]:
    """A phrase that starts or ends with a clause word, which the grader drops: it matches more than it says."""
    edge = dropped_edge(phrase)
    if edge is None:
        return []
    return [Problem(file, qid, field, f"{phrase!r}: the grader skips {edge!r} (a clause word), so the phrase "
                                      f"matches without it; drop it or reword")]


def _correct_is_longest(choices: list[str], correct: int) -> bool:
    longest = max(len(c) for c in choices)
    return len(choices[correct]) == longest and sum(len(c) == longest for c in choices) == 1


_CODE_SPAN = re.compile(r"`([^`]+)`")


def _key_point_problems(open_qs: list[LoadedQuestion]) -> list[Problem]:
    """Key points that the model answer misses or contradicts, and phrases anyone would hit.

    Errors: a phrase a neutral sentence matches, a contradicts phrase the model answer
    makes, a model answer the grader rejects, a prompt the grader accepts.  Warnings: a
    phrase the question's own prompt or code contains, or one common to other answers.
    """
    problems: list[Problem] = []
    neutral = [Answer(t) for t in NEUTRAL_SENTENCES]
    models = {lq.id: Answer(lq.q.model_answer or "") for lq in open_qs}  # prepared once
    found_in: dict[str, set[str]] = {}  # phrase -> ids of the model answers it matches

    # Model answers by the first four letters of their words: a phrase is tried only on answers
    # that have a word starting like each of its words.  A typo-tolerant match on another
    # question's model answer ("links" for "lines") is no sign of a common phrase, so it is not
    # counted; that also keeps the check fast (a 110 x 2,400 phrase grid otherwise).
    by_start: dict[str, set[str]] = {}
    for qid, a in models.items():
        for w in a.words:
            by_start.setdefault(w.raw[:4], set()).add(qid)

    def answers_with(phrase: str) -> set[str]:
        if phrase not in found_in:
            keys = [raw[:4] for raw, _stem in phrase_words(phrase)]
            candidates = set.intersection(*(by_start.get(k, set()) for k in keys)) if keys else set()
            found_in[phrase] = {qid for qid in candidates if models[qid].has(phrase)}
        return found_in[phrase]

    for lq in open_qs:
        q = lq.q
        if not q.key_points or not q.model_answer:
            continue
        model = models[lq.id]
        given = Answer(q.prompt + "\n" + (q.code or ""))
        others = len(models) - 1
        asked = set(_CODE_SPAN.findall(q.prompt))
        for i, kp in enumerate(q.key_points):
            where = f"key_points[{i}]"
            named = asked & set(_CODE_SPAN.findall(kp.point))
            if named and not kp.required:  # the prompt asks about it: an answer without it is not an answer
                problems.append(Problem(lq.file, q.id, f"{where}.required",
                                        f"the prompt asks about {', '.join(sorted(named))}: make this point required"))
            if not any(model.has(p) for p in kp.phrases):
                problems.append(Problem(lq.file, q.id, where,
                                        "no phrase of this key point appears in the model answer"))
            for field, phrases in (("phrases", kp.phrases), ("contradicts", kp.contradicts)):
                for j, phrase in enumerate(phrases):
                    problems += _clause_edge(lq.file, q.id, f"{where}.{field}[{j}]", phrase)
            for j, phrase in enumerate(kp.phrases):
                if any(n.has(phrase) for n in neutral):
                    problems.append(Problem(lq.file, q.id, f"{where}.phrases[{j}]",
                                            f"{phrase!r} is matched by a neutral sentence about Flask"))
                    continue
                if given.has(phrase):
                    problems.append(Problem(lq.file, q.id, f"{where}.phrases[{j}]",
                                            f"{phrase!r} appears in the question's own prompt or code", "warning"))
                    continue
                hits = len(answers_with(phrase) - {lq.id})
                if others and hits / others > COMMON_PHRASE_SHARE:
                    problems.append(Problem(
                        lq.file, q.id, f"{where}.phrases[{j}]",
                        f"{phrase!r} appears in {hits} of {others} other model answers "
                        f"(over {COMMON_PHRASE_SHARE:.0%}); it does not show this point", "warning"))
            for j, phrase in enumerate(kp.contradicts):
                m = model.find(phrase)
                if m is not None and not model.dismissed(m):
                    problems.append(Problem(lq.file, q.id, f"{where}.contradicts[{j}]",
                                            f"the model answer matches the wrong claim {phrase!r}"))
        if not grade_open(q, q.model_answer, lq.misconceptions).correct:
            problems.append(Problem(lq.file, q.id, "model_answer",
                                    "the grader does not accept the model answer"))
        if grade_open(q, q.prompt + "\n" + (q.code or ""), lq.misconceptions).correct:
            problems.append(Problem(lq.file, q.id, "key_points",
                                    "the prompt (with its code) alone is graded correct"))
    return problems
