"""Custom emojis: `:shortcode:` images the operator adds (`chirp emoji add`), shown by clients
in tweets, display names, bios and announcements.

Text keeps `:shortcode:` as written, as in Mastodon; whatever renders it lists the custom
emojis it uses (the `emojis` of statuses, accounts and announcements), found with the same
scan as Mastodon's. The set is small and read on every page, so each process keeps it
(`EmojiCache`) and reads it again after `CHIRP_CUSTOM_EMOJIS_CACHE_SECONDS`: an emoji added or
removed on one node (or by the CLI, another process) shows on every node within that time.
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from chirp.core.errors import InvalidInput, NotFound
from chirp.core.models import CustomEmoji
from chirp.core.ports.blobs import IMMUTABLE
from chirp.core.ports.errors import UniqueViolation
from chirp.core.ports.media_processing import MediaRejected

if TYPE_CHECKING:
    from chirp.core.context import Context

SHORTCODE = re.compile(r"[a-zA-Z0-9_]{2,64}")
MAX_CATEGORY = 64
# `:code:` standing alone: neither letter, digit nor colon on either side (Mastodon's rule).
SCAN = re.compile(r"(?<![^\W_])(?<!:):([a-zA-Z0-9_]{2,}):(?![^\W_])(?!:)")

_versions = itertools.count(1)


@dataclass(frozen=True, slots=True)
class EmojiSet:
    """Every custom emoji with its URLs (`url`, `static_url`), as one process sees it now.
    `version` changes whenever the set or a URL does: rendered JSON that lists emojis is
    kept against it."""

    version: int = 0
    by_code: Mapping[str, CustomEmoji] = field(default_factory=dict)
    urls: Mapping[str, tuple[str, str]] = field(default_factory=dict)

    def used_in(self, *texts: str) -> list[CustomEmoji]:
        """The custom emojis these texts use, in order of first use, each once."""
        if not self.by_code:
            return []
        found: dict[str, CustomEmoji] = {}
        for text in texts:
            if ":" not in text:
                continue
            for match in SCAN.finditer(text):
                emoji = self.by_code.get(match.group(1))
                if emoji is not None:
                    found.setdefault(emoji.shortcode, emoji)
        return list(found.values())

    @property
    def listed(self) -> list[CustomEmoji]:
        """The emojis clients offer in their pickers (`visible_in_picker`), by shortcode."""
        return [e for e in self.by_code.values() if e.visible_in_picker]


class EmojiCache:
    """This process's copy of the emoji set (see the module's docstring)."""

    def __init__(self) -> None:
        self.current = EmojiSet()
        self.loaded_at = float("-inf")  # time.monotonic() of the last read
        self.lock = asyncio.Lock()

    def invalidate(self) -> None:
        self.loaded_at = float("-inf")


def _max_age(ctx: Context) -> float:
    age = ctx.settings.custom_emojis_cache_seconds
    if ctx.settings.media_signed_urls:  # signed URLs are re-signed at half their life
        age = min(age, ctx.settings.media_signed_url_ttl_seconds / 2)
    return age


async def current_emojis(ctx: Context) -> EmojiSet:
    """The emoji set, read from the store at most once per cache period (concurrent callers
    wait for one read)."""
    cache = ctx.emoji_cache
    if time.monotonic() - cache.loaded_at < _max_age(ctx):
        return cache.current
    asked = time.monotonic()
    async with cache.lock:
        if cache.loaded_at >= asked or time.monotonic() - cache.loaded_at < _max_age(ctx):
            return cache.current  # read by another caller meanwhile
        emojis = await ctx.store.list_custom_emojis()
        urls = {e.shortcode: await _urls(ctx, e) for e in emojis}
        by_code = {e.shortcode: e for e in emojis}
        if by_code != cache.current.by_code or urls != cache.current.urls:
            cache.current = EmojiSet(next(_versions), by_code, urls)
        cache.loaded_at = time.monotonic()
        return cache.current


async def _urls(ctx: Context, emoji: CustomEmoji) -> tuple[str, str]:
    blobs = ctx.blobs
    if blobs is None:
        return ("", "")
    if not ctx.settings.media_signed_urls:
        return (blobs.public_url(emoji.image_key), blobs.public_url(emoji.static_key))
    ttl = ctx.settings.media_signed_url_ttl_seconds
    return (
        await blobs.signed_url(emoji.image_key, ttl_seconds=ttl),
        await blobs.signed_url(emoji.static_key, ttl_seconds=ttl),
    )


def check_shortcode(shortcode: str) -> str:
    if not SHORTCODE.fullmatch(shortcode):
        raise InvalidInput(
            "Validation failed: Shortcode must be 2 to 64 letters, digits or underscores"
        )
    return shortcode


async def add_custom_emoji(
    ctx: Context,
    shortcode: str,
    image: bytes,
    *,
    category: str | None = None,
    visible_in_picker: bool = True,
) -> CustomEmoji:
    """Validate the image, store it and its static PNG in the blob store, then record the
    emoji. A shortcode already taken is refused (remove the old one first)."""
    check_shortcode(shortcode)
    category = (category or "").strip() or None
    if category is not None and len(category) > MAX_CATEGORY:
        raise InvalidInput(f"Validation failed: Category is longer than {MAX_CATEGORY}")
    blobs, processor = ctx.blobs, ctx.media_workers
    if blobs is None or processor is None:
        raise RuntimeError("custom emojis need the blob store and the media processor")
    try:
        prepared = await processor.prepare_emoji(image)
    except MediaRejected as error:
        raise InvalidInput(f"Validation failed: {error.reason}") from None
    digest = hashlib.sha256(image).hexdigest()[:16]
    emoji = CustomEmoji(
        shortcode=shortcode,
        image_key=f"emojis/{shortcode}/{digest}.{prepared.extension}",
        static_key=f"emojis/{shortcode}/{digest}-static.png",
        created_at=ctx.now(),
        category=category,
        visible_in_picker=visible_in_picker,
    )
    if any(e.shortcode == shortcode for e in await ctx.store.list_custom_emojis()):
        raise InvalidInput(f"Validation failed: Shortcode :{shortcode}: is already taken")
    await blobs.put(
        emoji.image_key, image, content_type=prepared.content_type, cache_control=IMMUTABLE
    )
    await blobs.put(
        emoji.static_key, prepared.static_png, content_type="image/png", cache_control=IMMUTABLE
    )
    try:
        await ctx.store.create_custom_emoji(emoji)
    except UniqueViolation:  # added meanwhile: its blobs have other names (or the same bytes)
        raise InvalidInput(f"Validation failed: Shortcode :{shortcode}: is already taken") from None
    ctx.emoji_cache.invalidate()
    return emoji


async def remove_custom_emoji(ctx: Context, shortcode: str) -> CustomEmoji:
    """Forget the emoji, then delete its images (text that used it keeps `:shortcode:`)."""
    removed = await ctx.store.delete_custom_emoji(shortcode)
    if removed is None:
        raise NotFound(f"No custom emoji :{shortcode}:")
    ctx.emoji_cache.invalidate()
    if ctx.blobs is not None:
        for key in (removed.image_key, removed.static_key):
            await ctx.blobs.delete(key)
    return removed


async def list_custom_emojis(ctx: Context) -> list[CustomEmoji]:
    """Every custom emoji, hidden ones too (for the operator), by shortcode."""
    return await ctx.store.list_custom_emojis()
