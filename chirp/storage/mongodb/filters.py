"""Content filters in MongoDB: one `filters` document per filter, its keywords and tweets
embedded, so a save is one conditional update on (`_id`, `account_id`, `version`); each write
raises the account's `filter_versions` counter in the same transaction."""

from __future__ import annotations

from chirp.core.models import Filter, FilterKeyword, FilterStatus
from chirp.storage.mongodb.base import Doc, MongoBase, Session, dt_or_none, ts_or_none


def _doc(filter_: Filter, version: int) -> Doc:
    return {
        "_id": filter_.id,
        "account_id": filter_.account_id,
        "title": filter_.title,
        "context": list(filter_.context),
        "action": filter_.action,
        "expires_at": ts_or_none(filter_.expires_at),
        "keywords": [
            {"id": k.id, "keyword": k.keyword, "whole_word": k.whole_word} for k in filter_.keywords
        ],
        "statuses": [{"id": s.id, "status_id": s.status_id} for s in filter_.statuses],
        "version": version,
    }


def _filter(doc: Doc) -> Filter:
    return Filter(
        id=doc["_id"],
        account_id=doc["account_id"],
        title=doc["title"],
        context=tuple(doc["context"]),
        action=doc["action"],
        expires_at=dt_or_none(doc.get("expires_at")),
        keywords=tuple(
            FilterKeyword(k["id"], k["keyword"], k["whole_word"]) for k in doc["keywords"]
        ),
        statuses=tuple(FilterStatus(s["id"], s["status_id"]) for s in doc["statuses"]),
        version=doc["version"],
    )


class MongoFilters(MongoBase):
    async def _bump(self, account_id: int, session: Session) -> None:
        await self.db.filter_versions.update_one(
            {"_id": account_id}, {"$inc": {"version": 1}}, upsert=True, session=session
        )

    async def filters_version(self, account_id: int) -> int:
        doc = await self.db.filter_versions.find_one({"_id": account_id})
        return int(doc["version"]) if doc is not None else 0

    async def get_filters(self, account_id: int) -> list[Filter]:
        docs = await self.db.filters.find({"account_id": account_id}, sort=[("_id", 1)]).to_list(
            None
        )
        return [_filter(doc) for doc in docs]

    async def create_filter(self, filter_: Filter) -> None:
        async def work(session: Session) -> None:
            await self.db.filters.insert_one(_doc(filter_, filter_.version), session=session)
            await self._bump(filter_.account_id, session)

        await self._transaction(work)

    async def save_filter(self, filter_: Filter) -> bool:
        fresh = _doc(filter_, filter_.version + 1)
        del fresh["_id"]

        async def work(session: Session) -> bool:
            result = await self.db.filters.update_one(
                {"_id": filter_.id, "account_id": filter_.account_id, "version": filter_.version},
                {"$set": fresh},
                session=session,
            )
            if result.matched_count == 0:
                return False
            await self._bump(filter_.account_id, session)
            return True

        return await self._transaction(work)

    async def remove_filter(self, account_id: int, filter_id: int) -> bool:
        async def work(session: Session) -> bool:
            result = await self.db.filters.delete_one(
                {"_id": filter_id, "account_id": account_id}, session=session
            )
            if result.deleted_count == 0:
                return False
            await self._bump(account_id, session)
            return True

        return await self._transaction(work)
