"""Grouped notifications (`/api/v2/notifications`) and unread counts, as Mastodon 4.3 pages them.

A page holds up to `limit` groups: notifications are walked newest first (oldest first from a
`min_id`) and each group is represented by the first of its notifications met; a notification
whose type the client does not want grouped (`grouped_types`) is a group of its own,
`ungrouped-<id>`. Each group is then counted and sampled within the page's range, and the
page's `Link` cursors are its representatives' ids.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime

from chirp.core.context import Context
from chirp.core.errors import NotFound
from chirp.core.models import Account, Notification, Page
from chirp.core.notification_policy import GROUPABLE_TYPES
from chirp.core.notifications import check_types, still_visible
from chirp.core.views import StatusBundle, load_notification_bundle

UNGROUPED = "ungrouped-"
SAMPLE_ACCOUNTS = 8
# The walk reads notifications in batches; a page stops after this many batches even if short
# of groups (its cursors then resume the walk where it stopped).
MAX_BATCHES = 10
MAX_BATCH = 400


@dataclass(slots=True)
class NotificationFilter:
    """Which notifications count: Mastodon's `types[]`, `exclude_types[]`, `account_id`,
    `include_filtered`."""

    types: list[str] | None = None
    exclude_types: list[str] = field(default_factory=list)
    from_account_id: int | None = None
    include_filtered: bool = False

    def checked(self) -> NotificationFilter:
        return replace(
            self,
            types=check_types(self.types) if self.types else None,
            exclude_types=check_types(self.exclude_types),
        )


@dataclass(slots=True)
class NotificationGroup:
    group_key: str
    notification: Notification  # the newest of the group on this page
    count: int
    most_recent_id: int
    sample_account_ids: list[int]
    # Within the page's range (None when not paging: a single group shown by its key).
    page_min_id: int | None = None
    latest_page_at: datetime | None = None


def grouped_types_of(requested: Iterable[str] | None) -> frozenset[str]:
    """The types grouped: those asked for that Chirp groups, all of them when none is asked."""
    wanted = list(requested or ())
    return (
        frozenset(t for t in wanted if t in GROUPABLE_TYPES)
        if wanted
        else frozenset(GROUPABLE_TYPES)
    )


def group_key_of(n: Notification, grouped: frozenset[str]) -> str:
    if n.group_key is not None and n.type in grouped:
        return n.group_key
    return f"{UNGROUPED}{n.id}"


async def list_notification_groups(
    ctx: Context,
    account: Account,
    page: Page,
    filters: NotificationFilter,
    grouped_types: Iterable[str] | None = None,
) -> tuple[list[NotificationGroup], list[int]]:
    """One page of groups, newest first, with the cursors for its `Link` header."""
    grouped = grouped_types_of(grouped_types)
    picked = await _walk(ctx, account.id, page, filters.checked(), grouped)
    cursors = [n.id for n in picked]
    if not picked:
        return [], cursors
    # The range the groups are counted in: the page's, open-ended on a last (short) page.
    start: int | None = picked[-1].id
    end: int | None = picked[0].id
    if len(picked) < page.limit:
        if page.min_id is not None:
            end = page.max_id - 1 if page.max_id is not None else None
        else:
            start = page.since_id + 1 if page.since_id is not None else 0
    shown = await still_visible(ctx, account.id, picked)
    keys = [n.group_key for n in shown if n.group_key and group_key_of(n, grouped) == n.group_key]
    stats = await ctx.store.notification_group_stats(
        account.id, keys, max_id=end, min_id=start, samples=SAMPLE_ACCOUNTS
    )
    groups = []
    for n in shown:
        key = group_key_of(n, grouped)
        found = stats.get(key)
        if found is None:
            groups.append(_alone(n, key, paged=True))
        else:
            groups.append(
                NotificationGroup(
                    group_key=key,
                    notification=n,
                    count=found.count,
                    most_recent_id=found.most_recent_id,
                    sample_account_ids=found.sample_account_ids,
                    page_min_id=found.page_min_id,
                    latest_page_at=found.most_recent_at,
                )
            )
    return groups, cursors


async def count_unread_groups(
    ctx: Context,
    account: Account,
    limit: int,
    filters: NotificationFilter,
    grouped_types: Iterable[str] | None = None,
) -> int:
    """Groups newer than the `notifications` read marker, up to `limit`."""
    page = Page(limit=limit, min_id=await _last_read_id(ctx, account))
    picked = await _walk(ctx, account.id, page, filters.checked(), grouped_types_of(grouped_types))
    return len(picked)


async def count_unread_notifications(
    ctx: Context, account: Account, limit: int, filters: NotificationFilter
) -> int:
    """Notifications newer than the `notifications` read marker, up to `limit`."""
    checked = filters.checked()
    rows = await ctx.store.list_notifications(
        account.id,
        Page(limit=limit, min_id=await _last_read_id(ctx, account)),
        types=checked.types,
        exclude_types=checked.exclude_types,
        from_account_id=checked.from_account_id,
        include_filtered=checked.include_filtered,
    )
    # What the list would show: not what blocked, muted or suspended accounts notified.
    return len(await still_visible(ctx, account.id, rows))


async def _last_read_id(ctx: Context, account: Account) -> int | None:
    marker = (await ctx.store.get_markers(account.id, ["notifications"])).get("notifications")
    return marker.last_read_id if marker is not None else None


async def get_notification_group(
    ctx: Context, account: Account, group_key: str
) -> NotificationGroup:
    """The group with this key, counted whole; 404 unless it is the account's."""
    if group_key.startswith(UNGROUPED):
        found = await ctx.store.get_notification(account.id, _ungrouped_id(group_key))
        if found is None or not await still_visible(ctx, account.id, [found]):
            raise NotFound("Record not found")
        return _alone(found, group_key, paged=False)
    newest = await ctx.store.find_notification_group(account.id, group_key)
    if newest is None or not await still_visible(ctx, account.id, [newest]):
        raise NotFound("Record not found")
    stats = (
        await ctx.store.notification_group_stats(account.id, [group_key], samples=SAMPLE_ACCOUNTS)
    ).get(group_key)
    if stats is None:  # dismissed in between
        raise NotFound("Record not found")
    return NotificationGroup(
        group_key=group_key,
        notification=newest,
        count=stats.count,
        most_recent_id=stats.most_recent_id,
        sample_account_ids=stats.sample_account_ids,
    )


async def dismiss_notification_group(ctx: Context, account: Account, group_key: str) -> None:
    """Idempotent, as in Mastodon: a key with nothing (left) to dismiss is fine."""
    if group_key.startswith(UNGROUPED):
        if group_key[len(UNGROUPED) :].isdigit():
            await ctx.store.dismiss_notification(account.id, _ungrouped_id(group_key))
        return
    await ctx.store.dismiss_notification_group(account.id, group_key)


async def group_accounts(
    ctx: Context, account: Account, group_key: str, page: Page
) -> tuple[list[Account], list[int]]:
    """Who is behind the group's notifications, newest first, with the cursors."""
    if group_key.startswith(UNGROUPED):
        found = await ctx.store.get_notification(account.id, _ungrouped_id(group_key))
        rows = [found] if found is not None and _in_page(found.id, page) else []
    else:
        rows = await ctx.store.list_group_notifications(account.id, group_key, page)
    shown = await still_visible(ctx, account.id, rows)
    accounts = await ctx.store.get_accounts(n.from_account_id for n in shown)
    return [accounts[n.from_account_id] for n in shown if n.from_account_id in accounts], [
        n.id for n in rows
    ]


async def load_group_bundle(
    ctx: Context, groups: list[NotificationGroup], viewer_id: int
) -> StatusBundle:
    """The groups' tweets, streams and every sampled account, in a constant number of queries."""
    bundle = await load_notification_bundle(ctx, [g.notification for g in groups], viewer_id)
    missing = {a for g in groups for a in g.sample_account_ids} - bundle.accounts.keys()
    if missing:
        bundle.accounts.update(await ctx.store.get_accounts(missing))
    return bundle


def _alone(n: Notification, key: str, *, paged: bool) -> NotificationGroup:
    return NotificationGroup(
        group_key=key,
        notification=n,
        count=1,
        most_recent_id=n.id,
        sample_account_ids=[n.from_account_id],
        page_min_id=n.id if paged else None,
        latest_page_at=n.created_at if paged else None,
    )


def _ungrouped_id(group_key: str) -> int:
    raw = group_key[len(UNGROUPED) :]
    if not raw.isdigit() or len(raw) > 19 or int(raw) >= 2**63:
        raise NotFound("Record not found")
    return int(raw)


def _in_page(notification_id: int, page: Page) -> bool:
    lower = page.min_id if page.min_id is not None else page.since_id
    return (page.max_id is None or notification_id < page.max_id) and (
        lower is None or notification_id > lower
    )


async def _walk(
    ctx: Context,
    account_id: int,
    page: Page,
    filters: NotificationFilter,
    grouped: frozenset[str],
) -> list[Notification]:
    """Up to `page.limit` notifications, the first met of each group, newest first."""
    ascending = page.min_id is not None
    scan = replace(page, limit=min(max(page.limit * 2, 40), MAX_BATCH))
    picked: list[Notification] = []
    seen: set[str] = set()
    for _ in range(MAX_BATCHES):
        rows = await ctx.store.list_notifications(
            account_id,
            scan,
            types=filters.types,
            exclude_types=filters.exclude_types,
            from_account_id=filters.from_account_id,
            include_filtered=filters.include_filtered,
        )
        for n in reversed(rows) if ascending else rows:
            key = group_key_of(n, grouped)
            if key not in seen:
                seen.add(key)
                picked.append(n)
                if len(picked) == page.limit:
                    break
        if len(picked) >= page.limit or len(rows) < scan.limit:
            break
        if ascending:
            scan.min_id = rows[0].id
        else:
            scan.max_id = rows[-1].id
    picked.sort(key=lambda n: n.id, reverse=True)
    return picked
