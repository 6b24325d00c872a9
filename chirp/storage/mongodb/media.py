"""Media attachments in MongoDB (`media`): which blobs belong to which upload and tweet."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.asynchronous.database import AsyncDatabase

from chirp.core.models import MediaAttachment
from chirp.core.ports.media import MediaNotAttachable
from chirp.storage.mongodb.base import Doc, MongoBase, Session, dt, find_by_ids, ts


def media_doc(media: MediaAttachment) -> Doc:
    return {
        "_id": media.id,
        "account_id": media.account_id,
        "status_id": media.status_id,
        "type": media.type,
        "state": media.state,
        "content_type": media.content_type,
        "file_key": media.file_key,
        "preview_key": media.preview_key,
        "thumbnail_key": media.thumbnail_key,
        "meta": media.meta,
        "blurhash": media.blurhash,
        "description": media.description,
        "focus": list(media.focus),
        "error": media.error,
        "created_at": ts(media.created_at),
        "updated_at": ts(media.updated_at),
    }


def media_from_doc(doc: Doc) -> MediaAttachment:
    return MediaAttachment(
        id=doc["_id"],
        account_id=doc["account_id"],
        status_id=doc["status_id"],
        type=doc["type"],
        state=doc["state"],
        content_type=doc["content_type"],
        file_key=doc["file_key"],
        preview_key=doc["preview_key"],
        thumbnail_key=doc["thumbnail_key"],
        meta=doc["meta"],
        blurhash=doc["blurhash"],
        description=doc["description"],
        focus=(float(doc["focus"][0]), float(doc["focus"][1])),
        error=doc["error"],
        created_at=dt(doc["created_at"]),
        updated_at=dt(doc["updated_at"]),
    )


async def attach_media(
    db: AsyncDatabase[Doc],
    session: Session,
    status_id: int,
    account_id: int,
    media_ids: Sequence[int],
    at: datetime,
) -> None:
    """Inside the tweet's transaction: every id must be the author's, ready and unattached."""
    if not media_ids:
        return
    result = await db.media.update_many(
        {
            "_id": {"$in": list(media_ids)},
            "account_id": account_id,
            "status_id": None,
            "scheduled_status_id": None,
            "state": "ready",
        },
        {"$set": {"status_id": status_id, "updated_at": ts(at)}},
        session=session,
    )
    if result.modified_count != len(set(media_ids)):
        raise MediaNotAttachable("media")


async def detach_media(
    db: AsyncDatabase[Doc],
    session: Session,
    status_id: int,
    media_ids: Sequence[int] | None,
    at: datetime,
) -> None:
    """Detach the given attachments of a tweet (all of them when `media_ids` is None)."""
    if media_ids is not None and not media_ids:
        return
    query: Doc = {"status_id": status_id}
    if media_ids is not None:
        query["_id"] = {"$in": list(media_ids)}
    await db.media.update_many(
        query, {"$set": {"status_id": None, "updated_at": ts(at)}}, session=session
    )


class MongoMedia(MongoBase):
    async def create_media(self, media: MediaAttachment) -> None:
        await self.db.media.insert_one(media_doc(media))

    async def get_media(self, media_id: int) -> MediaAttachment | None:
        doc = await self.db.media.find_one({"_id": media_id})
        return media_from_doc(doc) if doc else None

    async def get_media_batch(self, media_ids: Iterable[int]) -> dict[int, MediaAttachment]:
        return await find_by_ids(self.db.media, media_ids, media_from_doc)

    async def update_media(self, media: MediaAttachment) -> bool:
        fields = media_doc(media)
        for fixed in ("_id", "account_id", "status_id", "type", "created_at"):
            del fields[fixed]
        result = await self.db.media.update_one(
            {"_id": media.id, "state": {"$ne": "deleting"}}, {"$set": fields}
        )
        return result.matched_count == 1

    async def claim_unattached_media(
        self, *, before: datetime, now: datetime, limit: int
    ) -> list[MediaAttachment]:
        # One conditional update per row: of two collectors racing for a row, only one still
        # finds it older than `before` (findAndModify is atomic per document). A claim whose
        # collector died is taken again once it is older than `before` itself.
        unclaimed = {
            "status_id": None,
            "scheduled_status_id": None,
            "updated_at": {"$lt": ts(before)},
        }
        candidates = await self.db.media.find(
            unclaimed,
            {"_id": 1},
            sort=[("updated_at", 1)],
            limit=limit,
        ).to_list(None)
        claimed = []
        for candidate in candidates:
            doc = await self.db.media.find_one_and_update(
                {"_id": candidate["_id"], **unclaimed},
                {"$set": {"state": "deleting", "updated_at": ts(now)}},
                return_document=ReturnDocument.AFTER,
            )
            if doc is not None:
                claimed.append(media_from_doc(doc))
        return claimed

    async def delete_media(self, media_ids: Iterable[int]) -> int:
        ids = list(dict.fromkeys(media_ids))
        if not ids:
            return 0
        result = await self.db.media.delete_many({"_id": {"$in": ids}})
        return result.deleted_count

    async def claim_own_media(
        self, account_id: int, media_id: int, now: datetime
    ) -> MediaAttachment | None:
        doc = await self.db.media.find_one_and_update(
            {
                "_id": media_id,
                "account_id": account_id,
                "status_id": None,
                "scheduled_status_id": None,
                "state": {"$ne": "deleting"},
            },
            {"$set": {"state": "deleting", "updated_at": ts(now)}},
            return_document=ReturnDocument.AFTER,
        )
        return None if doc is None else media_from_doc(doc)
