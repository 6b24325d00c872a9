"""Link preview cards in MongoDB: `preview_cards` (`_id` the link key, the card's members as
`card_records` writes them); the links tweets shared are their `link_keys` (`status_doc`)."""

from __future__ import annotations

from collections.abc import Iterable

from pymongo import ReturnDocument

from chirp.core.models import PreviewCard
from chirp.storage.card_records import card_body, card_from_body
from chirp.storage.mongodb.base import MongoBase


class MongoCards(MongoBase):
    async def get_cards(self, link_keys: Iterable[str]) -> dict[str, PreviewCard]:
        keys = list(dict.fromkeys(link_keys))
        if not keys:
            return {}
        docs = await self.db.preview_cards.find({"_id": {"$in": keys}}).to_list(None)
        cards = (card_from_body(doc["card"]) for doc in docs)
        return {card.link_key: card for card in cards}

    async def save_card(self, card: PreviewCard) -> PreviewCard | None:
        old = await self.db.preview_cards.find_one_and_update(
            {"_id": card.link_key},
            {"$set": {"card": card_body(card)}},
            upsert=True,
            return_document=ReturnDocument.BEFORE,
        )
        return card_from_body(old["card"]) if old is not None else None

    async def link_uses(self, since_id: int, limit: int) -> list[tuple[str, int, int]]:
        docs = await self.db.statuses.find(
            {
                "_id": {"$gt": since_id},
                "visibility": "public",
                "reblog_of_id": None,
                "link_keys.0": {"$exists": True},
            },
            {"link_keys": 1, "account_id": 1},
            sort=[("_id", -1)],
            limit=limit,
        ).to_list(None)
        uses = [(key, doc["_id"], doc["account_id"]) for doc in docs for key in doc["link_keys"]]
        return uses[:limit]
