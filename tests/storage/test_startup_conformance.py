"""Storage port conformance for the start-up endpoints' data: timeline markers, custom emojis,
announcements with reactions and dismissals. Every backend runs the same tests."""

from __future__ import annotations

from datetime import timedelta

import pytest

from chirp.core.models import Announcement, CustomEmoji
from chirp.core.ports.announcements import TooManyReactions
from chirp.core.ports.errors import MissingRecord
from chirp.storage import Store, UniqueViolation
from tests.storage.factories import event, ids, make_account, now


async def test_a_marker_starts_at_version_1_and_counts_each_move(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    assert await store.get_markers(alice.id, ["home", "notifications"]) == {}
    t0 = now()
    first = await store.save_marker(alice.id, "home", 100, t0)
    assert (first.timeline, first.last_read_id, first.version, first.updated_at) == (
        "home",
        100,
        1,
        t0,
    )
    later = t0 + timedelta(seconds=5)
    moved = await store.save_marker(alice.id, "home", 200, later)
    assert (moved.last_read_id, moved.version, moved.updated_at) == (200, 2, later)
    back = await store.save_marker(alice.id, "home", 150, later + timedelta(seconds=1))
    assert (back.last_read_id, back.version) == (150, 3)  # Mastodon lets a marker go back
    # Saving the position it already has is no update: same version, same time.
    same = await store.save_marker(alice.id, "home", 150, later + timedelta(seconds=9))
    assert (same.version, same.updated_at) == (3, back.updated_at)
    await store.save_marker(alice.id, "notifications", 7, t0)
    await store.save_marker(bob.id, "home", 1, t0)
    found = await store.get_markers(alice.id, ["home", "notifications", "home", "other"])
    assert {k: (m.last_read_id, m.version) for k, m in found.items()} == {
        "home": (150, 3),
        "notifications": (7, 1),
    }
    assert set(await store.get_markers(alice.id, ["notifications"])) == {"notifications"}
    assert await store.get_markers(alice.id, []) == {}
    assert (await store.get_markers(bob.id, ["home"]))["home"].version == 1


def emoji(shortcode: str, **fields: object) -> CustomEmoji:
    return CustomEmoji(
        shortcode=shortcode,
        image_key=f"emojis/{shortcode}.gif",
        static_key=f"emojis/{shortcode}-static.png",
        created_at=now(),
        **fields,  # type: ignore[arg-type]
    )


async def test_custom_emojis_are_unique_by_shortcode_and_listed_by_it(store: Store) -> None:
    assert await store.list_custom_emojis() == []
    await store.create_custom_emoji(emoji("wave", category="Hands"))
    await store.create_custom_emoji(emoji("blobcat", visible_in_picker=False))
    with pytest.raises(UniqueViolation) as caught:
        await store.create_custom_emoji(emoji("wave"))
    assert caught.value.field == "shortcode"
    listed = await store.list_custom_emojis()
    assert [e.shortcode for e in listed] == ["blobcat", "wave"]
    assert listed[0] == CustomEmoji(
        shortcode="blobcat",
        image_key="emojis/blobcat.gif",
        static_key="emojis/blobcat-static.png",
        created_at=listed[0].created_at,
        category=None,
        visible_in_picker=False,
    )
    assert (listed[1].category, listed[1].visible_in_picker) == ("Hands", True)
    removed = await store.delete_custom_emoji("wave")
    assert removed is not None and removed.image_key == "emojis/wave.gif"
    assert await store.delete_custom_emoji("wave") is None
    assert [e.shortcode for e in await store.list_custom_emojis()] == ["blobcat"]
    await store.create_custom_emoji(emoji("wave"))  # the shortcode is free again


def announcement(text: str = "hello", **fields: object) -> Announcement:
    at = now()
    return Announcement(
        id=ids.next_id(),
        text=text,
        published_at=at,
        updated_at=at,
        **fields,  # type: ignore[arg-type]
    )


async def test_announcements_round_trip_and_list_chronologically(store: Store) -> None:
    plain = announcement("published first")
    meeting = announcement(
        "maintenance",
        starts_at=plain.published_at - timedelta(days=1),
        ends_at=plain.published_at + timedelta(days=1),
        all_day=True,
    )
    later = announcement("published later")
    for a in (plain, later, meeting):
        await store.create_announcement(a, event=event())
    assert await store.get_announcement(meeting.id) == meeting
    assert await store.get_announcement(ids.next_id()) is None
    # The event's start is before the others' publication.
    assert [a.id for a in await store.list_announcements()] == [meeting.id, plain.id, later.id]
    assert await store.delete_announcement(plain.id, event=event()) is True
    assert await store.delete_announcement(plain.id, event=event()) is False
    assert [a.id for a in await store.list_announcements()] == [meeting.id, later.id]


async def test_dismissals_are_per_account_and_idempotent(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    one, two = announcement(), announcement()
    await store.create_announcement(one, event=event())
    await store.create_announcement(two, event=event())
    assert await store.dismiss_announcement(one.id, alice.id) is True
    assert await store.dismiss_announcement(one.id, alice.id) is False
    assert await store.dismiss_announcement(ids.next_id(), alice.id) is False  # no such one
    assert await store.dismissed_announcements(alice.id, [one.id, two.id]) == {one.id}
    assert await store.dismissed_announcements(bob.id, [one.id, two.id]) == set()
    assert await store.dismissed_announcements(alice.id, []) == set()
    await store.delete_announcement(one.id, event=event())
    assert await store.dismissed_announcements(alice.id, [one.id]) == set()


async def test_reactions_are_counted_per_emoji_in_order_of_first_use(store: Store) -> None:
    alice, bob, carol = [await make_account(store) for _ in range(3)]
    one, two = announcement(), announcement()
    await store.create_announcement(one, event=event())
    await store.create_announcement(two, event=event())
    t0 = now()
    assert await store.add_announcement_reaction(
        one.id, bob.id, "🎉", t0, max_names=8, event=event()
    )
    assert await store.add_announcement_reaction(
        one.id, alice.id, "blobcat", t0 + timedelta(seconds=1), max_names=8, event=event()
    )
    assert await store.add_announcement_reaction(
        one.id, alice.id, "🎉", t0 + timedelta(seconds=2), max_names=8, event=event()
    )
    assert not await store.add_announcement_reaction(
        one.id, alice.id, "🎉", t0 + timedelta(seconds=3), max_names=8, event=event()
    )  # once per account and emoji
    await store.add_announcement_reaction(two.id, carol.id, "👍", t0, max_names=8, event=event())
    seen = await store.announcement_reactions([one.id, two.id], alice.id)
    assert [(r.name, r.count, r.me) for r in seen[one.id]] == [
        ("🎉", 2, True),
        ("blobcat", 1, True),
    ]
    assert [(r.name, r.count, r.me) for r in seen[two.id]] == [("👍", 1, False)]
    anonymous = await store.announcement_reactions([one.id], None)
    assert [(r.name, r.count, r.me) for r in anonymous[one.id]] == [
        ("🎉", 2, False),
        ("blobcat", 1, False),
    ]
    assert await store.remove_announcement_reaction(one.id, alice.id, "🎉", event=event()) is True
    assert await store.remove_announcement_reaction(one.id, alice.id, "🎉", event=event()) is False
    seen = await store.announcement_reactions([one.id], alice.id)
    assert [(r.name, r.count, r.me) for r in seen[one.id]] == [
        ("🎉", 1, False),
        ("blobcat", 1, True),
    ]
    assert await store.announcement_reactions([], alice.id) == {}
    await store.delete_announcement(one.id, event=event())
    assert await store.announcement_reactions([one.id], alice.id) == {}


async def test_an_announcement_takes_a_bounded_number_of_distinct_emojis(store: Store) -> None:
    alice, bob = await make_account(store), await make_account(store)
    one = announcement()
    await store.create_announcement(one, event=event())
    for name in ("a1", "a2", "a3"):
        await store.add_announcement_reaction(
            one.id, alice.id, name, now(), max_names=3, event=event()
        )
    with pytest.raises(TooManyReactions):
        await store.add_announcement_reaction(
            one.id, bob.id, "a4", now(), max_names=3, event=event()
        )
    # An emoji already there may still be added to by others.
    assert await store.add_announcement_reaction(
        one.id, bob.id, "a2", now(), max_names=3, event=event()
    )
    counts = await store.announcement_reactions([one.id], bob.id)
    assert [(r.name, r.count, r.me) for r in counts[one.id]] == [
        ("a1", 1, False),
        ("a2", 2, True),
        ("a3", 1, False),
    ]
    with pytest.raises(MissingRecord):
        await store.add_announcement_reaction(
            ids.next_id(), bob.id, "a1", now(), max_names=3, event=event()
        )


async def test_announcement_writes_record_an_event_only_when_they_change_something(
    store: Store,
) -> None:
    alice = await make_account(store)
    due = now() + timedelta(days=1)
    before = await store.count_due_events(due)
    one = announcement()
    await store.create_announcement(one, event=event("announcement.published"))
    assert await store.count_due_events(due) == before + 1
    await store.add_announcement_reaction(one.id, alice.id, "🎉", now(), max_names=8, event=event())
    await store.add_announcement_reaction(one.id, alice.id, "🎉", now(), max_names=8, event=event())
    assert await store.count_due_events(due) == before + 2
    await store.remove_announcement_reaction(one.id, alice.id, "🎉", event=event())
    await store.remove_announcement_reaction(one.id, alice.id, "🎉", event=event())
    assert await store.count_due_events(due) == before + 3
    await store.delete_announcement(one.id, event=event())
    await store.delete_announcement(one.id, event=event())
    assert await store.count_due_events(due) == before + 4
