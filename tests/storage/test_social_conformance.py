"""Storage port conformance for the social core (tweets, engagement, graph, feeds,
notifications, search, outbox). Only port methods and domain models are used."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta

import pytest

from chirp.core.models import Account, Credentials, Event, Notification, Page, Status, StatusEdit
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.timelines import AccountFilter
from chirp.storage import Store, UniqueViolation
from tests.storage.factories import (
    event,
    fan_out,
    follow,
    ids,
    make_account,
    now,
    planned,
    post,
)


async def test_status_round_trip_with_entities(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    status = await post(store, alice, "hi @bob #Tag", mentions=(bob.id,), tags=("Tag",))
    loaded = await store.get_status(status.id)
    assert loaded is not None
    assert (loaded.mention_ids, loaded.tags, loaded.text) == ((bob.id,), ("Tag",), "hi @bob #Tag")
    assert (await store.get_account(alice.id)).statuses_count == 1  # type: ignore[union-attr]
    assert await store.get_mentioned_status_ids(bob.id, [status.id, ids.next_id()]) == {status.id}
    assert set(await store.get_statuses([status.id, ids.next_id()])) == {status.id}


async def test_idempotency_key_is_unique_per_account_and_expires(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    first = await post(store, alice, key="k1")
    with pytest.raises(UniqueViolation) as caught:
        await post(store, alice, key="k1")
    assert caught.value.field == "idempotency_key"
    assert (await store.get_account(alice.id)).statuses_count == 1  # type: ignore[union-attr]
    await post(store, bob, key="k1")  # keys are per account
    found = await store.find_idempotent_status(alice.id, "k1", now() - timedelta(hours=1))
    assert found is not None and found.id == first.id
    assert await store.find_idempotent_status(alice.id, "k1", now() + timedelta(seconds=1)) is None


async def test_reply_quote_and_retweet_counters(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    original = await post(store, alice)
    await post(store, bob, reply_to=original)
    await post(store, bob, quote_of=original)
    await post(store, bob, reblog_of=original)
    loaded = await store.get_status(original.id)
    assert loaded is not None
    assert (loaded.replies_count, loaded.quotes_count, loaded.reblogs_count) == (1, 1, 1)
    with pytest.raises(UniqueViolation) as caught:
        await post(store, bob, reblog_of=original)
    assert caught.value.field == "reblog"
    assert (await store.find_reblog(bob.id, original.id)) is not None


async def test_missing_parent_is_reported(store: Store) -> None:
    alice = await make_account(store)
    ghost = await post(store, alice)
    await store.delete_status(ghost.id, event=lambda _: event("status.deleted"))
    with pytest.raises(MissingRecord):
        await post(store, alice, reply_to=ghost)


async def test_concurrent_likes_and_retweets_keep_exact_counts(store: Store) -> None:
    author = await make_account(store)
    status = await post(store, author)
    fans = [await make_account(store) for _ in range(30)]
    results = await asyncio.gather(
        *(
            store.add_favourite(ids.next_id(), f.id, status.id, event=event())
            for f in fans
            for _ in range(2)
        )
    )
    assert sum(results) == 30
    retweets = await asyncio.gather(
        *(post(store, f, reblog_of=status) for f in fans[:10]),
        *(post(store, f, reblog_of=status) for f in fans[:10]),
        return_exceptions=True,
    )
    assert sum(not isinstance(r, BaseException) for r in retweets) == 10
    removed = await asyncio.gather(
        *(store.remove_favourite(f.id, status.id, event=event()) for f in fans[:12])
    )
    assert sum(removed) == 12
    loaded = await store.get_status(status.id)
    assert loaded is not None and (loaded.favourites_count, loaded.reblogs_count) == (18, 10)


async def test_update_status_keeps_history_and_reindexes(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    status = await post(store, alice, "first words #old", tags=("old",))
    status = replace(
        status,
        text="second words #new",
        content="<p>second</p>",
        tags=("new",),
        mention_ids=(bob.id,),
        edited_at=now(),
    )
    versions = [
        StatusEdit(
            ids.next_id(),
            status.id,
            alice.id,
            "first words #old",
            "<p>first</p>",
            "",
            False,
            status.created_at,
        ),
        StatusEdit(
            ids.next_id(), status.id, alice.id, status.text, status.content, "", False, now()
        ),
    ]
    updated = await store.update_status(status, history=versions, event=event("status.updated"))
    assert (
        updated is not None
        and updated.text == "second words #new"
        and updated.edited_at is not None
    )
    assert [e.text for e in await store.get_status_edits(status.id)] == [
        "first words #old",
        "second words #new",
    ]
    assert await store.search_statuses("second", viewer_id=None, limit=5, offset=0) == [status.id]
    assert await store.search_statuses("first", viewer_id=None, limit=5, offset=0) == []
    assert await store.tag_timeline(["new"], Page()) == [status.id]
    assert await store.tag_timeline(["old"], Page()) == []
    assert await store.get_mentioned_status_ids(bob.id, [status.id]) == {status.id}


async def test_delete_removes_retweets_and_fixes_every_counter(store: Store) -> None:
    alice, bob, carol = (
        await make_account(store),
        await make_account(store),
        await make_account(store),
    )
    parent = await post(store, carol)
    status = await post(store, alice, "doomed words", reply_to=parent, tags=("gone",))
    retweet = await post(store, bob, reblog_of=status)
    await store.add_favourite(ids.next_id(), bob.id, status.id, event=event())
    await store.add_bookmark(ids.next_id(), bob.id, status.id)
    await follow(store, bob, alice)
    await fan_out(store, status)
    await store.add_notifications(
        [Notification(ids.next_id(), alice.id, "favourite", bob.id, now(), status.id)]
    )
    handed: list[list[int]] = []

    def deletion(found: Sequence[Status]) -> Event:
        # What the delete removed goes to the use case, which builds the event from it.
        handed.append([s.id for s in found])
        return event("status.deleted")

    removed = await store.delete_status(status.id, event=deletion)
    assert [s.id for s in removed] == [status.id, retweet.id]  # the tweet first
    assert handed == [[status.id, retweet.id]]
    assert removed[1].account_id == bob.id and removed[1].reblog_of_id == status.id
    assert await store.get_status(retweet.id) is None
    assert (await store.get_status(parent.id)).replies_count == 0  # type: ignore[union-attr]
    assert (await store.get_account(alice.id)).statuses_count == 0  # type: ignore[union-attr]
    assert (await store.get_account(bob.id)).statuses_count == 0  # type: ignore[union-attr]
    assert await store.list_bookmarks(bob.id, Page()) == []
    assert await store.list_notifications(alice.id, Page()) == []
    assert await store.home_timeline(bob.id, Page()) == []
    assert await store.search_statuses("doomed", viewer_id=None, limit=5, offset=0) == []
    assert await store.delete_status(status.id, event=lambda _: event()) == []


async def test_deleting_a_retweet_only_decrements_its_original(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    original = await post(store, alice)
    retweet = await post(store, bob, reblog_of=original)
    await store.delete_status(retweet.id, event=lambda _: event())
    loaded = await store.get_status(original.id)
    assert loaded is not None and loaded.reblogs_count == 0
    assert await store.find_reblog(bob.id, original.id) is None


async def test_thread_ancestors_and_depth_first_descendants(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    root = await post(store, alice, "root")
    a = await post(store, bob, "a", reply_to=root)
    b = await post(store, alice, "b", reply_to=root)
    a1 = await post(store, alice, "a1", reply_to=a)
    a1x = await post(store, bob, "a1x", reply_to=a1)
    ancestors, descendants = await store.get_thread(a1, max_ancestors=40, max_descendants=100)
    assert [s.id for s in ancestors] == [root.id, a.id]
    assert [s.id for s in descendants] == [a1x.id]
    _, everything = await store.get_thread(root, max_ancestors=40, max_descendants=100)
    assert [s.id for s in everything] == [a.id, a1.id, a1x.id, b.id]
    assert (a1.conversation_id, a1x.conversation_id) == (root.id, root.id)


async def test_viewer_state_bookmarks_and_pins(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    liked, retweeted, marked = (
        await post(store, alice),
        await post(store, alice),
        await post(store, alice),
    )
    await store.add_favourite(ids.next_id(), bob.id, liked.id, event=event())
    await post(store, bob, reblog_of=retweeted)
    assert await store.add_bookmark(ids.next_id(), bob.id, marked.id)
    assert not await store.add_bookmark(ids.next_id(), bob.id, marked.id)
    assert await store.add_pin(ids.next_id(), alice.id, liked.id)
    assert await store.count_pins(alice.id) == 1
    state = await store.get_viewer_state(bob.id, [liked.id, retweeted.id, marked.id])
    assert (state.favourited, state.reblogged, state.bookmarked) == (
        {liked.id},
        {retweeted.id},
        {marked.id},
    )
    assert (await store.get_viewer_state(alice.id, [liked.id])).pinned == {liked.id}
    assert await store.remove_bookmark(bob.id, marked.id)
    assert not await store.remove_bookmark(bob.id, marked.id)
    assert await store.remove_pin(alice.id, liked.id) and await store.count_pins(alice.id) == 0
    with pytest.raises(MissingRecord):
        await store.add_bookmark(ids.next_id(), bob.id, ids.next_id())


async def test_paged_lists_follow_mastodon_cursor_rules(store: Store) -> None:
    author = await make_account(store)
    status = await post(store, author)
    fans = [await make_account(store) for _ in range(5)]
    for fan in fans:
        await store.add_favourite(ids.next_id(), fan.id, status.id, event=event())
    rows = await store.list_favourited_by(status.id, Page(limit=10))
    assert [a for _, a in rows] == [f.id for f in reversed(fans)]
    cursors = [c for c, _ in rows]
    assert [
        a for _, a in await store.list_favourited_by(status.id, Page(limit=2, max_id=cursors[1]))
    ] == [
        fans[2].id,
        fans[1].id,
    ]
    # min_id: the page right after the cursor, still newest first; since_id: the newest page.
    assert [
        a for _, a in await store.list_favourited_by(status.id, Page(limit=2, min_id=cursors[4]))
    ] == [
        fans[2].id,
        fans[1].id,
    ]
    assert [
        a for _, a in await store.list_favourited_by(status.id, Page(limit=2, since_id=cursors[4]))
    ] == [
        fans[4].id,
        fans[3].id,
    ]
    assert [s for _, s in await store.list_favourites(fans[0].id, Page())] == [status.id]


async def test_follow_graph_counters_and_relationships(store: Store) -> None:
    alice, bob, carol = (
        await make_account(store),
        await make_account(store),
        await make_account(store),
    )
    await follow(store, alice, bob)
    await follow(store, bob, alice)
    await follow(store, carol, bob)
    assert not await store.add_follow(
        __import__("chirp.core.models", fromlist=["Follow"]).Follow(
            ids.next_id(), alice.id, bob.id, now()
        ),
        event=event(),
    )
    assert (await store.get_account(bob.id)).followers_count == 2  # type: ignore[union-attr]
    assert (await store.get_account(alice.id)).following_count == 1  # type: ignore[union-attr]
    relations = await store.get_relationships(alice.id, [bob.id, carol.id])
    assert relations[bob.id].following is not None and relations[bob.id].followed_by
    assert relations[carol.id].following is None and not relations[carol.id].followed_by
    assert [a for _, a in await store.list_followers(bob.id, Page())] == [carol.id, alice.id]
    assert [a for _, a in await store.list_following(alice.id, Page())] == [bob.id]
    assert sorted(await store.follower_ids(bob.id)) == sorted([carol.id, alice.id])
    assert await store.follower_ids(carol.id) == []
    assert await store.remove_follow(alice.id, bob.id, event=event())
    assert not await store.remove_follow(alice.id, bob.id, event=event())
    assert (await store.get_account(bob.id)).followers_count == 1  # type: ignore[union-attr]
    assert await store.follower_ids(bob.id) == [carol.id]
    assert await store.list_popular_followees(carol.id, 1) == [bob.id]
    assert await store.list_popular_followees(carol.id, 2) == []


async def test_fan_out_rules(store: Store) -> None:
    author, f1, f2, other = (
        (await make_account(store) for _ in range(4))
        if False
        else [await make_account(store) for _ in range(4)]
    )
    await follow(store, f1, author)
    await follow(store, f2, author)
    await follow(store, f1, other)
    tweet = await post(store, author)
    assert sorted(await fan_out(store, tweet)) == sorted([f1.id, f2.id])
    assert await fan_out(store, tweet) == []  # idempotent
    other_tweet = await post(store, other)
    reply = await post(store, author, reply_to=other_tweet)
    # Only followers who also follow the replied-to account get the reply.
    assert await fan_out(store, reply) == [f1.id]
    # A retweet skips the original's author.
    retweet = await post(store, author, reblog_of=await post(store, f2))
    assert await fan_out(store, retweet) == [f1.id]
    direct = await post(store, author, visibility="direct", mentions=(other.id,))
    assert await store.fan_out(direct, owner_ids=[other.id]) == [other.id]
    gone = await post(store, author)
    await store.delete_status(gone.id, event=lambda _: event())
    assert await fan_out(store, gone) == []


async def test_feeds_are_trimmed_to_the_cap(store: Store) -> None:
    author, reader = await make_account(store), await make_account(store)
    await follow(store, reader, author)
    tweets = [await post(store, author, f"t{i}") for i in range(12)]
    for tweet in tweets:
        await fan_out(store, tweet)
    assert await store.trim_home_feeds([reader.id], 5, slack=7) == 0  # within the slack
    assert await store.trim_home_feeds([reader.id], 5, slack=6) == 7
    assert await store.trim_home_feeds([reader.id], 5) == 0
    assert await store.home_timeline(reader.id, Page(limit=40)) == [
        t.id for t in reversed(tweets[-5:])
    ]


async def test_home_merges_the_feed_with_own_tweets(store: Store) -> None:
    me, friend, celebrity = [await make_account(store) for _ in range(3)]
    await follow(store, me, friend)
    await follow(store, me, celebrity)
    mine = await post(store, me, "mine")
    theirs = await post(store, friend, "friend")
    await fan_out(store, theirs)
    await post(store, celebrity, "not fanned out")
    assert await store.home_timeline(me.id, Page()) == [theirs.id, mine.id]
    assert await store.home_timeline(me.id, Page(limit=1, max_id=theirs.id)) == [mine.id]
    assert await store.home_timeline(me.id, Page(limit=1, min_id=mine.id)) == [theirs.id]


async def test_accounts_timeline_merges_several_accounts_by_visibility(store: Store) -> None:
    first, second, stranger = [await make_account(store) for _ in range(3)]
    a = await post(store, first, "a")
    b = await post(store, second, "b", visibility="private")
    await post(store, second, "psst", visibility="direct", mentions=(stranger.id,))
    await post(store, stranger, "unrelated")
    c = await post(store, first, "c", visibility="unlisted")
    both = [first.id, second.id]
    visible = ("public", "unlisted", "private")
    assert await store.accounts_timeline(both, Page(), visibilities=visible) == [c.id, b.id, a.id]
    assert await store.accounts_timeline(both, Page(), visibilities=("public",)) == [a.id]
    assert await store.accounts_timeline(
        both, Page(limit=1, max_id=c.id), visibilities=visible
    ) == [b.id]
    assert await store.accounts_timeline(
        both, Page(limit=2, min_id=a.id), visibilities=visible
    ) == [c.id, b.id]
    assert await store.accounts_timeline(both, Page(since_id=a.id), visibilities=visible) == [
        c.id,
        b.id,
    ]
    assert await store.accounts_timeline([], Page(), visibilities=visible) == []


async def test_unfollow_and_merge_after_follow(store: Store) -> None:
    reader, author = await make_account(store), await make_account(store)
    old = [await post(store, author, f"old {i}") for i in range(3)]
    private = await post(store, author, "private", visibility="private")
    gone = await post(store, author, "deleted before the merge")
    await store.delete_status(gone.id, event=lambda _: event())
    merged = [*old, private, gone]  # what the audience rule gave the reader (`feeds`)
    await follow(store, reader, author)
    assert await store.merge_into_home_feed(reader.id, author.id, merged) == 4
    assert len(await store.home_timeline(reader.id, Page())) == 4
    assert await store.remove_follow(reader.id, author.id, event=event())
    assert await store.home_timeline(reader.id, Page()) == []
    # A merge that comes after the unfollow (the follow's event handled late) adds nothing.
    assert await store.merge_into_home_feed(reader.id, author.id, merged) == 0
    assert await store.home_timeline(reader.id, Page()) == []
    # The unfollow's event, handled after a follow again, leaves the merged entries alone.
    await follow(store, reader, author)
    assert await store.merge_into_home_feed(reader.id, author.id, merged) == 4
    assert await store.remove_unfollowed_from_feed(reader.id, author.id) == 0
    assert len(await store.home_timeline(reader.id, Page())) == 4
    assert old


async def test_account_timeline_filters(store: Store) -> None:
    author, other = await make_account(store), await make_account(store)
    root = await post(store, author, "root #Topic", tags=("Topic",))
    self_reply = await post(store, author, "thread", reply_to=root)
    foreign = await post(store, other, "theirs")
    reply = await post(store, author, "reply", reply_to=foreign)
    retweet = await post(store, author, reblog_of=foreign)
    private = await post(store, author, "private", visibility="private")
    direct = await post(store, author, "dm", visibility="direct", mentions=(other.id,))
    await store.add_pin(ids.next_id(), author.id, root.id)
    everything = await store.account_timeline(
        author.id, Page(limit=40), AccountFilter(("public", "unlisted"))
    )
    assert everything == [retweet.id, reply.id, self_reply.id, root.id]
    assert await store.account_timeline(
        author.id,
        Page(limit=40),
        AccountFilter(("public", "unlisted"), exclude_replies=True, exclude_reblogs=True),
    ) == [self_reply.id, root.id]
    assert await store.account_timeline(author.id, Page(), AccountFilter(pinned=True)) == [root.id]
    assert await store.account_timeline(author.id, Page(), AccountFilter(tagged="topic")) == [
        root.id
    ]
    with_mentions = await store.account_timeline(
        author.id, Page(limit=40), AccountFilter(include_direct_to=other.id)
    )
    assert direct.id in with_mentions and private.id not in with_mentions


async def test_public_and_tag_timelines(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    shown = await post(store, alice, "#Café one", tags=("Café",))
    await post(store, alice, "#café unlisted", visibility="unlisted", tags=("café",))
    await post(store, alice, "#CAFÉ private", visibility="private", tags=("CAFÉ",))
    reply = await post(store, bob, "reply", reply_to=shown)
    self_reply = await post(store, alice, "self", reply_to=shown)
    await post(store, bob, reblog_of=shown)
    assert await store.public_timeline(Page()) == [self_reply.id, shown.id]
    assert reply.id not in await store.public_timeline(Page())
    assert await store.tag_timeline(["CAFÉ"], Page()) == [shown.id]
    tag = await store.get_tag("cafÉ")
    assert tag is not None and tag.name == "Café"


async def test_notifications(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    status = await post(store, alice)

    def make(kind: str, status_id: int | None) -> Notification:
        return Notification(ids.next_id(), alice.id, kind, bob.id, now(), status_id)

    added = await store.add_notifications([make("favourite", status.id), make("follow", None)])
    assert len(added) == 2
    assert await store.add_notifications([make("favourite", status.id)]) == []  # deduplicated
    listed = await store.list_notifications(alice.id, Page())
    assert [n.type for n in listed] == ["follow", "favourite"]
    assert [
        n.type for n in await store.list_notifications(alice.id, Page(), types=["favourite"])
    ] == ["favourite"]
    assert [
        n.type
        for n in await store.list_notifications(alice.id, Page(), exclude_types=["favourite"])
    ] == ["follow"]
    assert await store.get_notification(alice.id, listed[0].id) == listed[0]
    assert await store.get_notification(bob.id, listed[0].id) is None
    assert await store.remove_notifications("favourite", bob.id, status.id) == 1
    assert not await store.dismiss_notification(bob.id, listed[0].id)
    assert await store.dismiss_notification(alice.id, listed[0].id)
    await store.add_notifications([make("mention", status.id)])
    assert await store.clear_notifications(alice.id) == 1


async def test_search_respects_visibility_and_is_safe(store: Store) -> None:
    alice, follower, mentioned, stranger = [await make_account(store, f"sv{i}") for i in range(4)]
    await follow(store, follower, alice)
    public = await post(store, alice, "zebra crossing")
    private = await post(store, alice, "zebra private", visibility="private")
    direct = await post(store, alice, "zebra direct", visibility="direct", mentions=(mentioned.id,))
    await post(store, alice, "zebra unlisted", visibility="unlisted")

    async def found(viewer: int | None) -> set[int]:
        return set(await store.search_statuses("zebra", viewer_id=viewer, limit=10, offset=0))

    assert await found(None) == {public.id}
    assert await found(stranger.id) == {public.id}
    assert await found(follower.id) == {public.id, private.id}
    assert await found(mentioned.id) == {public.id, direct.id}
    assert private.id in await found(alice.id)
    for hostile in [
        '"unbalanced',
        "AND OR NOT",
        "zebra*",
        "col:umn",
        "(",
        "'; DROP TABLE statuses; --",
        "",
    ]:
        await store.search_statuses(hostile, viewer_id=None, limit=5, offset=0)
    best = await post(store, alice, "zebra zebra zebra")
    assert (await store.search_statuses("zebra", viewer_id=None, limit=1, offset=0)) == [best.id]


async def test_account_and_tag_search(store: Store) -> None:
    await make_account(store, "Zed", display_name="Zorro")
    exact = await make_account(store, "zo")
    await make_account(store, "zoey", display_name="Amy")
    names = [a.username for a in await store.search_accounts("zo", limit=10, offset=0)]
    assert names[0] == exact.username and set(names) == {"Zed", "zo", "zoey"}
    assert [a.username for a in await store.search_accounts("@ZOE", limit=10, offset=0)] == ["zoey"]
    # A display name given at creation (not only a later profile edit) is searchable too.
    named = Account(
        id=ids.next_id(), username="q1", display_name="Quincy", note="", created_at=now()
    )
    await store.create_account(
        named, Credentials(named.id, "q1@example.com", "$argon2id$fake", created_at=now())
    )
    found = await store.search_accounts("quin", limit=10, offset=0)
    assert [a.username for a in found] == ["q1"]
    author = await make_account(store)
    await post(store, author, "#Chirping", tags=("Chirping",))
    await post(store, author, "#chirp", tags=("chirp",))
    assert [t.name for t in await store.search_tags("CHIRP", limit=10, offset=0)] == [
        "chirp",
        "Chirping",
    ]
    uses = await store.tag_uses(None, 0, 10)
    assert {u[0] for u in uses} == {"Chirping", "chirp"}
    assert [u[0] for u in await store.tag_uses(["CHIRPING"], 0, 10)] == ["Chirping"]


async def test_recent_engagements(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    status = await post(store, alice)
    since = ids.next_id()
    await store.add_favourite(ids.next_id(), bob.id, status.id, event=event())
    await post(store, bob, reblog_of=status)
    await post(store, bob, reply_to=status)
    await post(store, bob, quote_of=status)
    secret = await post(store, alice, visibility="private")
    await store.add_favourite(ids.next_id(), bob.id, secret.id, event=event())
    kinds = sorted(k for s, k, _ in await store.recent_engagements(since, 100) if s == status.id)
    assert kinds == ["favourite", "quote", "reblog", "reply"]
    assert all(s != secret.id for s, _, _ in await store.recent_engagements(since, 100))


async def test_outbox_leases_completes_and_retries(store: Store) -> None:
    alice = await make_account(store)
    tweets = [await post(store, alice, f"t{i}") for i in range(3)]
    events = await store.claim_events(limit=10, now=now(), lease_seconds=60)
    assert [e.payload["status_id"] for e in events] == [t.id for t in tweets]
    assert all(e.attempts == 1 for e in events)
    assert await store.claim_events(limit=10, now=now(), lease_seconds=60) == []  # leased
    assert await store.count_due_events(now()) == 3  # claimed ones are still the backlog
    await store.complete_event(events[0].id)
    await store.retry_event(events[1].id, available_at=now() + timedelta(hours=1))
    assert await store.count_due_events(now()) == 1  # the retry waits out its backoff
    assert await store.count_due_events(now() + timedelta(hours=2)) == 2
    later = await store.claim_events(limit=10, now=now() + timedelta(seconds=61), lease_seconds=60)
    assert [e.id for e in later] == [events[2].id]  # the lease expired; the retry is not due yet
    retried = await store.claim_events(limit=10, now=now() + timedelta(hours=2), lease_seconds=60)
    assert {e.id for e in retried} == {events[1].id, events[2].id}
    assert next(e for e in retried if e.id == events[1].id).attempts == 2


async def test_outbox_completes_many_at_once(store: Store) -> None:
    alice = await make_account(store)
    for n in range(4):
        await post(store, alice, f"t{n}")
    events = await store.claim_events(limit=10, now=now(), lease_seconds=0)
    await store.complete_events([e.id for e in events[:3]])
    await store.complete_events([])
    remaining = await store.claim_events(
        limit=10, now=now() + timedelta(seconds=1), lease_seconds=60
    )
    assert [e.id for e in remaining] == [events[3].id]


async def test_fan_out_many_in_one_go(store: Store) -> None:
    author, f1, f2, friend = [await make_account(store) for _ in range(4)]
    await follow(store, f1, author)
    await follow(store, f2, author)
    first, second = await post(store, author, "one"), await post(store, author, "two")
    direct = await post(store, author, visibility="direct", mentions=(friend.id,))
    reached = await store.fan_out_many(
        [
            await planned(store, first),
            await planned(store, second),
            await planned(store, direct),
        ]
    )
    assert sorted(reached[first.id]) == sorted(reached[second.id]) == sorted([f1.id, f2.id])
    assert reached[direct.id] == [friend.id]
    assert await store.home_timeline(f1.id, Page()) == [second.id, first.id]
    assert await store.fan_out_many([await planned(store, first)]) == {first.id: []}  # idempotent
    assert await store.fan_out_many([]) == {}


async def test_a_fan_out_skips_the_entries_a_follow_merge_wrote_first(store: Store) -> None:
    author, merged, other = [await make_account(store) for _ in range(3)]
    await follow(store, merged, author)
    await follow(store, other, author)
    tweet = await post(store, author, "both")
    await store.merge_into_home_feed(merged.id, author.id, [tweet])
    reached = await store.fan_out_many([await planned(store, tweet)])
    assert other.id in reached[tweet.id]  # (SQL stores count a written piece's feeds whole)
    for reader in (merged, other):
        assert await store.home_timeline(reader.id, Page()) == [tweet.id]


async def test_a_deleted_tweet_leaves_every_feed_it_reached(store: Store) -> None:
    author, retweeter, mentioned = [await make_account(store) for _ in range(3)]
    followers = [await make_account(store) for _ in range(3)]
    for follower in followers:
        await follow(store, follower, author)
    await follow(store, followers[0], retweeter)
    tweet = await post(store, author)
    retweet = await post(store, retweeter, reblog_of=tweet)
    direct = await post(store, author, visibility="direct", mentions=(mentioned.id,))
    await fan_out(store, tweet)
    await fan_out(store, retweet)
    await store.fan_out(direct, owner_ids=[mentioned.id])
    feed = lambda owner: store.home_timeline(owner.id, Page())  # noqa: E731
    assert await feed(followers[0]) == [retweet.id, tweet.id]
    assert await feed(mentioned) == [direct.id]
    await store.delete_status(tweet.id, event=lambda _: event())  # and its retweet with it
    await store.delete_status(direct.id, event=lambda _: event())
    for owner in (*followers, mentioned):
        assert await feed(owner) == []


async def test_oldest_outbox_event_is_the_first_still_waiting(store: Store) -> None:
    assert await store.oldest_event_id() is None
    alice = await make_account(store)
    await post(store, alice, "first")
    await post(store, alice, "second")
    events = await store.claim_events(limit=10, now=now(), lease_seconds=60)
    first, second = sorted(events, key=lambda e: e.id)[:2]
    assert await store.oldest_event_id() == min(e.id for e in events)
    await store.retry_event(first.id, available_at=now() + timedelta(hours=1))
    assert await store.oldest_event_id() == first.id  # backing off still counts as waiting
    await store.complete_events([e.id for e in events if e.id != second.id])
    assert await store.oldest_event_id() == second.id
    await store.complete_event(second.id)
    assert await store.oldest_event_id() is None
