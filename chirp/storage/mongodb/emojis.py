"""Custom emojis in MongoDB (`custom_emojis`, keyed by shortcode)."""

from __future__ import annotations

from pymongo.errors import DuplicateKeyError

from chirp.core.models import CustomEmoji
from chirp.core.ports.errors import UniqueViolation
from chirp.storage.mongodb.base import Doc, MongoBase, dt, ts


def emoji_doc(emoji: CustomEmoji) -> Doc:
    return {
        "_id": emoji.shortcode,
        "image_key": emoji.image_key,
        "static_key": emoji.static_key,
        "category": emoji.category,
        "visible_in_picker": emoji.visible_in_picker,
        "created_at": ts(emoji.created_at),
    }


def emoji_from_doc(doc: Doc) -> CustomEmoji:
    return CustomEmoji(
        shortcode=doc["_id"],
        image_key=doc["image_key"],
        static_key=doc["static_key"],
        created_at=dt(doc["created_at"]),
        category=doc["category"],
        visible_in_picker=doc["visible_in_picker"],
    )


class MongoCustomEmojis(MongoBase):
    async def create_custom_emoji(self, emoji: CustomEmoji) -> None:
        try:
            await self.db.custom_emojis.insert_one(emoji_doc(emoji))
        except DuplicateKeyError as error:
            raise UniqueViolation("shortcode") from error

    async def delete_custom_emoji(self, shortcode: str) -> CustomEmoji | None:
        doc = await self.db.custom_emojis.find_one_and_delete({"_id": shortcode})
        return emoji_from_doc(doc) if doc else None

    async def list_custom_emojis(self) -> list[CustomEmoji]:
        docs = await self.db.custom_emojis.find({}, sort=[("_id", 1)]).to_list(None)
        return [emoji_from_doc(doc) for doc in docs]
