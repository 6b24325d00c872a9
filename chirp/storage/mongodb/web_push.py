"""Web Push subscriptions in MongoDB (`push_subscriptions`, `_id` the token's id: one per
token) and the instance's kept secrets (`instance_secrets`, `_id` the name)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from chirp.core.models import Event, PushSubscription
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    event_doc,
    ts,
    unique_ids,
)


def subscription_doc(s: PushSubscription) -> Doc:
    return {
        "_id": s.token_id,
        "id": s.id,
        "account_id": s.account_id,
        "endpoint": s.endpoint,
        "p256dh": s.p256dh,
        "auth": s.auth,
        "alerts": sorted(s.alerts),
        "policy": s.policy,
        "standard": s.standard,
        "created_at": ts(s.created_at),
    }


def _subscription(doc: Doc) -> PushSubscription:
    return PushSubscription(
        id=doc["id"],
        token_id=doc["_id"],
        account_id=doc["account_id"],
        endpoint=doc["endpoint"],
        p256dh=doc["p256dh"],
        auth=doc["auth"],
        alerts=frozenset(doc["alerts"]),
        policy=doc["policy"],
        standard=doc["standard"],
        created_at=dt(doc["created_at"]),
    )


class MongoWebPush(MongoBase):
    async def save_push_subscription(self, subscription: PushSubscription) -> None:
        doc = subscription_doc(subscription)
        token_id = doc.pop("_id")
        await self.db.push_subscriptions.update_one({"_id": token_id}, {"$set": doc}, upsert=True)

    async def get_push_subscription(self, token_id: int) -> PushSubscription | None:
        doc = await self.db.push_subscriptions.find_one({"_id": token_id})
        return _subscription(doc) if doc is not None else None

    async def update_push_subscription(
        self, token_id: int, alerts: frozenset[str], policy: str
    ) -> PushSubscription | None:
        doc = await self.db.push_subscriptions.find_one_and_update(
            {"_id": token_id},
            {"$set": {"alerts": sorted(alerts), "policy": policy}},
            return_document=ReturnDocument.AFTER,
        )
        return _subscription(doc) if doc is not None else None

    async def remove_push_subscription(self, subscription_id: int) -> bool:
        result = await self.db.push_subscriptions.delete_one({"id": subscription_id})
        return result.deleted_count > 0

    async def live_push_subscriptions(
        self, account_ids: Iterable[int], now: datetime
    ) -> list[PushSubscription]:
        wanted = unique_ids(account_ids)
        if not wanted:
            return []
        docs = await self.db.push_subscriptions.find({"account_id": {"$in": wanted}}).to_list(None)
        if not docs:
            return []
        tokens = await self.db.tokens.find(
            {"_id": {"$in": [d["_id"] for d in docs]}}, {"revoked_at": 1, "expires_at": 1}
        ).to_list(None)
        live = set()
        for token in tokens:
            expires = dt_or_none(token["expires_at"])
            if token["revoked_at"] is None and (expires is None or now < expires):
                live.add(token["_id"])
        return sorted((_subscription(d) for d in docs if d["_id"] in live), key=lambda s: s.id)

    async def get_push_subscriptions(
        self, subscription_ids: Iterable[int]
    ) -> dict[int, PushSubscription]:
        wanted = unique_ids(subscription_ids)
        if not wanted:
            return {}
        docs = await self.db.push_subscriptions.find({"id": {"$in": wanted}}).to_list(None)
        return {doc["id"]: _subscription(doc) for doc in docs}

    async def record_events(self, events: Sequence[Event], available_at: datetime) -> None:
        if not events:
            return

        async def work(session: Session) -> None:
            await self.db.outbox.insert_many(
                [event_doc(event, available_at) for event in events], session=session
            )

        await self._transaction(work)

    async def claim_instance_secret(self, name: str, value: str) -> str:
        with contextlib.suppress(DuplicateKeyError):  # another node's is kept
            await self.db.instance_secrets.insert_one({"_id": name, "value": value})
        doc = await self.db.instance_secrets.find_one({"_id": name})
        assert doc is not None
        return str(doc["value"])
