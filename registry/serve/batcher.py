"""Dynamic batching: requests that arrive together are answered by one forward pass.

Each request's inputs wait in a queue; one task takes what is waiting, then waits at most
``max_wait`` seconds for more, up to ``max_batch`` inputs, and runs the whole batch on one
worker thread (the model is not thread-safe, and the event loop must stay free to answer
``/health`` while it computes). A request larger than ``max_batch`` runs alone.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

#: What a batch is run with: every input of the batch in, one result per input out.
RunBatch = Callable[[list[Any]], list[Any]]


@dataclass
class _Pending:
    inputs: list[Any]
    future: asyncio.Future[list[Any]] = field(repr=False)


class Batcher:
    def __init__(self, run: RunBatch, max_batch: int, max_wait: float) -> None:
        self._run = run
        self.max_batch = max_batch
        self.max_wait = max_wait
        self._queue: asyncio.Queue[_Pending] = asyncio.Queue()
        self._carry: _Pending | None = None
        self._draining = asyncio.Event()
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="zoo-serve-model")
        self._task: asyncio.Task[None] | None = None
        #: Inputs accepted and not yet answered (the metrics' queue gauge reads it).
        self.waiting = 0

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._loop())

    async def submit(self, inputs: Sequence[Any]) -> list[Any]:
        """One result per input, from whichever batch these inputs join."""
        future: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()
        self.waiting += len(inputs)
        try:
            await self._queue.put(_Pending(list(inputs), future))
            return await future
        finally:
            self.waiting -= len(inputs)

    def drain(self) -> None:
        """Stop waiting for more inputs: what is queued runs at once (the server is stopping)."""
        self._draining.set()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            try:
                await self._task
            except asyncio.CancelledError:
                pass
        self._executor.shutdown(wait=True)

    async def _next(self, timeout: float | None) -> _Pending | None:
        if self._carry is not None:
            item, self._carry = self._carry, None
            return item
        if timeout is None:
            return await self._queue.get()
        try:
            return self._queue.get_nowait()
        except asyncio.QueueEmpty:
            pass
        if timeout <= 0 or self._draining.is_set():
            return None
        getter = asyncio.ensure_future(self._queue.get())
        drained = asyncio.ensure_future(self._draining.wait())
        done, _ = await asyncio.wait({getter, drained}, timeout=timeout,
                                     return_when=asyncio.FIRST_COMPLETED)
        drained.cancel()
        if getter in done:
            return getter.result()
        getter.cancel()
        try:
            await getter  # a get that won the race with the cancel keeps its item
        except asyncio.CancelledError:
            return None
        return getter.result()

    async def _loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            first = await self._next(None)
            assert first is not None
            batch, size = [first], len(first.inputs)
            deadline = loop.time() + self.max_wait
            while size < self.max_batch:
                item = await self._next(deadline - loop.time())
                if item is None:
                    break
                if size + len(item.inputs) > self.max_batch:
                    self._carry = item
                    break
                batch.append(item)
                size += len(item.inputs)
            await self._answer(batch)

    async def _answer(self, batch: list[_Pending]) -> None:
        loop = asyncio.get_running_loop()
        inputs = [x for item in batch for x in item.inputs]
        try:
            results = await loop.run_in_executor(self._executor, self._run, inputs)
        except Exception as exc:  # noqa: BLE001 - handed to the requests, which answer it
            if len(batch) > 1:  # one bad request must not fail the others: each alone
                for item in batch:
                    await self._answer([item])
                return
            _settle(batch[0], exc=exc)
            return
        start = 0
        for item in batch:
            _settle(item, results[start:start + len(item.inputs)])
            start += len(item.inputs)


def _settle(item: _Pending, results: list[Any] | None = None,
            exc: BaseException | None = None) -> None:
    if item.future.done():  # its client went away
        return
    if exc is not None:
        item.future.set_exception(exc)
    else:
        item.future.set_result(results or [])
