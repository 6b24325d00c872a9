"""OAuth clients in SQLite."""

from __future__ import annotations

from typing import Any

from chirp.core.models import App
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import req_dt, ts, words
from chirp.storage.sqlite.db import Row


def app_from_row(row: Row | dict[str, Any]) -> App:
    return App(
        id=row["id"],
        name=row["name"],
        website=row["website"],
        redirect_uris=tuple(row["redirect_uris"].split("\n")),
        scopes=words(row["scopes"]),
        client_id=row["client_id"],
        client_secret_digest=row["client_secret_digest"],
        created_at=req_dt(row["created_at"]),
    )


class SqliteApps(SqliteBase):
    async def create_app(self, app: App) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO apps(id, name, website, redirect_uris, scopes, client_id,"
                " client_secret_digest, created_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    app.id,
                    app.name,
                    app.website,
                    "\n".join(app.redirect_uris),
                    " ".join(app.scopes),
                    app.client_id,
                    app.client_secret_digest,
                    ts(app.created_at),
                ),
            )

    async def get_app(self, app_id: int) -> App | None:
        row = await self.db.fetchone("SELECT * FROM apps WHERE id = ?", (app_id,))
        return app_from_row(row) if row else None

    async def get_app_by_client_id(self, client_id: str) -> App | None:
        row = await self.db.fetchone("SELECT * FROM apps WHERE client_id = ?", (client_id,))
        return app_from_row(row) if row else None
