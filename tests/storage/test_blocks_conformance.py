"""Storage port conformance for blocks and mutes between accounts (every backend)."""

from __future__ import annotations

from datetime import timedelta

from chirp.core.models import AccountBlock, AccountMute, Page
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now


def block(who: int, whom: int) -> AccountBlock:
    return AccountBlock(id=ids.next_id(), account_id=who, target_account_id=whom, created_at=now())


def mute(
    who: int, whom: int, *, notifications: bool = True, seconds: int | None = None
) -> AccountMute:
    at = now()
    return AccountMute(
        id=ids.next_id(),
        account_id=who,
        target_account_id=whom,
        notifications=notifications,
        created_at=at,
        expires_at=None if seconds is None else at + timedelta(seconds=seconds),
    )


async def test_blocks_both_ways_and_lists(store: Store) -> None:
    alice, bob, carol = [(await make_account(store)).id for _ in range(3)]
    assert await store.add_block(block(alice, bob))
    assert not await store.add_block(block(alice, bob))  # idempotent
    assert await store.add_block(block(alice, carol))
    seen = await store.get_shunning(alice, [bob, carol], now())
    assert (seen.blocking, seen.blocked_by, seen.muting) == ({bob, carol}, set(), set())
    seen = await store.get_shunning(bob, [alice, carol], now())
    assert (seen.blocking, seen.blocked_by) == (set(), {alice})
    assert seen.hidden() == {alice}
    # Newest first, paged by block id.
    rows = await store.list_blocks(alice, Page(limit=1))
    assert [target for _, target in rows] == [carol]
    older = await store.list_blocks(alice, Page(limit=5, max_id=rows[0][0]))
    assert [target for _, target in older] == [bob]
    assert await store.get_shunners(bob, None, now()) == {alice}
    assert await store.get_shunners(bob, [carol], now()) == set()
    assert await store.get_shunned(alice, now()) == {bob, carol}
    assert await store.get_shunned(bob, now()) == {alice}
    assert await store.remove_block(alice, bob)
    assert not await store.remove_block(alice, bob)
    assert (await store.get_shunning(alice, [bob], now())).blocking == set()
    assert await store.get_shunners(bob, None, now()) == set()


async def test_mutes_update_expire_and_sweep(store: Store) -> None:
    alice, bob, carol = [(await make_account(store)).id for _ in range(3)]
    first = mute(alice, bob, notifications=True)
    assert await store.save_mute(first)
    # Muting again changes the flags of the same mute.
    assert not await store.save_mute(mute(alice, bob, notifications=False, seconds=60))
    [found] = await store.list_mutes(alice, Page(limit=10), now())
    assert (found.id, found.notifications) == (first.id, False)
    assert found.expires_at is not None and found.expires_at > now()
    seen = await store.get_shunning(alice, [bob], now())
    assert (seen.muting, seen.muting_notifications) == ({bob}, set())
    assert await store.get_shunners(bob, [alice, carol], now()) == {alice}
    assert await store.get_shunners(bob, None, now(), notifications_only=True) == set()
    assert await store.get_shunned(alice, now()) == {bob}
    assert await store.get_shunned(bob, now()) == set()  # a mute is one way, unseen
    # Read after its expiry, the mute no longer counts, before any sweep.
    later = now() + timedelta(seconds=61)
    assert (await store.get_shunning(alice, [bob], later)).muting == set()
    assert await store.list_mutes(alice, Page(limit=10), later) == []
    assert await store.get_shunners(bob, None, later) == set()
    assert await store.get_shunned(alice, later) == set()
    assert await store.save_mute(mute(alice, carol, seconds=3600))
    assert await store.purge_expired_mutes(later) == [alice]  # bob's mute, not carol's
    assert [m.target_account_id for m in await store.list_mutes(alice, Page(limit=9), now())] == [
        carol
    ]
    assert await store.remove_mute(alice, carol)
    assert not await store.remove_mute(alice, carol)


async def test_an_expired_mute_is_replaced_by_a_new_one(store: Store) -> None:
    alice, bob = [(await make_account(store)).id for _ in range(2)]
    old = mute(alice, bob, seconds=1)
    old.created_at -= timedelta(seconds=10)
    assert old.expires_at is not None
    old.expires_at -= timedelta(seconds=10)
    assert await store.save_mute(old)
    fresh = mute(alice, bob, notifications=False)
    assert await store.save_mute(fresh)  # the expired one counted as gone
    [found] = await store.list_mutes(alice, Page(limit=10), now())
    assert (found.id, found.expires_at, found.notifications) == (fresh.id, None, False)
    seen = await store.get_shunning(alice, [bob], now())
    assert seen.muting == {bob} and seen.muting_notifications == set()
