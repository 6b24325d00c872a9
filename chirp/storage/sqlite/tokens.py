"""OAuth tokens and authorization codes in SQLite."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from chirp.core.models import App, AuthorizationCode, Event, Token
from chirp.core.ports.tokens import TokenOwners
from chirp.storage.sqlite.accounts import account_from_row
from chirp.storage.sqlite.apps import app_from_row
from chirp.storage.sqlite.base import SqliteBase
from chirp.storage.sqlite.convert import dt, req_dt, ts, words
from chirp.storage.sqlite.db import Row
from chirp.storage.sqlite.moderation import moderation_from_row
from chirp.storage.sqlite.statuses import record_event

_INSERT_TOKEN = (
    "INSERT INTO tokens(id, digest, refresh_digest, app_id, account_id, scopes, created_at,"
    " expires_at, revoked_at) VALUES (?,?,?,?,?,?,?,?,?)"
)


def token_from_row(row: Row | dict[str, Any]) -> Token:
    return Token(
        id=row["id"],
        digest=row["digest"],
        app_id=row["app_id"],
        account_id=row["account_id"],
        scopes=words(row["scopes"]),
        created_at=req_dt(row["created_at"]),
        expires_at=dt(row["expires_at"]),
        refresh_digest=row["refresh_digest"],
        revoked_at=dt(row["revoked_at"]),
    )


def _token_params(token: Token) -> tuple[object, ...]:
    return (
        token.id,
        token.digest,
        token.refresh_digest,
        token.app_id,
        token.account_id,
        " ".join(token.scopes),
        ts(token.created_at),
        ts(token.expires_at),
        ts(token.revoked_at),
    )


class SqliteTokens(SqliteBase):
    async def create_token(self, token: Token) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(_INSERT_TOKEN, _token_params(token))

    async def get_token(self, digest: str) -> Token | None:
        row = await self.db.fetchone("SELECT * FROM tokens WHERE digest = ?", (digest,))
        return token_from_row(row) if row else None

    async def get_token_with_owners(self, digest: str) -> TokenOwners | None:
        # Marker columns split the joined row into its four records, whatever their columns.
        row = await self.db.fetchone_now(
            "SELECT t.*, NULL AS _app_, ap.*, NULL AS _account_, ac.*, NULL AS _moderation_, am.*"
            " FROM tokens t"
            " LEFT JOIN apps ap ON ap.id = t.app_id"
            " LEFT JOIN accounts ac ON ac.id = t.account_id"
            " LEFT JOIN account_moderation am ON am.account_id = ac.id"
            " WHERE t.digest = ?",
            (digest,),
        )
        if row is None:
            return None
        keys, values = row.keys(), tuple(row)
        app_at, account_at = keys.index("_app_"), keys.index("_account_")
        moderation_at = keys.index("_moderation_")
        token = dict(zip(keys[:app_at], values[:app_at], strict=True))
        app = dict(zip(keys[app_at + 1 : account_at], values[app_at + 1 : account_at], strict=True))
        account = dict(
            zip(
                keys[account_at + 1 : moderation_at],
                values[account_at + 1 : moderation_at],
                strict=True,
            )
        )
        moderation = dict(zip(keys[moderation_at + 1 :], values[moderation_at + 1 :], strict=True))
        return TokenOwners(
            token_from_row(token),
            app_from_row(app) if app["id"] is not None else None,
            account_from_row(account) if account["id"] is not None else None,
            moderation_from_row(moderation) if moderation["account_id"] is not None else None,
        )

    async def get_token_by_refresh(self, refresh_digest: str) -> Token | None:
        row = await self.db.fetchone(
            "SELECT * FROM tokens WHERE refresh_digest = ?", (refresh_digest,)
        )
        return token_from_row(row) if row else None

    async def revoke_token(
        self, token_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (ts(revoked_at), token_id),
            )
            if cursor.rowcount != 1:
                return False
            if event is not None:
                await record_event(tx, event, revoked_at)
            return True

    async def rotate_token(
        self, old_token_id: int, new: Token, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                (ts(revoked_at), old_token_id),
            )
            if cursor.rowcount != 1:
                return False
            await tx.execute(_INSERT_TOKEN, _token_params(new))
            if event is not None:
                await record_event(tx, event, revoked_at)
            return True

    async def revoke_account_tokens(
        self, account_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> int:
        async with self.db.transaction() as tx:
            cursor = await tx.execute(
                "UPDATE tokens SET revoked_at = ? WHERE account_id = ? AND revoked_at IS NULL",
                (ts(revoked_at), account_id),
            )
            if cursor.rowcount and event is not None:
                await record_event(tx, event, revoked_at)
            return cursor.rowcount

    async def list_account_tokens(self, account_id: int) -> list[tuple[Token, App | None]]:
        rows = await self.db.fetchall(
            "SELECT * FROM tokens WHERE account_id = ? AND revoked_at IS NULL ORDER BY id DESC",
            (account_id,),
        )
        tokens = [token_from_row(row) for row in rows]
        app_ids = sorted({token.app_id for token in tokens})
        marks = ",".join("?" * len(app_ids))
        app_rows = (
            await self.db.fetchall(f"SELECT * FROM apps WHERE id IN ({marks})", tuple(app_ids))
            if app_ids
            else []
        )
        apps = {app.id: app for app in map(app_from_row, app_rows)}
        return [(token, apps.get(token.app_id)) for token in tokens]

    async def create_authorization_code(self, code: AuthorizationCode) -> None:
        async with self.db.transaction() as tx:
            await tx.execute(
                "INSERT INTO authorization_codes(digest, app_id, account_id, redirect_uri, scopes,"
                " code_challenge, code_challenge_method, expires_at) VALUES (?,?,?,?,?,?,?,?)",
                (
                    code.digest,
                    code.app_id,
                    code.account_id,
                    code.redirect_uri,
                    " ".join(code.scopes),
                    code.code_challenge,
                    code.code_challenge_method,
                    ts(code.expires_at),
                ),
            )

    async def take_authorization_code(self, digest: str) -> AuthorizationCode | None:
        async with (
            self.db.transaction() as tx,
            tx.execute(
                "DELETE FROM authorization_codes WHERE digest = ? RETURNING *", (digest,)
            ) as cursor,
        ):
            row = await cursor.fetchone()
        if row is None:
            return None
        return AuthorizationCode(
            digest=row["digest"],
            app_id=row["app_id"],
            account_id=row["account_id"],
            redirect_uri=row["redirect_uri"],
            scopes=words(row["scopes"]),
            expires_at=req_dt(row["expires_at"]),
            code_challenge=row["code_challenge"],
            code_challenge_method=row["code_challenge_method"],
        )
