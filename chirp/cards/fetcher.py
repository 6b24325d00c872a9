"""The `CardFetcher` port (`chirp.core.cards`): a link's page read with the guarded client,
its metadata (and its oEmbed, if advertised) made into a card, and its preview picture
resized by the media workers and stored in the blob store."""

from __future__ import annotations

import logging
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import orjson

from chirp.cards.guarded import GuardedClient, Refused
from chirp.cards.metadata import oembed_fields, parse_page
from chirp.config import Settings
from chirp.core.media import limits
from chirp.core.models import PreviewCard
from chirp.core.ports.blobs import IMMUTABLE, BlobStore
from chirp.core.ports.media_processing import MediaProcessor
from chirp.core.sniff import SNIFF_BYTES, sniff

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 5 * 1024 * 1024
CARD_BLOB_PREFIX = "cards/"


class LinkCardFetcher:
    """Implements `chirp.core.ports.cards.CardFetcher`; without a blob store or media
    processor (tools), cards go without pictures."""

    def __init__(
        self,
        client: GuardedClient,
        settings: Settings,
        blobs: BlobStore | None = None,
        media: MediaProcessor | None = None,
    ) -> None:
        self.client = client
        self.settings = settings
        self.blobs = blobs
        self.media = media

    async def fetch(self, link_key: str, url: str, *, now: datetime) -> PreviewCard:
        failed = PreviewCard(link_key=link_key, url=url, fetched_at=now, failed=True)
        try:
            page = await self.client.get(url, accept="text/html,application/xhtml+xml")
        except Refused as refused:
            log.info("link card not fetched", extra={"url": url[:200], "reason": str(refused)})
            return failed
        if page.content_type not in ("text/html", "application/xhtml+xml"):
            return failed
        meta = parse_page(page.body, page.url)
        card = PreviewCard(
            link_key=link_key,
            url=meta.url,
            title=meta.title,
            description=meta.description,
            provider_name=meta.site_name,
            author_name=meta.author_name,
            language=meta.language,
            published_at=meta.published_at,
            fetched_at=now,
        )
        image = meta.image
        if meta.oembed_url:
            try:
                fields = oembed_fields(orjson.loads((await self.client.get(meta.oembed_url)).body))
            except (Refused, orjson.JSONDecodeError):
                fields = {}
            image = fields.pop("image", None) or image
            card = replace(card, **{k: v for k, v in fields.items() if v not in ("", None)})
        if not card.title and not card.description and not image:
            return failed
        if image is not None:
            card = await self._with_image(card, image)
        return card

    async def _with_image(self, card: PreviewCard, url: str) -> PreviewCard:
        if self.blobs is None or self.media is None:
            return card
        try:
            fetched = await self.client.get(url, accept="image/*", max_bytes=MAX_IMAGE_BYTES)
        except Refused:
            return card
        sniffed = sniff(fetched.body[:SNIFF_BYTES])
        if sniffed is None or sniffed.category != "image":
            return card
        with tempfile.TemporaryDirectory(prefix="chirp-card-") as work:
            source = Path(work) / "image"
            source.write_bytes(fetched.body)
            try:
                output, blurhash = await self.media.thumbnail(
                    self.settings.media_image_timeout_seconds,
                    source,
                    Path(work) / "out",
                    limits(self.settings),
                )
            except Exception:  # an image the pipeline refuses: the card goes without it
                log.info("link card image refused", extra={"url": url[:200]})
                return card
            key = f"{CARD_BLOB_PREFIX}{output.sha256[:32]}.{output.extension}"
            await self.blobs.put_file(
                key, Path(output.path), content_type=output.content_type, cache_control=IMMUTABLE
            )
        return replace(
            card,
            image_key=key,
            image_url=self.blobs.public_url(key),
            image_width=output.width,
            image_height=output.height,
            blurhash=blurhash,
        )
