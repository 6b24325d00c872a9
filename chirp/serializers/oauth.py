"""App and token JSON."""

from __future__ import annotations

from typing import Any

from chirp.core.models import App
from chirp.core.oauth import IssuedToken


def app_json(
    app: App, client_secret: str | None = None, vapid_key: str | None = None
) -> dict[str, Any]:
    """`vapid_key`: Web Push's server key (Mastodon's deprecated copy of
    `configuration.vapid.public_key`), only where pushes are sent."""
    body: dict[str, Any] = {
        "id": str(app.id),
        "name": app.name,
        "website": app.website,
        "scopes": list(app.scopes),
        "redirect_uri": "\n".join(app.redirect_uris),
        "redirect_uris": list(app.redirect_uris),
    }
    if vapid_key is not None:
        body["vapid_key"] = vapid_key
    if client_secret is not None:
        body["client_id"] = app.client_id
        body["client_secret"] = client_secret
        body["client_secret_expires_at"] = 0
    return body


def token_json(issued: IssuedToken) -> dict[str, Any]:
    token = issued.token
    body: dict[str, Any] = {
        "access_token": issued.access_token,
        "token_type": "Bearer",
        "scope": " ".join(token.scopes),
        "created_at": int(token.created_at.timestamp()),
    }
    if issued.refresh_token:
        body["refresh_token"] = issued.refresh_token
    if token.expires_at is not None:
        body["expires_in"] = max(0, int((token.expires_at - token.created_at).total_seconds()))
    return body
