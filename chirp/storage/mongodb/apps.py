"""OAuth clients in MongoDB (`apps`, keyed by id, `client_id` unique)."""

from __future__ import annotations

from chirp.core.models import App
from chirp.storage.mongodb.base import Doc, MongoBase, dt, ts


def app_doc(app: App) -> Doc:
    return {
        "_id": app.id,
        "name": app.name,
        "website": app.website,
        "redirect_uris": list(app.redirect_uris),
        "scopes": list(app.scopes),
        "client_id": app.client_id,
        "client_secret_digest": app.client_secret_digest,
        "created_at": ts(app.created_at),
    }


def app_from_doc(doc: Doc) -> App:
    return App(
        id=doc["_id"],
        name=doc["name"],
        website=doc["website"],
        redirect_uris=tuple(doc["redirect_uris"]),
        scopes=tuple(doc["scopes"]),
        client_id=doc["client_id"],
        client_secret_digest=doc["client_secret_digest"],
        created_at=dt(doc["created_at"]),
    )


class MongoApps(MongoBase):
    async def create_app(self, app: App) -> None:
        await self.db.apps.insert_one(app_doc(app))

    async def get_app(self, app_id: int) -> App | None:
        doc = await self.db.apps.find_one({"_id": app_id})
        return app_from_doc(doc) if doc else None

    async def get_app_by_client_id(self, client_id: str) -> App | None:
        doc = await self.db.apps.find_one({"client_id": client_id})
        return app_from_doc(doc) if doc else None
