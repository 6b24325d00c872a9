"""Link preview cards: which card a tweet shows (its first link's), and trending links.

Cards are fetched after the write, off the request path (the `status.created` side effect
`fetch_card`, through the `ports.cards.CardFetcher` port: `chirp.cards` implements it with an HTTP client
that stays off private networks), once per link, and again only after `REFETCH_AFTER`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from chirp.core.context import Context
from chirp.core.models import PreviewCard, Status
from chirp.core.text import status_link_keys

REFETCH_AFTER = timedelta(days=14)
RETRY_FAILED_AFTER = timedelta(hours=6)


def first_link(status: Status) -> str | None:
    """The `link_key` of the tweet's first link (a retweet has none of its own)."""
    if status.reblog_of_id is not None or "http" not in status.text.lower():
        return None
    keys = status_link_keys(status.text)
    return keys[0] if keys else None


async def status_cards(ctx: Context, statuses: Iterable[Status]) -> dict[int, PreviewCard]:
    """The card each tweet shows, by tweet id (those whose link has a card that was read)."""
    links = {s.id: key for s in statuses if (key := first_link(s)) is not None}
    if not links:
        return {}
    cards = await ctx.store.get_cards(links.values())
    return {
        sid: card
        for sid, key in links.items()
        if (card := cards.get(key)) is not None and not card.failed
    }


def due(card: PreviewCard | None, ctx: Context) -> bool:
    """Whether a link's card should be (re)fetched now."""
    if card is None or card.fetched_at is None:
        return True
    wait = RETRY_FAILED_AFTER if card.failed else REFETCH_AFTER
    return ctx.now() - card.fetched_at >= wait


async def fetch_card(ctx: Context, status: Status) -> bool:
    """Fetch the card of the tweet's first link if due; True if the tweet's card changed."""
    key = first_link(status)
    if key is None or ctx.card_fetcher is None:
        return False
    known = (await ctx.store.get_cards([key])).get(key)
    if not due(known, ctx):
        return False
    card = await ctx.card_fetcher.fetch(key, key, now=ctx.now())
    if card.failed and known is not None and not known.failed:
        card = replace(known, fetched_at=card.fetched_at)  # keep what was read before
    await ctx.store.save_card(card)
    return card != known and not card.failed
