"""Link preview cards: which card a tweet shows (its first link's), and trending links.

Cards are fetched after the write, off the request path: the `status.created` and
`status.updated` side effect hands the tweet to the `CardQueue`, which reads the page beside
the dispatcher (a slow site must not hold back a batch's fan-out and notifications) through
the `ports.cards.CardFetcher` port (`chirp.cards`: an HTTP client that stays off private
networks), once per link and again only after `REFETCH_AFTER`; a tweet whose card arrived
goes out again (`TweetPush.card_arrived`: a `status.update`). A fetch lost with its process
leaves the tweet without a card until the link is posted again or the tweet edited: a
preview, not data.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace
from datetime import timedelta

from chirp.core.context import Context
from chirp.core.models import PreviewCard, Status
from chirp.core.text import status_link_keys

log = logging.getLogger(__name__)

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


class CardQueue:
    """Card fetches beside the dispatcher, `concurrency` at a time, at most `pending` waiting
    (beyond that a tweet goes without its card, logged), one at a time per link."""

    def __init__(self, ctx: Context, *, concurrency: int = 4, pending: int = 1000) -> None:
        self.ctx = ctx
        self.pending = pending
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._links: dict[str, asyncio.Lock] = {}

    def submit(self, status: Status) -> None:
        if first_link(status) is None:
            return
        if len(self._tasks) >= self.pending:
            log.warning("card queue full; tweet left without a card", extra={"id": status.id})
            return
        task = asyncio.create_task(self._fetch(status), name=f"chirp-card-{status.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _fetch(self, status: Status) -> None:
        key = first_link(status) or ""
        lock = self._links.setdefault(key, asyncio.Lock())
        try:
            async with self._slots, lock:  # a link posted twice at once is read once
                if await fetch_card(self.ctx, status) and self.ctx.tweet_push is not None:
                    self.ctx.tweet_push.card_arrived(status.id)
        except Exception:
            log.exception("link card failed", extra={"status_id": status.id})
        finally:
            if not lock.locked() and self._links.get(key) is lock:
                del self._links[key]

    async def wait_idle(self) -> None:
        """Until every fetch submitted so far is done (tests, shutdown)."""
        while self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def close(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
