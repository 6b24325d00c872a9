"""Tweets stored in MongoDB before the link timeline get their `link_keys` when a store opens
(`add_missing_link_keys`), on the stand-in."""

from __future__ import annotations

from chirp.core.models import Page
from chirp.core.text import link_key
from chirp.storage.mongodb import MongoStore
from chirp.storage.mongodb.links import add_missing_link_keys
from chirp.storage.mongodb.schema import init_indexes
from tests.storage.factories import make_account, post
from tests.storage.mongo_standin import StandInClient


async def test_tweets_stored_before_link_keys_join_the_link_timeline() -> None:
    client = StandInClient()
    store = MongoStore(client, client["chirp"])  # type: ignore[arg-type]
    await init_indexes(store.db)
    author = await make_account(store)
    url = "https://example.com/old-news"
    linked = await post(store, author, f"read {url}")
    plain = await post(store, author, "no link")
    for status in (linked, plain):  # as stored before the link timeline
        await store.db.statuses.update_one({"_id": status.id}, {"$unset": {"link_keys": ""}})
    key = link_key(url) or ""
    assert await store.link_timeline(key, Page()) == []
    assert await add_missing_link_keys(store.db) == 2
    assert await store.link_timeline(key, Page()) == [linked.id]
    assert await add_missing_link_keys(store.db) == 0
    assert (await store.db.statuses.find_one({"_id": plain.id}))["link_keys"] == []
