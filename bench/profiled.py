"""Run a module under a sampling profiler until SIGTERM, then write what it saw (for the benches' bots).

Every 2 ms a thread samples the stacks of all threads (``sys._current_frames``), so work on the
database thread shows up too (cProfile sees only the thread that enabled it).  Written: the
functions by inclusive samples (each counted once per stack), with the share of all samples
that were not idle in a poll or a queue wait.

    python bench/profiled.py OUT.txt -m bot.runtime.cli run --config bot.toml
    python bench/profiled.py OUT.txt bench/crowd.py --serve-bot ...
"""

import collections
import runpy
import signal
import sys
import threading
import time

out, *command = sys.argv[1:]
module = command[1] if command[0] == "-m" else ""
rest = command[2:] if module else command[1:]
inclusive: collections.Counter[str] = collections.Counter()
own: collections.Counter[str] = collections.Counter()  # the event loop's thread: the sampled frame itself
busy = 0
loop_busy = 0
MAIN = threading.main_thread().ident
IDLE = ("select.epoll", "poll", "_worker", "wait", "select", "get", "sleep", "acquire", "_wait_for_tstate_lock")
stop = threading.Event()


def sample() -> None:
    global busy, loop_busy
    me = threading.get_ident()
    while not stop.wait(0.002):
        for tid, frame in sys._current_frames().items():
            if tid == me:
                continue
            names = []
            f = frame
            while f is not None:
                code = f.f_code
                names.append(f"{code.co_filename.split('site-packages/')[-1]}:{code.co_firstlineno}({code.co_name})")
                f = f.f_back
            if frame.f_code.co_name in IDLE and len(names) < 40 and (
                    "base_events" in names[0] or "selectors" in names[0] or "threading" in names[0]
                    or "thread.py" in names[0] or "queue" in names[0]):
                continue
            busy += 1
            for n in set(names):
                inclusive[n] += 1
            if tid == MAIN:
                loop_busy += 1
                own[names[0]] += 1


def done(*_: object) -> None:
    stop.set()
    with open(out, "w") as fh:
        fh.write(f"busy samples {busy}\n")
        for name, n in inclusive.most_common(250):
            fh.write(f"{n:7d} {100 * n / max(1, busy):5.1f}% {name}\n")
        fh.write(f"\nthe main (event loop) thread: busy samples {loop_busy}, by the function sampled in\n")
        for name, n in own.most_common(80):
            fh.write(f"{n:7d} {100 * n / max(1, loop_busy):5.1f}% {name}\n")
    raise SystemExit(0)


signal.signal(signal.SIGTERM, done)
threading.Thread(target=sample, daemon=True, name="sampler").start()
sys.argv = [module or command[0], *rest]
time.sleep(0)
try:
    if module:
        runpy.run_module(module, run_name="__main__", alter_sys=True)
    else:
        runpy.run_path(command[0], run_name="__main__")
finally:
    done()
