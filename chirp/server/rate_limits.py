"""Rate limits, as Mastodon sets them (rack-attack): per token on the API, per IP without a
token, on media uploads, sign-ups, and, more strictly, on password logins (the password grant
and the consent form) per IP and per login name, with a back-off that doubles after repeated
failures.

Every limited response carries `X-RateLimit-Limit`, `X-RateLimit-Remaining` and
`X-RateLimit-Reset` (ISO 8601, as Mastodon) for the tightest limit it counted against; past a
limit the answer is 429 `{"error": "Too many requests"}` with `Retry-After`. The counters live
behind the limiter port (`chirp.limits`): in Redis when the bus is Redis, so the limits hold
across nodes, in this process otherwise.
"""

from __future__ import annotations

import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from aiohttp.typedefs import Handler

from chirp.config import Settings
from chirp.core.errors import ChirpError
from chirp.core.oauth import authenticate_bearer
from chirp.core.secrets import digest
from chirp.handlers.common import bearer_token, body_params, json_response, query_params
from chirp.limits import Count, Limiter, open_limiter
from chirp.server.client_ip import Network, client_ip, parse_networks
from chirp.server.keys import CONTEXT, PRINCIPAL, SETTINGS

TOO_MANY = "Too many requests"
_MEDIA_PATHS = frozenset({"/api/v1/media", "/api/v2/media"})
MAX_BATCH = 16
_LOGIN_FAILED = frozenset({400, 401})  # invalid_grant; wrong password on the form


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    limit: int
    period: int


@dataclass(frozen=True, slots=True)
class Tally:
    rule: Rule
    count: Count

    @property
    def remaining(self) -> int:
        return max(0, self.rule.limit - self.count.used)

    @property
    def exceeded(self) -> bool:
        # A limiter that could not count (Redis away) reports 0: served, as documented.
        return self.count.used > self.rule.limit


class RateLimits:
    """The rules, read from the settings once, and the limiter that counts them."""

    def __init__(self, settings: Settings, limiter: Limiter) -> None:
        self.limiter = limiter
        self.trusted: tuple[Network, ...] = parse_networks(settings.trusted_proxies)
        s = settings
        self.api = Rule("api", s.rate_limit_api, s.rate_limit_api_period_seconds)
        self.api_ip = Rule("api_ip", s.rate_limit_api_ip, s.rate_limit_api_period_seconds)
        self.media = Rule("media", s.rate_limit_media, s.rate_limit_media_period_seconds)
        self.sign_ups = Rule("sign_up", s.rate_limit_sign_ups, s.rate_limit_sign_ups_period_seconds)
        self.logins_ip = Rule(
            "login_ip", s.rate_limit_logins_ip, s.rate_limit_logins_ip_period_seconds
        )
        self.logins_account = Rule(
            "login_account", s.rate_limit_logins_account, s.rate_limit_logins_account_period_seconds
        )
        self.failures_free = s.login_failures_free
        self.backoff_base = s.login_backoff_base_seconds
        self.backoff_max = s.login_backoff_max_seconds
        self.failures_window = s.login_failures_window_seconds

    async def count(self, rule: Rule, subject: str) -> Tally:
        # Shared counters are claimed a few at a time for large budgets (one Redis round trip
        # per batch, not per request); small ones (sign-ups, logins) are counted one by one.
        batch = min(MAX_BATCH, max(1, rule.limit // 50))
        count = await self.limiter.hit(f"{rule.name}:{subject}", rule.period, batch=batch)
        return Tally(rule, count)


RATE_LIMITS = web.AppKey("rate_limits", RateLimits)
_TALLY = web.RequestKey("rate_limit_tally", Tally)


async def open_rate_limits(app: web.Application) -> AsyncIterator[None]:
    """Cleanup context: the limiter beside the bus (shared through Redis, or this process's)."""
    settings = app[SETTINGS]
    if not settings.rate_limits:
        yield
        return
    limiter = open_limiter(settings.bus)
    app[RATE_LIMITS] = RateLimits(settings, limiter)
    try:
        yield
    finally:
        await limiter.close()


def _reset_iso(reset_at: float) -> str:
    moment = datetime.fromtimestamp(reset_at, UTC)
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _headers(tally: Tally) -> dict[str, str]:
    return {
        "X-RateLimit-Limit": str(tally.rule.limit),
        "X-RateLimit-Remaining": str(tally.remaining),
        "X-RateLimit-Reset": _reset_iso(tally.count.reset_at),
    }


def _too_many(retry_after: float) -> web.Response:
    headers = {"Retry-After": str(max(1, math.ceil(retry_after)))}
    return json_response({"error": TOO_MANY}, status=429, headers=headers)


async def _login_name(request: web.Request) -> str | None:
    """The login name a password grant or the consent form tries; None if not one of them."""
    if request.method != "POST" or request.path not in ("/oauth/token", "/oauth/authorize"):
        return None
    try:
        params = {**query_params(request), **(await body_params(request))}
    except ChirpError:
        return None  # the handler answers the malformed body
    if request.path == "/oauth/token":
        if params.get("grant_type") != "password":
            return None
        name = params.get("username")
    else:
        name = params.get("login")
    return str(name).strip().lower() if name else ""


async def _api_subject(request: web.Request, limits: RateLimits, ip: str) -> tuple[Rule, str]:
    """Per token when the request carries a valid one (its principal is kept for the handler),
    per IP otherwise: made-up tokens do not buy a fresh budget."""
    token = bearer_token(request)
    if token is not None:
        try:
            principal = await authenticate_bearer(request.app[CONTEXT], token)
        except ChirpError:
            pass  # the handler answers 401
        else:
            request[PRINCIPAL] = principal
            return limits.api, f"t{principal.token.id}"
    return limits.api_ip, ip


@web.middleware
async def rate_limits(request: web.Request, handler: Handler) -> web.StreamResponse:
    limits = request.app.get(RATE_LIMITS)
    if limits is None:
        return await handler(request)
    ip = client_ip(request, limits.trusted)
    tallies: list[Tally] = []
    subject = ip
    if request.path.startswith("/api/"):
        rule, subject = await _api_subject(request, limits, ip)
        tallies.append(await limits.count(rule, subject))
        if request.method == "POST" and request.path in _MEDIA_PATHS:
            tallies.append(await limits.count(limits.media, subject))
        if request.method == "POST" and request.path == "/api/v1/accounts":
            tallies.append(await limits.count(limits.sign_ups, ip))
    login = await _login_name(request)
    login_keys: list[str] = []
    if login is not None:
        tallies.append(await limits.count(limits.logins_ip, ip))
        login_keys.append(f"login_ip:{ip}")
        if login:
            name = digest(login)[:32]  # counters keep no login names (nor their length)
            tallies.append(await limits.count(limits.logins_account, name))
            login_keys.append(f"login_account:{name}")
    if not tallies:
        return await handler(request)
    tightest = min(tallies, key=lambda tally: tally.remaining)
    request[_TALLY] = tightest
    exceeded = [tally for tally in tallies if tally.exceeded]
    if exceeded:
        worst = max(exceeded, key=lambda tally: tally.count.reset_at)
        return _too_many(worst.count.reset_at - time.time())
    blocked = max([await limits.limiter.blocked_for(key) for key in login_keys], default=0.0)
    if blocked > 0:
        return _too_many(blocked)
    if not login_keys:
        return await handler(request)
    try:
        response = await handler(request)
    except (ChirpError, web.HTTPException) as error:
        await _settle_login(limits, login_keys, error.status)
        raise
    await _settle_login(limits, login_keys, response.status)
    return response


async def _settle_login(limits: RateLimits, keys: list[str], status: int) -> None:
    """A failed login counts toward the back-off of its IP and its login name; a success
    forgives the login name's failures (the IP's stand: it may be guessing many names)."""
    if status in _LOGIN_FAILED:
        for key in keys:
            await limits.limiter.fail(
                key,
                free=limits.failures_free,
                base=limits.backoff_base,
                cap=limits.backoff_max,
                forget=limits.failures_window,
            )
    elif status < 400:
        for key in keys[1:]:
            await limits.limiter.forgive(key)


async def add_rate_limit_headers(request: web.Request, response: web.StreamResponse) -> None:
    """`on_response_prepare`: the tightest limit's headers on every limited response, streams
    and errors included."""
    tally = request.get(_TALLY)
    if tally is not None:
        response.headers.update(_headers(tally))
