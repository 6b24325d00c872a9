"""A live stream's poster (a JPEG frame) and animated preview (a few seconds of animated WebP),
made from one rung's segments: the first before the stream goes live, then one every
`interval` seconds while it is live, beside the segments (`<prefix>/poster.jpg`,
`<prefix>/preview.webp`). Stream lists show them; the watch page's OpenGraph card uses the
poster. The last ones stay after the end, for the replay."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from pathlib import Path

from chirp.core.ports.blobs import BlobStore

log = logging.getLogger(__name__)

POSTER = "poster.jpg"
PREVIEW = "preview.webp"
POSTER_WIDTH = 640
PREVIEW_WIDTH = 320
PREVIEW_FPS = 8
TIMEOUT_SECONDS = 30.0


async def _ffmpeg(*args: str) -> bytes | None:
    binary = shutil.which("ffmpeg")
    if binary is None:
        return None
    process = await asyncio.create_subprocess_exec(
        binary, "-hide_banner", "-loglevel", "error", "-nostdin", *args,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        async with asyncio.timeout(TIMEOUT_SECONDS):
            out, errors = await process.communicate()
    except TimeoutError:
        process.kill()
        await process.wait()
        return None
    if process.returncode != 0 or not out:
        log.warning("preview frame failed", extra={"stderr": errors.decode(errors="replace")})
        return None
    return out


async def poster(segment: Path) -> bytes | None:
    return await _ffmpeg(
        "-i", str(segment), "-frames:v", "1", "-vf", f"scale='min({POSTER_WIDTH},iw)':-2",
        "-q:v", "4", "-f", "image2", "-c:v", "mjpeg", "pipe:1",
    )  # fmt: skip


async def animated(segment: Path) -> bytes | None:
    return await _ffmpeg(
        "-i", str(segment), "-an", "-vf", f"fps={PREVIEW_FPS},scale={PREVIEW_WIDTH}:-2",
        "-c:v", "libwebp_anim", "-loop", "0", "-quality", "60", "-compression_level", "3",
        "-f", "webp", "pipe:1",
    )  # fmt: skip


class Previews:
    def __init__(
        self, blobs: BlobStore, prefix: str, cache_control: str, interval: float = 30.0
    ) -> None:
        self.blobs, self.prefix = blobs, prefix
        self.cache_control, self.interval = cache_control, interval
        self._last = -float("inf")
        self._task: asyncio.Task[None] | None = None

    def due(self) -> bool:
        busy = self._task is not None and not self._task.done()
        return not busy and time.monotonic() - self._last >= self.interval

    async def update(self, segment: Path, *, remove: bool = False) -> None:
        """Make both from `segment` and store them (failures are logged: the stream goes on);
        `remove`: the file is ours to delete afterwards (a link to a published segment)."""
        self._last = time.monotonic()
        try:
            still, moving = await asyncio.gather(poster(segment), animated(segment))
            if still:
                await self.blobs.put(
                    f"{self.prefix}/{POSTER}",
                    still,
                    content_type="image/jpeg",
                    cache_control=self.cache_control,
                )
            if moving:
                await self.blobs.put(
                    f"{self.prefix}/{PREVIEW}",
                    moving,
                    content_type="image/webp",
                    cache_control=self.cache_control,
                )
        except Exception:
            log.exception("stream preview failed", extra={"prefix": self.prefix})
        finally:
            if remove:
                await asyncio.to_thread(segment.unlink, True)

    def update_later(self, segment: Path) -> None:
        """In the background, from a link to the segment (it is unlinked once published)."""
        link = segment.with_name(f"{segment.name}.preview")
        try:
            link.hardlink_to(segment)
        except OSError:
            return
        self._last = time.monotonic()
        self._task = asyncio.create_task(self.update(link, remove=True), name="chirp-preview")

    async def close(self) -> None:
        if self._task is not None:
            with contextlib.suppress(Exception):
                await self._task
