"""Storage port conformance for follow requests, account notes, familiar followers, profile
pictures, fields and posting defaults. Only port methods and domain models are used."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.models import Account, Follow, FollowRequest, Page, ProfileField
from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store
from tests.storage.factories import event, follow, ids, make_account, now


def request(who: Account, whom: Account) -> FollowRequest:
    return FollowRequest(
        id=ids.next_id(), account_id=who.id, target_account_id=whom.id, created_at=now()
    )


def edge(who: Account, whom: Account) -> Follow:
    return Follow(id=ids.next_id(), account_id=who.id, target_account_id=whom.id, created_at=now())


async def kinds(store: Store) -> list[str]:
    claimed = await store.claim_events(limit=100, now=now() + timedelta(hours=1), lease_seconds=60)
    await store.complete_events([e.id for e in claimed])
    return [e.kind for e in claimed]


async def test_request_is_pending_until_authorized(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await kinds(store)
    assert await store.add_follow_request(request(alice, bob), event=event("fr.created"))
    assert not await store.add_follow_request(request(alice, bob), event=event("fr.created"))
    assert await kinds(store) == ["fr.created"]  # the repeat recorded nothing
    mine, theirs = await store.get_follow_request_state(alice.id, [bob.id])
    assert (set(mine), theirs) == ({bob.id}, set()) and mine[bob.id].account_id == alice.id
    assert await store.get_follow_request_state(bob.id, [alice.id]) == ({}, {alice.id})
    # A request is not a follow.
    assert (await store.get_relationships(alice.id, [bob.id]))[bob.id].following is None
    assert await store.follower_ids(bob.id) == []
    assert await store.count_follow_requests(bob.id) == 1

    assert await store.authorize_follow_request(
        alice.id, bob.id, edge(alice, bob), event=event("fr.authorized")
    )
    assert await kinds(store) == ["fr.authorized"]
    assert (await store.get_relationships(alice.id, [bob.id]))[bob.id].following is not None
    assert await store.get_follow_request_state(alice.id, [bob.id]) == ({}, set())
    assert await store.count_follow_requests(bob.id) == 0
    loaded = await store.get_accounts([alice.id, bob.id])
    assert (loaded[alice.id].following_count, loaded[bob.id].followers_count) == (1, 1)
    # Nothing pending any more: a second authorization writes nothing.
    assert not await store.authorize_follow_request(
        alice.id, bob.id, edge(alice, bob), event=event("fr.authorized")
    )
    assert await kinds(store) == []


async def test_no_request_while_following_and_authorize_keeps_counts(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await follow(store, alice, bob)
    assert not await store.add_follow_request(request(alice, bob), event=event())
    assert await store.count_follow_requests(bob.id) == 0


async def test_request_to_missing_account(store: Store) -> None:
    alice = await make_account(store)
    ghost = Account(id=ids.next_id(), username="ghost", display_name="", note="", created_at=now())
    with pytest.raises(MissingRecord):
        await store.add_follow_request(request(alice, ghost), event=event())


async def test_remove_request(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    await store.add_follow_request(request(alice, bob), event=event())
    await kinds(store)
    assert await store.remove_follow_request(alice.id, bob.id, event=event("fr.removed"))
    assert not await store.remove_follow_request(alice.id, bob.id, event=event("fr.removed"))
    assert await kinds(store) == ["fr.removed"]
    assert await store.list_follow_requests(bob.id, Page()) == []
    assert not await store.authorize_follow_request(
        alice.id, bob.id, edge(alice, bob), event=event()
    )
    assert (await store.get_relationships(alice.id, [bob.id]))[bob.id].following is None


async def test_list_requests_newest_first_and_paged(store: Store) -> None:
    owner = await make_account(store)
    askers = [await make_account(store) for _ in range(3)]
    made = []
    for asker in askers:
        made.append(request(asker, owner))
        await store.add_follow_request(made[-1], event=event())
    rows = await store.list_follow_requests(owner.id, Page(limit=10))
    assert rows == [(r.id, r.account_id) for r in reversed(made)]
    first = await store.list_follow_requests(owner.id, Page(limit=2))
    assert [a for _, a in first] == [askers[2].id, askers[1].id]
    rest = await store.list_follow_requests(owner.id, Page(limit=2, max_id=first[-1][0]))
    assert [a for _, a in rest] == [askers[0].id]
    newer = await store.list_follow_requests(owner.id, Page(limit=1, min_id=made[0].id))
    assert [a for _, a in newer] == [askers[1].id]
    assert await store.list_follow_requests(askers[0].id, Page()) == []


async def test_familiar_followers(store: Store) -> None:
    me, friend, other, target, lonely = [await make_account(store) for _ in range(5)]
    await follow(store, me, friend)
    await follow(store, friend, target)
    await follow(store, other, target)
    await follow(store, me, other)
    found = await store.familiar_followers(me.id, [target.id, lonely.id])
    assert sorted(found.get(target.id, [])) == sorted([friend.id, other.id])
    assert found.get(lonely.id, []) == []
    assert await store.familiar_followers(me.id, []) == {}
    assert await store.familiar_followers(lonely.id, [target.id]) in ({}, {target.id: []})


async def test_account_notes(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    await store.set_account_note(alice.id, bob.id, "met at the meetup", now())
    await store.set_account_note(alice.id, bob.id, "met at the meetup, 2026", now())
    assert await store.get_account_notes(alice.id, [bob.id, carol.id]) == {
        bob.id: "met at the meetup, 2026"
    }
    assert await store.get_account_notes(bob.id, [alice.id]) == {}  # notes are one-way
    await store.set_account_note(alice.id, bob.id, "", now())
    assert await store.get_account_notes(alice.id, [bob.id]) == {}


async def test_profile_fields_and_posting_defaults(store: Store) -> None:
    alice = await make_account(store)
    fields = (ProfileField("Site", "https://a.example", '<a href="https://a.example">a</a>'),)
    updated = await store.update_account_profile(
        alice.id,
        updated_at=now(),
        fields=fields,
        default_privacy="unlisted",
        default_sensitive=True,
        default_language="fr",
    )
    assert updated is not None
    assert updated.fields == fields
    assert (updated.default_privacy, updated.default_sensitive, updated.default_language) == (
        "unlisted",
        True,
        "fr",
    )
    loaded = (await store.get_accounts([alice.id]))[alice.id]
    assert loaded.fields == fields and loaded.default_language == "fr"
    cleared = await store.update_account_profile(
        alice.id, updated_at=now(), fields=(), default_language=""
    )
    assert cleared is not None and cleared.fields == () and cleared.default_language is None
    assert cleared.default_privacy == "unlisted"  # left alone


async def test_profile_update_records_its_event(store: Store) -> None:
    alice = await make_account(store)
    await kinds(store)
    await store.update_account_profile(alice.id, updated_at=now(), locked=True)
    assert await kinds(store) == []
    updated = await store.update_account_profile(
        alice.id, updated_at=now(), locked=False, event=event("account.unlocked")
    )
    assert updated is not None and not updated.locked
    assert await kinds(store) == ["account.unlocked"]


async def test_profile_images(store: Store) -> None:
    alice = await make_account(store)
    changed = await store.set_profile_image(
        alice.id, "avatar", "accounts/1/avatar-a.jpg", "https://cdn/a.jpg", now()
    )
    assert changed is not None
    account, replaced = changed
    assert (account.avatar_key, account.avatar_url, replaced) == (
        "accounts/1/avatar-a.jpg",
        "https://cdn/a.jpg",
        None,
    )
    changed = await store.set_profile_image(
        alice.id, "avatar", "accounts/1/avatar-b.jpg", "https://cdn/b.jpg", now()
    )
    assert changed is not None and changed[1] == "accounts/1/avatar-a.jpg"
    assert (await store.get_accounts([alice.id]))[alice.id].avatar_url == "https://cdn/b.jpg"
    header = await store.set_profile_image(alice.id, "header", "h", "https://cdn/h.jpg", now())
    assert header is not None and header[0].avatar_key == "accounts/1/avatar-b.jpg"
    removed = await store.set_profile_image(alice.id, "avatar", None, None, now())
    assert removed is not None and removed[0].avatar_url is None
    assert removed[1] == "accounts/1/avatar-b.jpg"
    assert await store.set_profile_image(ids.next_id(), "avatar", None, None, now()) is None


async def test_follow_options_are_stored_changed_and_found(store: Store) -> None:
    """A follow's options (`Follow.show_reblogs`, `notify`, `languages`): stored with it,
    changed in place, and those not the defaults found among the account's followers."""
    author, *readers = [await make_account(store) for _ in range(4)]
    chosen = edge(readers[0], author)
    chosen.notify, chosen.languages = True, ("en", "fr")
    assert await store.add_follow(chosen, event=event("follow.created"))
    assert await store.add_follow(edge(readers[1], author), event=event("follow.created"))
    assert await store.add_follow(edge(readers[2], author), event=event("follow.created"))
    found = (await store.get_relationships(readers[0].id, [author.id]))[author.id].following
    assert found is not None
    assert (found.show_reblogs, found.notify, found.languages) == (True, True, ("en", "fr"))
    hiding = edge(readers[1], author)
    hiding.show_reblogs = False
    assert await store.set_follow_options(hiding)
    assert not await store.set_follow_options(edge(author, readers[1]))  # no such follow
    with_options = {f.account_id: f for f in await store.followers_with_options(author.id)}
    assert set(with_options) == {readers[0].id, readers[1].id}  # not the default follow
    assert with_options[readers[1].id].show_reblogs is False
    assert with_options[readers[0].id].languages == ("en", "fr")
    # Back to the defaults: no longer among them.
    assert await store.set_follow_options(edge(readers[0], author))
    assert [f.account_id for f in await store.followers_with_options(author.id)] == [readers[1].id]


async def test_a_request_s_options_become_its_follow_s(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    asked = request(alice, bob)
    asked.notify = True
    assert await store.add_follow_request(asked, event=event("fr.created"))
    pending = await store.get_follow_request(alice.id, bob.id)
    assert pending is not None and (pending.notify, pending.show_reblogs) == (True, True)
    assert (await store.get_follow_request_state(alice.id, [bob.id]))[0] == {bob.id: pending}
    pending.show_reblogs, pending.languages = False, ("de",)
    assert await store.set_follow_request_options(pending)
    assert not await store.set_follow_request_options(request(bob, alice))  # none pending
    assert await store.get_follow_request(bob.id, alice.id) is None
    assert await store.authorize_follow_request(
        alice.id, bob.id, edge(alice, bob), event=event("fr.authorized")
    )
    follow_now = (await store.get_relationships(alice.id, [bob.id]))[bob.id].following
    assert follow_now is not None
    assert (follow_now.show_reblogs, follow_now.notify, follow_now.languages) == (
        False,
        True,
        ("de",),
    )
    assert await store.get_follow_request(alice.id, bob.id) is None
