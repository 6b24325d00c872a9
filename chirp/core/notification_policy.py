"""Who may notify whom, as Mastodon 4.3 decides it, in the one place every notification passes
on its way into the store (`screen`):

- nothing from a conversation the recipient muted;
- the recipient's policy: notifications from accounts they do not follow, that do not follow
  them (or only for less than three days), that are less than 30 days old, and private
  mentions out of the blue are `accept`ed, `filter`ed (kept for review: a notification request
  per sender) or `drop`ped. Limited accounts are a moderation state Chirp has not got, so
  `for_limited_accounts` never matches. A sender whose request the recipient accepted is
  never filtered again, and only these types are ever filtered: mention, reblog, follow,
  follow_request, favourite, quote;
- what is kept and not filtered gets its group key: favourites and retweets of one tweet, and
  follows, within a span of up to 12 hours share one (`/api/v2/notifications`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import timedelta

from chirp.core.context import Context
from chirp.core.errors import InvalidInput
from chirp.core.models import (
    POLICY_FIELDS,
    POLICY_VALUES,
    Account,
    Notification,
    NotificationPolicy,
    NotificationRequest,
    Status,
)

FILTERABLE_TYPES = frozenset(
    ("mention", "reblog", "follow", "follow_request", "favourite", "quote")
)
GROUPABLE_TYPES = ("favourite", "reblog", "follow")
# Filtered notifications of these types open (or update) a notification request.
REQUEST_TYPES = ("mention", "quote")
NEW_ACCOUNT_AGE = timedelta(days=30)
NEW_FOLLOWER_AGE = timedelta(days=3)
MAX_GROUP_SPAN_HOURS = 12
# How far up a thread a private mention is checked for being an answer to the recipient.
MAX_THREAD_DEPTH = 100
# Pending requests counted in a policy's summary (Mastodon's "meaningful" count).
SUMMARY_CAP = 100

# The v1 API's booleans: true is `filter`, false `accept`.
V1_FIELDS = {
    "filter_not_following": "for_not_following",
    "filter_not_followers": "for_not_followers",
    "filter_new_accounts": "for_new_accounts",
    "filter_private_mentions": "for_private_mentions",
}


@dataclass(slots=True)
class PolicySummary:
    pending_requests_count: int
    pending_notifications_count: int


async def notification_policy(ctx: Context, account_id: int) -> NotificationPolicy:
    return await ctx.store.get_notification_policy(account_id) or NotificationPolicy(account_id)


async def get_notification_policy(
    ctx: Context, account: Account
) -> tuple[NotificationPolicy, PolicySummary]:
    requests, notes = await ctx.store.summarize_notification_requests(account.id, SUMMARY_CAP)
    return await notification_policy(ctx, account.id), PolicySummary(requests, notes)


async def update_notification_policy(
    ctx: Context, account: Account, changes: dict[str, str]
) -> tuple[NotificationPolicy, PolicySummary]:
    """Change the given fields (`for_*` names); each value is accept, filter or drop."""
    bad = [
        f"{name}: must be one of accept, filter, drop"
        for name, value in changes.items()
        if value not in POLICY_VALUES
    ]
    unknown = [name for name in changes if name not in POLICY_FIELDS]
    if unknown:
        raise InvalidInput(f"Validation failed: unknown field {', '.join(unknown)}")
    if bad:
        raise InvalidInput(f"Validation failed: {'; '.join(bad)}")
    policy = await notification_policy(ctx, account.id)
    for name, value in changes.items():
        setattr(policy, name, value)
    await ctx.store.save_notification_policy(policy)
    return await get_notification_policy(ctx, account)


async def screen(ctx: Context, pending: list[Notification]) -> list[Notification]:
    """What to store of `pending`: without dropped ones, filtered ones marked, the rest keyed."""
    if not pending:
        return []
    statuses = await ctx.store.get_statuses(n.status_id for n in pending if n.status_id)
    muted = await _muted(ctx, pending, statuses)
    shunned = await _shunned(ctx, pending)
    policies: dict[int, NotificationPolicy] = {}
    kept = []
    for n in pending:
        status = statuses.get(n.status_id) if n.status_id is not None else None
        if (n.account_id, status.conversation_id if status else None) in muted:
            continue
        if (n.account_id, n.from_account_id) in shunned:
            continue
        verdict = await _verdict(ctx, n, status, policies)
        if verdict == "drop":
            continue
        if verdict == "filter":
            kept.append(replace(n, filtered=True, group_key=None))
        else:
            kept.append(replace(n, filtered=False, group_key=await _group_key(ctx, n)))
    return kept


async def open_requests(ctx: Context, added: list[Notification]) -> None:
    """Filtered mentions and quotes wait in a request per sender (created or moved on)."""
    for n in added:
        if n.filtered and n.type in REQUEST_TYPES:
            await ctx.store.save_notification_request(
                NotificationRequest(
                    id=ctx.new_id(),
                    account_id=n.account_id,
                    from_account_id=n.from_account_id,
                    created_at=n.created_at,
                    updated_at=n.created_at,
                    last_status_id=n.status_id,
                )
            )


async def _muted(
    ctx: Context, pending: list[Notification], statuses: dict[int, Status]
) -> set[tuple[int, int | None]]:
    """(recipient, conversation) pairs where the recipient muted the conversation."""
    recipients: dict[int, set[int]] = {}
    for n in pending:
        status = statuses.get(n.status_id) if n.status_id is not None else None
        if status is not None and status.conversation_id is not None:
            recipients.setdefault(status.conversation_id, set()).add(n.account_id)
    muted: set[tuple[int, int | None]] = set()
    for conversation, accounts in recipients.items():
        for account in await ctx.store.get_conversation_muters(conversation, accounts):
            muted.add((account, conversation))
    return muted


async def _shunned(ctx: Context, pending: list[Notification]) -> set[tuple[int, int]]:
    """(recipient, sender) pairs where the recipient blocks the sender or mutes their
    notifications (as Mastodon's NotifyService): one query per sender."""
    recipients: dict[int, set[int]] = {}
    for n in pending:
        recipients.setdefault(n.from_account_id, set()).add(n.account_id)
    now = ctx.now()
    shunned: set[tuple[int, int]] = set()
    for sender, accounts in recipients.items():
        for account in await ctx.store.get_shunners(sender, accounts, now, notifications_only=True):
            shunned.add((account, sender))
    return shunned


async def _verdict(
    ctx: Context,
    n: Notification,
    status: Status | None,
    policies: dict[int, NotificationPolicy],
) -> str:
    if n.type not in FILTERABLE_TYPES:
        return "accept"
    policy = policies.get(n.account_id)
    if policy is None:
        policy = policies[n.account_id] = await notification_policy(ctx, n.account_id)
    facts = _Facts(ctx, n, status)
    rules: list[tuple[str, Callable[[], Awaitable[bool]]]] = [
        (policy.for_not_following, facts.not_following),
        (policy.for_not_followers, facts.not_follower),
        (policy.for_new_accounts, facts.new_account),
        (policy.for_private_mentions, facts.private_mention),
    ]
    active = [(value, check) for value, check in rules if value != "accept"]
    if not active or await ctx.store.has_notification_permission(n.account_id, n.from_account_id):
        return "accept"
    matched = {value for value, check in active if await check()}
    return "drop" if "drop" in matched else "filter" if "filter" in matched else "accept"


class _Facts:
    """What the policy asks about a sender, each looked up once and only when asked."""

    def __init__(self, ctx: Context, n: Notification, status: Status | None) -> None:
        self.ctx, self.n, self.status = ctx, n, status
        self._following: bool | None = None

    async def following(self) -> bool:
        """Whether the recipient follows the sender."""
        if self._following is None:
            n = self.n
            found = await self.ctx.store.get_relationships(n.account_id, [n.from_account_id])
            self._following = found[n.from_account_id].following is not None
        return self._following

    async def not_following(self) -> bool:
        return not await self.following()

    async def not_follower(self) -> bool:
        """The sender does not follow the recipient, or only since less than three days."""
        n = self.n
        found = await self.ctx.store.get_relationships(n.from_account_id, [n.account_id])
        follow = found[n.account_id].following
        return follow is None or follow.created_at > self.ctx.now() - NEW_FOLLOWER_AGE

    async def new_account(self) -> bool:
        if await self.following():
            return False
        sender = await self.ctx.store.get_account(self.n.from_account_id)
        return sender is not None and sender.created_at > self.ctx.now() - NEW_ACCOUNT_AGE

    async def private_mention(self) -> bool:
        """A direct mention from someone the recipient does not follow, that does not answer
        a direct post of the recipient mentioning the sender."""
        status = self.status
        if self.n.type != "mention" or status is None or status.visibility != "direct":
            return False
        if await self.following():
            return False
        return not await self._answers_recipient(status)

    async def _answers_recipient(self, status: Status) -> bool:
        if status.in_reply_to_id is None:
            return False
        ancestors, _ = await self.ctx.store.get_thread(
            status, max_ancestors=MAX_THREAD_DEPTH, max_descendants=0
        )
        n = self.n
        return any(
            s.account_id == n.account_id
            and s.visibility == "direct"
            and n.from_account_id in s.mention_ids
            for s in ancestors
        )


async def _group_key(ctx: Context, n: Notification) -> str | None:
    """`<type>-<status id>-<hour>` (`follow-<hour>`): the hour of the group's first one, kept
    while notifications keep coming within 12 hours of it, as Mastodon groups them."""
    if n.type not in GROUPABLE_TYPES or (n.type != "follow" and n.status_id is None):
        return None
    prefix = n.type if n.type == "follow" else f"{n.type}-{n.status_id}"
    bucket = int(n.created_at.timestamp()) // 3600
    previous = await ctx.store.latest_group_key(n.account_id, prefix)
    if previous is not None:
        earlier = int(previous.rsplit("-", 1)[1])
        if bucket < earlier + MAX_GROUP_SPAN_HOURS:
            bucket = earlier
    return f"{prefix}-{bucket}"
