"""Base of the MongoDB aggregate mixins: the client, the database, transactions and helpers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from pymongo import ReadPreference
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.asynchronous.mongo_client import AsyncMongoClient
from pymongo.client_session_shared import TransactionOptions
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from chirp.core.models import Event, Page

Doc = dict[str, Any]
Session = AsyncClientSession
T = TypeVar("T")

# Multi-document writes run in transactions: snapshot reads, majority commit, on the primary.
# `with_transaction` retries the whole callback on TransientTransactionError (write conflicts
# between two nodes) and the commit on UnknownTransactionCommitResult.
TRANSACTION_OPTIONS = TransactionOptions(
    read_concern=ReadConcern("snapshot"),
    write_concern=WriteConcern("majority"),
    read_preference=ReadPreference.PRIMARY,
)


class MongoBase:
    client: AsyncMongoClient[Doc]
    db: AsyncDatabase[Doc]

    async def _transaction(self, work: Callable[[Session], Awaitable[T]]) -> T:
        """Run `work(session)` in one transaction: all of its writes or none."""
        async with self.client.start_session(
            default_transaction_options=TRANSACTION_OPTIONS
        ) as session:
            return await session.with_transaction(work)

    async def _account_exists(self, account_id: int, session: Session | None = None) -> bool:
        found = await self.db.accounts.find_one({"_id": account_id}, {"_id": 1}, session=session)
        return found is not None


def ts(value: datetime) -> str:
    """Times are fixed-width ISO 8601 UTC text: microseconds kept (BSON dates keep ms only)
    and text order is time order, so range queries and sorts work on the string."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def ts_or_none(value: datetime | None) -> str | None:
    return None if value is None else ts(value)


def dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def dt_or_none(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def unix_ms(value: datetime) -> int:
    """Milliseconds since the epoch: times compared often (heartbeats, leases) as integers."""
    return int(value.timestamp() * 1000)


def edge(*parts: object) -> str:
    """The natural key of a relation (`"<account>:<status>"`) used as its `_id`: inserting it
    twice collides on `_id`, which stays unique when sharded because the shard key is one of
    the parts (the same pair always lands on the same shard)."""
    return ":".join(str(part) for part in parts)


def unique_ids(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


async def find_by_ids(
    collection: AsyncCollection[Doc], ids: Iterable[int], convert: Callable[[Doc], T]
) -> dict[int, T]:
    """The documents with these `_id`s, converted, by id (one query; none for no ids)."""
    wanted = unique_ids(ids)
    if not wanted:
        return {}
    docs = await collection.find({"_id": {"$in": wanted}}).to_list(None)
    return {doc["_id"]: convert(doc) for doc in docs}


def page_filter(page: Page, field: str = "_id") -> Doc:
    """Mastodon pagination: `max_id` / `since_id` / `min_id` bounds on one id field."""
    bounds: Doc = {}
    if page.max_id is not None:
        bounds["$lt"] = page.max_id
    lower = page.min_id if page.min_id is not None else page.since_id
    if lower is not None:
        bounds["$gt"] = lower
    return {field: bounds} if bounds else {}


def page_sort(page: Page, field: str = "_id") -> list[tuple[str, int]]:
    """`min_id` pages walk forward from the cursor (oldest first); the rest walk backward."""
    return [(field, 1 if page.min_id is not None else -1)]


def newest_first(page: Page, rows: list[T]) -> list[T]:
    return rows[::-1] if page.min_id is not None else rows


def merge_pages(page: Page, *id_lists: Iterable[int]) -> list[int]:
    """Union of several id lists each already paged the same way: the page of their union."""
    merged = sorted(set().union(*id_lists), reverse=page.min_id is None)[: page.limit]
    return sorted(merged, reverse=True)


def event_doc(event: Event, at: datetime) -> Doc:
    return {
        "_id": event.id,
        "kind": event.kind,
        "payload": event.payload,
        "attempts": 0,
        "available_at": ts(at),
        "claimed_until": None,
    }


async def record_event(
    db: AsyncDatabase[Doc], session: Session, event: Event, at: datetime
) -> None:
    """Write a domain event to the outbox inside the caller's transaction."""
    await db.outbox.insert_one(event_doc(event, at), session=session)
