"""Web Push: a token's subscription (Mastodon's `/api/v1/push/subscription`) and which
notifications go out to which subscriptions.

A subscription belongs to one access token (a new one replaces the token's old one) and dies
with it: revoked or expired tokens get no pushes. Each notification shown to an account (the
dispatcher's batch) becomes one `web_push.due` event per subscription whose alerts and policy
take it, recorded in the outbox: the sending (`chirp.webpush.delivery`) runs off the batch that
made the notification, on any node, and a push the push service could not take is retried as a
new event, with backoff, until `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec

from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.events import WebPushDue, outbox_row
from chirp.core.models import Event, Notification, Principal, PushSubscription

# The notification types a subscription may ask for (Mastodon's alerts), in its order.
ALERTS = (
    "mention",
    "quote",
    "status",
    "reblog",
    "follow",
    "follow_request",
    "favourite",
    "poll",
    "update",
    "quoted_update",
    "admin.sign_up",
    "admin.report",
)
STAFF_ALERTS = frozenset({"admin.sign_up", "admin.report"})
POLICIES = ("all", "followed", "follower", "none")
MAX_ATTEMPTS = 8
ENDPOINT_MAX = 2048
EVENT = "web_push.due"


class PushKeys(Protocol):
    """The server's VAPID identity (`chirp.webpush.vapid`): its public key, base64url, is the
    `applicationServerKey` browsers subscribe with (`server_key`, `vapid.public_key`)."""

    @property
    def public_key(self) -> str: ...


@dataclass(slots=True)
class SubscriptionForm:
    endpoint: str
    p256dh: str
    auth: str
    standard: bool
    alerts: dict[str, bool]
    policy: str | None


def _b64(value: str, what: str) -> bytes:
    """Browsers send base64url without padding; Mastodon.py sends standard base64."""
    text = value.strip().replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput(f"Validation failed: {what} is not base64") from None


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _check_endpoint(ctx: Context, endpoint: str) -> str:
    endpoint = endpoint.strip()
    schemes = ("https", "http") if ctx.settings.web_push_allow_local else ("https",)
    try:
        parts = urlsplit(endpoint)
        valid = parts.scheme in schemes and bool(parts.hostname) and parts.port != 0
    except ValueError:  # a broken IPv6 literal or port
        valid = False
    if len(endpoint) > ENDPOINT_MAX or not valid or any(c.isspace() for c in endpoint):
        raise InvalidInput("Validation failed: Endpoint is not a valid https URL")
    if not _allowed_host(ctx.settings.web_push_hosts, parts.hostname or ""):
        raise InvalidInput("Validation failed: Endpoint is not a push service this server uses")
    return endpoint


def _allowed_host(allowed: str, host: str) -> bool:
    names = [n.strip().lower() for n in allowed.split(",") if n.strip()]
    host = host.lower().rstrip(".")
    return not names or any(host == n or (n.startswith(".") and host.endswith(n)) for n in names)


def _check_keys(p256dh: str, auth: str) -> tuple[str, str]:
    """The browser's P-256 public key (a point on the curve) and 16-byte auth secret."""
    point = _b64(p256dh, "p256dh")
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), point)
    except ValueError:
        raise InvalidInput("Validation failed: p256dh is not a P-256 public key") from None
    secret = _b64(auth, "auth")
    if len(secret) != 16:
        raise InvalidInput("Validation failed: auth must be 16 bytes")
    return b64url(point), b64url(secret)


def _check_policy(policy: str | None) -> str:
    if policy is None or policy == "":
        return "all"
    if policy not in POLICIES:
        raise InvalidInput(f"Validation failed: Policy must be one of {', '.join(POLICIES)}")
    return policy


async def _alerts(ctx: Context, account_id: int, wanted: dict[str, bool]) -> frozenset[str]:
    """The alerts asked for; the staff ones only for staff (Mastodon drops them silently)."""
    unknown = sorted(set(wanted) - set(ALERTS))
    if unknown:
        raise InvalidInput(f"Validation failed: Unknown alert {', '.join(unknown)}")
    chosen = frozenset(name for name, on in wanted.items() if on)
    if chosen & STAFF_ALERTS:
        moderation = (await ctx.store.get_moderations([account_id])).get(account_id)
        if moderation is None or moderation.role is None:
            chosen -= STAFF_ALERTS
    return chosen


def _user(principal: Principal) -> int:
    if principal.account is None:
        raise InvalidInput("This method requires an authenticated user")
    return principal.account.id


async def subscribe_to_push(
    ctx: Context, principal: Principal, form: SubscriptionForm
) -> PushSubscription:
    """Create the token's subscription, replacing the one it had (as Mastodon does)."""
    account_id = _user(principal)
    endpoint = _check_endpoint(ctx, form.endpoint)
    p256dh, auth = _check_keys(form.p256dh, form.auth)
    subscription = PushSubscription(
        id=ctx.new_id(),
        token_id=principal.token.id,
        account_id=account_id,
        endpoint=endpoint,
        p256dh=p256dh,
        auth=auth,
        alerts=await _alerts(ctx, account_id, form.alerts),
        policy=_check_policy(form.policy),
        standard=form.standard,
        created_at=ctx.now(),
    )
    await ctx.store.save_push_subscription(subscription)
    return subscription


async def get_push_subscription(ctx: Context, principal: Principal) -> PushSubscription:
    _user(principal)
    found = await ctx.store.get_push_subscription(principal.token.id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def change_push_subscription(
    ctx: Context, principal: Principal, alerts: dict[str, bool], policy: str | None
) -> PushSubscription:
    """Replace its alerts and policy (Mastodon's `update!(data:)`: alerts not sent are off)."""
    account_id = _user(principal)
    changed = await ctx.store.update_push_subscription(
        principal.token.id, await _alerts(ctx, account_id, alerts), _check_policy(policy)
    )
    if changed is None:
        raise NotFound("Record not found")
    return changed


async def unsubscribe_from_push(ctx: Context, principal: Principal) -> None:
    """Idempotent: no subscription is not an error (Mastodon answers `{}` either way)."""
    _user(principal)
    found = await ctx.store.get_push_subscription(principal.token.id)
    if found is not None:
        await ctx.store.remove_push_subscription(found.id)


async def _policy_allows(
    ctx: Context, subscription: PushSubscription, notification: Notification
) -> bool:
    if subscription.policy == "all":
        return True
    if subscription.policy == "none":
        return False
    sender = notification.from_account_id
    relation = (await ctx.store.get_relationships(subscription.account_id, [sender])).get(sender)
    if relation is None:
        return False
    if subscription.policy == "followed":  # the recipient follows the sender
        return relation.following is not None
    return relation.followed_by  # "follower": the sender follows the recipient


def push_event(
    ctx: Context, subscription_id: int, account_id: int, notification_id: int, attempt: int
) -> Event:
    """A push due: `attempt` counts the tries before it (the retries are new events)."""
    return outbox_row(ctx, WebPushDue(subscription_id, account_id, notification_id, attempt))


async def queue_web_pushes(ctx: Context, notifications: list[Notification]) -> int:
    """One `web_push.due` event per (notification, subscription that takes it); how many."""
    if not notifications:
        return 0
    subscriptions = await ctx.store.live_push_subscriptions(
        {n.account_id for n in notifications}, ctx.now()
    )
    if not subscriptions:
        return 0
    by_account: dict[int, list[PushSubscription]] = {}
    for subscription in subscriptions:
        by_account.setdefault(subscription.account_id, []).append(subscription)
    events = []
    for notification in notifications:
        for subscription in by_account.get(notification.account_id, []):
            if notification.type in subscription.alerts and await _policy_allows(
                ctx, subscription, notification
            ):
                events.append(
                    push_event(ctx, subscription.id, notification.account_id, notification.id, 0)
                )
    await ctx.store.record_events(events, ctx.now())
    if events:
        ctx.wake_dispatcher()
    return len(events)
