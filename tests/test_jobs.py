"""Scheduler jobs cut short by a shutdown end quietly: no ERROR line, nothing raised into APScheduler."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.clock import FakeClock
from bot.runtime import service as svc
from bot.runtime.builder import App


class Records(logging.Handler):
    """Every record the service's logger emits (caplog misses them when an earlier test configured logging)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


async def test_a_sessions_tick_cancelled_mid_work_is_not_an_error(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    started = asyncio.Event()
    seen = Records()
    logger = logging.getLogger(svc.__name__)
    # setLevel, not a patched attribute: it also clears the logger's cache of isEnabledFor answers,
    # which an earlier test that configured logging may have filled with "INFO: no".
    old_level = logger.level
    logger.setLevel(logging.INFO)
    monkeypatch.setattr(logger, "disabled", False)
    logger.addHandler(seen)

    mine: list[asyncio.Task[None]] = []

    async def slow_tick(**_kw: object) -> list[object]:
        if asyncio.current_task() in mine:  # not the scheduler's own run of the job
            started.set()
        await asyncio.sleep(30)
        return []

    await app.service.start()
    try:
        monkeypatch.setattr(app.engine.live, "tick", slow_tick)
        task = asyncio.create_task(svc.sessions_job(app.service.key))
        mine.append(task)
        await started.wait()
        task.cancel()
        assert await task is None  # ended, not raised: APScheduler logs a raised job at ERROR
        cut = [r for r in seen.records if r.getMessage() == "job sessions_job cut short by the shutdown"]
        assert [r.levelno for r in cut] == [logging.INFO]
        assert not [r for r in seen.records if r.levelno >= logging.ERROR]
    finally:
        logger.removeHandler(seen)
        logger.setLevel(old_level)
        await app.service.stop()


async def test_a_job_of_a_stopped_service_does_nothing(app: App, clock: FakeClock) -> None:
    await app.service.start()
    key = app.service.key
    await app.service.stop()
    assert key not in svc._SERVICES
    await svc.sessions_job(key)  # used to raise KeyError (an ERROR line from the scheduler)
    await svc.reminder_job(key)
