"""The signed-in user's profile as a whole: `update_credentials` (text, fields, posting
defaults, and the avatar and header through the media pipeline), and removing a picture.

Pictures are processed in the media workers (decoded, EXIF and every other metadata block
dropped, cropped to Mastodon's sizes) before anything is written, so a bad file changes
nothing. The new blob is stored before the account points at it, and the blob it replaced is
deleted after: an account never names a missing picture (a crash in between can leave an
unnamed blob behind, never a dead link).
"""

from __future__ import annotations

import logging
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from chirp.core import accounts
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.media import PROFILE_BLOB_PREFIX, _resources, limits
from chirp.core.models import Account, static_picture
from chirp.core.ports.blobs import IMMUTABLE, BlobStore
from chirp.core.ports.media_processing import MediaRejected, Output
from chirp.core.sniff import SNIFF_BYTES, sniff

log = logging.getLogger(__name__)

# Mastodon's geometries: `400x400#` for avatars, `1500x500#` for headers.
PROFILE_IMAGE_SIZES = {"avatar": (400, 400), "header": (1500, 500)}


@dataclass(slots=True)
class ProfileUpdate:
    """What `PATCH /api/v1/accounts/update_credentials` asks to change (None: unchanged).
    Pictures are files under `workdir`, which the use case removes when done."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    fields: list[tuple[str, str]] | None = None
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    images: dict[str, Path] = field(default_factory=dict)  # "avatar" / "header" -> file
    workdir: Path | None = None


async def _process(
    ctx: Context, kind: str, path: Path, out_dir: Path
) -> tuple[Output, Output | None]:
    _, workers = _resources(ctx)
    with path.open("rb") as handle:
        sniffed = sniff(handle.read(SNIFF_BYTES))
    if sniffed is None or sniffed.category != "image":
        raise InvalidInput(f"Validation failed: {kind} must be a JPEG, PNG, GIF or WebP image")
    try:
        probe = await workers.probe(
            ctx.settings.media_image_timeout_seconds,
            path,
            sniffed.content_type,
            limits(ctx.settings),
        )
        if probe.kind == "video":
            raise MediaRejected(f"{kind} must be an image")
        return await workers.profile_image(
            ctx.settings.media_image_timeout_seconds,
            path,
            out_dir / kind,
            limits(ctx.settings),
            PROFILE_IMAGE_SIZES[kind],
        )
    except MediaRejected as rejected:
        raise InvalidInput(f"Validation failed: {kind}: {rejected.reason}") from None


async def _delete_blob(blobs: BlobStore, key: str | None) -> None:
    if not key:
        return
    try:
        await blobs.delete(key)
    except Exception:  # a picture nobody names any more: logged, harmless
        log.exception("could not delete a replaced profile picture", extra={"key": key})


async def _delete_picture(blobs: BlobStore, key: str | None) -> None:
    """A picture's blob, and its still beside it if it is animated."""
    for name in (static_picture(key), key):
        await _delete_blob(blobs, name)


async def _store_image(
    ctx: Context, account: Account, kind: str, outputs: tuple[Output, Output | None]
) -> Account:
    """The still (for an animation) first, then the picture, then the row names them."""
    blobs, _ = _resources(ctx)
    output, still = outputs
    key = f"{PROFILE_BLOB_PREFIX}{account.id}/{kind}-{output.sha256[:24]}.{output.extension}"
    files = {key: output}
    if (still_key := static_picture(key)) is not None and still is not None:
        files = {still_key: still, key: output}
    for name, made in files.items():
        await blobs.put_file(
            name, Path(made.path), content_type=made.content_type, cache_control=IMMUTABLE
        )
    changed = await ctx.store.set_profile_image(
        account.id, kind, key, blobs.public_url(key), ctx.now()
    )
    if changed is None:
        await _delete_picture(blobs, key)
        raise NotFound("Record not found")
    updated, replaced = changed
    if replaced != key:
        await _delete_picture(blobs, replaced)
    return updated


async def update_credentials(ctx: Context, account: Account, update: ProfileUpdate) -> Account:
    try:
        outputs = {}
        for kind, path in update.images.items():
            assert update.workdir is not None
            outputs[kind] = await _process(ctx, kind, path, update.workdir / "out")
        updated = await accounts.update_profile(
            ctx,
            account,
            display_name=update.display_name,
            note=update.note,
            locked=update.locked,
            bot=update.bot,
            discoverable=update.discoverable,
            fields=update.fields,
            privacy=update.privacy,
            sensitive=update.sensitive,
            language=update.language,
        )
        for kind, output in outputs.items():
            updated = await _store_image(ctx, updated, kind, output)
        return updated
    finally:
        if update.workdir is not None:
            shutil.rmtree(update.workdir, ignore_errors=True)


async def clear_profile_images(ctx: Context, account_id: int) -> None:
    """Both pictures back to the defaults, their blobs deleted (an account's data deletion)."""
    for kind in ("avatar", "header"):
        changed = await ctx.store.set_profile_image(account_id, kind, None, None, ctx.now())
        if changed is not None and ctx.blobs is not None:
            await _delete_picture(ctx.blobs, changed[1])


async def remove_profile_image(ctx: Context, account: Account, kind: str) -> Account:
    """Back to the default picture (`DELETE /api/v1/profile/avatar|header`); idempotent."""
    blobs, _ = _resources(ctx)
    changed = await ctx.store.set_profile_image(account.id, kind, None, None, ctx.now())
    if changed is None:
        raise NotFound("Record not found")
    updated, replaced = changed
    await _delete_picture(blobs, replaced)
    return updated
