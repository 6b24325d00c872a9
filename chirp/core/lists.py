"""Lists: an account's named sets of accounts it follows, each read as a timeline of their
tweets (Mastodon's lists). The fan-out fills the timelines (the audience rule, `core.audience`); an
unfollow takes the account out of the follower's lists (`Store.remove_follow`)."""

from __future__ import annotations

from dataclasses import replace

from chirp.core import feeds
from chirp.core.accounts import get_account, get_accounts
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.models import REPLIES_POLICIES, Account, Page, Status, UserList
from chirp.core.views import Loaded, load_visible

MAX_LISTS = 50  # per account, as Mastodon
MAX_TITLE = 256


def _checked_title(title: str) -> str:
    clean = title.strip()
    if not clean:
        raise InvalidInput("Validation failed: Title can't be blank")
    if len(clean) > MAX_TITLE:
        raise InvalidInput(
            f"Validation failed: Title is too long (maximum is {MAX_TITLE} characters)"
        )
    return clean


def _checked_policy(policy: str) -> str:
    if policy not in REPLIES_POLICIES:
        raise InvalidInput(f"'{policy}' is not a valid replies_policy")
    return policy


async def create_list(
    ctx: Context,
    owner: Account,
    title: str,
    *,
    replies_policy: str = "list",
    exclusive: bool = False,
) -> UserList:
    user_list = UserList(
        id=ctx.new_id(),
        account_id=owner.id,
        title=_checked_title(title),
        replies_policy=_checked_policy(replies_policy),
        exclusive=exclusive,
    )
    if len(await ctx.store.get_lists(owner.id)) >= MAX_LISTS:
        raise InvalidInput("Validation failed: You have reached the maximum number of lists")
    await ctx.store.create_list(user_list)
    return user_list


async def get_list(ctx: Context, owner: Account, list_id: int) -> UserList:
    """The owner's list; 404 for anyone else's, as if it did not exist."""
    found = await ctx.store.get_list(list_id)
    if found is None or found.account_id != owner.id:
        raise NotFound("Record not found")
    return found


async def get_lists(ctx: Context, owner: Account) -> list[UserList]:
    return await ctx.store.get_lists(owner.id)


async def update_list(
    ctx: Context,
    owner: Account,
    list_id: int,
    *,
    title: str | None = None,
    replies_policy: str | None = None,
    exclusive: bool | None = None,
) -> UserList:
    """Change what is given; the rest stays."""
    found = await get_list(ctx, owner, list_id)
    changed = replace(
        found,
        title=found.title if title is None else _checked_title(title),
        replies_policy=found.replies_policy
        if replies_policy is None
        else _checked_policy(replies_policy),
        exclusive=found.exclusive if exclusive is None else exclusive,
    )
    if not await ctx.store.update_list(changed):
        raise NotFound("Record not found")
    return changed


async def delete_list(ctx: Context, owner: Account, list_id: int) -> None:
    await get_list(ctx, owner, list_id)
    await ctx.store.delete_list(list_id)


async def add_list_members(
    ctx: Context, owner: Account, list_id: int, account_ids: list[int]
) -> None:
    """Add accounts the owner follows (or the owner itself), all or none, as Mastodon: 404 for
    an unknown account or one the owner does not follow, 422 for one already in the list."""
    await get_list(ctx, owner, list_id)
    wanted = list(dict.fromkeys(account_ids))
    found = await get_accounts(ctx, wanted)
    if len(found) != len(wanted):
        raise NotFound("Record not found")
    relations = await ctx.store.get_relationships(owner.id, wanted)
    if any(relations[a].following is None for a in wanted if a != owner.id):
        raise NotFound("Record not found")
    members = {a for _, a in await ctx.store.list_members(list_id, Page(limit=0))}
    if members & set(wanted):
        raise InvalidInput("Validation failed: Account has already been taken")
    await ctx.store.add_list_members(list_id, [(ctx.new_id(), a) for a in wanted], ctx.now())


async def remove_list_members(
    ctx: Context, owner: Account, list_id: int, account_ids: list[int]
) -> None:
    """Idempotent: an account that is not a member is no error."""
    await get_list(ctx, owner, list_id)
    await ctx.store.remove_list_members(list_id, account_ids)


async def list_members(
    ctx: Context, owner: Account, list_id: int, page: Page
) -> tuple[list[Account], list[int]]:
    """The members (and the page's cursors), newest membership first."""
    await get_list(ctx, owner, list_id)
    rows = await ctx.store.list_members(list_id, page)
    accounts = await get_accounts(ctx, [a for _, a in rows])
    return accounts, [cursor for cursor, _ in rows]


async def lists_with_account(ctx: Context, owner: Account, account_id: int) -> list[UserList]:
    """The owner's lists holding the account (`/api/v1/accounts/:id/lists`)."""
    target = await get_account(ctx, account_id)
    return (await ctx.store.lists_with_members(owner.id, [target.id])).get(target.id, [])


async def list_timeline(
    ctx: Context, owner: Account, list_id: int, page: Page, *, loaded: Loaded | None = None
) -> tuple[list[Status], list[int]]:
    """The list's tweets, newest first, without what the owner may not see, blocks or mutes
    (`views.load_visible` with `screen`, as the home timeline)."""
    await get_list(ctx, owner, list_id)
    ids = await feeds.read_list(ctx, list_id, page)
    return await load_visible(ctx, ids, owner.id, loaded=loaded, screen=True), ids
