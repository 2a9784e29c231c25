"""Benchmark: `drillbot content check` on a 5,000-question pack (the near-duplicate lint dominates).

The pack is made from the real one: each question copied with a few words changed, so lengths
and vocabulary are those of real prompts and some copies are near-duplicates on purpose.

    python bench/content_check.py              # the indexed near-duplicate check, and the whole lint
    python bench/content_check.py --pairwise   # also every pair compared (the old way; about a minute)
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rapidfuzz import fuzz  # noqa: E402

from bot.content import Library, load_library  # noqa: E402
from bot.content.lint import NEAR_DUPLICATE, lint, near_duplicates  # noqa: E402
from bot.grading import words  # noqa: E402


def big_library(n: int, seed: int = 1) -> Library:
    real, _ = load_library(ROOT / "content")
    rng = random.Random(seed)
    vocab = [w for lq in real.questions for w in lq.q.prompt.split()]
    qs = []
    for i in range(n):
        lq = rng.choice(real.questions)
        ws = [w if rng.random() > 0.3 else rng.choice(vocab) for w in lq.q.prompt.split()]
        qs.append(dataclasses.replace(lq, q=lq.q.model_copy(update={"prompt": " ".join(ws), "id": f"{lq.id}-{i}"})))
    return Library((dataclasses.replace(real.packs[0], questions=tuple(qs)),))


def pairwise(library: Library) -> int:
    qs = library.questions
    texts = [" ".join(words(q.q.prompt + " " + (q.q.code or ""))) for q in qs]
    return sum(1 for i in range(len(qs)) for j in range(i + 1, len(qs))
               if fuzz.ratio(texts[i], texts[j], score_cutoff=NEAR_DUPLICATE))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--pairwise", action="store_true")
    args = ap.parse_args()
    library = big_library(args.n)
    t = time.perf_counter()
    found = near_duplicates(library.questions)
    print(f"near-duplicates (indexed): {len(found)} found in {time.perf_counter() - t:.2f} s "
          f"for {len(library.questions)} questions")
    t = time.perf_counter()
    problems = lint(library)
    print(f"whole lint: {len(problems)} problem(s) in {time.perf_counter() - t:.2f} s")
    if args.pairwise:
        t = time.perf_counter()
        print(f"near-duplicates (every pair): {pairwise(library)} found in {time.perf_counter() - t:.2f} s")


if __name__ == "__main__":
    main()
