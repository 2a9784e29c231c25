"""Run a module under cProfile until SIGTERM, then write the profile (for the benches' bot processes).

    python bench/profiled.py OUT.prof -m bot.runtime.cli run --config bot.toml
"""

import cProfile
import runpy
import signal
import sys

out, _m, module, *rest = sys.argv[1:]
prof = cProfile.Profile()


def done(*_: object) -> None:
    prof.disable()
    prof.dump_stats(out)
    raise SystemExit(0)


signal.signal(signal.SIGTERM, done)
sys.argv = [module, *rest]
prof.enable()
try:
    runpy.run_module(module, run_name="__main__", alter_sys=True)
finally:
    done()
