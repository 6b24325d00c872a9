"""Accounts and their credentials in MongoDB (`accounts`, `credentials`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from chirp.core.models import Account, Credentials, Event, ProfileField
from chirp.core.ports.errors import UniqueViolation
from chirp.storage.mongodb.base import (
    Doc,
    MongoBase,
    Session,
    dt,
    dt_or_none,
    find_by_ids,
    record_event,
    ts,
    ts_or_none,
)
from chirp.storage.shared import (
    profile_changes,
    profile_fields_from_values,
    profile_fields_values,
)


def account_doc(account: Account) -> Doc:
    return {
        "_id": account.id,
        "username": account.username,
        "username_key": account.username.lower(),
        "display_name": account.display_name,
        "display_name_key": account.display_name.casefold(),
        "note": account.note,
        "locked": account.locked,
        "bot": account.bot,
        "discoverable": account.discoverable,
        "followers_count": account.followers_count,
        "following_count": account.following_count,
        "statuses_count": account.statuses_count,
        "last_status_at": ts_or_none(account.last_status_at),
        "created_at": ts(account.created_at),
        "updated_at": ts_or_none(account.updated_at),
        "avatar_key": account.avatar_key,
        "avatar_url": account.avatar_url,
        "header_key": account.header_key,
        "header_url": account.header_url,
        "fields": profile_fields_values(account.fields),
        "default_privacy": account.default_privacy,
        "default_sensitive": account.default_sensitive,
        "default_language": account.default_language,
    }


def account_from_doc(doc: Doc) -> Account:
    return Account(
        id=doc["_id"],
        username=doc["username"],
        display_name=doc["display_name"],
        note=doc["note"],
        created_at=dt(doc["created_at"]),
        locked=doc["locked"],
        bot=doc["bot"],
        discoverable=doc["discoverable"],
        followers_count=doc["followers_count"],
        following_count=doc["following_count"],
        statuses_count=doc["statuses_count"],
        last_status_at=dt_or_none(doc["last_status_at"]),
        updated_at=dt_or_none(doc["updated_at"]),
        # Documents written before profile pictures, fields and posting defaults lack them.
        avatar_key=doc.get("avatar_key"),
        avatar_url=doc.get("avatar_url"),
        header_key=doc.get("header_key"),
        header_url=doc.get("header_url"),
        fields=profile_fields_from_values(doc.get("fields") or ()),
        default_privacy=doc.get("default_privacy", "public"),
        default_sensitive=doc.get("default_sensitive", False),
        default_language=doc.get("default_language"),
    )


def credentials_doc(credentials: Credentials, created_at: datetime) -> Doc:
    """`created_at`: when the credentials carry none (the account's creation)."""
    return {
        "_id": credentials.account_id,
        "email": credentials.email,
        "email_key": credentials.email.lower(),
        "password_hash": credentials.password_hash,
        "locale": credentials.locale,
        "created_at": ts(credentials.created_at or created_at),
    }


def _credentials(doc: Doc) -> Credentials:
    return Credentials(
        account_id=doc["_id"],
        email=doc["email"],
        password_hash=doc["password_hash"],
        locale=doc["locale"],
        created_at=dt_or_none(doc["created_at"]),
    )


def duplicate_field(error: DuplicateKeyError, fields: dict[str, str]) -> str | None:
    """Which unique key a write hit: the server names the index's keys in `keyPattern`."""
    details = error.details or {}
    pattern = details.get("keyPattern") or {}
    for key, field in fields.items():
        if key in pattern or key in str(error):
            return field
    return None


class MongoAccounts(MongoBase):
    async def create_account(self, account: Account, credentials: Credentials) -> None:
        async def insert(session: Session) -> None:
            # Checked first so the error names the field; the unique indexes catch races.
            if await self.db.accounts.find_one(
                {"username_key": account.username.lower()}, {"_id": 1}, session=session
            ):
                raise UniqueViolation("username")
            if await self.db.credentials.find_one(
                {"email_key": credentials.email.lower()}, {"_id": 1}, session=session
            ):
                raise UniqueViolation("email")
            await self.db.accounts.insert_one(account_doc(account), session=session)
            await self.db.credentials.insert_one(
                credentials_doc(credentials, account.created_at), session=session
            )

        try:
            await self._transaction(insert)
        except DuplicateKeyError as error:
            field = duplicate_field(error, {"username_key": "username", "email_key": "email"})
            raise UniqueViolation(field or "id") from error

    async def get_account(self, account_id: int) -> Account | None:
        doc = await self.db.accounts.find_one({"_id": account_id})
        return account_from_doc(doc) if doc else None

    async def get_accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        return await find_by_ids(self.db.accounts, account_ids, account_from_doc)

    async def get_account_by_username(self, username: str) -> Account | None:
        doc = await self.db.accounts.find_one({"username_key": username.lower()})
        return account_from_doc(doc) if doc else None

    async def get_accounts_by_usernames(self, usernames: Iterable[str]) -> dict[str, Account]:
        keys = list(dict.fromkeys(name.lower() for name in usernames))
        if not keys:
            return {}
        docs = await self.db.accounts.find({"username_key": {"$in": keys}}).to_list(None)
        return {doc["username_key"]: account_from_doc(doc) for doc in docs}

    async def get_credentials(self, account_id: int) -> Credentials | None:
        doc = await self.db.credentials.find_one({"_id": account_id})
        return _credentials(doc) if doc else None

    async def count_accounts(self) -> tuple[int, int]:
        cursor = await self.db.accounts.aggregate(
            [{"$group": {"_id": None, "n": {"$sum": 1}, "statuses": {"$sum": "$statuses_count"}}}]
        )
        rows = await cursor.to_list(None)
        return (rows[0]["n"], rows[0]["statuses"]) if rows else (0, 0)

    async def get_credentials_by_email(self, email: str) -> Credentials | None:
        doc = await self.db.credentials.find_one({"email_key": email.lower()})
        return _credentials(doc) if doc else None

    async def update_account_profile(
        self,
        account_id: int,
        *,
        updated_at: datetime,
        display_name: str | None = None,
        note: str | None = None,
        locked: bool | None = None,
        bot: bool | None = None,
        discoverable: bool | None = None,
        fields: Sequence[ProfileField] | None = None,
        default_privacy: str | None = None,
        default_sensitive: bool | None = None,
        default_language: str | None = None,
        event: Event | None = None,
    ) -> Account | None:
        changes = profile_changes(
            display_name=display_name,
            note=note,
            locked=locked,
            bot=bot,
            discoverable=discoverable,
            default_privacy=default_privacy,
            default_sensitive=default_sensitive,
            default_language=default_language,
        )
        if fields is not None:
            changes["fields"] = profile_fields_values(fields)
        changes["updated_at"] = ts(updated_at)

        async def update(session: Session) -> Doc | None:
            doc = await self.db.accounts.find_one_and_update(
                {"_id": account_id},
                {"$set": changes},
                return_document=ReturnDocument.AFTER,
                session=session,
            )
            if doc is not None and event is not None:
                await record_event(self.db, session, event, updated_at)
            return doc

        doc = await self._transaction(update)
        return account_from_doc(doc) if doc else None
