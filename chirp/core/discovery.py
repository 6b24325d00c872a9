"""Discovery for other software: WebFinger (RFC 7033) resolves a handle to a local account;
NodeInfo reports what this server is and how much it is used."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from chirp.config import Settings
from chirp.core.context import Context
from chirp.core.errors import ChirpError, NotFound
from chirp.core.instance import InstanceStats, instance_stats
from chirp.core.models import Account

RESOURCE_MAX = 1000


class BadResource(ChirpError):
    status = 400


def _username_of(resource: str, settings: Settings) -> str:
    """The local username a WebFinger resource names; BadResource when it is not a resource,
    NotFound when it names something on another server."""
    resource = resource.strip()
    if not resource or len(resource) > RESOURCE_MAX:
        raise BadResource("The resource parameter is required")
    scheme, _, rest = resource.partition(":")
    if scheme.lower() in ("http", "https"):
        parts = urlsplit(resource)
        path = parts.path.rstrip("/")
        if parts.netloc.lower() != settings.domain.lower():
            raise NotFound("Record not found")
        for prefix in ("/@", "/users/"):
            if path.startswith(prefix) and "/" not in path[len(prefix) :]:
                return path[len(prefix) :]
        raise NotFound("Record not found")
    if scheme.lower() == "acct":
        handle = rest
    elif "@" in scheme or ("@" in resource and not rest):
        handle = resource  # `user@domain[:port]` without its scheme, as Mastodon accepts
    else:
        raise BadResource("Unsupported resource: use acct:user@domain")
    username, at, domain = handle.lstrip("@").partition("@")
    if not username or (at and not domain) or "@" in domain:
        raise BadResource("Malformed acct: resource")
    if domain and domain.lower() != settings.domain.lower():
        raise NotFound("Record not found")
    return username


async def resolve_webfinger(ctx: Context, resource: str) -> Account:
    """The local account a WebFinger `resource` names (`acct:user@domain`, `user@domain`, or
    its profile URL)."""
    username = _username_of(resource, ctx.settings)
    account = await ctx.store.get_account_by_username(username)
    if account is None:
        raise NotFound("Record not found")
    return account


@dataclass(frozen=True, slots=True)
class NodeUsage:
    stats: InstanceStats
    open_registrations: bool


async def node_usage(ctx: Context) -> NodeUsage:
    """The figures NodeInfo reports, from the store; registrations as sign-up enforces them."""
    return NodeUsage(await instance_stats(ctx), ctx.settings.registration_mode != "closed")
