"""Storage port conformance for a page's viewer relations read at once (every backend): the
same answers as the per-relation reads."""

from __future__ import annotations

from datetime import timedelta

from chirp.core.models import AccountBlock, AccountModeration, AccountMute
from chirp.core.ports.relations import PageRelations, RelationsWanted
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now, post


async def test_page_relations_match_the_reads_one_by_one(store: Store) -> None:
    viewer, friend, blocker, muted, gone, stranger = [await make_account(store) for _ in range(6)]
    await follow(store, viewer, friend)
    await store.add_block(
        AccountBlock(ids.next_id(), blocker.id, viewer.id, created_at=now())  # blocks the viewer
    )
    await store.add_block(AccountBlock(ids.next_id(), viewer.id, stranger.id, created_at=now()))
    await store.save_mute(
        AccountMute(ids.next_id(), viewer.id, muted.id, notifications=True, created_at=now())
    )
    await store.save_mute(  # over: no longer counts
        AccountMute(
            ids.next_id(),
            viewer.id,
            friend.id,
            notifications=False,
            created_at=now() - timedelta(days=1),
            expires_at=now() - timedelta(seconds=1),
        )
    )
    await store.save_moderation(AccountModeration(gone.id, suspended_at=now(), updated_at=now()))
    public = await post(store, friend, "public")
    private = await post(store, friend, "followers only", visibility="private")
    mentioning = await post(store, stranger, "hi", visibility="direct", mentions=(viewer.id,))
    unseen = await post(store, muted, "not for you", visibility="private")
    reply = await post(store, gone, "a reply", reply_to=public)
    statuses = [public, private, mentioning, unseen, reply]
    await store.add_favourite(ids.next_id(), viewer.id, public.id, event=event("favourite"))
    await store.add_bookmark(ids.next_id(), viewer.id, private.id)
    await store.mute_conversation(viewer.id, public.conversation_id or public.id, now())
    everyone = {friend.id, blocker.id, muted.id, gone.id, stranger.id}
    restricted = [private, mentioning, unseen]
    wanted = RelationsWanted(
        others=everyone,
        authors=everyone,
        restricted_authors={s.account_id for s in restricted},
        restricted_ids=[s.id for s in restricted],
        status_ids=[s.id for s in statuses],
        conversation_ids={s.conversation_id for s in statuses if s.conversation_id},
    )
    found = await store.get_page_relations(viewer.id, wanted, now())

    assert found.shunning == await store.get_shunning(viewer.id, everyone, now())
    assert found.shunning.blocking == {stranger.id}
    assert found.shunning.blocked_by == {blocker.id}
    assert found.shunning.muting == found.shunning.muting_notifications == {muted.id}
    assert found.suspended == {gone.id}
    assert found.following == {friend.id}
    assert found.mentioned == {mentioning.id}
    assert found.viewer == await store.get_viewer_state(viewer.id, wanted.status_ids)
    assert (found.viewer.favourited, found.viewer.bookmarked) == ({public.id}, {private.id})
    assert found.muted_conversations == {public.conversation_id}
    assert found.filters_version is None  # not asked
    asked = await store.get_page_relations(viewer.id, RelationsWanted(filters_version=True), now())
    assert asked.filters_version == await store.filters_version(viewer.id) == 0


async def test_page_relations_of_nothing(store: Store) -> None:
    viewer = await make_account(store)
    assert await store.get_page_relations(viewer.id, RelationsWanted(), now()) == PageRelations()
