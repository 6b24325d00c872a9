"""Storage port conformance: scheduled tweets, the media they hold and their due events."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chirp.core.models import MediaAttachment, Page, ScheduledStatus
from chirp.core.ports.media import MediaNotAttachable
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, now
from tests.storage.test_media_conformance import tweet


async def _media(store: Store, account_id: int) -> MediaAttachment:
    media = MediaAttachment(
        id=ids.next_id(),
        account_id=account_id,
        type="image",
        state="ready",
        created_at=now(),
        updated_at=now(),
        content_type="image/png",
        file_key=f"media/{ids.next_id()}/original.png",
    )
    await store.create_media(media)
    return media


def _scheduled(account_id: int, *media: int, minutes: int = 10) -> ScheduledStatus:
    return ScheduledStatus(
        id=ids.next_id(),
        account_id=account_id,
        scheduled_at=now() + timedelta(minutes=minutes),
        params={"text": "later", "media_ids": [str(m) for m in media] or None},
        media_ids=media,
    )


async def test_scheduled_statuses_hold_media_until_released(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    photo = await _media(store, alice.id)
    due = event("scheduled_status.due")
    scheduled = _scheduled(alice.id, photo.id)
    await store.create_scheduled_status(scheduled, event=due)
    assert await store.get_scheduled_status(scheduled.id) == scheduled
    assert await store.get_scheduled_status(12345) is None
    # Held: not attachable to a tweet, not claimable by its owner, not collected.
    with pytest.raises(MediaNotAttachable):
        await tweet(store, alice, [photo], "now")
    assert await store.claim_own_media(alice.id, photo.id, now()) is None
    later = now() + timedelta(days=30)
    collected = await store.claim_unattached_media(before=later, now=now(), limit=10)
    assert photo.id not in [m.id for m in collected]
    # Another's media, or media held already, cannot be held.
    with pytest.raises(MediaNotAttachable):
        await store.create_scheduled_status(_scheduled(bob.id, photo.id), event=event())
    with pytest.raises(MediaNotAttachable):
        await store.create_scheduled_status(_scheduled(alice.id, photo.id), event=event())
    assert [s.id for s in await store.list_scheduled_statuses(alice.id, Page())] == [scheduled.id]
    # Due at its time, not before.
    own = await store.claim_events(limit=100, now=now(), lease_seconds=60)
    assert due.id not in {e.id for e in own}
    await store.complete_events([e.id for e in own])
    claimed = await store.claim_events(
        limit=100, now=scheduled.scheduled_at + timedelta(seconds=1), lease_seconds=60
    )
    assert due.id in {e.id for e in claimed}
    await store.release_scheduled_media(scheduled.id, now())
    await store.release_scheduled_media(scheduled.id, now())  # idempotent
    published = await tweet(store, alice, [photo], "published")
    assert published.media_ids == (photo.id,)
    assert await store.remove_scheduled_status(scheduled.id, now())
    assert not await store.remove_scheduled_status(scheduled.id, now())


async def test_list_reschedule_and_remove(store: Store) -> None:
    alice = await make_account(store)
    made = [_scheduled(alice.id, minutes=10 + n) for n in range(3)]
    for scheduled in made:
        await store.create_scheduled_status(scheduled, event=event())
    newest = [s.id for s in reversed(made)]
    assert [s.id for s in await store.list_scheduled_statuses(alice.id, Page())] == newest
    older = await store.list_scheduled_statuses(alice.id, Page(limit=1, max_id=newest[0]))
    assert [s.id for s in older] == [newest[1]]
    newer = await store.list_scheduled_statuses(alice.id, Page(limit=1, min_id=newest[2]))
    assert [s.id for s in newer] == [newest[1]]
    moved_to = made[0].scheduled_at + timedelta(hours=2)
    moved = await store.reschedule_status(made[0].id, moved_to, event=event())
    assert moved == replace(made[0], scheduled_at=moved_to)
    assert await store.reschedule_status(999, moved_to, event=event()) is None
    photo = await _media(store, alice.id)
    holding = _scheduled(alice.id, photo.id)
    await store.create_scheduled_status(holding, event=event())
    assert await store.remove_scheduled_status(holding.id, now())
    assert await store.get_scheduled_status(holding.id) is None
    # Removing lets go of the media: attachable again.
    assert (await tweet(store, alice, [photo], "x")).media_ids == (photo.id,)


async def test_count_scheduled_statuses_by_day(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    made = [_scheduled(alice.id, minutes=60 * 24 * n) for n in (1, 1, 2)]
    for scheduled in [*made, _scheduled(bob.id)]:
        await store.create_scheduled_status(scheduled, event=event())
    first = made[0].scheduled_at
    counted = await store.count_scheduled_statuses(
        alice.id, since=first - timedelta(seconds=1), until=first + timedelta(hours=1)
    )
    assert counted == (3, 2)
    none = await store.count_scheduled_statuses(
        alice.id, since=first + timedelta(hours=2), until=first + timedelta(hours=3)
    )
    assert none == (3, 0)
    assert await store.count_scheduled_statuses(
        12345, since=first, until=first + timedelta(days=9)
    ) == (0, 0)
