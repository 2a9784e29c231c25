"""Group commit: many small writes share one transaction, each in its own savepoint.

Under load, answers queue while a batch is being written; the next batch
takes all of them, so the cost of a commit is shared.  A caller's future is
resolved only after the commit, so an acknowledged write is never lost.  An
expected refusal (a duplicate answer) affects only its own caller; anything
unexpected makes the batch start again with a savepoint around each item.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

from sqlalchemy.orm import Session

from bot.errors import DrillError
from bot.storage.db import Database

I = TypeVar("I")  # noqa: E741
R = TypeVar("R")


class GroupCommit(Generic[I, R]):
    def __init__(self, db: Database, fn: Callable[[Session, list[I]], list[R | DrillError]], *,
                 max_batch: int = 200) -> None:
        self.db = db
        self.fn = fn
        self.max_batch = max_batch
        self._queue: list[tuple[I, asyncio.Future[R]]] = []
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: I) -> R:
        """Queue ``item`` and wait until its transaction has committed."""
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[R] = loop.create_future()
        self._queue.append((item, fut))
        if self._task is None or self._task.done():
            self._task = loop.create_task(self._drain())
        return await fut

    async def _drain(self) -> None:
        # One turn of the event loop first, so answers already in flight join this batch.
        await asyncio.sleep(0)
        while self._queue:
            batch, self._queue = self._queue[: self.max_batch], self._queue[self.max_batch:]
            try:
                results = await self.db.run_batch(self._write, [item for item, _ in batch])
            except Exception as exc:  # the commit failed: nobody's write is acknowledged
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if fut.done():
                    continue
                if isinstance(result, BaseException):
                    fut.set_exception(result)
                else:
                    fut.set_result(result)

    def _write(self, items: list[I]) -> list[R | Exception]:
        try:
            return self._write_fast(items)
        except _Unexpected:
            return self._write_isolated(items)

    def _write_fast(self, items: list[I]) -> list[R | Exception]:
        """One transaction for all: ``fn`` refuses an item (DrillError) only before writing it."""
        with self.db.session() as s, s.begin():
            try:
                return list(self.fn(s, items))
            except Exception as exc:  # may have written part of the batch: redo it carefully
                raise _Unexpected from exc

    def _write_isolated(self, items: list[I]) -> list[R | Exception]:
        """The slow path after an unexpected error: a savepoint per item contains any failure."""
        out: list[R | Exception] = []
        with self.db.session() as s, s.begin():
            for item in items:
                try:
                    with s.begin_nested():
                        out.append(self.fn(s, [item])[0])
                except Exception as exc:  # handed to that item's caller only
                    out.append(exc)
        return out


class _Unexpected(Exception):
    """An item failed in a way that may have left partial writes in the batch transaction."""
