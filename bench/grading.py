"""Benchmark: how well open answers are graded, on the blind labelled set, and how fast.

The set (tests/fixtures/grading/answers.jsonl) holds 462 answers to 66 open questions,
written by writers who saw only the prompts, in seven kinds (paraphrase, terse, casual,
partial, wrong, negated, keywords), each labelled correct / not_correct by a second reader.
A third of the questions (all their answers) is the "holdout" split: held out for the first round
of tuning, tuning data since the second (docs/grading.md); unseen answers are measured on a fresh set.

    python bench/grading.py                 # the tune split: accuracy per kind, and grading time
    python bench/grading.py --show          # ... and every misgraded answer of the splits printed
    python bench/grading.py --holdout       # also the old held-out split (now tuning data too)
    python bench/grading.py --fresh         # also the fresh set's halves (tests/fixtures/grading/fresh-*.jsonl)
    python bench/grading.py --sealed 3      # also a later blind set (tests/fixtures/grading/sealed-v3.jsonl)
    python bench/grading.py --sealed 5      # the fifth: 320 answers, 8 kinds, two readers (docs/grading.md)
    python bench/grading.py --mixed         # mixed-v1: 200 answers with one unlisted false claim, 100 right
    python bench/grading.py --mixed2        # mixed-v2: 150 mixed, 50 negated, 100 right (session 27)

The fresh set: 308 answers to 44 open questions the set above does not cover, written blind and
labelled by a second reader, split by question into a dev half (in the repository, studied while
tuning) and a sealed holdout half (kept outside the repository, measured once).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.content import load_library  # noqa: E402
from bot.errors import UserError  # noqa: E402
from bot.grading import grade  # noqa: E402

SET = ROOT / "tests" / "fixtures" / "grading" / "answers.jsonl"
FRESH = [ROOT / "tests" / "fixtures" / "grading" / f"fresh-{half}.jsonl" for half in ("dev", "holdout")]
KINDS = ("paraphrase", "terse", "casual", "partial", "wrong", "negated", "keywords")


def verdict(lq, text: str) -> tuple[str, object]:  # type: ignore[no-untyped-def]
    """'accepted', 'rejected' or 'refused' (a guard answered instead of grading)."""
    try:
        g = grade(lq, None, text)
    except UserError as exc:
        return "refused", str(exc)
    return ("accepted" if g.correct else "rejected"), g


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--show", action="store_true", help="print the misgraded answers of the splits reported")
    ap.add_argument("--holdout", action="store_true", help="report the (old) held-out split too")
    ap.add_argument("--fresh", action="store_true", help="report the fresh set's two halves too")
    ap.add_argument("--sealed", action="append", default=[], metavar="N",
                    help="report tests/fixtures/grading/sealed-vN.jsonl too (repeatable: --sealed 3 --sealed 4)")
    ap.add_argument("--mixed", action="store_true",
                    help="report tests/fixtures/grading/mixed-v1.jsonl too (blind mixed answers, session 25)")
    ap.add_argument("--mixed2", action="store_true",
                    help="report tests/fixtures/grading/mixed-v2.jsonl too (blind: mixed, negated and right "
                         "answers to 50 open questions, session 27)")
    args = ap.parse_args()
    library, _ = load_library(ROOT / "content")
    rows = [json.loads(line) for line in SET.read_text().splitlines() if line.strip()]
    fresh = [json.loads(line) for path in FRESH for line in path.read_text().splitlines() if line.strip()]
    sealed = [json.loads(line) for name in [f"sealed-v{n}" for n in args.sealed] + (["mixed-v1"] if args.mixed else [])
              + (["mixed-v2"] if args.mixed2 else [])
              for line in (SET.parent / f"{name}.jsonl").read_text().splitlines() if line.strip()]
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])  # (split, kind) -> [n, accepted]
    # false accepts, not-correct, false rejects, correct
    errors: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    splits = (("tune",) + (("holdout",) if args.holdout else ())
              + (("fresh-dev", "fresh-holdout") if args.fresh else ()) + tuple(f"sealed-v{n}" for n in args.sealed)
              + (("mixed-v1",) if args.mixed else ()) + (("mixed-v2",) if args.mixed2 else ()))
    for r in rows + (fresh if args.fresh else []) + sealed:
        if r.get("label2", r["label"]) != r["label"]:
            continue  # the set's two readers disagreed (sealed-v5: one answer): no label to measure against
        lq = library.get(r["question_id"])
        if lq is None:
            print(f"question {r['question_id']} is gone from the pack", file=sys.stderr)
            continue
        v, detail = verdict(lq, r["text"])
        accepted = v == "accepted"
        cell = table[(r["split"], r["kind"])]
        cell[0] += 1
        cell[1] += accepted
        e = errors[r["split"]]
        if r["label"] == "correct":
            e[3] += 1
            e[2] += not accepted
        else:
            e[1] += 1
            e[0] += accepted
        wrong = accepted != (r["label"] == "correct")
        if args.show and wrong and r["split"] in splits:
            print(f"--- {r['question_id']} [{r['split']} {r['kind']}, label {r['label']}] -> {v}")
            print("   ", r["text"][:600])
            if v != "refused":
                print("    covered:", [p for p in detail.covered], "missed:", [p for p in detail.missed],  # type: ignore[attr-defined]
                      "contradicted:", list(getattr(detail, "contradicted", ())))
            else:
                print("    refused:", detail)
    print(f"{'split':9} {'kind':11} {'n':>4} {'accepted':>9}")
    kinds = list(dict.fromkeys([*KINDS, *(k for _s, k in table)]))
    for split in splits:
        for kind in kinds:
            n, acc = table[(split, kind)]
            if n:
                print(f"{split:9} {kind:11} {n:4} {acc:5} ({100 * acc / n:5.1f} %)")
    for split in splits:
        fa, neg, fr, pos = errors[split]
        gamed = sum(table[(split, k)][1] for k in ("negated", "keywords", "mixed"))
        n_gamed = sum(table[(split, k)][0] for k in ("negated", "keywords", "mixed"))
        print(f"{split}: false accepts {fa}/{neg} = {100 * fa / max(neg, 1):.1f} % of not-correct; "
              f"false rejects {fr}/{pos} = {100 * fr / max(pos, 1):.1f} % of correct; "
              f"negated + keywords (+ mixed) accepted {gamed}/{n_gamed} = {100 * gamed / max(n_gamed, 1):.1f} %")
    # Speed: the longest key-point sets, each graded against every answer in the set.
    longest = sorted((lq for lq in library.questions if lq.q.kind == "open"),
                     key=lambda lq: -sum(len(kp.phrases) + len(kp.contradicts) for kp in lq.q.key_points or []))[:5]
    texts = [r["text"] for r in rows]
    wall, cpu = [], []  # CPU time per answer is what the grader costs; wall time adds the machine's noise
    for lq in longest:
        for t in texts:
            w0, c0 = time.perf_counter(), time.thread_time()
            verdict(lq, t)
            cpu.append(time.thread_time() - c0)
            wall.append(time.perf_counter() - w0)
    for name, times in (("CPU", cpu), ("wall", wall)):
        times.sort()
        print(f"grading {name} time, 5 longest key-point sets x {len(texts)} answers: "
              f"p50 {1000 * statistics.median(times):.3f} ms, p99 {1000 * times[int(0.99 * len(times))]:.3f} ms, "
              f"max {1000 * times[-1]:.3f} ms")


if __name__ == "__main__":
    main()
