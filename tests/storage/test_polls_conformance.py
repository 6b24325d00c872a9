"""Storage port conformance: polls, their votes (exact under concurrency) and their events."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest

from chirp.core.models import Poll
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, now, post


def _poll(status_id: int, account_id: int, **fields: object) -> Poll:
    values: dict[str, object] = {
        "id": ids.next_id(),
        "status_id": status_id,
        "account_id": account_id,
        "options": ("tea", "coffee", "water"),
        "expires_at": now() + timedelta(hours=1),
    }
    values.update(fields)
    return Poll(**values)  # type: ignore[arg-type]


async def test_a_poll_is_created_with_its_due_end_event(store: Store) -> None:
    alice = await make_account(store)
    tweet = await post(store, alice, "drink?")
    own = await store.claim_events(limit=100, now=now(), lease_seconds=60)  # the tweet's
    await store.complete_events([e.id for e in own])
    poll = _poll(tweet.id, alice.id, multiple=True, hide_totals=True)
    ended = event("poll.ended", poll_id=poll.id)
    await store.create_poll(poll, event=ended)
    found = await store.get_poll(poll.id)
    assert found == replace(poll, votes=(0, 0, 0), voters_count=0)
    assert await store.get_polls_of_statuses([tweet.id, 12345]) == {tweet.id: found}
    assert await store.get_polls_of_statuses([]) == {}
    assert await store.get_poll(12345) is None
    # Due at the poll's end, not before: any node's dispatcher claims it then, once.
    assert await store.claim_events(limit=10, now=now(), lease_seconds=60) == []
    later = poll.expires_at + timedelta(seconds=1)
    claimed = await store.claim_events(limit=10, now=later, lease_seconds=60)
    assert [e.id for e in claimed] == [ended.id]
    assert await store.claim_events(limit=10, now=later, lease_seconds=60) == []


async def test_votes_count_once_per_account(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    tweet = await post(store, alice, "drink?")
    poll = _poll(tweet.id, alice.id, multiple=True)
    await store.create_poll(poll, event=event())
    voted = event("poll.voted", poll_id=poll.id)
    after = await store.add_poll_votes(poll.id, bob.id, [0, 2], at=now(), event=voted)
    assert (after.votes, after.voters_count) == ((1, 0, 1), 1)
    with pytest.raises(UniqueViolation):
        await store.add_poll_votes(poll.id, bob.id, [1], at=now(), event=event())
    after = await store.add_poll_votes(poll.id, carol.id, [2], at=now(), event=event())
    assert (after.votes, after.voters_count) == ((1, 0, 2), 2)
    assert await store.get_own_votes(bob.id, [poll.id, 999]) == {poll.id: (0, 2)}
    assert await store.get_own_votes(alice.id, [poll.id]) == {}
    assert await store.get_own_votes(bob.id, []) == {}
    assert await store.poll_voter_ids(poll.id) == sorted([bob.id, carol.id])
    claimed = await store.claim_events(limit=100, now=now(), lease_seconds=60)
    assert voted.id in {e.id for e in claimed}  # recorded with the vote
    with pytest.raises(MissingRecord):
        await store.add_poll_votes(999, bob.id, [0], at=now(), event=event())


async def test_concurrent_votes_are_counted_exactly(store: Store) -> None:
    alice = await make_account(store)
    voters = [await make_account(store) for _ in range(12)]
    tweet = await post(store, alice, "drink?")
    poll = _poll(tweet.id, alice.id)
    await store.create_poll(poll, event=event())

    async def ballot(i: int) -> bool:
        try:
            await store.add_poll_votes(
                poll.id, voters[i % len(voters)].id, [i % 3], at=now(), event=event()
            )
        except UniqueViolation:
            return False
        return True

    # Every voter twice, all at once: each counted once, every count exact.
    accepted = await asyncio.gather(*(ballot(i) for i in range(len(voters) * 2)))
    assert sum(accepted) == len(voters)
    found = await store.get_poll(poll.id)
    assert found is not None
    assert found.voters_count == len(voters) and sum(found.votes) == len(voters)
    own = await store.get_own_votes(voters[0].id, [poll.id])
    assert len(own[poll.id]) == 1


async def test_reset_and_remove(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    tweet = await post(store, alice, "drink?")
    poll = _poll(tweet.id, alice.id)
    await store.create_poll(poll, event=event())
    await store.add_poll_votes(poll.id, bob.id, [1], at=now(), event=event())
    moved = replace(poll, expires_at=poll.expires_at + timedelta(hours=1), hide_totals=True)
    kept = await store.reset_poll(moved, event=event(), keep_votes=True)
    assert kept is not None and (kept.votes, kept.voters_count) == ((0, 1, 0), 1)
    assert kept.hide_totals and kept.expires_at == moved.expires_at
    changed = replace(poll, options=("juice", "milk"), multiple=True)
    reset = await store.reset_poll(changed, event=event())
    assert reset is not None
    assert (reset.options, reset.votes, reset.voters_count) == (("juice", "milk"), (0, 0), 0)
    assert reset.multiple
    assert await store.get_own_votes(bob.id, [poll.id]) == {}
    assert await store.poll_voter_ids(poll.id) == []
    again = await store.add_poll_votes(poll.id, bob.id, [0], at=now(), event=event())
    assert again.votes == (1, 0)
    await store.remove_poll(poll.id)
    await store.remove_poll(poll.id)  # idempotent
    assert await store.get_poll(poll.id) is None
    assert await store.get_own_votes(bob.id, [poll.id]) == {}
    assert await store.reset_poll(changed, event=event()) is None
