"""Domain records. Storage backends build and return these; serializers turn them into JSON."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass(slots=True)
class App:
    """An OAuth client registered through `POST /api/v1/apps`."""

    id: int
    name: str
    website: str | None
    redirect_uris: tuple[str, ...]
    scopes: tuple[str, ...]
    client_id: str
    client_secret_digest: str
    created_at: datetime


@dataclass(slots=True)
class Account:
    """A local user's public identity. Credentials live apart, in `Credentials`."""

    id: int
    username: str
    display_name: str
    note: str
    created_at: datetime
    locked: bool = False
    bot: bool = False
    discoverable: bool = True
    followers_count: int = 0
    following_count: int = 0
    statuses_count: int = 0
    last_status_at: datetime | None = None
    updated_at: datetime | None = None


@dataclass(slots=True)
class Credentials:
    """Login material for an account: never serialized, never logged."""

    account_id: int
    email: str
    password_hash: str
    locale: str = "en"
    created_at: datetime | None = None


@dataclass(slots=True)
class Token:
    """An issued OAuth token. Only SHA-256 digests of the secrets are kept."""

    id: int
    digest: str
    app_id: int
    account_id: int | None  # None for client_credentials (app-only) tokens
    scopes: tuple[str, ...]
    created_at: datetime
    expires_at: datetime | None = None
    refresh_digest: str | None = None
    revoked_at: datetime | None = None

    def is_live(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or now < self.expires_at)


@dataclass(slots=True)
class AuthorizationCode:
    """A one-time code from `/oauth/authorize`, redeemed once at `/oauth/token`."""

    digest: str
    app_id: int
    account_id: int
    redirect_uri: str
    scopes: tuple[str, ...]
    expires_at: datetime
    code_challenge: str | None = None
    code_challenge_method: str | None = None


@dataclass(slots=True)
class Principal:
    """Who a request acts for: the token, its app and, for user tokens, the account."""

    token: Token
    app: App
    account: Account | None = None
    scopes: frozenset[str] = field(default_factory=frozenset)
