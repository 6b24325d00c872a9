"""Storage port conformance: staff roles and decisions on accounts, the admin account list's
filters, reports, the audit log, and the live tokens a suspension revokes."""

from __future__ import annotations

from dataclasses import replace

from chirp.core.models import AccountModeration, AuditEntry, Page, Report
from chirp.core.ports.moderation import AdminAccountFilter
from chirp.storage import Store
from tests.storage.factories import ids, make_account, make_app, make_token, now


def audit(action: str, target_id: int, actor: int | None = None) -> AuditEntry:
    return AuditEntry(
        id=ids.next_id(),
        account_id=actor,
        action=action,
        target_type="account",
        target_id=target_id,
        created_at=now(),
        text="why",
    )


async def test_decisions_round_trip_with_their_audit_entry(store: Store) -> None:
    alice = await make_account(store, "alice")
    assert await store.get_moderations([alice.id]) == {}
    decided = AccountModeration(
        account_id=alice.id,
        role="moderator",
        approved=False,
        reason="I like birds",
        suspended_at=now(),
        silenced_at=now(),
        sensitized_at=now(),
        disabled_at=now(),
        updated_at=now(),
    )
    await store.save_moderation(decided, audit=audit("suspend", alice.id))
    assert await store.get_moderations([alice.id, 12345]) == {alice.id: decided}
    lifted = replace(decided, suspended_at=None, approved=True)
    await store.save_moderation(lifted)
    assert (await store.get_moderations([alice.id]))[alice.id] == lifted
    entries = await store.list_audit(Page(limit=10))
    assert [(e.action, e.target_id, e.text) for e in entries] == [("suspend", alice.id, "why")]
    assert await store.remove_account_moderation(alice.id) is True
    assert await store.remove_account_moderation(alice.id) is False
    assert await store.get_moderations([alice.id]) == {}


async def test_admin_account_filters(store: Store) -> None:
    plain = await make_account(store, "plain")
    pending = await make_account(store, "pending")
    silenced = await make_account(store, "silenced")
    gone = await make_account(store, "gone_user")
    off = await make_account(store, "off")
    rejected = await make_account(store, "rejected")
    t = now()
    for m in (
        AccountModeration(rejected.id, approved=False, suspended_at=t, disabled_at=t),
        AccountModeration(pending.id, approved=False),
        AccountModeration(silenced.id, silenced_at=t, role="moderator"),
        AccountModeration(gone.id, suspended_at=t),
        AccountModeration(off.id, disabled_at=t),
    ):
        await store.save_moderation(m)
    page = Page(limit=10)

    async def listed(**filters: str) -> list[int]:
        return await store.list_admin_accounts(AdminAccountFilter(**filters), page)

    everyone = [rejected.id, off.id, gone.id, silenced.id, pending.id, plain.id]
    assert await listed() == everyone
    assert await listed(status="active") == [silenced.id, plain.id]
    assert await listed(status="pending") == [pending.id]
    assert await listed(status="silenced") == [silenced.id]
    assert await listed(status="suspended") == [rejected.id, gone.id]
    assert await listed(status="disabled") == [rejected.id, off.id]
    assert await listed(username="PEN") == [pending.id]
    staff = await store.list_admin_accounts(AdminAccountFilter(staff=True), page)
    assert staff == [silenced.id]
    assert await listed(username="gone_") == [gone.id]  # `_` is no wildcard
    assert await listed(username="gone%") == []
    assert await listed(email="plain@EXAMPLE") == [plain.id]
    assert await store.list_admin_accounts(AdminAccountFilter(), Page(limit=2)) == everyone[:2]
    after = await store.list_admin_accounts(AdminAccountFilter(), Page(limit=2, max_id=gone.id))
    assert everyone[:2] == [rejected.id, off.id]
    assert after == [silenced.id, pending.id]
    newer = await store.list_admin_accounts(AdminAccountFilter(), Page(limit=2, min_id=plain.id))
    assert newer == [silenced.id, pending.id]


async def test_reports_round_trip_and_filters(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    first = Report(
        id=ids.next_id(),
        account_id=alice.id,
        target_account_id=bob.id,
        category="violation",
        comment="rude",
        created_at=now(),
        status_ids=(5, 6),
        rule_ids=(1,),
        forwarded=True,
    )
    second = replace(first, id=ids.next_id(), account_id=carol.id, status_ids=(), rule_ids=())
    third = replace(first, id=ids.next_id(), target_account_id=carol.id)
    for r in (first, second, third):
        await store.create_report(r)
    assert await store.get_report(first.id) == first
    assert await store.get_report(999) is None
    page = Page(limit=10)
    assert [r.id for r in await store.list_reports(page)] == [third.id, second.id, first.id]
    assert [r.id for r in await store.list_reports(page, target_account_id=bob.id)] == [
        second.id,
        first.id,
    ]
    assert [r.id for r in await store.list_reports(page, account_id=carol.id)] == [second.id]
    resolved = replace(
        first,
        action_taken_at=now(),
        action_taken_by_account_id=carol.id,
        assigned_account_id=carol.id,
    )
    entry = replace(audit("resolve", first.id, carol.id), target_type="report")
    await store.save_report(resolved, audit=entry)
    assert await store.get_report(first.id) == resolved
    assert [r.id for r in await store.list_reports(page, resolved=True)] == [first.id]
    assert [r.id for r in await store.list_reports(page, resolved=False)] == [third.id, second.id]
    assert (await store.list_audit(page))[0] == entry


async def test_live_token_ids(store: Store) -> None:
    app = await make_app(store)
    alice, bob = await make_account(store), await make_account(store)
    tokens = [make_token(app, alice), make_token(app, alice), make_token(app, bob)]
    for token in tokens:
        await store.create_token(token)
    await store.revoke_token(tokens[0].id, now())
    assert await store.live_token_ids(alice.id) == [tokens[1].id]
    await store.revoke_account_tokens(alice.id, now())
    assert await store.live_token_ids(alice.id) == []
    assert await store.live_token_ids(bob.id) == [tokens[2].id]


async def test_password_reset(store: Store) -> None:
    alice = await make_account(store)
    assert await store.set_password_hash(alice.id, "$argon2id$new") is True
    credentials = await store.get_credentials(alice.id)
    assert credentials is not None and credentials.password_hash == "$argon2id$new"
    assert await store.set_password_hash(424242, "$argon2id$x") is False
