"""Followed hashtags in the fan-out: the audience rule (`core.audience`), and the
dispatcher reading the tag followers of a whole batch of tweets at once."""

from __future__ import annotations

from typing import Any

from chirp.core import statuses, tags
from chirp.core.audience import TweetRef, audience
from chirp.core.dispatch import Dispatcher
from chirp.core.side_effects import default_after_batch, default_steps
from tests.core.test_dispatch import ClockedContext, ctx, home_feed, register, store

__all__ = ["ctx", "store"]  # the fixtures, from the dispatcher's tests


async def test_tag_audience_is_public_tweets_followers_but_the_author(
    ctx: ClockedContext,
) -> None:
    alice, bob, carol = [await register(ctx, name) for name in ("alice", "bob", "carol")]
    for account in (alice, bob):
        await tags.follow_tag(ctx, account, "cats")
    await tags.follow_tag(ctx, carol, "dogs")
    original = await statuses.post_tweet(ctx, alice, statuses.TweetDraft(text="#cats"))

    async def tagged(
        visibility: str, names: tuple[str, ...], *, retweet: bool = False
    ) -> list[int]:
        tweet = TweetRef(
            ctx.new_id(), bob.id, visibility, original.id if retweet else None, tags=names
        )
        reached = await audience(ctx, tweet)
        return sorted(a for a in reached.feed_ids if a != bob.id)

    assert await tagged("public", ("Cats", "dogs")) == sorted([alice.id, carol.id])
    for visibility in ("unlisted", "private", "direct"):
        assert await tagged(visibility, ("cats",)) == []
    assert await tagged("public", ("cats",), retweet=True) == []
    assert await tagged("public", ()) == []


async def test_a_batch_reads_its_tweets_tag_followers_once(ctx: ClockedContext) -> None:
    alice, bob = await register(ctx, "alice"), await register(ctx, "bob")
    await tags.follow_tag(ctx, alice, "cats")
    await tags.follow_tag(ctx, alice, "dogs")
    posted = [
        await statuses.post_tweet(ctx, bob, statuses.TweetDraft(text=text))
        for text in ("#cats", "#dogs", "#cats #birds", "no tag", "#fish")
    ]
    reads: list[Any] = []
    real = ctx.store.tag_followers

    async def counted(names: Any) -> dict[str, list[int]]:
        reads.append(sorted(names))
        return await real(names)

    ctx.store.tag_followers = counted  # type: ignore[method-assign]
    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()
    assert reads == [["birds", "cats", "dogs", "fish"]]
    assert await home_feed(ctx, alice) == [posted[2].id, posted[1].id, posted[0].id]
