"""Media use cases: upload (images at once, video and GIFs in the background), show, describe,
check attachments for a tweet, hand out URLs, serve local blobs, and collect unattached uploads.

Blob bookkeeping keeps one rule: a row that names a blob exists before the blob is written, and
outlives it. So a crash at any point leaves at worst a row that the collector finds (unattached,
old) and whose blobs it deletes: never a blob nobody knows about.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import AsyncIterator, Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound
from chirp.core.models import Account, MediaAttachment
from chirp.core.ports.blobs import IMMUTABLE, BlobInfo, BlobStore, InvalidKey
from chirp.core.ports.media_processing import (
    Limits,
    MediaProcessor,
    MediaRejected,
    Output,
    Probe,
    Processed,
)
from chirp.core.sniff import SNIFF_BYTES, sniff

log = logging.getLogger(__name__)

MAX_ATTACHMENTS = 4
# Blob keys of profile pictures (`chirp.core.profiles`) start with this: they are public, as
# in Mastodon, and served unsigned even when attachments' URLs are signed.
PROFILE_BLOB_PREFIX = "accounts/"
DESCRIPTION_MAX = 1500
GC_BATCH = 100


@dataclass(slots=True)
class Upload:
    """What a client sent to `POST /api/v2/media`, already on disk under `workdir`. The use
    case owns `workdir` from then on and removes it when done."""

    workdir: Path
    file: Path | None = None
    description: str | None = None
    focus: str | None = None
    thumbnail: Path | None = None


@dataclass(slots=True)
class MediaView:
    """An attachment and the URLs of its blobs, as this request may hand them out."""

    attachment: MediaAttachment
    urls: dict[str, str] = field(default_factory=dict)


def limits(settings: Settings) -> Limits:
    return Limits(
        image_max_pixels=settings.media_image_max_pixels,
        image_max_edge=settings.media_image_max_edge,
        preview_max_edge=settings.media_preview_max_edge,
        video_max_seconds=settings.media_video_max_seconds,
        video_max_pixels=settings.media_video_max_pixels,
        video_max_edge=settings.media_video_max_edge,
        video_max_bitrate_kbps=settings.media_video_max_bitrate_kbps,
    )


def _mib(size: int) -> str:
    return f"{size / (1024 * 1024):g} MiB"


def upload_limit(settings: Settings, head: bytes, *, field_name: str = "file") -> int:
    """The size cap for an upload that starts with `head`, or a 422 for a type we refuse. The
    upload is checked against it while it streams in."""
    if not head:
        raise InvalidInput(f"Validation failed: {field_name} is empty")
    sniffed = sniff(head)
    if sniffed is None:
        raise InvalidInput(
            f"Validation failed: {field_name} is not a supported image or video"
            " (JPEG, PNG, GIF, WebP, AVIF, MP4, MOV, WebM)"
        )
    if sniffed.category == "video":
        if field_name == "thumbnail":
            raise InvalidInput("Validation failed: thumbnail must be an image")
        return settings.media_video_max_bytes
    return settings.media_image_max_bytes


def too_large(settings: Settings, limit: int) -> InvalidInput:
    kind = "video" if limit == settings.media_video_max_bytes else "image"
    return InvalidInput(f"Validation failed: File is too large (the {kind} limit is {_mib(limit)})")


def parse_focus(raw: str | None) -> tuple[float, float] | None:
    """Mastodon's focal point: `x,y`, each from -1.0 to 1.0."""
    if raw is None or not raw.strip():
        return None
    try:
        x, y = (float(v) for v in raw.split(","))
    except ValueError:
        raise InvalidInput("Validation failed: focus must be two numbers, x,y") from None
    if not (-1 <= x <= 1 and -1 <= y <= 1):
        raise InvalidInput("Validation failed: focus values must be between -1.0 and 1.0")
    return round(x, 2), round(y, 2)


def _description(raw: str | None) -> str | None:
    if raw is None:
        return None
    text = raw.replace("\x00", "").strip()
    if len(text) > DESCRIPTION_MAX:
        raise InvalidInput(
            f"Validation failed: Description is too long (maximum is {DESCRIPTION_MAX} characters)"
        )
    return text


def _resources(ctx: Context) -> tuple[BlobStore, MediaProcessor]:
    if ctx.blobs is None or ctx.media_workers is None:
        raise RuntimeError("media is not wired (no blob store or workers in the context)")
    return ctx.blobs, ctx.media_workers


def _key(media: MediaAttachment, variant: str, output: Output) -> str:
    """Content-addressed: the digest is in the name, so the object never changes (immutable)."""
    return f"media/{media.id}/{variant}-{output.sha256[:24]}.{output.extension}"


def _meta(processed: Processed) -> dict[str, object]:
    def size(output: Output) -> dict[str, object]:
        return {
            "width": output.width,
            "height": output.height,
            "size": f"{output.width}x{output.height}",
            "aspect": round(output.width / output.height, 6) if output.height else None,
        }

    original: dict[str, object] = size(processed.original)
    meta: dict[str, object] = {"original": original, "small": size(processed.preview)}
    if processed.duration is not None:
        original.update(
            duration=processed.duration,
            frame_rate=processed.frame_rate,
            bitrate=processed.bitrate,
        )
        seconds = processed.duration
        meta.update(
            length=f"{int(seconds // 3600)}:{int(seconds % 3600 // 60):02d}:{seconds % 60:05.2f}",
            duration=processed.duration,
            fps=round(eval_fraction(processed.frame_rate or "0/1")),
            size=original["size"],
            width=processed.original.width,
            height=processed.original.height,
            aspect=original["aspect"],
            **processed.audio,
        )
    return meta


def eval_fraction(text: str) -> float:
    top, _, bottom = text.partition("/")
    try:
        return float(top) / float(bottom or 1)
    except (ValueError, ZeroDivisionError):
        return 0.0


async def _put_outputs(blobs: BlobStore, outputs: dict[str, Output]) -> None:
    for key, output in outputs.items():
        await blobs.put_file(
            key, Path(output.path), content_type=output.content_type, cache_control=IMMUTABLE
        )


async def _delete_blobs(blobs: BlobStore, keys: Iterable[str]) -> None:
    for key in keys:
        try:
            await blobs.delete(key)
        except Exception:  # the collector retries whatever is left
            log.exception("could not delete blob", extra={"key": key})


async def _probe(ctx: Context, path: Path, what: str) -> Probe:
    _, workers = _resources(ctx)
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    sniffed = sniff(head)
    if sniffed is None:
        raise InvalidInput(f"Validation failed: {what} is not a supported image or video")
    try:
        return await workers.probe(
            ctx.settings.media_image_timeout_seconds,
            path,
            sniffed.content_type,
            limits(ctx.settings),
        )
    except MediaRejected as rejected:
        raise InvalidInput(f"Validation failed: {rejected.reason}") from None


async def _thumbnail(ctx: Context, upload: Upload) -> tuple[Output, str] | None:
    if upload.thumbnail is None:
        return None
    probe = await _probe(ctx, upload.thumbnail, "thumbnail")
    if probe.kind != "image":
        raise InvalidInput("Validation failed: thumbnail must be a still image")
    _, workers = _resources(ctx)
    try:
        return await workers.thumbnail(
            ctx.settings.media_image_timeout_seconds,
            upload.thumbnail,
            upload.workdir / "thumbnail-out",
            limits(ctx.settings),
        )
    except MediaRejected as rejected:
        raise InvalidInput(f"Validation failed: thumbnail: {rejected.reason}") from None


async def upload_media(ctx: Context, owner: Account, upload: Upload) -> MediaView:
    """Images are processed now (ready on return); video and animations are probed now (so a
    bad file is refused at once) and transcoded in the background (`processing` on return)."""
    blobs, workers = _resources(ctx)
    in_background = False
    try:
        if upload.file is None:
            raise InvalidInput("Validation failed: File can't be blank")
        description = _description(upload.description) or ""
        focus = parse_focus(upload.focus) or (0.0, 0.0)
        probe = await _probe(ctx, upload.file, "file")
        thumbnail = await _thumbnail(ctx, upload)
        now = ctx.now()
        media = MediaAttachment(
            id=ctx.new_id(),
            account_id=owner.id,
            type={"image": "image", "animated": "gifv"}.get(probe.kind, "video"),
            state="processing",
            created_at=now,
            updated_at=now,
            description=description,
            focus=focus,
        )
        if probe.kind == "image":
            try:
                processed = await workers.process(
                    ctx.settings.media_image_timeout_seconds,
                    upload.file,
                    probe,
                    upload.workdir / "out",
                    limits(ctx.settings),
                )
            except MediaRejected as rejected:
                raise InvalidInput(f"Validation failed: {rejected.reason}") from None
            await ctx.store.create_media(media)
            ready = await _store_outputs(ctx, blobs, media, processed, thumbnail)
            if ready is None:
                raise InvalidInput("Validation failed: the upload was removed while processing")
            return await _view(ctx, ready)
        await ctx.store.create_media(media)
        workers.background(
            _process_in_background(ctx, media, upload, probe, thumbnail),
            name=f"media-{media.id}",
        )
        in_background = True
        return await _view(ctx, media)
    finally:
        if not in_background:
            shutil.rmtree(upload.workdir, ignore_errors=True)


async def _store_outputs(
    ctx: Context,
    blobs: BlobStore,
    media: MediaAttachment,
    processed: Processed,
    thumbnail: tuple[Output, str] | None,
) -> MediaAttachment | None:
    """Name the blobs on the row, write them, then mark the row ready. None (and no blob left
    behind) if the row was collected meanwhile."""
    outputs = {
        _key(media, "original", processed.original): processed.original,
        _key(media, "small", processed.preview): processed.preview,
    }
    keys = list(outputs)
    media.file_key, media.preview_key = keys
    media.content_type = processed.original.content_type
    media.type = processed.type
    media.meta = _meta(processed)
    media.blurhash = processed.blurhash
    if thumbnail is not None:
        output, blurhash = thumbnail
        media.thumbnail_key = _key(media, "thumbnail", output)
        outputs[media.thumbnail_key] = output
        media.blurhash = blurhash
        media.meta["small"] = {
            "width": output.width,
            "height": output.height,
            "size": f"{output.width}x{output.height}",
            "aspect": round(output.width / output.height, 6),
        }
    media.updated_at = ctx.now()
    if not await ctx.store.update_media(media):  # collected while we worked
        return None
    try:
        await _put_outputs(blobs, outputs)
    except BaseException:
        await _delete_blobs(blobs, outputs)
        media.state, media.error = "failed", "The file could not be stored; try again"
        media.file_key = media.preview_key = media.thumbnail_key = None
        await ctx.store.update_media(media)
        raise
    media.state, media.updated_at = "ready", ctx.now()
    if not await ctx.store.update_media(media):
        await _delete_blobs(blobs, outputs)
        return None
    return media


async def _process_in_background(
    ctx: Context,
    media: MediaAttachment,
    upload: Upload,
    probe: Probe,
    thumbnail: tuple[Output, str] | None,
) -> None:
    blobs, workers = _resources(ctx)
    assert upload.file is not None
    try:
        processed = await workers.process(
            ctx.settings.media_video_timeout_seconds,
            upload.file,
            probe,
            upload.workdir / "out",
            limits(ctx.settings),
        )
        await _store_outputs(ctx, blobs, media, processed, thumbnail)
    except MediaRejected as rejected:
        await _fail(ctx, media, rejected.reason)
    except Exception:
        log.exception("media processing failed", extra={"media_id": media.id})
        await _fail(ctx, media, "The file could not be processed")
    finally:
        shutil.rmtree(upload.workdir, ignore_errors=True)


async def _fail(ctx: Context, media: MediaAttachment, reason: str) -> None:
    media.state, media.error, media.updated_at = "failed", reason, ctx.now()
    media.file_key = media.preview_key = media.thumbnail_key = None
    await ctx.store.update_media(media)


async def _own(ctx: Context, owner: Account, media_id: int) -> MediaAttachment:
    media = await ctx.store.get_media(media_id)
    if media is None or media.account_id != owner.id or media.state == "deleting":
        raise NotFound("Record not found")
    return media


async def show_media(ctx: Context, owner: Account, media_id: int) -> MediaView:
    """The uploader's view (processing, ready); a failed upload answers 422 with its reason."""
    media = await _own(ctx, owner, media_id)
    if media.state == "failed":
        raise InvalidInput(f"Validation failed: {media.error or 'processing failed'}")
    return await _view(ctx, media)


async def update_media(
    ctx: Context,
    owner: Account,
    media_id: int,
    *,
    description: str | None,
    focus: str | None,
    upload: Upload | None = None,
) -> MediaView:
    """Change the description, focal point or the chosen thumbnail."""
    try:
        media = await _own(ctx, owner, media_id)
        if media.state == "failed":
            raise InvalidInput(f"Validation failed: {media.error or 'processing failed'}")
        text = _description(description)
        point = parse_focus(focus)
        thumbnail = await _thumbnail(ctx, upload) if upload is not None else None
        old_thumbnail = media.thumbnail_key
        if text is not None:
            media.description = text
        if point is not None:
            media.focus = point
        blobs, _ = _resources(ctx)
        if thumbnail is not None:
            output, blurhash = thumbnail
            media.thumbnail_key = _key(media, "thumbnail", output)
            media.blurhash = blurhash
            media.meta["small"] = {
                "width": output.width,
                "height": output.height,
                "size": f"{output.width}x{output.height}",
                "aspect": round(output.width / output.height, 6),
            }
        media.updated_at = ctx.now()
        if not await ctx.store.update_media(media):
            raise NotFound("Record not found")
        if thumbnail is not None and media.thumbnail_key:
            await _put_outputs(blobs, {media.thumbnail_key: thumbnail[0]})
            if old_thumbnail and old_thumbnail != media.thumbnail_key:
                await _delete_blobs(blobs, [old_thumbnail])
        return await _view(ctx, media)
    finally:
        if upload is not None:
            shutil.rmtree(upload.workdir, ignore_errors=True)


async def attachable_media(
    ctx: Context, author: Account, media_ids: Iterable[int], *, status_id: int | None = None
) -> tuple[int, ...]:
    """Validate `media_ids[]` of a tweet: at most 4, the author's own, processed, and not on
    another tweet (`status_id`: the tweet being edited, whose own attachments may stay)."""
    wanted = tuple(dict.fromkeys(media_ids))
    if not wanted:
        return ()
    if len(wanted) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"Validation failed: a post can carry at most {MAX_ATTACHMENTS} media attachments"
        )
    found = await ctx.store.get_media_batch(wanted)
    for media_id in wanted:
        media = found.get(media_id)
        if media is None or media.account_id != author.id or media.state in ("deleting",):
            raise InvalidInput(f"Validation failed: media {media_id} was not found")
        if media.status_id is not None and media.status_id != status_id:
            raise InvalidInput(f"Validation failed: media {media_id} is already attached to a post")
        if media.state == "processing":
            raise InvalidInput(
                "Validation failed: Cannot attach files that have not finished processing."
                " Try again in a moment!"
            )
        if media.state == "failed":
            raise InvalidInput(f"Validation failed: media {media_id} could not be processed")
    return wanted


async def media_urls(ctx: Context, attachments: Iterable[MediaAttachment]) -> dict[str, str]:
    """URL of every blob of these attachments: public (the CDN), or signed when
    `CHIRP_MEDIA_SIGNED_URLS` is on (a private bucket)."""
    blobs = ctx.blobs
    if blobs is None:
        return {}
    keys = [key for media in attachments if media.state == "ready" for key in media.keys]
    if not ctx.settings.media_signed_urls:
        return {key: blobs.public_url(key) for key in keys}
    ttl = ctx.settings.media_signed_url_ttl_seconds
    return {key: await blobs.signed_url(key, ttl_seconds=ttl) for key in keys}


async def _view(ctx: Context, media: MediaAttachment) -> MediaView:
    return MediaView(media, await media_urls(ctx, [media]))


@dataclass(slots=True)
class ServedBlob:
    info: BlobInfo
    open: Callable[[int, int | None], AsyncIterator[bytes]]


async def serve_blob(
    ctx: Context, key: str, *, expires: str | None, signature: str | None
) -> ServedBlob:
    """A blob of the local store for `GET /media/<key>`: signed requests must verify; unsigned
    ones are refused when media URLs are signed, and for objects stored `private` (a
    followers-only live stream's playlists and segments) whatever the setting."""
    blobs = ctx.blobs
    if blobs is None or not blobs.serves_own_urls:
        raise NotFound("Not found")
    signed = expires is not None or signature is not None
    try:
        if signed:
            if not blobs.verify(key, expires or "", signature or ""):
                raise Forbidden("This link has expired or is not valid")
        elif ctx.settings.media_signed_urls and not key.startswith(PROFILE_BLOB_PREFIX):
            raise Forbidden("This file needs a signed link")
        info = await blobs.stat(key)
    except InvalidKey:
        raise NotFound("Not found") from None
    if info is None:
        raise NotFound("Not found")
    if not signed and info.cache_control.startswith("private"):
        raise Forbidden("This file needs a signed link")

    def open_range(offset: int, length: int | None) -> AsyncIterator[bytes]:
        return blobs.open(key, offset=offset, length=length)

    return ServedBlob(info, open_range)


async def collect_unattached_media(ctx: Context) -> int:
    """Delete uploads never attached (or detached by a deleted tweet) for longer than
    `CHIRP_MEDIA_UNATTACHED_TTL_SECONDS`: blobs first, then the rows. Returns how many."""
    blobs, _ = _resources(ctx)
    now = ctx.now()
    before = now - timedelta(seconds=ctx.settings.media_unattached_ttl_seconds)
    total = 0
    while True:
        claimed = await ctx.store.claim_unattached_media(before=before, now=now, limit=GC_BATCH)
        if not claimed:
            return total
        for media in claimed:
            await _delete_blobs(blobs, media.keys)
        total += await ctx.store.delete_media(m.id for m in claimed)


async def delete_media(ctx: Context, owner: Account, media_id: int) -> None:
    """`DELETE /api/v1/media/:id`: an upload not on any tweet goes at once, blobs first (as
    the collector does); one on a tweet stays (422), and another account's is not found."""
    blobs, _ = _resources(ctx)
    claimed = await ctx.store.claim_own_media(owner.id, media_id, ctx.now())
    if claimed is None:
        media = await _own(ctx, owner, media_id)  # 404 unless the account's, and still there
        if media.status_id is not None:
            raise InvalidInput("Media attachment is currently used by a status")
        raise NotFound("Record not found")  # taken off a tweet and claimed again meanwhile
    await _delete_blobs(blobs, claimed.keys)
    await ctx.store.delete_media([claimed.id])
