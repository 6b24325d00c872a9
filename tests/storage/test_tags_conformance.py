"""Storage port conformance: followed and featured hashtags, the link timeline, and deleting
one's own unattached media."""

from __future__ import annotations

from dataclasses import replace

import pytest

from chirp.core.models import FeaturedTag, Page, Tag
from chirp.core.text import link_key
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now, post
from tests.storage.test_media_conformance import make_media, tweet


async def test_follow_and_unfollow_tags_by_key(store: Store) -> None:
    alice = await make_account(store)
    assert await store.follow_tag(ids.next_id(), alice.id, "Café", now())
    assert not await store.follow_tag(ids.next_id(), alice.id, "CAFÉ", now())  # the same tag
    assert await store.followed_tag_keys(alice.id, ["café", "tea", "Cafe\u0301"]) == {"café"}
    unfollowed = event("tag_follow.removed", account_id=alice.id)
    assert await store.unfollow_tag(alice.id, "cAfÉ", event=unfollowed)
    assert not await store.unfollow_tag(alice.id, "café", event=event("tag_follow.removed"))
    recorded = await store.claim_events(limit=10, now=now(), lease_seconds=30)
    assert [e.id for e in recorded] == [unfollowed.id]  # with the write, once
    assert await store.followed_tag_keys(alice.id, ["café"]) == set()
    assert await store.followed_tag_keys(alice.id, []) == set()


async def test_followed_tags_page_newest_first_with_used_names(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await post(store, bob, "#Rust is fun", tags=("Rust",))
    follows = []
    for name in ("rust", "NeverUsed", "go"):
        follow_id = ids.next_id()
        follows.append(follow_id)
        await store.follow_tag(follow_id, alice.id, name, now())
    rows = await store.list_followed_tags(alice.id, Page(limit=10))
    # A used tag goes by its first spelling; one nobody used by its key.
    assert rows == [
        (follows[2], Tag("go")),
        (follows[1], Tag("neverused")),
        (follows[0], Tag("Rust")),
    ]
    older = await store.list_followed_tags(alice.id, Page(limit=1, max_id=follows[2]))
    assert older == [(follows[1], Tag("neverused"))]
    newer = await store.list_followed_tags(alice.id, Page(limit=1, min_id=follows[0]))
    assert newer == [(follows[1], Tag("neverused"))]
    assert await store.list_followed_tags(bob.id, Page()) == []


async def test_tag_followers_by_key(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    await store.follow_tag(ids.next_id(), alice.id, "one", now())
    await store.follow_tag(ids.next_id(), alice.id, "two", now())
    await store.follow_tag(ids.next_id(), bob.id, "TWO", now())
    await store.follow_tag(ids.next_id(), carol.id, "three", now())
    found = await store.tag_followers(["One", "two", "ONE"])
    assert found.keys() == {"one", "two"}
    assert (found["one"], sorted(found["two"])) == ([alice.id], sorted([alice.id, bob.id]))
    assert await store.tag_followers(["four"]) == {"four": []}
    assert await store.tag_followers([]) == {}


async def test_featuring_is_idempotent_and_limited(store: Store) -> None:
    alice = await make_account(store)

    def featured(name: str) -> FeaturedTag:
        return FeaturedTag(ids.next_id(), alice.id, name, now())

    first = featured("Books")
    assert await store.feature_tag(first, limit=2) == first
    again = await store.feature_tag(featured("BOOKS"), limit=2)
    assert again is not None and (again.id, again.name) == (first.id, "Books")
    assert await store.feature_tag(featured("films"), limit=2) is not None
    assert await store.feature_tag(featured("music"), limit=2) is None  # over the limit
    assert await store.featured_tag_keys(alice.id, ["books", "music", "FILMS"]) == {
        "books",
        "films",
    }
    assert await store.unfeature_tag(alice.id, name="Films")
    assert not await store.unfeature_tag(alice.id, name="films")
    assert await store.feature_tag(featured("music"), limit=2) is not None
    assert not await store.unfeature_tag(ids.next_id(), featured_id=first.id)  # not theirs
    for neither_or_both in ({}, {"featured_id": first.id, "name": "Books"}):
        with pytest.raises(ValueError):
            await store.unfeature_tag(alice.id, **neither_or_both)  # type: ignore[arg-type]
    assert await store.unfeature_tag(alice.id, featured_id=first.id)
    assert [f.name for f in await store.list_featured_tags(alice.id)] == ["music"]


async def test_featured_tags_count_public_and_unlisted_tweets(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await post(store, alice, "#Books one", tags=("Books",))
    last = await post(store, alice, "#books two", visibility="unlisted", tags=("books",))
    await post(store, alice, "#books private", visibility="private", tags=("books",))
    await post(store, bob, "#books by bob", tags=("books",))
    await post(store, alice, "#films", tags=("films",))
    for name in ("books", "films", "poetry"):
        await store.feature_tag(FeaturedTag(ids.next_id(), alice.id, name, now()), limit=10)
    found = await store.list_featured_tags(alice.id)
    # Most used first; the tag's first spelling; never used: no count, no date.
    assert [(f.name, f.statuses_count) for f in found] == [
        ("Books", 2),
        ("films", 1),
        ("poetry", 0),
    ]
    assert found[0].last_status_at == last.created_at
    assert found[2].last_status_at is None
    assert all(f.account_id == alice.id for f in found)
    assert await store.list_featured_tags(bob.id) == []


async def test_most_used_tags_among_recent_tweets(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await post(store, alice, "#old", tags=("Old",))
    await post(store, alice, "#a #b", tags=("a", "b"))
    await post(store, alice, "#b #c", tags=("b", "c"))
    await post(store, alice, "#c", tags=("c",))
    await post(store, alice, "#b", tags=("b",))
    await post(store, bob, "#z #z", tags=("z",))
    used = await store.most_used_tags(alice.id, recent=10, limit=10)
    assert [t.name for t in used] == ["b", "c", "a", "Old"]  # ties: most recently used first
    assert [t.name for t in await store.most_used_tags(alice.id, recent=2, limit=10)] == ["b", "c"]
    assert [t.name for t in await store.most_used_tags(alice.id, recent=10, limit=1)] == ["b"]


async def test_link_timeline_holds_public_tweets_linking_to_the_page(store: Store) -> None:
    alice = await make_account(store)
    url = "https://Example.com/story?id=1"
    key = link_key(url)
    assert key is not None
    first = await post(store, alice, f"read {url}")
    await post(store, alice, "read HTTPS://EXAMPLE.COM:443/story?id=1#top")
    await post(store, alice, f"secret {url}", visibility="private")
    await post(store, alice, f"quiet {url}", visibility="unlisted")
    await post(store, alice, "another https://example.com/story?id=2")
    await post(store, alice, first.text, reblog_of=first)
    found = await store.link_timeline(key, Page(limit=10))
    assert len(found) == 2 and found[1] == first.id
    assert await store.link_timeline(key, Page(limit=1, max_id=found[0])) == [first.id]
    assert await store.link_timeline(key, Page(limit=1, min_id=first.id)) == [found[0]]
    assert await store.link_timeline("https://nowhere.example/", Page()) == []


async def test_link_timeline_follows_edits_and_deletes(store: Store) -> None:
    alice = await make_account(store)
    old, new = "https://old.example/a", "https://new.example/b"
    status = await post(store, alice, f"see {old}")
    edited = replace(status, text=f"see {new} instead", content="<p>see</p>", edited_at=now())
    assert await store.update_status(edited, history=[], event=event("status.updated"))
    assert await store.link_timeline(link_key(old) or "", Page()) == []
    assert await store.link_timeline(link_key(new) or "", Page()) == [status.id]
    await store.delete_status(status.id, event=lambda _: event("status.deleted"))
    assert await store.link_timeline(link_key(new) or "", Page()) == []


async def test_claiming_own_unattached_media_for_deletion(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    free = await make_media(store, alice)
    attached = await make_media(store, alice)
    await tweet(store, alice, [attached])
    assert await store.claim_own_media(bob.id, free.id, now()) is None  # not bob's
    assert await store.claim_own_media(alice.id, attached.id, now()) is None  # on a tweet
    claimed = await store.claim_own_media(alice.id, free.id, now())
    assert claimed is not None and claimed.id == free.id and claimed.state == "deleting"
    assert claimed.keys == free.keys
    assert await store.claim_own_media(alice.id, free.id, now()) is None  # once
    stored = await store.get_media(free.id)
    assert stored is not None and stored.state == "deleting"
    assert await store.claim_own_media(alice.id, ids.next_id(), now()) is None


async def test_a_deleted_tweet_leaves_its_tag_followers_feeds(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await store.follow_tag(ids.next_id(), alice.id, "cats", now())
    status = await post(store, bob, "#Cats", tags=("Cats",))
    owners = (await store.tag_followers(status.tags))["cats"]
    assert await store.fan_out(status, owner_ids=owners) == [alice.id]
    assert await store.home_timeline(alice.id, Page()) == [status.id]
    await store.delete_status(status.id, event=lambda _: event("status.deleted"))
    assert await store.home_timeline(alice.id, Page()) == []


async def test_a_tweet_reaches_thousands_of_explicit_owners(store: Store) -> None:
    """Tag followers are explicit owners of a fan-out: more than one statement's worth."""
    bob = await make_account(store)
    status = await post(store, bob, "#popular", tags=("popular",))
    owners = [ids.next_id() for _ in range(9_000)]
    reached = await store.fan_out(status, owner_ids=[*owners, owners[0]])
    assert sorted(reached) == sorted(owners)
    for owner in (owners[0], owners[-1]):
        assert await store.home_timeline(owner, Page()) == [status.id]


async def test_unfollowing_a_tag_withdraws_the_tweets_it_brought(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    await follow(store, alice, carol)
    for name in ("cats", "dogs"):
        await store.follow_tag(ids.next_id(), alice.id, name, now())
    brought = await post(store, bob, "#cats", tags=("cats",))
    both = await post(store, bob, "#cats #dogs", tags=("cats", "dogs"))
    followed = await post(store, carol, "#cats by carol", tags=("cats",))
    own = await post(store, alice, "#cats by alice", tags=("cats",))
    other = await post(store, bob, "#dogs", tags=("dogs",))
    retweet = await post(store, carol, reblog_of=brought)
    for status in (brought, both, followed, own, other, retweet):
        await store.fan_out(status, owner_ids=[alice.id])
    everything = [retweet.id, other.id, own.id, followed.id, both.id, brought.id]
    page = Page(limit=10)
    assert await store.home_timeline(alice.id, page) == everything
    # Followed again before the withdrawal ran: nothing leaves.
    assert await store.remove_unfollowed_tag_from_feed(alice.id, "cats") == 0
    await store.unfollow_tag(alice.id, "CATS", event=event("tag_follow.removed"))
    assert await store.remove_unfollowed_tag_from_feed(alice.id, "Cats") == 1
    kept = [retweet.id, other.id, own.id, followed.id, both.id]
    assert await store.home_timeline(alice.id, page) == kept
    assert await store.remove_unfollowed_tag_from_feed(alice.id, "cats") == 0  # idempotent
    assert await store.home_timeline(bob.id, page) == [
        other.id,
        both.id,
        brought.id,
    ]
