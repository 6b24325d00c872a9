"""A pool of worker processes for image and video work, with per-job timeouts.

Decoding hostile files is CPU-heavy and runs native code (libjpeg, FFmpeg): it never runs on
the event loop, nor in a thread of the server process. A job past its timeout is stopped by
killing the pool's processes (a process cannot be interrupted otherwise) and starting fresh
ones; jobs that were running beside it are retried once on the new pool. A worker that dies
(a crash in native code) is treated the same way.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import time
from collections.abc import Callable, Coroutine
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from chirp.core.ports.media_processing import (
    EmojiImage,
    Limits,
    MediaRejected,
    Output,
    Probe,
    Processed,
)
from chirp.media import jobs
from chirp.media.emojis import prepare_emoji

log = logging.getLogger(__name__)
T = TypeVar("T")


def _init_worker() -> None:
    # Media work yields to request handling when both want the CPU.
    with contextlib.suppress(OSError):
        os.nice(5)


class MediaWorkers:
    def __init__(
        self, processes: int, *, observe: Callable[[str, float, str], None] | None = None
    ) -> None:
        self.processes = processes
        self._pool: ProcessPoolExecutor | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # Jobs handed to `run` and not back yet (beyond `processes`, they wait for one), and
        # a hook told each job's name, duration and outcome (metrics).
        self.running = 0
        self.observe = observe

    @property
    def background_jobs(self) -> int:
        return len(self._tasks)

    def _get_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.processes,
                # spawn, not fork: the server process has threads (SQLite, blob I/O) that a
                # forked child would inherit in whatever state they were.
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_init_worker,
            )
        return self._pool

    def _recycle(self, pool: ProcessPoolExecutor) -> None:
        if self._pool is pool:
            self._pool = None
        for process in list((getattr(pool, "_processes", None) or {}).values()):
            with contextlib.suppress(Exception):
                process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    async def run(self, limit_seconds: float, fn: Callable[..., T], *args: Any) -> T:
        """`fn(*args)` in a worker process; `MediaRejected` if it takes over `limit_seconds`
        or crashes the worker twice."""
        self.running += 1
        started, outcome = time.perf_counter(), "failed"
        try:
            result = await self._run(limit_seconds, fn, *args)
            outcome = "done"
            return result
        except MediaRejected:
            outcome = "rejected"
            raise
        finally:
            self.running -= 1
            if self.observe is not None:
                self.observe(fn.__name__, time.perf_counter() - started, outcome)

    async def _run(self, limit_seconds: float, fn: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        for attempt in (1, 2):
            pool = self._get_pool()
            try:
                async with asyncio.timeout(limit_seconds):
                    return await loop.run_in_executor(pool, fn, *args)
            except TimeoutError:
                log.warning(
                    "media job timed out",
                    extra={"job": fn.__name__, "limit_seconds": limit_seconds},
                )
                self._recycle(pool)
                raise MediaRejected(
                    f"Processing took longer than {limit_seconds:g} seconds; the file was refused"
                ) from None
            except BrokenProcessPool:
                self._recycle(pool)
                if attempt == 2:
                    raise MediaRejected(
                        "The file could not be processed (the decoder crashed)"
                    ) from None
        raise AssertionError("unreachable")

    # The media-processing port (`chirp.core.ports.media_processing.MediaProcessor`).

    async def probe(self, seconds: float, path: Path, content_type: str, limits: Limits) -> Probe:
        return await self.run(seconds, jobs.probe, path, content_type, limits)

    async def process(
        self, seconds: float, path: Path, probe: Probe, out_dir: Path, limits: Limits
    ) -> Processed:
        return await self.run(seconds, jobs.process, path, probe, out_dir, limits)

    async def thumbnail(
        self, seconds: float, path: Path, out_dir: Path, limits: Limits
    ) -> tuple[Output, str]:
        return await self.run(seconds, jobs.thumbnail, path, out_dir, limits)

    async def profile_image(
        self, seconds: float, path: Path, out_dir: Path, limits: Limits, size: tuple[int, int]
    ) -> tuple[Output, Output | None]:
        return await self.run(seconds, jobs.profile_image, path, out_dir, limits, size)

    async def prepare_emoji(self, data: bytes) -> EmojiImage:
        # Small (256 KB at most) and quick: a thread, not a worker process.
        return await asyncio.to_thread(prepare_emoji, data)

    def background(self, job: Coroutine[Any, Any, None], *, name: str) -> None:
        """Run `job` beside the server (asynchronous video processing); `close` cancels it."""
        task = asyncio.create_task(job, name=name)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def wait_idle(self) -> None:
        """Until every background job has finished (tests, orderly shutdowns)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*list(self._tasks), return_exceptions=True)
        if self._pool is not None:
            pool, self._pool = self._pool, None
            await asyncio.to_thread(pool.shutdown, True, cancel_futures=True)
