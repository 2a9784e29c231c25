"""Scheduler jobs cut short by a shutdown end quietly: no ERROR line, nothing raised into APScheduler."""

from __future__ import annotations

import asyncio
import logging

import pytest

from bot.clock import FakeClock
from bot.runtime import service as svc
from bot.runtime.builder import App


async def test_a_sessions_tick_cancelled_mid_work_is_not_an_error(app: App, caplog: pytest.LogCaptureFixture,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    started = asyncio.Event()

    async def slow_tick(**_kw: object) -> list[object]:
        started.set()
        await asyncio.sleep(30)
        return []

    await app.service.start()
    try:
        monkeypatch.setattr(app.engine.live, "tick", slow_tick)
        task = asyncio.create_task(svc.sessions_job(app.service.key))
        await started.wait()
        with caplog.at_level(logging.INFO):
            task.cancel()
            assert await task is None  # ended, not raised: APScheduler logs a raised job at ERROR
        assert "cut short by the shutdown" in caplog.text
        assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    finally:
        await app.service.stop()


async def test_a_job_of_a_stopped_service_does_nothing(app: App, clock: FakeClock) -> None:
    await app.service.start()
    key = app.service.key
    await app.service.stop()
    assert key not in svc._SERVICES
    await svc.sessions_job(key)  # used to raise KeyError (an ERROR line from the scheduler)
    await svc.reminder_job(key)
