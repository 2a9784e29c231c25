"""Server checks: the app under real Gunicorn and Waitress, real HTTP, and no process left behind."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from bot.content import Check, LoadedQuestion, load_library
from bot.content.check_server import Server, ServerFailed
from bot.content.checks import run_check
from tests.conftest import CONTENT, ROOT

LIBRARY, _ = load_library(CONTENT, strict=False)
SERVER_CHECKED = [q for q in LIBRARY.questions if q.q.check is not None and q.q.check.server is not None]

APP = '''
import os
from flask import Flask, request

app = Flask(__name__)

@app.route("/echo", methods=["GET", "POST"])
def echo():
    return {"pid": os.getpid(), "host": request.host, "scheme": request.scheme,
            "agent": request.headers.get("X-Test"), "body": request.get_data(as_text=True)}
'''


def _gone(pid: int, within: float = 5.0) -> bool:
    """True once ``pid`` no longer exists (or is a zombie nobody waits for, which holds no socket)."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        if Path(f"/proc/{pid}/stat").exists() and Path(f"/proc/{pid}/stat").read_text().split()[2] == "Z":
            return True
        time.sleep(0.05)
    return False


def test_both_servers_are_checked_in_the_pack() -> None:
    kinds = {q.q.check.server for q in SERVER_CHECKED if q.q.check is not None}
    assert kinds == {"gunicorn", "waitress"}


@pytest.mark.parametrize("kind", ["gunicorn", "waitress"])
def test_sends_real_http_with_the_given_headers_and_stops_every_process(kind: str) -> None:
    with Server(kind, code=APP) as server:
        resp = server.http("POST", "/echo", headers={"Host": "shop.example.com", "X-Test": "yes"}, body="hi")
        assert resp.status == 200
        assert resp.header("server") is not None and kind in resp.header("server").casefold()  # type: ignore[union-attr]
        got = resp.json()
        assert (got["host"], got["agent"], got["body"]) == ("shop.example.com", "yes", "hi")
        pids = {server.pid, got["pid"]}
    assert all(pid is not None and _gone(pid) for pid in pids), pids


def test_server_is_stopped_when_the_check_code_fails() -> None:
    with pytest.raises(ZeroDivisionError), Server("gunicorn", code=APP) as server:
        worker = server.http("GET", "/echo").json()["pid"]
        1 / 0  # noqa: B018 - the check's own code blowing up
    assert server.pid is not None and _gone(server.pid) and _gone(worker)


def test_an_app_that_cannot_load_reports_the_error() -> None:
    with pytest.raises(ServerFailed, match="NameError") as info, Server("gunicorn", code="app = Flask(__name__)"):
        pass
    assert "gunicorn failed to start" in str(info.value)


def test_servers_in_parallel_do_not_collide() -> None:
    def one(kind: str) -> tuple[int, str]:
        with Server(kind, code=APP) as server:
            return server.port, server.http("GET", "/echo").json()["scheme"]

    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(one, ["gunicorn", "gunicorn", "waitress", "waitress"]))
    assert [scheme for _, scheme in results] == ["http"] * 4
    assert len({port for port, _ in results}) == 4


def test_server_stops_when_the_checking_process_is_killed() -> None:
    script = (
        "import sys, time\n"
        "from bot.content.check_server import Server\n"
        f"s = Server('gunicorn', code={APP!r}).__enter__()\n"
        "print(s.pid, s.http('GET', '/echo').json()['pid'], flush=True)\n"
        "time.sleep(60)\n"
    )
    parent = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        arbiter, worker = map(int, parent.stdout.readline().split())
        parent.send_signal(signal.SIGKILL)
        parent.wait()
        assert _gone(arbiter) and _gone(worker)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.wait()
        if parent.stdout is not None:
            parent.stdout.close()


# Each case starts a server and CI time matters: one true/false question per server, the
# choice case under Gunicorn is test_server_options_reach_the_server.
ONE_PER_SERVER = list({q.q.check.server: q for q in reversed(SERVER_CHECKED)
                       if q.q.check is not None and q.q.kind == "truefalse"}.values())


@pytest.mark.parametrize("lq", ONE_PER_SERVER, ids=[q.id for q in ONE_PER_SERVER])
def test_a_wrong_key_fails_a_server_check(lq: LoadedQuestion) -> None:
    q = lq.q
    if q.kind == "truefalse":
        bad = q.model_copy(update={"answer": not q.answer})
    else:
        assert q.correct_index is not None
        bad = q.model_copy(update={"answer": "ABCDE"[(q.correct_index + 1) % len(q.options)]})
    result = run_check(dataclasses.replace(lq, q=bad))
    assert not result.ok, result.detail


def test_server_options_reach_the_server() -> None:
    q = LIBRARY.get("deployment-external-url-without-proxyfix")
    assert q is not None and q.q.check is not None  # the check itself passes in test_content_checks
    # Nginx on another host: Gunicorn no longer trusts X-Forwarded-Proto, so the keyed https link is wrong.
    remote = q.q.check.model_copy(update={"server_options": {"forwarded_allow_ips": "10.0.0.2"}})
    result = run_check(dataclasses.replace(q, q=q.q.model_copy(update={"check": remote})))
    assert not result.ok and "http://127.0.0.1:8000/orders/7" in result.detail


def test_unknown_server_setting_is_reported() -> None:
    with pytest.raises(ServerFailed, match="unknown Gunicorn setting 'wrokers'"), \
            Server("gunicorn", code=APP, options={"wrokers": 2}):
        pass


def test_server_options_without_a_server_are_rejected() -> None:
    with pytest.raises(ValueError, match="only a check with `server`"):
        Check(run="result = 1", server_options={"workers": 2})


def test_other_than_reaches_the_second_gunicorn_worker_and_every_worker_stops() -> None:
    with Server("gunicorn", code=APP, options={"workers": 2}) as server:
        first = server.http("GET", "/echo").worker
        assert first is not None
        second = server.other_worker(first)
        served = {server.http("GET", "/echo", other_than=first).worker for _ in range(3)}
        back = server.http("GET", "/echo", other_than=second).worker
        arbiter = server.pid
    assert second != first and served == {second} and back == first
    assert all(pid is not None and _gone(pid) for pid in (arbiter, first, second))


def test_other_than_reaches_the_other_worker_when_the_first_hold_lands_on_it(monkeypatch: pytest.MonkeyPatch) -> None:
    # The second way round: the first held connection is taken by the worker we want (as when the same worker
    # keeps winning the accept on a busy machine), so the worker to avoid is held by a second one instead.
    with Server("gunicorn", code=APP, options={"workers": 2}) as server:
        first = server.http("GET", "/echo").worker
        assert first is not None
        second = server.other_worker(first)
        hold = server._hold

        def on_second() -> socket.socket:
            for _ in range(50):
                sock = hold()
                time.sleep(0.05)
                if server.http("GET", "/echo").worker == first:  # first is free: the hold is on second
                    return sock
                sock.close()
            raise AssertionError("no hold landed on the second worker")
        holds = [on_second, hold]
        taken: list[socket.socket] = []

        def counted() -> socket.socket:
            taken.append(holds[min(len(taken), 1)]())
            return taken[-1]
        monkeypatch.setattr(server, "_hold", counted)
        served = server.http("GET", "/echo", other_than=first).worker
    assert served == second and len(taken) == 2


LIMITED = '''
from flask import Flask, request

app = Flask(__name__)
app.config["MAX_CONTENT_LENGTH"] = 1024

@app.post("/upload")
def upload():
    return str(len(request.get_data()))
'''


def test_an_answer_before_the_whole_body_is_sent_is_read() -> None:
    # Gunicorn answers 413 from the declared length and closes without reading the 16 MB body: the
    # sender's pipe breaks mid-body, and the answer is still what the check gets.
    with Server("gunicorn", code=LIMITED) as server:
        statuses = [server.http("POST", "/upload", body=b"x" * (16 * 1024 * 1024)).status for _ in range(3)]
    assert statuses == [413, 413, 413]
