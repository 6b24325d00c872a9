"""`chirp db init [--shard]` and `chirp db copy` (chirp/storage/admin.py, mongodb/copy.py,
mongodb/schema.py) against the in-process MongoDB stand-in (tests/storage/mongo_standin.py);
the tests named `..._real_server` run only with CHIRP_TEST_MONGODB_URL."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from pymongo.asynchronous.mongo_client import AsyncMongoClient

from chirp.cli import main
from chirp.config import Settings
from chirp.core.models import (
    AccountBlock,
    AccountModeration,
    AccountMute,
    Announcement,
    AuditEntry,
    AuthorizationCode,
    ChatMessage,
    CustomEmoji,
    FeaturedTag,
    FollowRequest,
    LiveStream,
    MediaAttachment,
    Notification,
    NotificationPolicy,
    NotificationRequest,
    Page,
    Poll,
    ProfileField,
    PushSubscription,
    Report,
    ScheduledStatus,
    StatusEdit,
    StreamKey,
    UserList,
)
from chirp.core.ports.timelines import FanOut
from chirp.storage import Store, mongo_options, open_store
from chirp.storage.admin import AdminError, copy_store, init_store
from chirp.storage.mongodb import MongoStore
from chirp.storage.mongodb.schema import INDEXES, SHARD_KEYS, shard_commands
from tests.storage.backends import MONGODB_URL
from tests.storage.factories import (
    event,
    fan_out,
    follow,
    ids,
    make_account,
    make_app,
    make_token,
    now,
    post,
)
from tests.storage.mongo_standin import StandInClient

URL = "mongodb://standin.invalid/chirp"


def settings() -> Settings:
    return Settings(mongodb_database="")


async def test_db_init_creates_every_index_idempotently_on_the_standin() -> None:
    client = StandInClient()
    out = io.StringIO()
    await init_store(URL, settings(), out, client=client)  # type: ignore[arg-type]
    first = out.getvalue()
    for collection in INDEXES:
        assert f"{collection}: _id_" in first
    statuses = client.mock.get_database("chirp")["statuses"].index_information()
    assert "text_search" in statuses and "account_id_1__id_-1" in statuses
    assert client.mock.get_database("chirp")["accounts"].index_information()["username_key_1"][
        "unique"
    ]
    out = io.StringIO()
    await init_store(URL, settings(), out, client=client)  # type: ignore[arg-type]
    assert out.getvalue() == first
    assert client.closed


@pytest.mark.parametrize("topology", ["replicaset", "standalone"])
async def test_db_init_shard_refuses_a_replica_set_or_standalone_on_the_standin(
    topology: str,
) -> None:
    client = StandInClient(topology)
    with pytest.raises(AdminError, match=f"needs a sharded cluster.*this is a {topology}"):
        await init_store(URL, settings(), io.StringIO(), shard=True, client=client)  # type: ignore[arg-type]
    assert client.admin_commands == []


async def test_db_init_shard_issues_the_commands_on_a_sharded_standin() -> None:
    client = StandInClient("sharded")
    out = io.StringIO()
    await init_store(URL, settings(), out, shard=True, client=client)  # type: ignore[arg-type]
    assert client.admin_commands == [dict(c) for _, c in shard_commands("chirp")]
    assert client.admin_commands[0] == {"enableSharding": "chirp"}
    sharded = {c["shardCollection"]: c["key"] for c in client.admin_commands[1:]}
    assert sharded["chirp.statuses"] == {"account_id": "hashed"}
    assert sharded["chirp.home_feed"] == {"owner_id": "hashed"}
    assert sharded["chirp.favourites"] == {"status_id": "hashed"}
    assert f"{len(SHARD_KEYS)} collections sharded" in out.getvalue()


def test_sharded_collections_have_no_unique_index_a_hashed_key_cannot_enforce() -> None:
    # A real server refuses shardCollection when a unique index does not start with the shard
    # key (and a hashed key can back none): uniqueness there lives in natural-key `_id`s.
    for collection in SHARD_KEYS:
        assert collection in INDEXES
        assert not any(index.document.get("unique") for index in INDEXES[collection])


def test_mongodb_settings_reach_the_client() -> None:
    options = mongo_options(
        Settings(
            mongodb_database="social",
            mongodb_max_pool_size=7,
            mongodb_min_pool_size=2,
            mongodb_connect_timeout_seconds=1.5,
            mongodb_server_selection_timeout_seconds=2,
            mongodb_timeout_seconds=3,
        )
    )
    assert options.database == "social"
    # Constructing a client does not connect: its options are what the store would use.
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(
        "mongodb://127.0.0.1:1/fromuri", connect=False, **options.client_kwargs()
    )
    assert client.write_concern.document == {"w": "majority"}
    assert client.options.retry_writes and client.options.retry_reads
    assert client.options.pool_options.max_pool_size == 7
    assert client.options.pool_options.min_pool_size == 2
    assert client.options.pool_options.connect_timeout == 1.5
    assert client.options.server_selection_timeout == 2
    assert client.options.timeout == 3
    assert client.get_default_database("chirp").name == "fromuri"


async def _embedded_deployment(store: Store) -> dict[str, int]:
    """A bit of everything the SQLite store holds, written through the port."""
    app = await make_app(store)
    alice, bob, carol = [await make_account(store, f"copy{i}", f"Copy {i}") for i in range(3)]
    token = make_token(app, alice, refresh="refresh-1")
    await store.create_token(token)
    await store.save_push_subscription(
        PushSubscription(
            id=ids.next_id(),
            token_id=token.id,
            account_id=alice.id,
            endpoint="https://push.example/1",
            p256dh="key",
            auth="secret",
            alerts=frozenset({"mention"}),
            policy="all",
            standard=True,
            created_at=now(),
        )
    )
    await store.claim_instance_secret("vapid_private_key", "kept")
    await store.create_authorization_code(
        AuthorizationCode("code-1", app.id, bob.id, "urn:x", ("read",), now() + timedelta(60))
    )
    await follow(store, bob, alice)
    await follow(store, carol, alice)
    media = MediaAttachment(
        id=ids.next_id(),
        account_id=alice.id,
        type="image",
        state="ready",
        created_at=now(),
        updated_at=now(),
        content_type="image/jpeg",
        file_key="media/1/original.jpg",
        meta={"original": {"width": 4, "height": 3}},
        focus=(0.25, -0.5),
    )
    await store.create_media(media)
    root = await post(store, alice, "copying #Chirp from sqlite", tags=("Chirp",), key="k-1")
    edited = await post(store, alice, "first words", mentions=(bob.id,))
    edited = replace(edited, text="second words", edited_at=now())
    await store.update_status(
        edited,
        history=[
            StatusEdit(ids.next_id(), edited.id, alice.id, "first words", "", "", False, now())
        ],
        event=event(),
    )
    reply = await post(store, bob, "a reply", reply_to=root)
    retweet = await post(store, carol, reblog_of=root)
    await post(store, alice, "private", visibility="private")
    await store.add_favourite(ids.next_id(), bob.id, root.id, event=event())
    await store.add_bookmark(ids.next_id(), bob.id, root.id)
    await store.add_pin(ids.next_id(), alice.id, root.id)
    await fan_out(store, root)
    await fan_out(store, reply)
    await store.add_notifications(
        [
            Notification(ids.next_id(), alice.id, "favourite", bob.id, now(), root.id),
            Notification(ids.next_id(), bob.id, "mention", carol.id, now(), root.id, filtered=True),
        ]
    )
    # Notification policies, requests and accepted senders; muted threads; read markers.
    await store.save_notification_policy(NotificationPolicy(bob.id, for_not_following="filter"))
    await store.save_notification_request(
        NotificationRequest(ids.next_id(), bob.id, carol.id, now(), now(), root.id)
    )
    accepted = await store.save_notification_request(
        NotificationRequest(ids.next_id(), alice.id, carol.id, now(), now())
    )
    assert await store.accept_notification_requests(alice.id, [accepted.id], now()) == 1
    await store.mute_conversation(bob.id, root.id, now())
    await store.save_marker(alice.id, "notifications", root.id, now())
    stream = LiveStream(ids.next_id(), alice.id, "live!", "public", "created", now())
    await store.create_live_stream(stream)
    await store.start_live_stream(stream.id, now(), event=event())
    await store.set_stream_key(StreamKey(alice.id, "digest-1", now()))
    await store.record_viewer(stream.id, "viewer-1", now(), active_since=now() - timedelta(30))
    await store.add_chat_message(
        ChatMessage(ids.next_id(), stream.id, bob.id, "hello", now()),
        window_start=now() - timedelta(seconds=10),
        window_limit=5,
    )
    await store.ban_from_chat(alice.id, carol.id, now())
    await store.add_chat_moderator(alice.id, bob.id, now())
    await store.record_viewer_counts({stream.id: 2}, now().replace(second=0, microsecond=0))
    await store.save_marker(alice.id, "home", root.id, now())
    await store.create_custom_emoji(
        CustomEmoji("blobcat", "emojis/blobcat/a.png", "emojis/blobcat/a-static.png", now())
    )
    notice = Announcement(ids.next_id(), "hello", now(), now())
    await store.create_announcement(notice, event=event())
    await store.add_announcement_reaction(
        notice.id, bob.id, "blobcat", now(), max_names=8, event=event()
    )
    await store.dismiss_announcement(notice.id, bob.id)
    await store.add_follow_request(
        FollowRequest(ids.next_id(), bob.id, carol.id, now()), event=event()
    )
    await store.set_account_note(alice.id, bob.id, "met at the meetup", now())
    await store.update_account_profile(
        alice.id,
        updated_at=now(),
        fields=(ProfileField("Site", "https://a.example", "a.example"),),
        default_privacy="unlisted",
    )
    await store.set_profile_image(alice.id, "avatar", "accounts/a.jpg", "https://cdn/a.jpg", now())
    await store.follow_tag(ids.next_id(), bob.id, "Chirp", now())
    await store.feature_tag(FeaturedTag(ids.next_id(), alice.id, "chirp", now()), limit=10)
    await post(store, bob, "see https://example.com/copied")
    # Moderation: a staff role and a decision with its audit entry, and a report.
    await store.save_moderation(
        AccountModeration(carol.id, role="moderator", silenced_at=now()),
        audit=AuditEntry(ids.next_id(), None, "silence", "account", carol.id, now()),
    )
    await store.create_report(
        Report(ids.next_id(), bob.id, carol.id, "spam", "ads", now(), status_ids=(retweet.id,))
    )
    await store.add_block(AccountBlock(ids.next_id(), carol.id, alice.id, now()))
    await store.save_mute(
        AccountMute(
            ids.next_id(), bob.id, carol.id, False, now(), expires_at=now() + timedelta(days=1)
        )
    )
    ballot = Poll(ids.next_id(), root.id, alice.id, ("yes", "no"), now(), multiple=True)
    await store.create_poll(ballot, event=event())
    await store.add_poll_votes(ballot.id, bob.id, [0, 1], at=now(), event=event())
    held = replace(media, id=ids.next_id(), file_key="media/2/original.jpg")
    await store.create_media(held)
    later = ScheduledStatus(
        ids.next_id(), alice.id, now() + timedelta(hours=1), {"text": "later"}, (held.id,)
    )
    await store.create_scheduled_status(later, event=event())
    friends = UserList(ids.next_id(), carol.id, "Friends", "followed", True)
    await store.create_list(friends)
    await store.add_list_members(friends.id, [(ids.next_id(), alice.id)], now())
    await store.fan_out_many([FanOut(root, list_ids=(friends.id,))])
    dm = await post(store, alice, "psst", visibility="direct", mentions=(bob.id,))
    await store.add_conversation_status(
        bob.id, dm.id, [alice.id], dm.id, unread=True, new_id=ids.next_id()
    )
    return {
        "list": friends.id,
        "dm": dm.id,
        "scheduled": later.id,
        "poll": ballot.id,
        "alice": alice.id,
        "bob": bob.id,
        "carol": carol.id,
        "root": root.id,
        "retweet": retweet.id,
        "edited": edited.id,
        "stream": stream.id,
    }


def db_media_doc(client: StandInClient, media_id: int) -> dict[str, Any]:
    doc = client.mock.get_database("chirp")["media"].find_one({"_id": media_id})
    assert doc is not None
    return dict(doc)


async def test_db_copy_moves_sqlite_into_the_standin_without_loss(tmp_path: Path) -> None:
    source = await open_store(f"sqlite:///{tmp_path / 'chirp.db'}")
    try:
        made = await _embedded_deployment(source)
    finally:
        await source.close()
    client = StandInClient()
    out = io.StringIO()
    report = await copy_store(
        f"sqlite:///{tmp_path / 'chirp.db'}",
        URL,
        settings(),
        out,
        client=client,  # type: ignore[arg-type]
    )
    text = out.getvalue()
    assert report.ok, text
    assert "100%" in text and "0 mismatches" in text
    assert report.counts["statuses"] == (7, 7) and report.counts["reblogs"] == (1, 1)
    assert report.counts["follows"] == (2, 2) and report.counts["live_chat"] == (1, 1)
    assert report.checked["account"] == 3 and report.checked["status"] == 7
    assert all(
        rows > 0 for collection, (rows, _) in report.counts.items() if collection != "outbox"
    )
    # The copy works as a store: read through the port, beyond the spot checks.
    store = MongoStore(client, client["chirp"])  # type: ignore[arg-type]
    assert isinstance(store, Store)  # every port method is there
    since = now() - timedelta(hours=1)
    found = await store.find_idempotent_status(made["alice"], "k-1", since)
    assert found is not None and found.id == made["root"]
    assert await store.search_statuses("sqlite", viewer_id=None, limit=5, offset=0) == [
        made["root"]
    ]
    assert await store.tag_timeline(["chirp"], Page()) == [made["root"]]
    carol = (await store.get_moderations([made["carol"]]))[made["carol"]]
    assert carol.role == "moderator" and carol.silenced_at is not None
    (filed,) = await store.list_reports(Page(), target_account_id=made["carol"])
    assert filed.status_ids == (made["retweet"],) and filed.comment == "ads"
    assert [e.action for e in await store.list_audit(Page())] == ["silence"]
    assert await store.tag_followers(["chirp"]) == {"chirp": [made["bob"]]}
    assert [(f.name, f.statuses_count) for f in await store.list_featured_tags(made["alice"])] == [
        ("Chirp", 1)
    ]
    assert len(await store.link_timeline("https://example.com/copied", Page())) == 1
    assert (await store.find_reblog(made["bob"], made["root"])) is None
    assert [e.text for e in await store.get_status_edits(made["edited"])] == ["first words"]
    assert (await store.get_token_by_refresh("refresh-1")) is not None
    assert (await store.find_stream_key("digest-1")) is not None
    policy = await store.get_notification_policy(made["bob"])
    assert policy is not None and policy.for_not_following == "filter"
    requests = await store.list_notification_requests(made["bob"], Page())
    assert [(r.notifications_count, r.last_status_id) for r in requests] == [(1, made["root"])]
    assert await store.get_muted_conversations(made["bob"], [made["root"]]) == {made["root"]}
    assert await store.has_notification_permission(made["alice"], made["carol"])
    shunning = await store.get_shunning(made["carol"], [made["alice"], made["bob"]], now())
    assert shunning.blocking == {made["alice"]} and shunning.muting == set()
    [muted] = await store.list_mutes(made["bob"], Page(), now())
    assert muted.target_account_id == made["carol"] and muted.notifications is False
    assert muted.expires_at is not None and muted.expires_at > now()
    marker = (await store.get_markers(made["alice"], ["notifications"]))["notifications"]
    assert (marker.last_read_id, marker.version) == (made["root"], 1)
    events = await store.claim_events(limit=100, now=now(), lease_seconds=30)
    assert events, "the outbox's pending events are copied"
    assert (await store.get_markers(made["alice"], ["home"]))["home"].last_read_id == made["root"]
    assert [e.shortcode for e in await store.list_custom_emojis()] == ["blobcat"]
    (notice,) = await store.list_announcements()
    assert await store.dismissed_announcements(made["bob"], [notice.id]) == {notice.id}
    reactions = await store.announcement_reactions([notice.id], made["bob"])
    assert [(r.name, r.count, r.me) for r in reactions[notice.id]] == [("blobcat", 1, True)]
    poll = await store.get_poll(made["poll"])
    assert poll is not None and (poll.options, poll.votes, poll.voters_count) == (
        ("yes", "no"),
        (1, 1),
        1,
    )
    assert await store.get_own_votes(made["bob"], [made["poll"]]) == {made["poll"]: (0, 1)}
    later = await store.get_scheduled_status(made["scheduled"])
    assert later is not None and later.params == {"text": "later"}
    assert [s.id for s in await store.list_scheduled_statuses(made["alice"], Page())] == [later.id]
    held = db_media_doc(client, later.media_ids[0])
    assert held["scheduled_status_id"] == later.id  # still held: not collectable
    assert await store.get_lists(made["carol"]) == [
        UserList(made["list"], made["carol"], "Friends", "followed", True)
    ]
    assert (await store.lists_with_members(made["carol"], [made["alice"]])).get(
        made["alice"], []
    ) == [UserList(made["list"], made["carol"], "Friends", "followed", True)]
    assert await store.list_timeline(made["list"], Page()) == [made["root"]]
    (conversation,) = await store.list_conversations(made["bob"], Page())
    assert (conversation.participant_ids, conversation.status_ids, conversation.unread) == (
        (made["alice"],),
        (made["dm"],),
        True,
    )
    live = await store.list_live_streams(Page())
    assert [s.id for s in live] == [made["stream"]]
    # Every document of a sharded collection carries its shard key.
    db = client.mock.get_database("chirp")
    for collection, key in SHARD_KEYS.items():
        for doc in db[collection].find():
            assert all(field in doc for field in key), (collection, doc)


async def test_db_copy_refuses_a_target_that_holds_data(tmp_path: Path) -> None:
    source = await open_store(f"sqlite:///{tmp_path / 'chirp.db'}")
    await make_account(source)
    await source.close()
    client = StandInClient()
    url = f"sqlite:///{tmp_path / 'chirp.db'}"
    await copy_store(url, URL, settings(), io.StringIO(), client=client)  # type: ignore[arg-type]
    with pytest.raises(AdminError, match="already holds accounts"):
        await copy_store(url, URL, settings(), io.StringIO(), client=client)  # type: ignore[arg-type]
    assert client.mock.get_database("chirp")["accounts"].count_documents({}) == 1


def test_db_commands_refuse_bad_arguments_clearly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for argv, message in (
        (
            ["db", "init", "--store", f"sqlite:///{tmp_path}/c.db", "--shard"],
            "--shard is for a MongoDB",
        ),
        (["db", "copy", "--from", f"sqlite:///{tmp_path}/none.db", "--to", URL], "no SQLite store"),
        (["db", "copy", "--from", "sqlite://:memory:", "--to", URL], "--from must name a SQLite"),
        (["db", "copy", "--from", f"sqlite:///{tmp_path}/c.db", "--to", "redis://x"], "--to must"),
    ):
        with pytest.raises(SystemExit) as exited:
            main(argv)
        assert message in str(exited.value)
    main(["db", "init", "--store", f"sqlite:///{tmp_path}/c.db"])
    assert "sqlite store migrated" in capsys.readouterr().out
    assert (tmp_path / "c.db").is_file()


def test_db_init_on_an_unreachable_server_says_so_without_a_traceback() -> None:
    # Nothing listens on port 1: the driver gives up after the selection timeout.
    with pytest.raises(SystemExit) as exited:
        main(["db", "init", "--store", "mongodb://127.0.0.1:1/?serverSelectionTimeoutMS=200"])
    assert str(exited.value).startswith("chirp: cannot reach MongoDB: 127.0.0.1:1")
    assert "Topology" not in str(exited.value)


@pytest.mark.skipif(not MONGODB_URL, reason="real server only: set CHIRP_TEST_MONGODB_URL")
async def test_db_init_and_shard_refusal_on_a_real_server() -> None:
    import uuid

    name = f"chirp_test_{uuid.uuid4().hex[:12]}"
    out = io.StringIO()
    await init_store(MONGODB_URL, Settings(mongodb_database=name), out)
    await init_store(MONGODB_URL, Settings(mongodb_database=name), out)  # idempotent
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(MONGODB_URL)
    try:
        kind = (await client.admin.command("hello")).get("msg")
        if kind != "isdbgrid":
            with pytest.raises(AdminError, match="needs a sharded cluster"):
                await init_store(MONGODB_URL, Settings(mongodb_database=name), out, shard=True)
        else:
            await init_store(MONGODB_URL, Settings(mongodb_database=name), out, shard=True)
    finally:
        await client.drop_database(name)
        await client.close()


async def test_db_copy_spot_checks_catch_a_difference(tmp_path: Path) -> None:
    from chirp.storage.mongodb.copy import (
        CopyReport,
        _sample,
        _spot_check,
        connect_read_only,
        format_report,
    )

    url = f"sqlite:///{tmp_path / 'chirp.db'}"
    source = await open_store(url)
    made = await _embedded_deployment(source)
    client = StandInClient()
    await copy_store(url, URL, settings(), io.StringIO(), client=client)  # type: ignore[arg-type]
    client.mock.get_database("chirp")["statuses"].update_one(
        {"_id": made["root"]}, {"$inc": {"favourites_count": 1}}
    )
    conn = connect_read_only(str(tmp_path / "chirp.db"))
    try:
        sample = _sample(conn)
    finally:
        conn.close()
    report = CopyReport()
    try:
        await _spot_check(source, MongoStore(client, client["chirp"]), sample, report)  # type: ignore[arg-type]
    finally:
        await source.close()
    assert not report.ok
    assert [m.split(":")[0] for m in report.mismatches] == [f"status {made['root']}"]
    assert "1 mismatches" in format_report(report)


async def test_open_store_picks_mongodb_and_gives_up_on_an_unreachable_server() -> None:
    from pymongo.errors import ServerSelectionTimeoutError

    # Port 1 of the loopback has no server: the real driver tries, times out as configured,
    # and the store's client is closed again (no pool left behind).
    quick = Settings(
        mongodb_server_selection_timeout_seconds=0.2, mongodb_connect_timeout_seconds=0.2
    )
    with pytest.raises(ServerSelectionTimeoutError):
        await open_store("mongodb://127.0.0.1:1/chirp?directConnection=true", quick)
