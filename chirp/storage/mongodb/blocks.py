"""Blocks and mutes between accounts in MongoDB (`account_blocks`, `account_mutes`, `_id` =
"<account>:<target>"). `expires_at` is fixed-width UTC text (None: for good)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo import ReturnDocument

from chirp.core.models import AccountBlock, AccountMute, Page
from chirp.core.ports.blocks import Shunning
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    dt,
    dt_or_none,
    edge,
    newest_first,
    page_filter,
    page_sort,
    ts,
    ts_or_none,
    unique_ids,
)
from chirp.storage.mongodb.schema import insert_new


def _in_force(now: datetime) -> Doc:
    return {"$or": [{"expires_at": None}, {"expires_at": {"$gt": ts(now)}}]}


def _mute(doc: Doc) -> AccountMute:
    return AccountMute(
        id=doc["id"],
        account_id=doc["account_id"],
        target_account_id=doc["target_account_id"],
        notifications=doc["notifications"],
        created_at=dt(doc["created_at"]),
        expires_at=dt_or_none(doc.get("expires_at")),
    )


class MongoBlocks(MongoBase):
    async def add_block(self, block: AccountBlock) -> bool:
        return await insert_new(
            self.db,
            "account_blocks",
            {
                "_id": edge(block.account_id, block.target_account_id),
                "id": block.id,
                "account_id": block.account_id,
                "target_account_id": block.target_account_id,
                "created_at": ts(block.created_at),
            },
        )

    async def remove_block(self, account_id: int, target_account_id: int) -> bool:
        result = await self.db.account_blocks.delete_one(
            {"_id": edge(account_id, target_account_id)}
        )
        return result.deleted_count == 1

    async def list_blocks(self, account_id: int, page: Page) -> list[tuple[int, int]]:
        docs = await self.db.account_blocks.find(
            {"account_id": account_id, **page_filter(page, "id")},
            {"id": 1, "target_account_id": 1},
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [(doc["id"], doc["target_account_id"]) for doc in newest_first(page, docs)]

    async def save_mute(self, mute: AccountMute) -> bool:
        key = edge(mute.account_id, mute.target_account_id)
        # An expired mute is replaced whole (a new mute), one in force keeps id and date.
        await self.db.account_mutes.delete_one(
            {"_id": key, "expires_at": {"$ne": None, "$lte": ts(mute.created_at)}}
        )
        before = await self.db.account_mutes.find_one_and_update(
            {"_id": key},
            {
                "$set": {
                    "notifications": mute.notifications,
                    "expires_at": ts_or_none(mute.expires_at),
                },
                "$setOnInsert": {
                    "id": mute.id,
                    "account_id": mute.account_id,
                    "target_account_id": mute.target_account_id,
                    "created_at": ts(mute.created_at),
                },
            },
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        return before is None

    async def remove_mute(self, account_id: int, target_account_id: int) -> bool:
        result = await self.db.account_mutes.delete_one(
            {"_id": edge(account_id, target_account_id)}
        )
        return result.deleted_count == 1

    async def list_mutes(self, account_id: int, page: Page, now: datetime) -> list[AccountMute]:
        docs = await self.db.account_mutes.find(
            {"account_id": account_id, **page_filter(page, "id"), **_in_force(now)},
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [_mute(doc) for doc in newest_first(page, docs)]

    async def get_shunning(
        self, account_id: int, other_ids: Iterable[int], now: datetime
    ) -> Shunning:
        ids = unique_ids(other_ids)
        found = Shunning()
        if not ids:
            return found
        outgoing = [edge(account_id, other) for other in ids]
        incoming = [edge(other, account_id) for other in ids]
        blocks = await self.db.account_blocks.find(
            {"_id": {"$in": outgoing + incoming}}, {"account_id": 1, "target_account_id": 1}
        ).to_list(None)
        for doc in blocks:
            if doc["account_id"] == account_id:
                found.blocking.add(doc["target_account_id"])
            else:
                found.blocked_by.add(doc["account_id"])
        mutes = await self.db.account_mutes.find(
            {"_id": {"$in": outgoing}, **_in_force(now)},
            {"target_account_id": 1, "notifications": 1},
        ).to_list(None)
        for doc in mutes:
            found.muting.add(doc["target_account_id"])
            if doc["notifications"]:
                found.muting_notifications.add(doc["target_account_id"])
        return found

    async def get_shunners(
        self,
        target_account_id: int,
        account_ids: Iterable[int] | None,
        now: datetime,
        *,
        notifications_only: bool = False,
    ) -> set[int]:
        query: Doc = {"target_account_id": target_account_id}
        if account_ids is not None:
            ids = unique_ids(account_ids)
            if not ids:
                return set()
            query["account_id"] = {"$in": ids}
        blockers = await self.db.account_blocks.find(query, {"account_id": 1}).to_list(None)
        muted: Doc = {**query, **_in_force(now)}
        if notifications_only:
            muted["notifications"] = True
        muters = await self.db.account_mutes.find(muted, {"account_id": 1}).to_list(None)
        return {doc["account_id"] for doc in [*blockers, *muters]}

    async def get_shunned(self, account_id: int, now: datetime) -> set[int]:
        blocking = await self.db.account_blocks.find(
            {"account_id": account_id}, {"target_account_id": 1}
        ).to_list(None)
        blockers = await self.db.account_blocks.find(
            {"target_account_id": account_id}, {"account_id": 1}
        ).to_list(None)
        muted = await self.db.account_mutes.find(
            {"account_id": account_id, **_in_force(now)}, {"target_account_id": 1}
        ).to_list(None)
        return {
            *(doc["target_account_id"] for doc in blocking),
            *(doc["account_id"] for doc in blockers),
            *(doc["target_account_id"] for doc in muted),
        }

    async def purge_expired_mutes(self, now: datetime) -> list[int]:
        expired = await self.db.account_mutes.find(
            {"expires_at": {"$ne": None, "$lte": ts(now)}}, {"account_id": 1}
        ).to_list(None)
        if not expired:
            return []
        await self.db.account_mutes.delete_many(
            {"_id": {"$in": [doc["_id"] for doc in expired]}, "expires_at": {"$lte": ts(now)}}
        )
        return unique_ids(doc["account_id"] for doc in expired)
