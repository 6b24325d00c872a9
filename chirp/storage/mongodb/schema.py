"""Collections, indexes and shard keys of the MongoDB store; `chirp db init [--shard]`.

docs/mongodb.md explains each access path and the trade-offs of every shard key."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any

from pymongo import ASCENDING, DESCENDING, TEXT, IndexModel
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.errors import CollectionInvalid

from chirp.storage.mongodb.base import Doc, Session

ASC, DESC = ASCENDING, DESCENDING


def _index(*keys: tuple[str, Any], **options: Any) -> IndexModel:
    return IndexModel(list(keys), **options)


# Every collection, with its secondary indexes (the `_id` index is always there).
INDEXES: dict[str, list[IndexModel]] = {
    "apps": [_index(("client_id", ASC), unique=True)],
    "accounts": [
        _index(("username_key", ASC), unique=True),
        _index(("display_name_key", ASC)),
    ],
    "credentials": [_index(("email_key", ASC), unique=True)],
    "tokens": [
        _index(("digest", ASC), unique=True),
        _index(("refresh_digest", ASC), unique=True, sparse=True),
        _index(("account_id", ASC), ("revoked_at", ASC)),
    ],
    "authorization_codes": [],
    "statuses": [
        _index(("account_id", ASC), ("_id", DESC)),  # account timelines, pulled home posts
        _index(("in_reply_to_id", ASC), ("_id", ASC)),  # thread descendants
        _index(("conversation_id", ASC), ("_id", ASC)),
        _index(("reblog_of_id", ASC)),  # a tweet's retweets (deletion)
        _index(("public_feed", ASC), ("_id", DESC)),  # the public timeline
        _index(("tag_keys", ASC), ("_id", DESC)),  # hashtag timelines, trends
        _index(("mention_ids", ASC), ("_id", DESC)),
        _index(("link_keys", ASC), ("_id", DESC)),  # the link timeline
        _index(("text", TEXT), default_language="none", name="text_search"),
    ],
    "status_edits": [_index(("status_id", ASC), ("_id", ASC))],
    "tags": [_index(("uses", DESC))],
    "idempotency_keys": [],
    "reblogs": [_index(("status_id", ASC), ("id", DESC)), _index(("id", DESC))],
    "favourites": [
        _index(("status_id", ASC), ("id", DESC)),
        _index(("account_id", ASC), ("id", DESC)),
        _index(("id", DESC)),  # trends: recent likes
    ],
    "bookmarks": [_index(("account_id", ASC), ("id", DESC)), _index(("status_id", ASC))],
    "pins": [_index(("account_id", ASC), ("id", DESC)), _index(("status_id", ASC))],
    "follows": [
        _index(("target_account_id", ASC), ("id", DESC)),  # followers (fan-out)
        _index(("account_id", ASC), ("id", DESC)),  # following
        # The follows with options not the defaults, which the audience rule reads per tweet.
        _index(
            ("target_account_id", ASC),
            name="follows_with_options",
            partialFilterExpression={"has_options": True},
        ),
    ],
    "home_feed": [
        _index(("owner_id", ASC), ("status_id", DESC)),
        _index(("owner_id", ASC), ("author_id", ASC)),  # unfollow removes an author's entries
        _index(("status_id", ASC)),  # deletion
    ],
    "notifications": [
        _index(("account_id", ASC), ("id", DESC)),
        _index(("status_id", ASC)),
        _index(("type", ASC), ("from_account_id", ASC), ("status_id", ASC)),
        _index(("account_id", ASC), ("group_key", ASC), ("id", DESC)),  # groups
        _index(("account_id", ASC), ("from_account_id", ASC), ("filtered", ASC)),  # requests
    ],
    "outbox": [_index(("available_at", ASC))],
    "polls": [_index(("status_id", ASC), unique=True)],
    "poll_votes": [_index(("poll_id", ASC))],
    "scheduled_statuses": [_index(("account_id", ASC), ("_id", DESC))],
    "filters": [_index(("account_id", ASC), ("_id", ASC))],
    "filter_versions": [],  # `_id` the account
    "preview_cards": [],  # `_id` the link key
    "push_subscriptions": [_index(("account_id", ASC)), _index(("id", ASC), unique=True)],
    "instance_secrets": [],  # `_id` the name
    "media": [
        _index(("status_id", ASC), ("updated_at", ASC)),
        _index(("scheduled_status_id", ASC), sparse=True),  # what a scheduled post holds
    ],
    "live_streams": [
        _index(("state", ASC), ("_id", DESC)),
        _index(("account_id", ASC), ("state", ASC), ("_id", DESC)),
    ],
    "stream_keys": [_index(("digest", ASC), unique=True)],
    "live_viewers": [_index(("stream_id", ASC), ("seen_ms", ASC))],
    "live_chat": [
        _index(("stream_id", ASC), ("_id", DESC)),
        _index(("stream_id", ASC), ("account_id", ASC), ("_id", DESC)),
    ],
    "chat_senders": [],
    "chat_bans": [],
    "chat_moderators": [_index(("streamer_id", ASC), ("created_at", ASC))],
    "viewer_history": [_index(("stream_id", ASC), ("minute_ms", DESC))],
    "markers": [],  # `_id` "<account>:<timeline>"
    "custom_emojis": [],  # `_id` the shortcode
    "announcements": [],
    "announcement_reactions": [_index(("announcement_id", ASC))],
    "announcement_dismissals": [_index(("announcement_id", ASC))],
    "follow_requests": [
        _index(("target_account_id", ASC), ("id", DESC)),  # a locked account's pending list
    ],
    "account_notes": [],
    "notification_policies": [],  # `_id`: the account
    "notification_requests": [_index(("account_id", ASC), ("id", DESC))],
    "notification_permissions": [],  # `_id`: "<account>:<sender>"
    "conversation_mutes": [_index(("conversation_id", ASC))],  # `_id`: "<account>:<root>"
    # `_id`: "<account>:<target>"; the lists by the account, who blocks/mutes a target
    "account_blocks": [
        _index(("account_id", ASC), ("id", DESC)),
        _index(("target_account_id", ASC), ("account_id", ASC)),
    ],
    "account_mutes": [
        _index(("account_id", ASC), ("id", DESC)),
        _index(("target_account_id", ASC), ("account_id", ASC)),
        _index(("expires_at", ASC), sparse=True),
    ],
    "tag_follows": [
        _index(("account_id", ASC), ("name_key", ASC), unique=True),
        _index(("account_id", ASC), ("_id", DESC)),  # followed_tags
        _index(("name_key", ASC)),  # the fan-out: a tweet's tag followers
    ],
    "featured_tags": [_index(("account_id", ASC), ("name_key", ASC), unique=True)],
    "account_moderation": [_index(("approved", ASC)), _index(("suspended_at", ASC))],  # `_id`
    "reports": [_index(("target_account_id", ASC), ("_id", DESC)), _index(("resolved", ASC))],
    "audit_log": [],
    "lists": [_index(("account_id", ASC), ("_id", ASC))],  # `_id`: the list id
    # `_id`: "<list>:<account>"; a list's members, the lists of an author (the fan-out), an
    # owner's memberships of an account (its lists of it; an unfollow)
    "list_accounts": [
        _index(("list_id", ASC), ("account_id", DESC)),
        _index(("account_id", ASC)),
        _index(("owner_id", ASC), ("account_id", ASC)),
    ],
    # `_id`: "<list>:<status>"
    "list_feed": [
        _index(("list_id", ASC), ("status_id", DESC)),
        _index(("status_id", ASC)),
        _index(("owner_id", ASC), ("author_id", ASC)),
    ],
    "conversations": [
        _index(("account_id", ASC), ("thread_id", ASC), ("key", ASC), unique=True),
        _index(("account_id", ASC), ("last_status_id", DESC)),
        _index(("status_ids", ASC)),
    ],
}

# Shard keys of the collections that grow with activity. The rest stay unsharded on the
# database's primary shard: they are small, or need a cluster-wide unique index (username,
# email, token digest, client id), which only a shard-key-prefixed index can give.
SHARD_KEYS: dict[str, Doc] = {
    "statuses": {"account_id": "hashed"},  # tweets by author
    "home_feed": {"owner_id": "hashed"},  # timelines by owner
    "follows": {"target_account_id": "hashed"},  # followers of an author: fan-out
    "favourites": {"status_id": "hashed"},  # likes by tweet
    "reblogs": {"status_id": "hashed"},
    "bookmarks": {"account_id": "hashed"},
    "notifications": {"account_id": "hashed"},
    "status_edits": {"status_id": "hashed"},
    "media": {"_id": "hashed"},
    "live_chat": {"stream_id": "hashed"},
    "live_viewers": {"stream_id": "hashed"},
}


class NotShardedCluster(Exception):
    """`--shard` was asked of a replica set or standalone server."""


async def init_indexes(db: AsyncDatabase[Doc]) -> dict[str, list[str]]:
    """Create every collection's indexes; idempotent (an existing index is left as is).
    Returns the index names per collection."""
    created: dict[str, list[str]] = {}
    existing = set(await db.list_collection_names())
    for name, indexes in INDEXES.items():
        if name not in existing:
            # Transactions may not create collections on every server version: make them now.
            with contextlib.suppress(CollectionInvalid):  # another node just made it
                await db.create_collection(name)
        created[name] = await db[name].create_indexes(indexes) if indexes else []
    return created


def shard_commands(database: str) -> list[tuple[str, Mapping[str, Any]]]:
    """The admin commands `--shard` issues, in order."""
    commands: list[tuple[str, Mapping[str, Any]]] = [
        ("enableSharding", {"enableSharding": database})
    ]
    for collection, key in SHARD_KEYS.items():
        commands.append(
            ("shardCollection", {"shardCollection": f"{database}.{collection}", "key": key})
        )
    return commands


async def cluster_kind(client: AsyncMongoClient[Doc]) -> str:
    """`sharded` (a mongos), `replicaset` or `standalone`, from the `hello` handshake."""
    hello = await client.admin.command("hello")
    if hello.get("msg") == "isdbgrid":
        return "sharded"
    return "replicaset" if hello.get("setName") else "standalone"


async def shard_collections(client: AsyncMongoClient[Doc], database: str) -> list[str]:
    """Enable sharding on the database and shard every large collection by its key.
    Refuses (`NotShardedCluster`) unless connected to a mongos. Idempotent: a collection
    already sharded with the same key is accepted by the server as is."""
    kind = await cluster_kind(client)
    if kind != "sharded":
        raise NotShardedCluster(
            f"--shard needs a sharded cluster (connect to a mongos); this is a {kind}"
        )
    db = client[database]
    for collection, key in SHARD_KEYS.items():  # shardCollection needs an index on its key
        await db[collection].create_index(list(key.items()))
    done = []
    for name, command in shard_commands(database):
        await client.admin.command(dict(command))
        done.append(f"{name} {command[name]}")
    return done


async def insert_new(
    db: AsyncDatabase[Doc], collection: str, doc: Doc, session: Session | None = None
) -> bool:
    """Insert `doc` unless a document with its `_id` exists; True if it was new. An upsert
    that only sets on insert, so it works inside a transaction (a duplicate-key error would
    abort it). The filter names the shard key too: a sharded upsert must."""
    query = {"_id": doc["_id"]}
    for field in SHARD_KEYS.get(collection, {}):
        query[field] = doc[field]
    fresh = {field: value for field, value in doc.items() if field not in query}
    result = await db[collection].update_one(
        query, {"$setOnInsert": fresh}, upsert=True, session=session
    )
    return result.upserted_id is not None
