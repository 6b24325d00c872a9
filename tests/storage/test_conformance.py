"""Storage port conformance: accounts, apps, tokens, authorization codes.

Written against `chirp.core.ports.store.Store` alone; every backend in `backends.py` must pass."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from chirp.core.models import Account, AccountModeration, AuthorizationCode, Credentials
from chirp.core.ports.tokens import TokenOwners
from chirp.storage import Store, UniqueViolation
from tests.storage.factories import event, ids, make_account, make_app, make_token, now


async def test_apps_round_trip(store: Store) -> None:
    app = await make_app(store)
    assert await store.get_app(app.id) == app
    assert await store.get_app_by_client_id(app.client_id) == app
    assert await store.get_app(ids.next_id()) is None
    assert await store.get_app_by_client_id("nope") is None


async def test_account_round_trip_and_batch_load(store: Store) -> None:
    alice = await make_account(store, "Alice")
    bob = await make_account(store, "bob")
    assert await store.get_account(alice.id) == alice
    found = await store.get_accounts([alice.id, bob.id, ids.next_id(), alice.id])
    assert set(found) == {alice.id, bob.id}
    assert await store.get_accounts([]) == {}


async def test_usernames_are_unique_case_insensitively(store: Store) -> None:
    await make_account(store, "Alice")
    clash = Account(id=ids.next_id(), username="aLiCe", display_name="", note="", created_at=now())
    with pytest.raises(UniqueViolation) as caught:
        await store.create_account(
            clash, Credentials(clash.id, "other@example.com", "h", created_at=now())
        )
    assert caught.value.field == "username"
    assert await store.get_account(clash.id) is None  # nothing half-written


async def test_emails_are_unique_case_insensitively(store: Store) -> None:
    await make_account(store, "alice")  # alice@example.com
    other = Account(id=ids.next_id(), username="other", display_name="", note="", created_at=now())
    with pytest.raises(UniqueViolation) as caught:
        await store.create_account(
            other, Credentials(other.id, "ALICE@Example.com", "h", created_at=now())
        )
    assert caught.value.field == "email"
    assert await store.get_account(other.id) is None


async def test_lookups_by_username_and_email_ignore_case(store: Store) -> None:
    alice = await make_account(store, "Alice")
    assert (await store.get_account_by_username("ALICE")) == alice
    assert (await store.get_accounts_by_usernames(["alice", "nobody"])).keys() == {"alice"}
    credentials = await store.get_credentials_by_email("Alice@EXAMPLE.com")
    assert credentials is not None and credentials.account_id == alice.id
    assert await store.get_credentials(alice.id) == credentials
    assert await store.get_account_by_username("nobody") is None


async def test_profile_updates_are_partial(store: Store) -> None:
    alice = await make_account(store, "alice")
    later = now() + timedelta(seconds=1)
    updated = await store.update_account_profile(alice.id, updated_at=later, display_name="Alice A")
    assert updated is not None and updated.display_name == "Alice A" and updated.note == ""
    updated = await store.update_account_profile(
        alice.id, updated_at=later, note="bio", locked=True
    )
    assert updated is not None
    assert (updated.display_name, updated.note, updated.locked, updated.bot) == (
        "Alice A",
        "bio",
        True,
        False,
    )
    assert await store.update_account_profile(ids.next_id(), updated_at=later, note="x") is None


async def test_count_accounts(store: Store) -> None:
    assert await store.count_accounts() == (0, 0)
    await make_account(store)
    await make_account(store)
    assert (await store.count_accounts())[0] == 2


async def test_tokens_by_digest_and_refresh_digest(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    token = make_token(app, alice, refresh="refresh-1")
    await store.create_token(token)
    assert await store.get_token(token.digest) == token
    assert await store.get_token_by_refresh("refresh-1") == token
    assert await store.get_token("missing") is None
    app_only = make_token(app, None)
    await store.create_token(app_only)
    assert (await store.get_token(app_only.digest)).account_id is None  # type: ignore[union-attr]


async def test_token_with_its_app_and_account_in_one_read(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    token = make_token(app, alice)
    await store.create_token(token)
    assert await store.get_token_with_owners(token.digest) == TokenOwners(
        token, await store.get_app(app.id), await store.get_account(alice.id), None
    )
    app_only = make_token(app, None)
    await store.create_token(app_only)
    assert await store.get_token_with_owners(app_only.digest) == TokenOwners(
        app_only, await store.get_app(app.id), None, None
    )
    assert await store.get_token_with_owners("missing") is None
    await store.revoke_token(token.id, now())
    found = await store.get_token_with_owners(token.digest)
    assert found is not None and not found.token.is_live(now())
    # What moderators decided about the account comes with it (bearer auth refuses a
    # suspended or disabled account without another read).
    suspended = AccountModeration(alice.id, suspended_at=now(), updated_at=now())
    await store.save_moderation(suspended)
    found = await store.get_token_with_owners(token.digest)
    assert (
        found is not None
        and found.moderation == (await store.get_moderations([alice.id]))[alice.id]
    )
    assert found.moderation.suspended_at is not None


async def test_revoke_is_idempotent(store: Store) -> None:
    app = await make_app(store)
    token = make_token(app, await make_account(store))
    await store.create_token(token)
    assert await store.revoke_token(token.id, now())
    assert not await store.revoke_token(token.id, now())
    revoked = await store.get_token(token.digest)
    assert revoked is not None and not revoked.is_live(now())


async def test_rotate_is_atomic_and_refuses_a_dead_token(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    old = make_token(app, alice, refresh="r-old")
    await store.create_token(old)
    new = make_token(app, alice, refresh="r-new")
    assert await store.rotate_token(old.id, new, now())
    assert not (await store.get_token(old.digest)).is_live(now())  # type: ignore[union-attr]
    assert await store.get_token(new.digest) == new
    again = make_token(app, alice, refresh="r-again")
    assert not await store.rotate_token(old.id, again, now())
    assert await store.get_token(again.digest) is None


async def test_concurrent_rotations_have_one_winner(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    old = make_token(app, alice, refresh="r")
    await store.create_token(old)
    results = await asyncio.gather(
        *(store.rotate_token(old.id, make_token(app, alice), now()) for _ in range(5))
    )
    assert sorted(results) == [False, False, False, False, True]


async def test_revoke_every_token_of_an_account(store: Store) -> None:
    app = await make_app(store)
    alice, bob = await make_account(store), await make_account(store)
    tokens = [make_token(app, alice), make_token(app, alice), make_token(app, bob)]
    for token in tokens:
        await store.create_token(token)
    assert await store.revoke_account_tokens(alice.id, now()) == 2
    assert (await store.get_token(tokens[2].digest)).is_live(now())  # type: ignore[union-attr]


async def _recorded(store: Store) -> list[tuple[str, object]]:
    claimed = await store.claim_events(limit=10, now=now(), lease_seconds=60)
    await store.complete_events([e.id for e in claimed])
    return [(e.kind, e.payload.get("token_ids")) for e in claimed]


async def test_each_revocation_records_its_event_only_when_it_revokes(store: Store) -> None:
    """The event (closing the tokens' streams) commits with the revocation, never without one."""
    app = await make_app(store)
    alice = await make_account(store)
    one, old, other = (make_token(app, alice, refresh=r) for r in ("r1", "r2", "r3"))
    for token in (one, old, other):
        await store.create_token(token)
    revoked = event("token.revoked")
    revoked.payload["token_ids"] = [one.id]
    assert await store.revoke_token(one.id, now(), event=revoked)
    assert not await store.revoke_token(one.id, now(), event=event("token.revoked"))
    assert await _recorded(store) == [("token.revoked", [one.id])]

    rotated = event("token.revoked")
    rotated.payload["token_ids"] = [old.id]
    assert await store.rotate_token(old.id, make_token(app, alice), now(), event=rotated)
    assert not await store.rotate_token(
        old.id, make_token(app, alice), now(), event=event("token.revoked")
    )
    assert await _recorded(store) == [("token.revoked", [old.id])]

    every = event("token.revoked")
    every.payload["token_ids"] = [other.id]
    assert await store.revoke_account_tokens(alice.id, now(), event=every) == 2
    assert await store.revoke_account_tokens(alice.id, now(), event=event("token.revoked")) == 0
    assert await _recorded(store) == [("token.revoked", [other.id])]


async def test_authorization_codes_are_single_use(store: Store) -> None:
    app = await make_app(store)
    alice = await make_account(store)
    code = AuthorizationCode(
        digest="code-digest",
        app_id=app.id,
        account_id=alice.id,
        redirect_uri="urn:ietf:wg:oauth:2.0:oob",
        scopes=("read", "write"),
        expires_at=now() + timedelta(minutes=10),
        code_challenge="c" * 43,
        code_challenge_method="S256",
    )
    await store.create_authorization_code(code)
    winners = await asyncio.gather(
        *(store.take_authorization_code("code-digest") for _ in range(5))
    )
    assert [w for w in winners if w is not None] == [code]
    assert await store.take_authorization_code("code-digest") is None


async def test_ping_answers(store: Store) -> None:
    await store.ping()


async def test_an_accounts_unrevoked_tokens_with_their_apps_newest_first(store: Store) -> None:
    app, other_app = await make_app(store), await make_app(store)
    alice, bob = await make_account(store), await make_account(store)
    first, second = make_token(app, alice), make_token(other_app, alice, refresh="r-2")
    revoked, bobs, app_only = make_token(app, alice), make_token(app, bob), make_token(app, None)
    for token in (first, second, revoked, bobs, app_only):
        await store.create_token(token)
    assert await store.revoke_token(revoked.id, now())
    assert await store.list_account_tokens(alice.id) == [(second, other_app), (first, app)]
    assert await store.list_account_tokens(bob.id) == [(bobs, app)]
    assert await store.list_account_tokens(12345) == []
