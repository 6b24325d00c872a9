"""Accounts and their credentials in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import orjson

from chirp.core.models import Account, Credentials, Event, ProfileField
from chirp.storage.shared import (
    profile_changes,
    profile_fields_from_values,
    profile_fields_values,
)
from chirp.storage.sqlite.base import SqliteBase, unique_violation
from chirp.storage.sqlite.convert import dt, ts
from chirp.storage.sqlite.db import Row, placeholders
from chirp.storage.sqlite.statuses import record_event

# Column order of `ACCOUNT_COLUMNS`, read by position in `account_from_values`.
_ACCOUNT_FIELDS = (
    "id",
    "username",
    "display_name",
    "note",
    "created_at",
    "locked",
    "bot",
    "discoverable",
    "followers_count",
    "following_count",
    "statuses_count",
    "last_status_at",
    "updated_at",
    "avatar_key",
    "avatar_url",
    "header_key",
    "header_url",
    "fields",
    "default_privacy",
    "default_sensitive",
    "default_language",
)
ACCOUNT_COLUMNS = ", ".join(_ACCOUNT_FIELDS)


def account_from_row(row: Row | dict[str, Any]) -> Account:
    """From any row holding the account columns by name (`SELECT *`, `RETURNING *`)."""
    return account_from_values(tuple(row[name] for name in _ACCOUNT_FIELDS))


def account_from_values(values: Sequence[Any]) -> Account:
    """From a row of `SELECT {ACCOUNT_COLUMNS}`, by position (every page loads its accounts)."""
    (
        account_id,
        username,
        display_name,
        note,
        created_at,
        locked,
        bot,
        discoverable,
        followers_count,
        following_count,
        statuses_count,
        last_status_at,
        updated_at,
        avatar_key,
        avatar_url,
        header_key,
        header_url,
        fields,
        default_privacy,
        default_sensitive,
        default_language,
    ) = values
    return Account(
        id=account_id,
        username=username,
        display_name=display_name,
        note=note,
        created_at=datetime.fromisoformat(created_at),
        locked=bool(locked),
        bot=bool(bot),
        discoverable=bool(discoverable),
        followers_count=followers_count,
        following_count=following_count,
        statuses_count=statuses_count,
        last_status_at=None if last_status_at is None else datetime.fromisoformat(last_status_at),
        updated_at=None if updated_at is None else datetime.fromisoformat(updated_at),
        avatar_key=avatar_key,
        avatar_url=avatar_url,
        header_key=header_key,
        header_url=header_url,
        fields=profile_fields_from_values(orjson.loads(fields)) if fields != "[]" else (),
        default_privacy=default_privacy,
        default_sensitive=bool(default_sensitive),
        default_language=default_language,
    )


def credentials_from_row(row: Row) -> Credentials:
    return Credentials(
        account_id=row["account_id"],
        email=row["email"],
        password_hash=row["password_hash"],
        locale=row["locale"],
        created_at=dt(row["created_at"]),
    )


class SqliteAccounts(SqliteBase):
    async def create_account(self, account: Account, credentials: Credentials) -> None:
        try:
            async with self.db.transaction() as tx:
                await tx.execute(
                    "INSERT INTO accounts(id, username, username_key, display_name,"
                    " display_name_key, note, locked, bot, discoverable, created_at, updated_at)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                    (
                        account.id,
                        account.username,
                        account.username.lower(),
                        account.display_name,
                        account.display_name.casefold(),
                        account.note,
                        account.locked,
                        account.bot,
                        account.discoverable,
                        ts(account.created_at),
                        ts(account.updated_at),
                    ),
                )
                await tx.execute(
                    "INSERT INTO credentials(account_id, email, email_key, password_hash, locale,"
                    " created_at) VALUES (?,?,?,?,?,?)",
                    (
                        account.id,
                        credentials.email,
                        credentials.email.lower(),
                        credentials.password_hash,
                        credentials.locale,
                        ts(credentials.created_at or account.created_at),
                    ),
                )
        except sqlite3.IntegrityError as error:
            mapped = unique_violation(error, {"username_key": "username", "email_key": "email"})
            if mapped is None:
                raise
            raise mapped from error

    async def get_account(self, account_id: int) -> Account | None:
        row = await self.db.fetchone_now("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return account_from_row(row) if row else None

    async def get_accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return {}
        return await self.account_records.get_many(self.db, ids)

    async def get_account_by_username(self, username: str) -> Account | None:
        row = await self.db.fetchone(
            "SELECT * FROM accounts WHERE username_key = ?", (username.lower(),)
        )
        return account_from_row(row) if row else None

    async def get_accounts_by_usernames(self, usernames: Iterable[str]) -> dict[str, Account]:
        keys = list(dict.fromkeys(name.lower() for name in usernames))
        if not keys:
            return {}
        rows = await self.db.fetchall(
            f"SELECT * FROM accounts WHERE username_key IN ({placeholders(keys)})", keys
        )
        return {row["username_key"]: account_from_row(row) for row in rows}

    async def get_credentials(self, account_id: int) -> Credentials | None:
        row = await self.db.fetchone(
            "SELECT * FROM credentials WHERE account_id = ?", (account_id,)
        )
        return credentials_from_row(row) if row else None

    async def count_accounts(self) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(statuses_count), 0) FROM accounts"
        )
        return (row[0], row[1]) if row else (0, 0)

    async def get_credentials_by_email(self, email: str) -> Credentials | None:
        row = await self.db.fetchone(
            "SELECT * FROM credentials WHERE email_key = ?", (email.lower(),)
        )
        return credentials_from_row(row) if row else None

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
            changes["fields"] = orjson.dumps(profile_fields_values(fields)).decode()
        changes["updated_at"] = ts(updated_at)
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        async with self.db.transaction() as tx:
            async with tx.execute(
                f"UPDATE accounts SET {assignments} WHERE id = :id RETURNING *",
                {**changes, "id": account_id},
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and event is not None:
                await record_event(tx, event, updated_at)
        return account_from_row(row) if row else None
