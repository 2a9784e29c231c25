"""Run the machine checks that pin a question's answer key to real Flask behaviour.

Used by the test suite (``tests/test_content_checks.py``) and by content
authors: ``python -m bot.content.checks [content-dir]``.  Flask is needed only here.
A check with ``server = "gunicorn"`` or ``"waitress"`` runs the app under that
server instead of the test client (``bot/content/check_server.py``).
"""

from __future__ import annotations

import gc
import logging
import sys
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.config import bundled_content
from bot.content import Library, LoadedQuestion, load_library
from bot.content.check_server import Server
from bot.content.lint import lint


def raises(fn: Any) -> str | None:
    """Call ``fn``; return the name of the exception it raised, or None."""
    try:
        fn()
    except BaseException as exc:
        return type(exc).__name__
    return None


@dataclass(frozen=True, slots=True)
class CheckResult:
    question: LoadedQuestion
    ok: bool
    detail: str


def run_check(lq: LoadedQuestion) -> CheckResult:
    """Execute a question's check and compare Flask's behaviour with the answer key."""
    # Question code may leave uploads' temporary files for the garbage collector;
    # collect them here, quietly, so they are not reported against later code.
    # Checks that provoke a 500 would print Flask's error log; the result is what matters.
    logging.disable(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            result = _run_check(lq)
            gc.collect()
    finally:
        logging.disable(logging.NOTSET)
    return result


def _run_check(lq: LoadedQuestion) -> CheckResult:
    q, check = lq.q, lq.q.check
    assert check is not None
    module = f"drill_check_{q.id.replace('-', '_')}"
    ns: dict[str, Any] = {"__name__": module, "raises": raises}
    if check.server is not None:
        return _run_server_check(lq, ns, module)
    try:
        exec(compile(check.setup, f"<{q.id} setup>", "exec"), ns)
        exec(compile(q.code or "", f"<{q.id} code>", "exec"), ns)
        if "app" in ns and "client" not in ns and hasattr(ns["app"], "test_client"):
            ns["client"] = ns["app"].test_client()
        exec(compile(check.run, f"<{q.id} run>", "exec"), ns)
    except Exception as exc:
        return CheckResult(lq, False, f"check raised {type(exc).__name__}: {exc}")
    return _compare(lq, ns, "Flask")


def _run_server_check(lq: LoadedQuestion, ns: dict[str, Any], module: str) -> CheckResult:
    """Serve the app under the check's server (setup and code run there) and run ``run`` against it."""
    q, check = lq.q, lq.q.check
    assert check is not None and check.server is not None
    try:
        with Server(check.server, code=q.code or "", setup=check.setup, module=module,
                    options=dict(check.server_options)) as server:
            ns.update(http=server.http, base_url=server.base_url, other_worker=server.other_worker)
            exec(compile(check.run, f"<{q.id} run>", "exec"), ns)
    except Exception as exc:
        return CheckResult(lq, False, f"{check.server} check raised {type(exc).__name__}: {exc}")
    return _compare(lq, ns, f"Flask under {check.server.capitalize()}")


def _compare(lq: LoadedQuestion, ns: dict[str, Any], who: str) -> CheckResult:
    q, check = lq.q, lq.q.check
    assert check is not None
    if "result" not in ns:
        return CheckResult(lq, False, "check.run did not assign `result`")
    result = ns["result"]
    if q.kind == "truefalse":
        ok = result is q.answer
        return CheckResult(lq, ok, f"result {result!r}, answer key {q.answer!r}")
    if q.kind == "choice":
        assert check.values is not None and q.correct_index is not None
        want = check.values[q.correct_index]
        others = [v for i, v in enumerate(check.values) if i != q.correct_index]
        if result != want:
            return CheckResult(lq, False, f"{who} gave {result!r}; the answer key says {want!r}")
        if result in others:
            return CheckResult(lq, False, f"{result!r} also matches a wrong option")
        return CheckResult(lq, True, f"{who} gave {result!r}")
    return CheckResult(lq, False, "open questions cannot carry a check")


def run_all(library: Library) -> tuple[int, int]:
    """Run every question's check, printing a FAIL line for each that fails: (checks run, failed)."""
    checked = failed = 0
    for lq in library.questions:
        if lq.q.check is None:
            continue
        checked += 1
        r = run_check(lq)
        if not r.ok:
            failed += 1
            print(f"FAIL {lq.file}: {lq.id}: {r.detail}")
    return checked, failed


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    content = Path(args[0]) if args else bundled_content()
    library, problems = load_library(content, strict=False)
    problems += lint(library)
    problems = [p for p in problems if p.is_error]  # warnings are for `drillbot content check`
    for p in problems:
        print(f"PROBLEM {p}")
    checked, failed = run_all(library)
    print(f"{checked} checks run, {failed} failed, {len(problems)} problems")
    return 1 if failed or problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
