"""Storage port conformance: lists (members only while followed, timelines written by the
fan-out, trimmed, cleaned after deletes and unfollows) and direct conversations (one row per
participant, keyed by thread and participants, last status and unread kept)."""

from __future__ import annotations

from chirp.core.models import Account, Page, UserList
from chirp.core.ports.timelines import FanOut
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now, post


def _list(owner_id: int, **fields: object) -> UserList:
    values: dict[str, object] = {"id": ids.next_id(), "account_id": owner_id, "title": "Friends"}
    values.update(fields)
    return UserList(**values)  # type: ignore[arg-type]


async def test_lists_and_members(store: Store) -> None:
    alice, bob, carol, dave = [await make_account(store) for _ in range(4)]
    first = _list(alice.id)
    second = _list(alice.id, title="Work", replies_policy="none", exclusive=True)
    for made in (first, second):
        await store.create_list(made)
    assert await store.get_list(first.id) == first
    assert await store.get_list(12345) is None
    assert await store.get_lists(alice.id) == [first, second]
    assert await store.get_lists(bob.id) == []
    renamed = UserList(first.id, alice.id, "Close", "followed", True)
    assert await store.update_list(renamed)
    assert await store.get_list(first.id) == renamed
    assert not await store.update_list(_list(alice.id))
    await follow(store, alice, bob)
    await follow(store, alice, carol)
    # Only the owner and accounts it follows; a member already in stays as it was.
    added = await store.add_list_members(
        first.id, [(ids.next_id(), bob.id), (ids.next_id(), dave.id)], now()
    )
    assert added == 1
    assert await store.add_list_members(first.id, [(ids.next_id(), bob.id)], now()) == 0
    assert await store.add_list_members(first.id, [(ids.next_id(), carol.id)], now()) == 1
    assert await store.add_list_members(second.id, [(ids.next_id(), carol.id)], now()) == 1
    assert await store.add_list_members(second.id, [(ids.next_id(), alice.id)], now()) == 1
    assert await store.add_list_members(12345, [(ids.next_id(), carol.id)], now()) == 0
    # Paged by account id, newest first (as Mastodon), the cursor being the account id.
    members = await store.list_members(first.id, Page(limit=10))
    assert members == [(carol.id, carol.id), (bob.id, bob.id)]
    assert await store.list_members(first.id, Page(limit=1)) == [(carol.id, carol.id)]
    older = await store.list_members(first.id, Page(limit=10, max_id=carol.id))
    assert [a for _, a in older] == [bob.id]
    newer = await store.list_members(first.id, Page(limit=10, since_id=bob.id))
    assert [a for _, a in newer] == [carol.id]
    assert len(await store.list_members(first.id, Page(limit=0))) == 2
    found = await store.member_lists([bob.id, carol.id, dave.id, alice.id])
    assert found == {bob.id: [renamed], carol.id: [renamed, second], alice.id: [second]}
    assert (await store.lists_with_members(alice.id, [carol.id])).get(carol.id, []) == [
        renamed,
        second,
    ]
    assert (await store.lists_with_members(bob.id, [carol.id])).get(carol.id, []) == []
    several = await store.lists_with_members(alice.id, [carol.id, bob.id, dave.id, carol.id])
    assert several[carol.id] == [renamed, second] and dave.id not in several
    assert several[bob.id] == [renamed]
    assert await store.lists_with_members(alice.id, []) == {}
    assert await exclusive_members(store, alice.id, [alice, bob, carol, dave]) == {
        alice.id,
        bob.id,
        carol.id,
    }
    assert await store.remove_list_members(second.id, [alice.id]) == 1
    assert await exclusive_members(store, alice.id, [alice, bob, carol, dave]) == {bob.id, carol.id}
    assert await store.remove_list_members(first.id, [carol.id, dave.id]) == 1
    assert await exclusive_members(store, alice.id, [alice, bob, carol, dave]) == {
        bob.id,
        carol.id,
    }  # second's
    assert await store.delete_list(second.id)
    assert not await store.delete_list(second.id)
    assert await exclusive_members(store, alice.id, [alice, bob, carol, dave]) == {bob.id}
    assert await store.member_lists([carol.id]) == {}


async def exclusive_members(store: Store, owner_id: int, accounts: list[Account]) -> set[int]:
    """Those of `accounts` in one of the owner's exclusive lists."""
    return {
        a.id
        for a in accounts
        if any(
            lst.exclusive
            for lst in (await store.lists_with_members(owner_id, [a.id])).get(a.id, [])
        )
    }


async def test_list_timelines(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    await follow(store, alice, bob)
    await follow(store, alice, carol)
    friends, other = _list(alice.id), _list(alice.id)
    for made in (friends, other):
        await store.create_list(made)
        await store.add_list_members(
            made.id, [(ids.next_id(), bob.id), (ids.next_id(), carol.id)], now()
        )
    tweets = [await post(store, bob, f"t{i}") for i in range(4)]
    by_carol = await post(store, carol, "c")
    gone = await post(store, bob, "gone")
    await store.delete_status(gone.id, event=lambda _: event("status.deleted"))
    plans = [FanOut(t, list_ids=(friends.id,)) for t in [*tweets, by_carol, gone]]
    plans.append(FanOut(tweets[0], list_ids=(other.id, 12345)))  # an unknown list: nothing
    await store.fan_out_many(plans)
    await store.fan_out_many(plans)  # a retried batch adds nothing
    expected = [by_carol.id, *(t.id for t in reversed(tweets))]
    assert await store.list_timeline(friends.id, Page(limit=10)) == expected
    assert await store.list_timeline(other.id, Page(limit=10)) == [tweets[0].id]
    assert await store.list_timeline(friends.id, Page(limit=2, max_id=tweets[3].id)) == [
        tweets[2].id,
        tweets[1].id,
    ]
    assert await store.list_timeline(friends.id, Page(limit=2, min_id=tweets[0].id)) == [
        tweets[2].id,
        tweets[1].id,
    ]
    # Deleted tweets leave every list.
    assert await store.remove_from_list_feeds([tweets[0].id]) == 2
    assert await store.list_timeline(other.id, Page(limit=10)) == []
    # Trimmed to the newest `cap`.
    assert await store.trim_list_feeds([friends.id], 2) == 2
    assert await store.list_timeline(friends.id, Page(limit=10)) == [by_carol.id, tweets[3].id]
    # An unfollow takes the account out of the follower's lists, with its entries.
    assert await store.remove_follow(alice.id, carol.id, event=event("follow.removed"))
    assert await store.list_timeline(friends.id, Page(limit=10)) == [tweets[3].id]
    assert [a for _, a in await store.list_members(friends.id, Page(limit=10))] == [bob.id]
    # A removed member's entries go with it.
    assert await store.remove_list_members(friends.id, [bob.id]) == 1
    assert await store.list_timeline(friends.id, Page(limit=10)) == []


async def test_conversations(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    first = await post(store, alice, "psst", visibility="direct", mentions=(bob.id,))
    thread = first.id
    made = await store.add_conversation_status(
        alice.id, thread, [bob.id], first.id, unread=False, new_id=ids.next_id()
    )
    theirs = await store.add_conversation_status(
        bob.id, thread, [alice.id], first.id, unread=True, new_id=ids.next_id()
    )
    assert (made.participant_ids, made.status_ids, made.last_status_id, made.unread) == (
        (bob.id,),
        (first.id,),
        first.id,
        False,
    )
    assert theirs.unread
    # Idempotent; the same (thread, participants) is the same conversation.
    again = await store.add_conversation_status(
        alice.id, thread, [bob.id], first.id, unread=False, new_id=ids.next_id()
    )
    assert again == made
    reply = await post(store, bob, "yes", visibility="direct", mentions=(alice.id,), reply_to=first)
    updated = await store.add_conversation_status(
        alice.id, thread, [bob.id], reply.id, unread=True, new_id=ids.next_id()
    )
    assert (updated.id, updated.status_ids, updated.last_status_id, updated.unread) == (
        made.id,
        (first.id, reply.id),
        reply.id,
        True,
    )
    # Other participants: another conversation.
    group = await store.add_conversation_status(
        alice.id, thread, [carol.id, bob.id], reply.id, unread=True, new_id=ids.next_id()
    )
    assert group.id != made.id
    assert group.participant_ids == tuple(sorted((bob.id, carol.id)))
    listed = await store.list_conversations(alice.id, Page(limit=10))
    assert [c.id for c in listed] == [group.id, made.id] or [c.id for c in listed] == [
        made.id,
        group.id,
    ]  # both end at the reply
    assert await store.get_conversation(alice.id, made.id) == updated
    assert await store.get_conversation(bob.id, made.id) is None
    assert await store.conversations_with_status(first.id) == sorted(
        [updated, theirs], key=lambda c: c.id
    )
    # Read: the reader's own only.
    assert await store.mark_conversation_read(bob.id, made.id) is None
    read = await store.mark_conversation_read(alice.id, made.id)
    assert read is not None and not read.unread
    # A tweet already in it changes nothing: a retried event leaves it read.
    retried = await store.add_conversation_status(
        alice.id, thread, [bob.id], reply.id, unread=True, new_id=ids.next_id()
    )
    assert retried == read
    # A deleted tweet leaves; a conversation left empty goes.
    standing = await store.remove_conversation_status(reply.id)
    assert [(c.id, c.last_status_id) for c in standing] == [(made.id, first.id)]
    assert await store.get_conversation(alice.id, group.id) is None
    assert await store.remove_conversation(alice.id, made.id)
    assert not await store.remove_conversation(alice.id, made.id)
    assert [c.id for c in await store.list_conversations(bob.id, Page(limit=10))] == [theirs.id]
    assert await store.remove_conversation_status(first.id) == []
    assert await store.list_conversations(bob.id, Page(limit=10)) == []


async def test_conversations_page_by_last_status(store: Store) -> None:
    alice, bob = [await make_account(store) for _ in range(2)]
    made = []
    for _ in range(3):
        tweet = await post(store, alice, "hi", visibility="direct", mentions=(bob.id,))
        made.append(
            await store.add_conversation_status(
                bob.id, tweet.id, [alice.id], tweet.id, unread=True, new_id=ids.next_id()
            )
        )
    newest_first = [c.id for c in reversed(made)]
    assert [c.id for c in await store.list_conversations(bob.id, Page(limit=10))] == newest_first
    page = await store.list_conversations(bob.id, Page(limit=1, max_id=made[2].last_status_id))
    assert [c.id for c in page] == [made[1].id]
    page = await store.list_conversations(bob.id, Page(limit=1, min_id=made[0].last_status_id))
    assert [c.id for c in page] == [made[1].id]
    page = await store.list_conversations(bob.id, Page(limit=5, since_id=made[0].last_status_id))
    assert [c.id for c in page] == [made[2].id, made[1].id]


async def test_the_direct_timeline(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    to_bob = await post(store, alice, "one", visibility="direct", mentions=(bob.id,))
    await post(store, alice, "public", mentions=(bob.id,))
    to_carol = await post(store, alice, "two", visibility="direct", mentions=(carol.id,))
    from_bob = await post(store, bob, "three", visibility="direct", mentions=(alice.id,))
    assert await store.direct_timeline(alice.id, Page(limit=10)) == [
        from_bob.id,
        to_carol.id,
        to_bob.id,
    ]
    assert await store.direct_timeline(bob.id, Page(limit=10)) == [from_bob.id, to_bob.id]
    assert await store.direct_timeline(alice.id, Page(limit=2)) == [from_bob.id, to_carol.id]
    older = await store.direct_timeline(alice.id, Page(limit=10, max_id=to_carol.id))
    assert older == [to_bob.id]
    newer = await store.direct_timeline(alice.id, Page(limit=1, min_id=to_bob.id))
    assert newer == [to_carol.id]
    assert await store.direct_timeline(carol.id, Page(limit=10, since_id=to_carol.id)) == []
