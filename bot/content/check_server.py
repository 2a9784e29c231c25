"""Serve a question's app under a real WSGI server (Gunicorn or Waitress) for a machine check.

The parent binds a listening socket on 127.0.0.1 port 0 and hands it to a child
process, so there is no port race and parallel checks never collide.  The child
(this file run as a script, so it imports nothing of the bot) builds the app
from the question's code, serves it on that socket and reports readiness on a
pipe once a worker has loaded the app.  The parent always stops the child's
whole process group, and the child also stops itself when its stdin closes, so
no server outlives the check even if the test process is killed.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import Any

SERVERS = ("gunicorn", "waitress")
# Every response carries the pid of the worker that served it, and this path answers
# with that pid without reaching the app, so checks can tell Gunicorn's workers apart.
WORKER_HEADER = "X-Drill-Check-Worker"
WORKER_PROBE = "/__drill_check_worker__"
_SPEC_ENV = "DRILLBOT_CHECK_SERVER_SPEC"
# Generous for a loaded 2-core CI machine; a normal start takes well under a second.
READY_TIMEOUT = 15.0
# Sends of a request whose body the server cut short by answering early (``Server.http``).
EARLY_ANSWER_TRIES = 3
REQUEST_TIMEOUT = 10.0

# Gunicorn settings a check cannot do without: one sync worker on the inherited
# socket, quick graceful stop, and no control socket (Gunicorn 25+ puts one at a
# fixed path per user, which parallel checks would fight over).
_GUNICORN_BASE: dict[str, Any] = {"workers": 1, "worker_class": "sync", "graceful_timeout": 1,
                                  "loglevel": "warning", "accesslog": None, "errorlog": "-",
                                  "control_socket_disable": True}


# Gunicorn's quick shutdown (SIGQUIT, sent to the whole group) stops the workers at once instead
# of waiting out the graceful timeout.
_STOP_SIGNAL = {"gunicorn": signal.SIGQUIT, "waitress": signal.SIGTERM}


class ServerFailed(Exception):
    """The server did not start, or stopped answering; the message carries its error output."""


@dataclass(frozen=True, slots=True)
class HttpResponse:
    """What the server sent back: status, headers (in order, names as sent) and body."""

    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes

    def header(self, name: str) -> str | None:
        """The header's value (repeated headers joined with ", "), or None when absent."""
        values = [v for k, v in self.headers if k.casefold() == name.casefold()]
        return ", ".join(values) if values else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def worker(self) -> int | None:
        """The pid of the server process that answered."""
        value = self.header(WORKER_HEADER)
        return int(value) if value else None


class Server:
    """A question's app served by ``kind`` in a child process; use as a context manager."""

    def __init__(self, kind: str, *, code: str, setup: str = "", module: str = "drill_check",
                 options: dict[str, Any] | None = None) -> None:
        if kind not in SERVERS:
            raise ValueError(f"unknown server {kind!r}; use one of {', '.join(SERVERS)}")
        self.kind = kind
        self._options: dict[str, Any] = dict(options or {})
        self._spec: dict[str, Any] = {"kind": kind, "code": code, "setup": setup, "module": module,
                                      "options": self._options}
        self._proc: subprocess.Popen[bytes] | None = None
        self._stderr: Any = None
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def __enter__(self) -> Server:
        try:
            self._start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        ready_r, ready_w = os.pipe()
        try:
            listener.bind(("127.0.0.1", 0))
            listener.listen(64)
            self.port = listener.getsockname()[1]
            spec = dict(self._spec, listen_fd=listener.fileno(), ready_fd=ready_w)
            self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - lives as long as the server; close() shuts it
            self._proc = subprocess.Popen(
                [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=self._stderr, pass_fds=(listener.fileno(), ready_w),
                env=_child_env(spec), start_new_session=True)
        finally:
            # The child holds its own copies; keeping ours would hide the child's death from the pipe.
            listener.close()
            os.close(ready_w)
        # Each worker writes one byte once it has loaded the app; wait for all of them.
        workers = int(self._options.get("workers", 1)) if self.kind == "gunicorn" else 1
        deadline = time.monotonic() + READY_TIMEOUT
        got = b""
        try:
            while len(got) < workers:
                readable, _, _ = select.select([ready_r], [], [], max(0.0, deadline - time.monotonic()))
                chunk = os.read(ready_r, workers) if readable else b""
                if not chunk:
                    break
                got += chunk
        finally:
            os.close(ready_r)
        if len(got) < workers:
            why = "failed to start" if time.monotonic() < deadline else f"did not start within {READY_TIMEOUT:.0f} s"
            raise ServerFailed(f"{self.kind} {why}: {self.errors()}")

    def errors(self) -> str:
        """The last lines the server wrote to stderr (its tracebacks and log)."""
        if self._stderr is None:
            return ""
        self._stderr.seek(0)
        lines = self._stderr.read().decode("utf-8", "replace").strip().splitlines()
        return " | ".join(lines[-12:]) or "(no output)"

    def stop(self) -> None:
        """Stop the server and every process it started, and reap it; safe to call twice."""
        proc = self._proc
        if proc is None:
            return
        if proc.poll() is None:
            _signal_group(proc.pid, _STOP_SIGNAL[self.kind])
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait()
        # Anything left in the group (a worker whose arbiter died) goes too.
        _signal_group(proc.pid, signal.SIGKILL)
        if proc.stdin is not None and not proc.stdin.closed:
            proc.stdin.close()

    def close(self) -> None:
        """Stop the server and drop its captured output."""
        self.stop()
        if self._stderr is not None:
            self._stderr.close()
            self._stderr = None

    def http(self, method: str, path: str, headers: dict[str, str] | None = None,
             body: bytes | str | None = None, json_body: Any = None,
             other_than: int | None = None) -> HttpResponse:
        """Send one real HTTP/1.1 request exactly as given; a given Host header replaces the default.

        ``other_than``: a worker pid; the request is then served by another worker
        (meant for Gunicorn with two workers, see ``_free_worker_other_than``).
        """
        if other_than is not None:
            with self._free_worker_other_than(other_than):
                return self.http(method, path, headers, body, json_body)
        if self._proc is None or self._proc.poll() is not None:
            raise ServerFailed(f"{self.kind} is not running: {self.errors()}")
        sent = dict(headers or {})
        data: bytes | None = body.encode() if isinstance(body, str) else body
        if json_body is not None:
            data = json.dumps(json_body).encode()
            sent.setdefault("Content-Type", "application/json")
        if data is not None:
            sent.setdefault("Content-Length", str(len(data)))
        for attempt in range(EARLY_ANSWER_TRIES):
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=REQUEST_TIMEOUT)
            cut = False  # the server closed while the body was still being sent
            try:
                conn.putrequest(method, path, skip_host=any(k.casefold() == "host" for k in sent),
                                skip_accept_encoding=True)
                for k, v in sent.items():
                    conn.putheader(k, v)
                try:
                    conn.endheaders(data)
                except (BrokenPipeError, ConnectionResetError):
                    # A server may answer before it has read the whole body (a 413 for a body over the
                    # limit) and close: its answer is usually there to read.
                    cut = True
                resp = conn.getresponse()
                return HttpResponse(resp.status, tuple(resp.getheaders()), resp.read())
            except (OSError, http.client.HTTPException) as exc:
                if cut and attempt + 1 < EARLY_ANSWER_TRIES:
                    continue  # the close reset the connection before the answer was read: send it again
                raise ServerFailed(f"{self.kind}: {method} {path} failed ({exc}): {self.errors()}") from exc
            finally:
                conn.close()
        raise AssertionError("unreachable")


    def other_worker(self, pid: int) -> int:
        """The pid of a worker other than ``pid`` (Gunicorn with two workers)."""
        worker = self.http("GET", WORKER_PROBE, other_than=pid).worker
        assert worker is not None
        return worker

    @contextlib.contextmanager
    def _free_worker_other_than(self, pid: int) -> Iterator[None]:
        """Keep worker ``pid`` busy so that, with two sync workers, the next request goes to the other.

        A connection that has sent half a request holds the sync worker that accepted
        it; a probe then shows which worker is still free.  If the held one is not
        ``pid``, ``pid`` is the free one: a second held connection can only be taken by
        ``pid``, and letting the first go frees the other worker for the request.  (Trying
        again until the first hold lands on ``pid`` could fail 60 times in a row on a busy
        machine, where the same worker kept winning the accept.)
        """
        for attempt in range(10):
            holders = [self._hold()]
            try:
                time.sleep(min(0.01 * (attempt + 1), 0.25))  # let a worker accept the hold before the probe
                free = self.http("GET", WORKER_PROBE).worker
                if free is not None and free != pid:
                    yield
                    return
                if free == pid:
                    holders.append(self._hold())  # taken by pid, the only free worker
                    time.sleep(min(0.05 * (attempt + 1), 0.25))
                    holders.pop(0).close()  # the other worker reads the end of its half request, and is free
                    if self.http("GET", WORKER_PROBE).worker not in (None, pid):
                        yield
                        return
            finally:
                for holder in holders:
                    holder.close()
        raise ServerFailed(f"{self.kind}: could not reach a worker other than {pid}")

    def _hold(self) -> socket.socket:
        """A connection that has sent half a request: it holds the sync worker that accepts it."""
        holder = socket.create_connection(("127.0.0.1", self.port), timeout=REQUEST_TIMEOUT)
        holder.sendall(b"GET " + WORKER_PROBE.encode() + b" HTTP/1.1\r\n")
        return holder


def _child_env(spec: dict[str, Any]) -> dict[str, str]:
    # Gunicorn reads FORWARDED_ALLOW_IPS as the default of forwarded_allow_ips; a check pins
    # the documented default, so a value in the caller's environment must not leak in.
    env = {k: v for k, v in os.environ.items() if k != "FORWARDED_ALLOW_IPS"}
    env[_SPEC_ENV] = json.dumps(spec)
    return env


def _signal_group(pid: int, sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


# --- the child side: runs as `python bot/content/check_server.py` with the spec in the environment ---

def _load_app(spec: dict[str, Any]) -> Any:
    ns: dict[str, Any] = {"__name__": spec["module"]}
    exec(compile(spec["setup"], "<check setup>", "exec"), ns)
    exec(compile(spec["code"], "<question code>", "exec"), ns)
    if "app" not in ns:
        raise RuntimeError("the question's code does not define `app`")
    return _tag_worker(ns["app"])


def _tag_worker(app: Any) -> Any:
    """Wrap the WSGI app: add the worker header, and answer the probe path without the app."""
    def tagged(environ: dict[str, Any], start_response: Any) -> Any:
        tag = (WORKER_HEADER, str(os.getpid()))
        if environ.get("PATH_INFO") == WORKER_PROBE:
            start_response("200 OK", [("Content-Length", "0"), tag])
            return [b""]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            return start_response(status, [*headers, tag], exc_info)
        return app(environ, start)
    return tagged


def _signal_ready(fd: int) -> None:
    with contextlib.suppress(OSError):  # the parent may have stopped waiting
        os.write(fd, b"1")
        os.close(fd)


def _stop_when_parent_goes(kind: str) -> None:
    """Stop this server when the parent closes our stdin (it finished, or it died)."""
    def watch() -> None:
        # A raw read: a buffered one would hold stdin's lock and break interpreter shutdown.
        while os.read(0, 4096):
            pass
        os.kill(os.getpid(), _STOP_SIGNAL[kind])
    threading.Thread(target=watch, daemon=True).start()


def _serve_waitress(spec: dict[str, Any]) -> None:
    import waitress

    app = _load_app(spec)
    sock = socket.socket(fileno=spec["listen_fd"])
    server = waitress.create_server(app, sockets=[sock], **spec["options"])
    _signal_ready(spec["ready_fd"])
    server.run()


def _serve_gunicorn(spec: dict[str, Any]) -> None:
    from gunicorn.app.base import BaseApplication

    ready_fd = spec["ready_fd"]

    def post_worker_init(worker: Any) -> None:
        _signal_ready(ready_fd)

    class CheckApp(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {**_GUNICORN_BASE, **spec["options"], "bind": [f"fd://{spec['listen_fd']}"],
                        "post_worker_init": post_worker_init}
            for key, value in settings.items():
                if key in self.cfg.settings:  # control_socket_disable exists only in Gunicorn 25+
                    self.cfg.set(key, value)
                elif key in spec["options"]:
                    raise SystemExit(f"unknown Gunicorn setting {key!r} in check.server_options")

        def load(self) -> Any:
            return _load_app(spec)

    CheckApp().run()


def _child_main() -> None:
    spec = json.loads(os.environ.pop(_SPEC_ENV))
    _stop_when_parent_goes(spec["kind"])
    if spec["kind"] == "waitress":
        _serve_waitress(spec)
    else:
        _serve_gunicorn(spec)


if __name__ == "__main__":
    _child_main()
