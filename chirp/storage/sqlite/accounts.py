"""Accounts and their credentials in SQLite."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from chirp.core.models import Account, Credentials
from chirp.storage.sqlite.base import SqliteBase, unique_violation
from chirp.storage.sqlite.convert import dt, req_dt, ts
from chirp.storage.sqlite.db import Row, placeholders


def account_from_row(row: Row) -> Account:
    return Account(
        id=row["id"],
        username=row["username"],
        display_name=row["display_name"],
        note=row["note"],
        created_at=req_dt(row["created_at"]),
        locked=bool(row["locked"]),
        bot=bool(row["bot"]),
        discoverable=bool(row["discoverable"]),
        followers_count=row["followers_count"],
        following_count=row["following_count"],
        statuses_count=row["statuses_count"],
        last_status_at=dt(row["last_status_at"]),
        updated_at=dt(row["updated_at"]),
    )


def _credentials(row: Row) -> Credentials:
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
                    "INSERT INTO accounts(id, username, username_key, display_name, note, locked,"
                    " bot, discoverable, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?,?)",
                    (
                        account.id,
                        account.username,
                        account.username.lower(),
                        account.display_name,
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
        row = await self.db.fetchone("SELECT * FROM accounts WHERE id = ?", (account_id,))
        return account_from_row(row) if row else None

    async def get_accounts(self, account_ids: Iterable[int]) -> dict[int, Account]:
        ids = list(dict.fromkeys(account_ids))
        if not ids:
            return {}
        rows = await self.db.fetchall(
            f"SELECT * FROM accounts WHERE id IN ({placeholders(ids)})", ids
        )
        return {row["id"]: account_from_row(row) for row in rows}

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
        return _credentials(row) if row else None

    async def count_accounts(self) -> tuple[int, int]:
        row = await self.db.fetchone(
            "SELECT count(*), coalesce(sum(statuses_count), 0) FROM accounts"
        )
        return (row[0], row[1]) if row else (0, 0)

    async def get_credentials_by_email(self, email: str) -> Credentials | None:
        row = await self.db.fetchone(
            "SELECT * FROM credentials WHERE email_key = ?", (email.lower(),)
        )
        return _credentials(row) if row else None

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
    ) -> Account | None:
        changes: dict[str, Any] = {
            name: value
            for name, value in (
                ("display_name", display_name),
                ("note", note),
                ("locked", locked),
                ("bot", bot),
                ("discoverable", discoverable),
            )
            if value is not None
        }
        if display_name is not None:
            changes["display_name_key"] = display_name.casefold()
        changes["updated_at"] = ts(updated_at)
        assignments = ", ".join(f"{name} = :{name}" for name in changes)
        async with (
            self.db.transaction() as tx,
            tx.execute(
                f"UPDATE accounts SET {assignments} WHERE id = :id RETURNING *",
                {**changes, "id": account_id},
            ) as cursor,
        ):
            row = await cursor.fetchone()
        return account_from_row(row) if row else None
