"""Browser ingest: MediaRecorder's WebM chunks, sent as binary websocket messages, feed the same
pipeline as RTMP (ffmpeg reads them as Matroska from stdin)."""

from __future__ import annotations

from collections.abc import AsyncIterable

from chirp.video.relay import Session

# Largest chunk accepted: MediaRecorder with a 1 s timeslice at 8 Mbit/s sends about 1 MB.
MAX_CHUNK_BYTES = 8 * 1024 * 1024


async def feed_browser_session(
    session: Session,
    chunks: AsyncIterable[bytes],
    *,
    width: int | None,
    height: int | None,
) -> None:
    """Transcode until the browser stops sending (or the stream is ended), then let the
    session's grace period run as for an RTMP publisher."""
    try:
        await session.start(input_format="matroska", source_width=width, source_height=height)
        async for chunk in chunks:
            await session.write(chunk)
    except ConnectionError:
        pass  # ffmpeg refused the input or the streamer ended the stream
    finally:
        await session.close()
