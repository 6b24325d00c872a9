"""Storage port conformance for grouped notifications, notification policies and requests,
conversation mutes and read markers: every backend passes the same suite."""

from __future__ import annotations

from datetime import timedelta

from chirp.core.models import Notification, NotificationPolicy, NotificationRequest, Page
from chirp.storage import Store
from tests.storage.factories import ids, make_account, now, post


def note(
    recipient: int,
    kind: str,
    sender: int,
    status_id: int | None = None,
    *,
    filtered: bool = False,
    group_key: str | None = None,
) -> Notification:
    return Notification(
        ids.next_id(),
        recipient,
        kind,
        sender,
        now(),
        status_id,
        filtered=filtered,
        group_key=group_key,
    )


async def test_filtered_and_grouped_fields_round_trip(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    status = await post(store, alice)
    kept = note(alice.id, "favourite", bob.id, status.id, group_key=f"favourite-{status.id}-10")
    held = note(alice.id, "mention", carol.id, status.id, filtered=True)
    assert len(await store.add_notifications([kept, held])) == 2
    assert await store.get_notification(alice.id, held.id) == held
    assert [n.id for n in await store.list_notifications(alice.id, Page())] == [kept.id]
    both = await store.list_notifications(alice.id, Page(), include_filtered=True)
    assert [n.id for n in both] == [held.id, kept.id]
    # One sender's notifications include the filtered ones (as Mastodon's `account_id`).
    assert [
        n.id for n in await store.list_notifications(alice.id, Page(), from_account_id=carol.id)
    ] == [held.id]
    assert [
        n.id for n in await store.list_notifications(alice.id, Page(), from_account_id=bob.id)
    ] == [kept.id]


async def test_group_keys_and_stats(store: Store) -> None:
    alice, *fans = [await make_account(store) for _ in range(12)]
    status = await post(store, alice)
    key = f"favourite-{status.id}-100"
    other = f"favourite-{status.id}1-100"  # a longer status id: not the same prefix
    rows = [note(alice.id, "favourite", fan.id, status.id, group_key=key) for fan in fans[:10]]
    await store.add_notifications(rows)
    await store.add_notifications([note(alice.id, "reblog", fans[10].id, None, group_key=other)])
    assert await store.latest_group_key(alice.id, f"favourite-{status.id}") == key
    assert await store.latest_group_key(alice.id, "follow") is None
    assert await store.latest_group_key(fans[0].id, f"favourite-{status.id}") is None

    stats = await store.notification_group_stats(alice.id, [key, "nothing"])
    assert set(stats) == {key}
    group = stats[key]
    assert (group.count, group.most_recent_id, group.page_min_id) == (10, rows[-1].id, None)
    assert group.sample_account_ids == [fan.id for fan in reversed(fans[2:10])]
    assert group.most_recent_at == rows[-1].created_at
    # Within a page's range: counted up to its end, `page_min_id` from its start.
    ranged = await store.notification_group_stats(
        alice.id, [key], max_id=rows[5].id, min_id=rows[3].id, samples=2
    )
    assert (ranged[key].count, ranged[key].most_recent_id) == (6, rows[5].id)
    assert ranged[key].page_min_id == rows[3].id
    assert ranged[key].sample_account_ids == [fans[5].id, fans[4].id]
    assert await store.notification_group_stats(fans[0].id, [key]) == {}

    newest = await store.find_notification_group(alice.id, key)
    assert newest is not None and newest.id == rows[-1].id
    assert await store.find_notification_group(fans[0].id, key) is None
    listed = await store.list_group_notifications(alice.id, key, Page(limit=3))
    assert [n.id for n in listed] == [r.id for r in reversed(rows[7:])]
    older = await store.list_group_notifications(alice.id, key, Page(limit=3, max_id=listed[-1].id))
    assert [n.id for n in older] == [r.id for r in reversed(rows[4:7])]
    assert await store.dismiss_notification_group(fans[0].id, key) == 0
    assert await store.dismiss_notification_group(alice.id, key) == 10
    assert [n.group_key for n in await store.list_notifications(alice.id, Page())] == [other]


async def test_notification_policy_round_trip(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    assert await store.get_notification_policy(alice.id) is None
    policy = NotificationPolicy(alice.id, for_not_following="drop", for_new_accounts="filter")
    await store.save_notification_policy(policy)
    assert await store.get_notification_policy(alice.id) == policy
    changed = NotificationPolicy(alice.id, for_private_mentions="accept")
    await store.save_notification_policy(changed)
    assert await store.get_notification_policy(alice.id) == changed
    assert await store.get_notification_policy(bob.id) is None


async def test_notification_requests_accept_and_dismiss(store: Store) -> None:
    alice, bob, carol, dave = [await make_account(store) for _ in range(4)]
    first, second = await post(store, bob, "hi"), await post(store, bob, "again")
    from_carol = await post(store, carol, "hello")
    await store.add_notifications(
        [
            note(alice.id, "mention", bob.id, first.id, filtered=True),
            note(alice.id, "mention", bob.id, second.id, filtered=True),
            note(alice.id, "favourite", bob.id, first.id, filtered=True),
            note(alice.id, "mention", carol.id, from_carol.id, filtered=True),
        ]
    )
    at = now()
    request = await store.save_notification_request(
        NotificationRequest(ids.next_id(), alice.id, bob.id, at, at, last_status_id=first.id)
    )
    assert (request.notifications_count, request.last_status_id) == (2, first.id)
    later = at + timedelta(seconds=5)
    again = await store.save_notification_request(
        NotificationRequest(ids.next_id(), alice.id, bob.id, later, later, second.id)
    )
    assert (again.id, again.created_at, again.updated_at) == (request.id, at, later)
    assert again.last_status_id == second.id
    carols = await store.save_notification_request(
        NotificationRequest(ids.next_id(), alice.id, carol.id, at, at, from_carol.id)
    )
    # A request whose sender has no filtered mention any more is not pending.
    daves = await store.save_notification_request(
        NotificationRequest(ids.next_id(), alice.id, dave.id, at, at)
    )
    assert daves.notifications_count == 0
    assert await store.get_notification_request(alice.id, daves.id) is None

    listed = await store.list_notification_requests(alice.id, Page())
    assert [(r.id, r.notifications_count) for r in listed] == [(carols.id, 1), (request.id, 2)]
    assert [r.id for r in await store.list_notification_requests(alice.id, Page(limit=1))] == [
        carols.id
    ]
    assert [
        r.id for r in await store.list_notification_requests(alice.id, Page(max_id=carols.id))
    ] == [request.id]
    assert await store.list_notification_requests(bob.id, Page()) == []
    assert await store.summarize_notification_requests(alice.id, 100) == (2, 3)
    assert await store.summarize_notification_requests(alice.id, 1) in ((1, 1), (1, 2))
    found = await store.get_notification_request(alice.id, request.id)
    assert found is not None and found.notifications_count == 2
    assert await store.get_notification_request(bob.id, request.id) is None

    # Accepting: the sender is accepted for good, every filtered notification of theirs moves
    # into the main list (the favourite too), and the request is gone.
    assert not await store.has_notification_permission(alice.id, bob.id)
    assert await store.accept_notification_requests(bob.id, [request.id], now()) == 0
    assert await store.accept_notification_requests(alice.id, [request.id, request.id], now()) == 1
    assert await store.has_notification_permission(alice.id, bob.id)
    assert not await store.has_notification_permission(bob.id, alice.id)
    main = await store.list_notifications(alice.id, Page())
    assert sorted(n.type for n in main) == ["favourite", "mention", "mention"]
    assert not any(n.filtered for n in main)
    assert await store.get_notification_request(alice.id, request.id) is None
    assert await store.accept_notification_requests(alice.id, [request.id], now()) == 0

    # Dismissing deletes the sender's filtered notifications with the request.
    assert await store.dismiss_notification_requests(bob.id, [carols.id]) == 0
    assert await store.dismiss_notification_requests(alice.id, [carols.id]) == 1
    everything = await store.list_notifications(alice.id, Page(), include_filtered=True)
    assert carol.id not in {n.from_account_id for n in everything}
    assert not await store.has_notification_permission(alice.id, carol.id)
    assert await store.list_notification_requests(alice.id, Page()) == []
    assert await store.summarize_notification_requests(alice.id, 100) == (0, 0)


async def test_conversation_mutes(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    root, other = ids.next_id(), ids.next_id()
    assert await store.mute_conversation(alice.id, root, now())
    assert not await store.mute_conversation(alice.id, root, now())  # idempotent
    assert await store.get_muted_conversations(alice.id, [root, other]) == {root}
    assert await store.get_muted_conversations(bob.id, [root]) == set()
    assert await store.get_muted_conversations(alice.id, []) == set()
    assert await store.get_conversation_muters(root, [alice.id, bob.id]) == {alice.id}
    assert await store.mute_conversation(bob.id, root, now())
    assert await store.get_conversation_muters(root, [alice.id, bob.id]) == {alice.id, bob.id}
    assert await store.unmute_conversation(alice.id, root)
    assert not await store.unmute_conversation(alice.id, root)
    assert await store.get_conversation_muters(root, [alice.id, bob.id]) == {bob.id}


async def test_markers_count_versions(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    assert await store.get_markers(alice.id, ["home", "notifications"]) == {}
    first = await store.save_marker(alice.id, "notifications", 10, now())
    assert (first.timeline, first.last_read_id, first.version) == ("notifications", 10, 1)
    second = await store.save_marker(alice.id, "notifications", 42, now())
    assert (second.last_read_id, second.version) == (42, 2)
    await store.save_marker(alice.id, "home", 7, now())
    markers = await store.get_markers(alice.id, ["notifications", "home", "other"])
    assert set(markers) == {"notifications", "home"}
    assert markers["notifications"] == second
    assert markers["home"].version == 1
    assert await store.get_markers(bob.id, ["notifications"]) == {}


async def test_report_notifications_name_their_report(store: Store) -> None:
    """`admin.report`: one per report per staff member, though the reporter is the same."""
    from dataclasses import replace

    from chirp.core.models import Report

    staff, reporter, target = [await make_account(store) for _ in range(3)]
    reports = [
        Report(
            id=ids.next_id(),
            account_id=reporter.id,
            target_account_id=target.id,
            category="spam",
            comment="",
            created_at=now(),
        )
        for _ in range(2)
    ]
    for report in reports:
        await store.create_report(report)
    first, second = (
        replace(note(staff.id, "admin.report", reporter.id), report_id=r.id) for r in reports
    )
    assert len(await store.add_notifications([first, second])) == 2
    again = replace(note(staff.id, "admin.report", reporter.id), report_id=reports[0].id)
    assert await store.add_notifications([again]) == []
    listed = await store.list_notifications(staff.id, Page(), types=["admin.report"])
    assert [(n.id, n.report_id) for n in listed] == [
        (second.id, reports[1].id),
        (first.id, reports[0].id),
    ]
    assert await store.get_notification(staff.id, first.id) == first
    # A sign-up's notification has no report.
    signed = note(staff.id, "admin.sign_up", reporter.id)
    assert await store.add_notifications([signed]) == [signed]
    assert (await store.get_notification(staff.id, signed.id)) == signed
