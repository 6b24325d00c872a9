"""OAuth 2 use cases: apps, grants, authorization codes (with PKCE), revocation, bearer auth."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import urlsplit

from chirp.core import scopes as scope_rules
from chirp.core.accounts import authenticate_user
from chirp.core.context import Context
from chirp.core.errors import Forbidden, NotAuthenticated, OAuthError, ValidationFailed
from chirp.core.models import Account, App, AuthorizationCode, Principal, Token
from chirp.core.moderation import check_usable
from chirp.core.revocation import tokens_revoked
from chirp.core.secrets import digest, new_secret, pkce_s256, same_secret

OOB_REDIRECT = "urn:ietf:wg:oauth:2.0:oob"
APP_NAME_MAX = 200
MAX_REDIRECT_URIS = 10


@dataclass(slots=True)
class IssuedToken:
    """A token with its plaintext secrets, returned exactly once to the client."""

    token: Token
    access_token: str
    refresh_token: str | None


@dataclass(slots=True)
class RegisteredApp:
    app: App
    client_secret: str


@dataclass(slots=True)
class AuthorizationRequest:
    """A checked `/oauth/authorize` request, ready to show on the consent page."""

    app: App
    redirect_uri: str
    scopes: tuple[str, ...]
    state: str | None
    code_challenge: str | None
    code_challenge_method: str | None


def _check_redirect_uri(uri: str) -> bool:
    if uri == OOB_REDIRECT:
        return True
    try:
        parts = urlsplit(uri)
    except ValueError:  # e.g. an unclosed IPv6 bracket
        return False
    return (
        bool(parts.scheme)
        # No spaces nor control characters: the URI becomes a `Location` header.
        and all(c.isprintable() and not c.isspace() for c in uri)
        and not parts.fragment
        and (parts.netloc != "" or parts.scheme not in ("http", "https"))
    )


def _has_scheme(uri: str) -> bool:
    try:
        return bool(urlsplit(uri).scheme)
    except ValueError:
        return False


async def register_app(
    ctx: Context,
    *,
    name: str,
    redirect_uris: list[str],
    scopes: str | list[str] | None,
    website: str | None,
) -> RegisteredApp:
    name = name.strip()
    problems = []
    if not name:
        problems.append("Name can't be blank")
    elif len(name) > APP_NAME_MAX:
        problems.append(f"Name is too long (maximum is {APP_NAME_MAX})")
    if not redirect_uris:
        problems.append("Redirect URI can't be blank")
    elif len(redirect_uris) > MAX_REDIRECT_URIS or not all(map(_check_redirect_uri, redirect_uris)):
        problems.append("Redirect URI must be an absolute URI")
    if website and not _has_scheme(website):
        problems.append("Website is invalid")
    if problems:
        raise ValidationFailed("Validation failed: " + ", ".join(problems))
    try:
        granted = scope_rules.parse_scopes(scopes)
    except OAuthError as error:
        raise ValidationFailed(f"Validation failed: Scopes {error.message}") from error
    client_secret = new_secret()
    app = App(
        id=ctx.new_id(),
        name=name,
        website=website or None,
        redirect_uris=tuple(dict.fromkeys(redirect_uris)),
        scopes=granted,
        client_id=secrets.token_urlsafe(32),
        client_secret_digest=digest(client_secret),
        created_at=ctx.now(),
    )
    await ctx.store.create_app(app)
    return RegisteredApp(app, client_secret)


async def authenticate_client(
    ctx: Context, client_id: str | None, client_secret: str | None
) -> App:
    """The app whose id and secret match (RFC 6749 §2.3), else `invalid_client` (401)."""
    app = await ctx.store.get_app_by_client_id(client_id) if client_id else None
    if app is None or not client_secret or not same_secret(client_secret, app.client_secret_digest):
        raise OAuthError(
            "invalid_client",
            "Client authentication failed due to unknown client, no client authentication "
            "included, or unsupported authentication method.",
            status=401,
        )
    return app


def _requested_scopes(app: App, raw: str | None) -> tuple[str, ...]:
    requested = scope_rules.parse_scopes(raw, default=scope_rules.DEFAULT_SCOPES)
    if not scope_rules.is_subset(requested, app.scopes):
        raise OAuthError(
            "invalid_scope",
            "The requested scope is invalid, unknown, or malformed.",
        )
    return requested


async def _issue(
    ctx: Context, app: App, account_id: int | None, scopes: tuple[str, ...]
) -> IssuedToken:
    token, access, refresh = _new_token(ctx, app, account_id, scopes)
    await ctx.store.create_token(token)
    return IssuedToken(token, access, refresh)


def _new_token(
    ctx: Context, app: App, account_id: int | None, scopes: tuple[str, ...]
) -> tuple[Token, str, str | None]:
    now = ctx.now()
    ttl = ctx.settings.access_token_ttl_seconds
    access = new_secret()
    # App-only tokens cannot be refreshed: the client can always ask for another one.
    refresh = new_secret() if account_id is not None else None
    token = Token(
        id=ctx.new_id(),
        digest=digest(access),
        app_id=app.id,
        account_id=account_id,
        scopes=scopes,
        created_at=now,
        expires_at=now + timedelta(seconds=ttl) if ttl else None,
        refresh_digest=digest(refresh) if refresh else None,
    )
    return token, access, refresh


async def issue_token_for_account(
    ctx: Context, app: App, account: Account, scopes: tuple[str, ...]
) -> IssuedToken:
    """The first token of a freshly signed-up account."""
    return await _issue(ctx, app, account.id, scopes)


async def grant_password(
    ctx: Context, app: App, username: str, password: str, scope: str | None
) -> IssuedToken:
    scopes = _requested_scopes(app, scope)
    account = await authenticate_user(ctx, username, password)
    if account is None:
        raise _invalid_grant()
    return await _issue(ctx, app, account.id, scopes)


async def grant_client_credentials(ctx: Context, app: App, scope: str | None) -> IssuedToken:
    return await _issue(ctx, app, None, _requested_scopes(app, scope))


def _invalid_grant() -> OAuthError:
    return OAuthError(
        "invalid_grant",
        "The provided authorization grant is invalid, expired, revoked, does not match the "
        "redirection URI used in the authorization request, or was issued to another client.",
    )


async def grant_authorization_code(
    ctx: Context, app: App, code: str, redirect_uri: str | None, code_verifier: str | None
) -> IssuedToken:
    stored = await ctx.store.take_authorization_code(digest(code))
    if stored is None or stored.app_id != app.id or stored.expires_at <= ctx.now():
        raise _invalid_grant()
    if redirect_uri != stored.redirect_uri:
        raise _invalid_grant()
    if stored.code_challenge is not None:
        if not code_verifier:
            raise OAuthError("invalid_grant", "The code verifier is missing.")
        expected = pkce_s256(code_verifier)
        if not secrets.compare_digest(expected, stored.code_challenge):
            raise OAuthError(
                "invalid_grant", "The code verifier does not match the code challenge."
            )
    return await _issue(ctx, app, stored.account_id, stored.scopes)


async def grant_refresh_token(
    ctx: Context, app: App, refresh_token: str, scope: str | None
) -> IssuedToken:
    """Trade a refresh token for a new token pair; the old pair stops working at once."""
    old = await ctx.store.get_token_by_refresh(digest(refresh_token))
    if old is None or old.app_id != app.id or old.revoked_at is not None or old.account_id is None:
        raise _invalid_grant()
    scopes = old.scopes
    if scope:
        scopes = scope_rules.parse_scopes(scope)
        if not scope_rules.is_subset(scopes, old.scopes):
            raise OAuthError(
                "invalid_scope", "The requested scope is invalid, unknown, or malformed."
            )
    token, access, refresh = _new_token(ctx, app, old.account_id, scopes)
    event = tokens_revoked(ctx, [old.id])
    if not await ctx.store.rotate_token(old.id, token, ctx.now(), event=event):
        raise _invalid_grant()
    ctx.wake_dispatcher()
    return IssuedToken(token, access, refresh)


async def revoke_token(ctx: Context, app: App, token: str) -> None:
    """RFC 7009: unknown tokens are not an error; another client's token is."""
    found = await ctx.store.get_token(digest(token)) or await ctx.store.get_token_by_refresh(
        digest(token)
    )
    if found is None:
        return
    if found.app_id != app.id:
        raise OAuthError(
            "unauthorized_client", "You are not authorized to revoke this token", status=403
        )
    if await ctx.store.revoke_token(found.id, ctx.now(), event=tokens_revoked(ctx, [found.id])):
        ctx.wake_dispatcher()


async def check_authorization_request(
    ctx: Context,
    *,
    client_id: str | None,
    redirect_uri: str | None,
    response_type: str | None,
    scope: str | None,
    state: str | None,
    code_challenge: str | None,
    code_challenge_method: str | None,
) -> AuthorizationRequest:
    """Validate an authorize request. Errors here must be shown, never redirected (RFC 6749 §4.1.2.1)."""
    app = await ctx.store.get_app_by_client_id(client_id) if client_id else None
    if app is None:
        raise OAuthError(
            "invalid_client", "Client authentication failed due to unknown client.", status=401
        )
    if not redirect_uri and len(app.redirect_uris) == 1:
        redirect_uri = app.redirect_uris[0]
    if redirect_uri not in app.redirect_uris:
        raise OAuthError("invalid_redirect_uri", "The redirect uri included is not valid.")
    if response_type != "code":
        raise OAuthError(
            "unsupported_response_type",
            "The authorization server does not support this response type.",
        )
    # S256 only, as Mastodon: "plain" (also RFC 7636's default when no method is given)
    # protects nothing against an attacker who can read the authorization request.
    if code_challenge and code_challenge_method != "S256":
        raise OAuthError("invalid_request", "Unsupported code_challenge_method; use S256.")
    if code_challenge and not 43 <= len(code_challenge) <= 128:
        raise OAuthError("invalid_request", "code_challenge must be 43 to 128 characters.")
    return AuthorizationRequest(
        app=app,
        redirect_uri=redirect_uri,
        scopes=_requested_scopes(app, scope),
        state=state,
        code_challenge=code_challenge or None,
        code_challenge_method=(code_challenge_method or "plain") if code_challenge else None,
    )


async def approve_authorization(
    ctx: Context, request: AuthorizationRequest, login: str, password: str
) -> str:
    """The user signed in and approved: mint a one-time code. Wrong credentials raise 401."""
    account = await authenticate_user(ctx, login, password)
    if account is None:
        raise NotAuthenticated("Invalid email or password.")
    code = new_secret()
    await ctx.store.create_authorization_code(
        AuthorizationCode(
            digest=digest(code),
            app_id=request.app.id,
            account_id=account.id,
            redirect_uri=request.redirect_uri,
            scopes=request.scopes,
            expires_at=ctx.now() + timedelta(seconds=ctx.settings.auth_code_ttl_seconds),
            code_challenge=request.code_challenge,
            code_challenge_method=request.code_challenge_method,
        )
    )
    return code


async def authenticate_bearer(ctx: Context, bearer: str) -> Principal:
    """The principal behind a bearer token; revoked, expired or unknown tokens are 401."""
    # Read from the store on every request, never cached: a revoked token is refused at once on
    # every node, and the principal's account is as fresh as the request.
    found = await ctx.store.get_token_with_owners(digest(bearer))
    if found is None:
        raise NotAuthenticated("The access token is invalid")
    token, app, account = found.token, found.app, found.account
    if not token.is_live(ctx.now()) or app is None:
        raise NotAuthenticated("The access token is invalid")
    if token.account_id is not None and account is None:
        raise NotAuthenticated("The access token is invalid")
    if account is not None:
        check_usable(found.moderation)  # read with the token: one query per request
    return Principal(token=token, app=app, account=account, scopes=scope_rules.expand(token.scopes))


def require_scope(principal: Principal, *any_of: str) -> None:
    """403 unless the token holds one of the scopes (e.g. `read:accounts`, or `profile`)."""
    if not any(scope in principal.scopes for scope in any_of):
        raise Forbidden("This action is outside the authorized scopes")
