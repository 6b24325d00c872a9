"""Follow requests (`follow_requests`, `_id` = "<requester>:<locked account>"), account notes
(`account_notes`, `_id` = "<author>:<target>") and familiar followers in MongoDB."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from pymongo.asynchronous.database import AsyncDatabase

from chirp.core.ids import id_time
from chirp.core.models import Event, Follow, FollowRequest, Page
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    edge,
    newest_first,
    page_filter,
    page_sort,
    record_event,
    ts,
    unique_ids,
)
from chirp.storage.mongodb.follows import insert_follow, options_doc, options_of, require_pair
from chirp.storage.mongodb.schema import insert_new


def follow_request_doc(request: FollowRequest) -> Doc:
    return {
        "_id": edge(request.account_id, request.target_account_id),
        "id": request.id,
        "account_id": request.account_id,
        "target_account_id": request.target_account_id,
        **options_doc(request),
        "created_at": ts(request.created_at),
    }


def account_note_doc(
    account_id: int, target_account_id: int, comment: str, updated_at: datetime
) -> Doc:
    return {
        "_id": edge(account_id, target_account_id),
        "account_id": account_id,
        "target_account_id": target_account_id,
        "comment": comment,
        "updated_at": ts(updated_at),
    }


async def _take_request(
    db: AsyncDatabase[Doc], session: Session, account_id: int, target_account_id: int
) -> Doc | None:
    """Delete the pending request (in the caller's transaction): it, None if there was none."""
    found: Doc | None = await db.follow_requests.find_one_and_delete(
        {"_id": edge(account_id, target_account_id)}, session=session
    )
    return found


def _request(doc: Doc) -> FollowRequest:
    show_reblogs, notify, languages = options_of(doc)
    return FollowRequest(
        doc["id"],
        doc["account_id"],
        doc["target_account_id"],
        dt(doc["created_at"]),
        show_reblogs,
        notify,
        languages,
    )


class MongoFollowRequests(MongoBase):
    async def add_follow_request(self, request: FollowRequest, *, event: Event) -> bool:
        db = self.db

        async def add(session: Session) -> bool:
            await require_pair(db, session, request.account_id, request.target_account_id)
            following = await db.follows.find_one(
                {"_id": edge(request.account_id, request.target_account_id)},
                {"_id": 1},
                session=session,
            )
            if following is not None:
                return False
            if not await insert_new(db, "follow_requests", follow_request_doc(request), session):
                return False
            await record_event(db, session, event, request.created_at)
            return True

        return await self._transaction(add)

    async def get_follow_request(
        self, account_id: int, target_account_id: int
    ) -> FollowRequest | None:
        doc = await self.db.follow_requests.find_one({"_id": edge(account_id, target_account_id)})
        return None if doc is None else _request(doc)

    async def set_follow_request_options(self, request: FollowRequest) -> bool:
        result = await self.db.follow_requests.update_one(
            {"_id": edge(request.account_id, request.target_account_id)},
            {"$set": options_doc(request)},
        )
        return bool(result.matched_count == 1)

    async def remove_follow_request(
        self, account_id: int, target_account_id: int, *, event: Event
    ) -> bool:
        db = self.db

        async def remove(session: Session) -> bool:
            if await _take_request(db, session, account_id, target_account_id) is None:
                return False
            await record_event(db, session, event, id_time(event.id))
            return True

        return await self._transaction(remove)

    async def authorize_follow_request(
        self, account_id: int, target_account_id: int, follow: Follow, *, event: Event
    ) -> bool:
        db = self.db

        async def authorize(session: Session) -> bool:
            taken = await _take_request(db, session, account_id, target_account_id)
            if taken is None:
                return False
            follow.show_reblogs, follow.notify, follow.languages = options_of(taken)
            await insert_follow(db, session, follow)
            await record_event(db, session, event, follow.created_at)
            return True

        return await self._transaction(authorize)

    async def list_follow_requests(
        self, target_account_id: int, page: Page
    ) -> list[tuple[int, int]]:
        docs = await self.db.follow_requests.find(
            {"target_account_id": target_account_id, **page_filter(page, "id")},
            {"id": 1, "account_id": 1},
            sort=page_sort(page, "id"),
            limit=page.limit,
        ).to_list(None)
        return [(doc["id"], doc["account_id"]) for doc in newest_first(page, docs)]

    async def count_follow_requests(self, target_account_id: int) -> int:
        return await self.db.follow_requests.count_documents(
            {"target_account_id": target_account_id}
        )

    async def get_follow_request_state(
        self, account_id: int, target_ids: Iterable[int]
    ) -> tuple[dict[int, FollowRequest], set[int]]:
        ids = unique_ids(target_ids)
        if not ids:
            return {}, set()
        outgoing = [edge(account_id, target) for target in ids]
        incoming = [edge(target, account_id) for target in ids]
        docs = await self.db.follow_requests.find({"_id": {"$in": outgoing + incoming}}).to_list(
            None
        )
        requested = {
            d["target_account_id"]: _request(d) for d in docs if d["account_id"] == account_id
        }
        requested_by = {d["account_id"] for d in docs if d["target_account_id"] == account_id}
        return requested, requested_by

    async def familiar_followers(
        self, account_id: int, target_ids: Iterable[int]
    ) -> dict[int, list[int]]:
        ids = unique_ids(target_ids)
        if not ids:
            return {}
        mine = await self.db.follows.find(
            {"account_id": account_id}, {"target_account_id": 1}
        ).to_list(None)
        followed = [doc["target_account_id"] for doc in mine]
        if not followed:
            return {}
        docs = await self.db.follows.find(
            {"target_account_id": {"$in": ids}, "account_id": {"$in": followed}},
            {"account_id": 1, "target_account_id": 1},
            sort=[("id", -1)],
        ).to_list(None)
        found: dict[int, list[int]] = {}
        for doc in docs:
            found.setdefault(doc["target_account_id"], []).append(doc["account_id"])
        return found

    async def set_account_note(
        self, account_id: int, target_account_id: int, comment: str, updated_at: datetime
    ) -> None:
        key = edge(account_id, target_account_id)
        if not comment:
            await self.db.account_notes.delete_one({"_id": key})
            return
        doc = account_note_doc(account_id, target_account_id, comment, updated_at)
        del doc["_id"]
        await self.db.account_notes.update_one({"_id": key}, {"$set": doc}, upsert=True)

    async def get_account_notes(self, account_id: int, target_ids: Iterable[int]) -> dict[int, str]:
        keys = [edge(account_id, target) for target in unique_ids(target_ids)]
        if not keys:
            return {}
        docs = await self.db.account_notes.find(
            {"_id": {"$in": keys}}, {"target_account_id": 1, "comment": 1}
        ).to_list(None)
        return {doc["target_account_id"]: doc["comment"] for doc in docs}
