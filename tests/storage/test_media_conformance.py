"""Storage port conformance: media attachments, attaching them to tweets, collecting them."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from chirp.core.models import Account, MediaAttachment, Page, Status, StatusEdit
from chirp.core.ports.media import MediaNotAttachable
from chirp.core.ports.timelines import AccountFilter
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, now


async def make_media(
    store: Store, owner: Account, *, state: str = "ready", age: timedelta = timedelta(0)
) -> MediaAttachment:
    at = now() - age
    media = MediaAttachment(
        id=ids.next_id(),
        account_id=owner.id,
        type="image",
        state=state,
        created_at=at,
        updated_at=at,
        content_type="image/jpeg",
        file_key=f"media/{ids.next_id()}/original.jpg",
        preview_key="media/x/small.jpg",
        meta={"original": {"width": 4, "height": 3}},
        blurhash="LEHV6nWB2yk8pyo0adR*.7kCMdnj",
        description="a cat",
        focus=(0.25, -0.5),
    )
    await store.create_media(media)
    return media


async def tweet(
    store: Store, author: Account, media: list[MediaAttachment], text: str = "look"
) -> Status:
    status = Status(
        id=ids.next_id(),
        account_id=author.id,
        visibility="public",
        created_at=now(),
        text=text,
        content=f"<p>{text}</p>",
        media_ids=tuple(m.id for m in media),
        tags=("cats",) if "#cats" in text else (),
    )
    status = replace(status, conversation_id=status.id)
    return await store.create_status(status, event=event("status.created", status_id=status.id))


async def test_media_round_trip_batch_and_update(store: Store) -> None:
    alice = await make_account(store)
    media = await make_media(store, alice, state="processing")
    assert await store.get_media(media.id) == media
    other = await make_media(store, alice)
    found = await store.get_media_batch([media.id, other.id, ids.next_id()])
    assert set(found) == {media.id, other.id}
    assert await store.get_media_batch([]) == {}
    media.state, media.description, media.focus = "ready", "a dog", (0.0, 1.0)
    media.meta = {"original": {"width": 8, "height": 6}, "small": {"width": 4, "height": 3}}
    media.updated_at = now()
    assert await store.update_media(media)
    assert await store.get_media(media.id) == media
    assert await store.get_media(ids.next_id()) is None


async def test_attaching_to_a_tweet_keeps_the_order(store: Store) -> None:
    alice = await make_account(store)
    first, second = await make_media(store, alice), await make_media(store, alice)
    status = await tweet(store, alice, [second, first])
    loaded = await store.get_status(status.id)
    assert loaded is not None and loaded.media_ids == (second.id, first.id)
    attached = await store.get_media_batch(loaded.media_ids)
    assert {m.status_id for m in attached.values()} == {status.id}


@pytest.mark.parametrize("problem", ["someone_elses", "processing", "already_attached"])
async def test_only_own_ready_free_media_attach_and_nothing_is_half_written(
    store: Store, problem: str
) -> None:
    alice, bob = await make_account(store), await make_account(store)
    good = await make_media(store, alice)
    if problem == "someone_elses":
        bad = await make_media(store, bob)
    elif problem == "processing":
        bad = await make_media(store, alice, state="processing")
    else:
        bad = await make_media(store, alice)
        await tweet(store, alice, [bad])
    before = (await store.get_account(alice.id)).statuses_count  # type: ignore[union-attr]
    with pytest.raises(MediaNotAttachable):
        await tweet(store, alice, [good, bad])
    assert (await store.get_media(good.id)).status_id is None  # type: ignore[union-attr]
    assert (await store.get_account(alice.id)).statuses_count == before  # type: ignore[union-attr]


async def test_editing_swaps_attachments_and_deleting_detaches_them(store: Store) -> None:
    alice = await make_account(store)
    a, b, c = [await make_media(store, alice) for _ in range(3)]
    status = await tweet(store, alice, [a, b])
    status = replace(status, media_ids=(b.id, c.id), edited_at=now())
    edit = StatusEdit(
        ids.next_id(), status.id, alice.id, status.text, status.content, "", False, now()
    )
    updated = await store.update_status(status, history=[edit], event=event("status.updated"))
    assert updated is not None and updated.media_ids == (b.id, c.id)
    rows = await store.get_media_batch([a.id, b.id, c.id])
    assert (rows[a.id].status_id, rows[b.id].status_id, rows[c.id].status_id) == (
        None,
        status.id,
        status.id,
    )
    await store.delete_status(status.id, event=lambda _: event("status.deleted"))
    rows = await store.get_media_batch([a.id, b.id, c.id])
    assert all(m.status_id is None for m in rows.values())  # kept for delete-and-redraft


async def test_collecting_claims_old_unattached_media_once(store: Store) -> None:
    alice = await make_account(store)
    old = await make_media(store, alice, age=timedelta(days=2))
    old_failed = await make_media(store, alice, state="failed", age=timedelta(days=3))
    fresh = await make_media(store, alice)
    attached = await make_media(store, alice, age=timedelta(days=2))
    await tweet(store, alice, [attached])
    cutoff = now() - timedelta(days=1)
    claimed = await store.claim_unattached_media(before=cutoff, now=now(), limit=10)
    assert {m.id for m in claimed} == {old.id, old_failed.id}
    assert all(m.state == "deleting" for m in claimed)
    assert await store.claim_unattached_media(before=cutoff, now=now(), limit=10) == []
    # A row being collected can no longer be attached or updated.
    with pytest.raises(MediaNotAttachable):
        await tweet(store, alice, [old])
    old.description = "resurrected?"
    assert not await store.update_media(old)
    assert await store.delete_media([old.id, old_failed.id]) == 2
    assert await store.get_media(old.id) is None
    assert (await store.get_media(fresh.id)) is not None
    # A claim left behind by a collector that died is taken again once it is old.
    assert {
        m.id
        for m in await store.claim_unattached_media(
            before=now() + timedelta(seconds=1), now=now(), limit=10
        )
    } == {fresh.id}


async def test_only_media_filters(store: Store) -> None:
    alice = await make_account(store)
    plain = await tweet(store, alice, [], text="no pictures #cats")
    with_media = await tweet(store, alice, [await make_media(store, alice)], text="picture #cats")
    page = Page(limit=20)
    assert await store.account_timeline(alice.id, page, AccountFilter(only_media=True)) == [
        with_media.id
    ]
    assert await store.account_timeline(alice.id, page, AccountFilter()) == [
        with_media.id,
        plain.id,
    ]
    assert await store.public_timeline(page, only_media=True) == [with_media.id]
    assert await store.tag_timeline(["cats"], page, only_media=True) == [with_media.id]
    assert await store.tag_timeline(["cats"], page) == [with_media.id, plain.id]
