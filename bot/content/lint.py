"""Pack-wide quality rules, reported like load errors (file, question id, field).

Run by ``drillbot content check`` and by the test suite, so a pack that slips
on any rule fails the build.
"""

from __future__ import annotations

import bisect
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlparse

from rapidfuzz import fuzz, process

from bot.content import LETTERS, Library, LoadedQuestion, Problem
from bot.grading import Answer, words

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
    "github.com/pallets-eco", "github.com/pallets",
)
MAX_POSITION_SHARE = 0.35
MAX_LONGEST_SHARE = 0.40
NEAR_DUPLICATE = 90.0


def _official(url: str) -> bool:
    parsed = urlparse(url)
    host_path = parsed.netloc + parsed.path
    return parsed.scheme == "https" and any(
        parsed.netloc == h or parsed.netloc.endswith("." + h) or host_path.startswith(h + "/")
        for h in OFFICIAL_HOSTS
    )


def lint(library: Library) -> list[Problem]:
    """Every pack-wide problem: references, key points, duplicates, answer balance."""
    problems: list[Problem] = []
    qs = library.questions
    for lq in qs:
        q = lq.q
        for i, url in enumerate(q.references):
            if not _official(url):
                problems.append(Problem(lq.file, q.id, f"references[{i}]",
                                        f"{url} is not official documentation (see bot/content/lint.py)"))
        if q.kind == "open" and q.key_points and q.model_answer:
            model = Answer(q.model_answer)  # prepared once for all its phrases
            for i, kp in enumerate(q.key_points):
                if not any(model.has(p) for p in kp.phrases):
                    problems.append(Problem(lq.file, q.id, f"key_points[{i}]",
                                            "no phrase of this key point appears in the model answer"))
        if q.check is not None and not q.code:
            problems.append(Problem(lq.file, q.id, "check", "a check needs the question's code"))

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


def _correct_is_longest(choices: list[str], correct: int) -> bool:
    longest = max(len(c) for c in choices)
    return len(choices[correct]) == longest and sum(len(c) == longest for c in choices) == 1
