"""Storage port conformance: instance-wide figures (active accounts)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from chirp.core.models import Account, Status
from chirp.storage import Store
from tests.storage.factories import event, ids, make_account, now


async def post_at(store: Store, author: Account, when: datetime) -> None:
    status = Status(
        id=ids.next_id(),
        account_id=author.id,
        visibility="public",
        created_at=when,
        text="hi",
        content="<p>hi</p>",
    )
    await store.create_status(
        status,
        event=event("status.created", status_id=status.id),
        idempotency_key=None,
        idempotency_since=now() - timedelta(hours=1),
    )


async def test_active_accounts_are_those_that_posted_since(store: Store) -> None:
    start = now()
    assert await store.count_active_accounts(start - timedelta(days=30)) == 0
    recent, older, ancient = [await make_account(store) for _ in range(3)]
    await make_account(store)  # never posted
    await post_at(store, recent, start - timedelta(days=1))
    await post_at(store, older, start - timedelta(days=60))
    await post_at(store, ancient, start - timedelta(days=400))
    assert await store.count_active_accounts(start - timedelta(days=30)) == 1
    assert await store.count_active_accounts(start - timedelta(days=180)) == 2
    assert await store.count_active_accounts(start - timedelta(days=1000)) == 3
    assert await store.count_active_accounts(start) == 0
    # The bound is inclusive, to the microsecond (a time on a whole second included), in
    # whatever zone it is given.
    exact = (start - timedelta(days=100)).replace(microsecond=0)
    await post_at(store, await make_account(store), exact)
    assert await store.count_active_accounts(exact) == 3
    assert await store.count_active_accounts(exact - timedelta(microseconds=1)) == 3
    assert await store.count_active_accounts(exact + timedelta(microseconds=1)) == 2
    plus_two = timezone(timedelta(hours=2))
    assert await store.count_active_accounts(exact.astimezone(plus_two)) == 3
    assert await store.count_active_accounts(exact.astimezone(plus_two) + timedelta(seconds=1)) == 2
