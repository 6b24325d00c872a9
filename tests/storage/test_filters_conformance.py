"""Storage port conformance: content filters (saved whole, guarded by their version) and
link preview cards."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from chirp.core.models import Filter, FilterKeyword, FilterStatus, PreviewCard
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now, post


def _filter(account_id: int, **fields: object) -> Filter:
    values: dict[str, object] = {
        "id": ids.next_id(),
        "account_id": account_id,
        "title": "spoilers",
        "context": ("home", "public"),
        "action": "warn",
        "keywords": (FilterKeyword(ids.next_id(), "finale", True),),
    }
    values.update(fields)
    return Filter(**values)  # type: ignore[arg-type]


async def test_filters_are_stored_whole_per_account(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    tweet = await post(store, bob, "the finale!")
    first = _filter(
        alice.id,
        expires_at=now().replace(microsecond=0) + timedelta(hours=1),
        statuses=(FilterStatus(ids.next_id(), tweet.id),),
    )
    second = _filter(alice.id, title="other", action="hide", keywords=())
    await store.create_filter(first)
    await store.create_filter(second)
    await store.create_filter(_filter(bob.id))
    assert await store.get_filters(alice.id) == [first, second]
    assert [f.account_id for f in await store.get_filters(bob.id)] == [bob.id]
    assert await store.get_filters(12345) == []


async def test_a_save_replaces_the_filter_and_bumps_its_version(store: Store) -> None:
    alice = await make_account(store)
    created = _filter(alice.id)
    await store.create_filter(created)
    kept = created.keywords[0]
    added = FilterKeyword(ids.next_id(), "Spoiler", False)
    changed = replace(
        created, title="new", context=("thread",), action="blur", keywords=(kept, added)
    )
    assert await store.save_filter(changed)
    assert await store.get_filters(alice.id) == [replace(changed, version=1)]
    # A save from the older version lost the race: refused, nothing written.
    assert not await store.save_filter(replace(created, title="stale"))
    assert (await store.get_filters(alice.id))[0].title == "new"
    # Another account cannot save it.
    assert not await store.save_filter(replace(changed, version=1, account_id=alice.id + 1))


async def test_a_filter_is_removed_by_its_owner_only(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    created = _filter(alice.id)
    await store.create_filter(created)
    assert not await store.remove_filter(bob.id, created.id)
    assert await store.remove_filter(alice.id, created.id)
    assert not await store.remove_filter(alice.id, created.id)
    assert await store.get_filters(alice.id) == []


async def test_cards_are_kept_per_link_and_replaced(store: Store) -> None:
    card = PreviewCard(
        link_key="https://example.com/a",
        url="https://example.com/a",
        title="A page",
        description="about",
        image_url="http://blobs/x.jpg",
        image_key="cards/x.jpg",
        published_at=now().replace(microsecond=0),
        fetched_at=now().replace(microsecond=0),
    )
    assert await store.save_card(card) is None
    assert await store.get_cards(["https://example.com/a", "https://nope/"]) == {
        card.link_key: card
    }
    newer = replace(card, title="B", failed=True)
    assert await store.save_card(newer) == card
    assert await store.get_cards([card.link_key]) == {card.link_key: newer}
    assert await store.get_cards([]) == {}


async def test_link_uses_list_public_tweets_with_links(store: Store) -> None:
    alice = await make_account(store)
    first = await post(store, alice, "see https://example.com/a and http://Example.org/b")
    await post(store, alice, "no link")
    hidden = await post(store, alice, "https://example.com/private", visibility="private")
    uses = await store.link_uses(0, 100)
    assert sorted(uses) == sorted(
        [
            ("https://example.com/a", first.id, alice.id),
            ("http://example.org/b", first.id, alice.id),
        ]
    )
    assert hidden.id not in {u[1] for u in uses}
    assert await store.link_uses(first.id, 100) == []


async def test_every_filter_write_raises_the_accounts_filters_version(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    assert await store.filters_version(alice.id) == 0
    created = _filter(alice.id)
    await store.create_filter(created)
    after_create = await store.filters_version(alice.id)
    assert after_create > 0
    assert await store.save_filter(replace(created, title="new"))
    after_save = await store.filters_version(alice.id)
    assert after_save > after_create
    assert not await store.save_filter(replace(created, title="stale"))  # refused: unchanged
    assert not await store.remove_filter(bob.id, created.id)
    assert await store.filters_version(alice.id) == after_save
    assert await store.remove_filter(alice.id, created.id)
    assert await store.filters_version(alice.id) > after_save
    assert await store.filters_version(bob.id) == 0
