"""Deleting a suspended account's data (`account_deletion`), on every backend: everything it
made or did goes, through the usual removals (counters, feeds and notifications follow); its
emptied, suspended row stays so the username stays taken; an unsuspended account keeps all."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from chirp.core import (
    account_deletion,
    blocks,
    engagement,
    filters,
    follows,
    lists,
    moderation,
    scheduled_statuses,
    statuses,
)
from chirp.core.dispatch import Dispatcher
from chirp.core.errors import Forbidden
from chirp.core.models import Page
from chirp.core.side_effects import default_after_batch, default_steps
from chirp.storage import Store
from tests.core.test_dispatch import ClockedContext, context, register
from tests.storage.backends import BACKENDS


@pytest.fixture(params=sorted(BACKENDS))
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    async with BACKENDS[request.param](tmp_path) as opened:
        yield opened


async def drain(ctx: ClockedContext) -> None:
    await Dispatcher(ctx, default_steps(), after_batch=default_after_batch()).drain()


async def test_a_suspended_account_s_data_is_deleted(store: Store) -> None:
    ctx = context(store)
    ada, bob, cy, dee = [await register(ctx, n) for n in ("ada", "bob", "cy", "dee")]
    theirs = await statuses.post_tweet(ctx, bob, statuses.TweetDraft(text="bob's"))
    for visibility in ("public", "private", "direct"):
        await statuses.post_tweet(
            ctx, ada, statuses.TweetDraft(text=f"@bob {visibility}", visibility=visibility)
        )
    await engagement.retweet(ctx, ada, theirs.id)
    await engagement.like_tweet(ctx, ada, theirs.id)
    await engagement.bookmark_tweet(ctx, ada, theirs.id)
    await follows.follow(ctx, ada, bob.id)
    await follows.follow(ctx, cy, ada.id)
    await blocks.block_account(ctx, ada, dee.id)
    await blocks.mute_account(ctx, ada, cy.id, notifications=True, duration=0)
    at = ctx.now() + scheduled_statuses.MIN_LEAD * 2
    await scheduled_statuses.schedule_tweet(ctx, ada, statuses.TweetDraft(text="later"), at)
    await filters.create_filter(
        ctx,
        ada,
        filters.FilterDraft(
            title="f", context=["home"], keywords=[filters.KeywordChange(keyword="x")]
        ),
    )
    await statuses.post_tweet(ctx, bob, statuses.TweetDraft(text="@ada hi"))
    await statuses.post_tweet(ctx, bob, statuses.TweetDraft(text="@ada psst", visibility="direct"))
    owned = await lists.create_list(ctx, ada, "Mine")
    await lists.add_list_members(ctx, ada, owned.id, [bob.id])
    theirs_list = await lists.create_list(ctx, cy, "Cy's")
    await lists.add_list_members(ctx, cy, theirs_list.id, [ada.id])
    await drain(ctx)
    assert len(await store.list_conversations(ada.id, Page())) == 2
    assert len(await store.list_conversations(bob.id, Page())) == 2
    assert await store.list_notifications(ada.id, Page()) != []
    assert await store.list_notifications(bob.id, Page()) != []

    with pytest.raises(Forbidden):  # only a suspended account's data
        await account_deletion.delete_account_data(ctx, None, ada.id)
    await moderation.act_on_account(ctx, None, ada.id, "suspend")
    await account_deletion.delete_account_data(ctx, None, ada.id)
    await drain(ctx)

    gone = account_deletion.EVERYTHING
    assert await store.account_timeline(ada.id, Page(), gone) == []
    original = await store.get_status(theirs.id)
    assert original is not None
    assert (original.favourites_count, original.reblogs_count) == (0, 0)
    assert await store.list_favourites(ada.id, Page()) == []
    assert await store.list_bookmarks(ada.id, Page()) == []
    assert await store.list_following(ada.id, Page()) == []
    assert await store.list_followers(ada.id, Page()) == []
    assert await store.list_blocks(ada.id, Page()) == []
    assert await store.list_mutes(ada.id, Page(), ctx.now()) == []
    assert await store.list_scheduled_statuses(ada.id, Page()) == []
    assert await store.get_filters(ada.id) == []
    assert await store.list_notifications(ada.id, Page()) == []
    # Her lists, her conversations, her place in others' lists; bob keeps his own direct tweet.
    assert await store.get_lists(ada.id) == []
    assert await store.list_conversations(ada.id, Page()) == []
    assert [c.participant_ids for c in await store.list_conversations(bob.id, Page())] == [
        (ada.id,)
    ]
    assert await store.list_members(theirs_list.id, Page()) == []
    # Bob's mentions by ada went with her tweets.
    assert [n.from_account_id for n in await store.list_notifications(bob.id, Page())] == []
    kept = await store.get_account(ada.id)
    assert kept is not None
    assert (kept.display_name, kept.note, kept.statuses_count) == ("", "", 0)
    assert (kept.followers_count, kept.following_count) == (0, 0)
    assert (await store.get_account_by_username("ada")) is not None  # the name stays taken
    for other in (bob, cy):
        counted = await store.get_account(other.id)
        assert counted is not None
        assert (counted.followers_count, counted.following_count) == (0, 0)


async def test_unsuspended_before_the_deletion_runs_keeps_everything(store: Store) -> None:
    ctx = context(store)
    ada = await register(ctx, "ada")
    await statuses.post_tweet(ctx, ada, statuses.TweetDraft(text="mine"))
    await moderation.act_on_account(ctx, None, ada.id, "suspend")
    await account_deletion.delete_account_data(ctx, None, ada.id)
    await moderation.undo_action(ctx, None, ada.id, "unsuspend")
    await drain(ctx)
    assert len(await store.account_timeline(ada.id, Page(), account_deletion.EVERYTHING)) == 1
