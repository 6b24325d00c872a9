"""OAuth tokens and authorization codes in MongoDB (`tokens`, `authorization_codes`)."""

from __future__ import annotations

from datetime import datetime

from chirp.core.models import App, AuthorizationCode, Event, Token
from chirp.core.ports.tokens import TokenOwners
from chirp.storage.mongodb.accounts import account_from_doc
from chirp.storage.mongodb.apps import app_from_doc
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    record_event,
    ts,
    ts_or_none,
)
from chirp.storage.mongodb.moderation import moderation_from_doc


def token_doc(token: Token) -> Doc:
    doc: Doc = {
        "_id": token.id,
        "digest": token.digest,
        "app_id": token.app_id,
        "account_id": token.account_id,
        "scopes": list(token.scopes),
        "created_at": ts(token.created_at),
        "expires_at": ts_or_none(token.expires_at),
        "revoked_at": ts_or_none(token.revoked_at),
    }
    if token.refresh_digest is not None:  # absent, not null: the unique index is sparse
        doc["refresh_digest"] = token.refresh_digest
    return doc


def _token(doc: Doc) -> Token:
    return Token(
        id=doc["_id"],
        digest=doc["digest"],
        app_id=doc["app_id"],
        account_id=doc["account_id"],
        scopes=tuple(doc["scopes"]),
        created_at=dt(doc["created_at"]),
        expires_at=dt_or_none(doc["expires_at"]),
        refresh_digest=doc.get("refresh_digest"),
        revoked_at=dt_or_none(doc["revoked_at"]),
    )


def code_doc(code: AuthorizationCode) -> Doc:
    return {
        "_id": code.digest,
        "app_id": code.app_id,
        "account_id": code.account_id,
        "redirect_uri": code.redirect_uri,
        "scopes": list(code.scopes),
        "code_challenge": code.code_challenge,
        "code_challenge_method": code.code_challenge_method,
        "expires_at": ts(code.expires_at),
    }


def _owner(collection: str, field: str, into: str) -> Doc:
    return {"from": collection, "localField": field, "foreignField": "_id", "as": into}


class MongoTokens(MongoBase):
    async def create_token(self, token: Token) -> None:
        await self.db.tokens.insert_one(token_doc(token))

    async def get_token(self, digest: str) -> Token | None:
        doc = await self.db.tokens.find_one({"digest": digest})
        return _token(doc) if doc else None

    async def get_token_with_owners(self, digest: str) -> TokenOwners | None:
        # One round trip (every authenticated request makes it): the token and its owners.
        cursor = await self.db.tokens.aggregate(
            [
                {"$match": {"digest": digest}},
                {"$limit": 1},
                {"$lookup": _owner("apps", "app_id", "app")},
                {"$lookup": _owner("accounts", "account_id", "account")},
                {"$lookup": _owner("account_moderation", "account_id", "moderation")},
            ]
        )
        found = await cursor.to_list(None)
        if not found:
            return None
        doc = found[0]
        account = account_from_doc(doc["account"][0]) if doc["account"] else None
        return TokenOwners(
            _token(doc),
            app_from_doc(doc["app"][0]) if doc["app"] else None,
            account,
            moderation_from_doc(doc["moderation"][0])
            if account is not None and doc["moderation"]
            else None,
        )

    async def get_token_by_refresh(self, refresh_digest: str) -> Token | None:
        doc = await self.db.tokens.find_one({"refresh_digest": refresh_digest})
        return _token(doc) if doc else None

    async def revoke_token(
        self, token_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        async def revoke(session: Session) -> bool:
            result = await self.db.tokens.update_one(
                {"_id": token_id, "revoked_at": None},
                {"$set": {"revoked_at": ts(revoked_at)}},
                session=session,
            )
            if result.modified_count != 1:
                return False
            if event is not None:
                await record_event(self.db, session, event, revoked_at)
            return True

        return await self._transaction(revoke)

    async def rotate_token(
        self, old_token_id: int, new: Token, revoked_at: datetime, *, event: Event | None = None
    ) -> bool:
        async def rotate(session: Session) -> bool:
            result = await self.db.tokens.update_one(
                {"_id": old_token_id, "revoked_at": None},
                {"$set": {"revoked_at": ts(revoked_at)}},
                session=session,
            )
            if result.modified_count != 1:
                return False
            await self.db.tokens.insert_one(token_doc(new), session=session)
            if event is not None:
                await record_event(self.db, session, event, revoked_at)
            return True

        return await self._transaction(rotate)

    async def revoke_account_tokens(
        self, account_id: int, revoked_at: datetime, *, event: Event | None = None
    ) -> int:
        async def revoke(session: Session) -> int:
            result = await self.db.tokens.update_many(
                {"account_id": account_id, "revoked_at": None},
                {"$set": {"revoked_at": ts(revoked_at)}},
                session=session,
            )
            if result.modified_count and event is not None:
                await record_event(self.db, session, event, revoked_at)
            return result.modified_count

        return await self._transaction(revoke)

    async def list_account_tokens(self, account_id: int) -> list[tuple[Token, App | None]]:
        docs = await self.db.tokens.find(
            {"account_id": account_id, "revoked_at": None}, sort=[("_id", -1)]
        ).to_list(None)
        tokens = [_token(doc) for doc in docs]
        app_ids = sorted({token.app_id for token in tokens})
        app_docs = await self.db.apps.find({"_id": {"$in": app_ids}}).to_list(None)
        apps = {doc["_id"]: app_from_doc(doc) for doc in app_docs}
        return [(token, apps.get(token.app_id)) for token in tokens]

    async def create_authorization_code(self, code: AuthorizationCode) -> None:
        await self.db.authorization_codes.insert_one(code_doc(code))

    async def take_authorization_code(self, digest: str) -> AuthorizationCode | None:
        doc = await self.db.authorization_codes.find_one_and_delete({"_id": digest})
        if doc is None:
            return None
        return AuthorizationCode(
            digest=doc["_id"],
            app_id=doc["app_id"],
            account_id=doc["account_id"],
            redirect_uri=doc["redirect_uri"],
            scopes=tuple(doc["scopes"]),
            expires_at=dt(doc["expires_at"]),
            code_challenge=doc["code_challenge"],
            code_challenge_method=doc["code_challenge_method"],
        )
