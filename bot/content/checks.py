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
from collections.abc import Callable, Mapping
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
    check = lq.q.check
    assert check is not None
    return _quietly(lambda: _outcome(lq, lambda: _execute(lq, check.setup, lq.q.code or "", check.run, check.server,
                                                          check.server_options), check.server, _compare))


def run_claim(lq: LoadedQuestion, index: int) -> CheckResult:
    """Execute the question's ``claims[index]`` and compare its ``result`` with what the prose says."""
    claim = lq.q.claims[index]
    code = (lq.q.code or "") if claim.with_code else ""

    def compare(lq: LoadedQuestion, ns: dict[str, Any], who: str) -> CheckResult:
        if "result" not in ns:
            return CheckResult(lq, False, f"claims[{index}].run did not assign `result`")
        result = _as_toml(ns["result"])
        ok = result == claim.expect
        return CheckResult(lq, ok, f"claims[{index}] ({claim.says!r}): {who} gave {result!r}"
                                   + ("" if ok else f", the prose says {claim.expect!r}"))

    return _quietly(lambda: _outcome(lq, lambda: _execute(lq, claim.setup, code, claim.run, claim.server,
                                                          claim.server_options), claim.server, compare))


def _as_toml(value: Any) -> Any:
    """Tuples as lists, as TOML writes every array (``expect = [true, 1]``)."""
    if isinstance(value, tuple | list):
        return [_as_toml(v) for v in value]
    if isinstance(value, dict):
        return {k: _as_toml(v) for k, v in value.items()}
    return value


def _quietly(fn: Callable[[], CheckResult]) -> CheckResult:
    # Question code may leave uploads' temporary files for the garbage collector;
    # collect them here, quietly, so they are not reported against later code.
    # Checks that provoke a 500 would print Flask's error log; the result is what matters.
    logging.disable(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ResourceWarning)
            result = fn()
            gc.collect()
    finally:
        logging.disable(logging.NOTSET)
    return result


def _outcome(lq: LoadedQuestion, execute: Callable[[], dict[str, Any]], server: str | None,
             compare: Callable[[LoadedQuestion, dict[str, Any], str], CheckResult]) -> CheckResult:
    try:
        ns = execute()
    except Exception as exc:
        return CheckResult(lq, False, f"{server + ' ' if server else ''}check raised {type(exc).__name__}: {exc}")
    return compare(lq, ns, f"Flask under {server.capitalize()}" if server else "Flask")


def _execute(lq: LoadedQuestion, setup: str, code: str, run: str, server: str | None,
             options: Mapping[str, str | int | bool]) -> dict[str, Any]:
    """Run ``setup``, ``code`` and ``run`` in one namespace (setup and code inside ``server``'s process when
    one is named, ``run`` then talking to it over HTTP); the namespace after ``run``."""
    q = lq.q
    module = f"drill_check_{q.id.replace('-', '_')}"
    ns: dict[str, Any] = {"__name__": module, "raises": raises}
    if server is not None:
        with Server(server, code=code, setup=setup, module=module, options=dict(options)) as srv:
            ns.update(http=srv.http, base_url=srv.base_url, other_worker=srv.other_worker)
            exec(compile(run, f"<{q.id} run>", "exec"), ns)
        return ns
    exec(compile(setup, f"<{q.id} setup>", "exec"), ns)
    exec(compile(code, f"<{q.id} code>", "exec"), ns)
    if "app" in ns and "client" not in ns and hasattr(ns["app"], "test_client"):
        ns["client"] = ns["app"].test_client()
    exec(compile(run, f"<{q.id} run>", "exec"), ns)
    return ns


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
    """Run every question's check and claims, printing a FAIL line for each that fails: (run, failed)."""
    checked = failed = 0
    for lq in library.questions:
        results = [run_check(lq)] if lq.q.check is not None else []
        results += [run_claim(lq, i) for i in range(len(lq.q.claims))]
        checked += len(results)
        for r in results:
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
