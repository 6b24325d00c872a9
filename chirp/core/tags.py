"""Hashtags as a viewer sees them: show, follow/unfollow (followed tags reach the home feed,
see `core.audience`), and featured tags on a profile (feature/unfeature, suggestions).

A tag is named in a URL or a form as written, with or without its `#`, in any case; a name
that could not be a hashtag in a tweet is refused. A tag nobody has used yet exists all the
same (it can be shown, followed and featured), named by its key (`text.tag_key`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from chirp.core import trends
from chirp.core.accounts import get_account
from chirp.core.context import Context
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.events import TagFollowRemoved, outbox_row
from chirp.core.models import Account, FeaturedTag, Page, Tag
from chirp.core.text import HASHTAG_RE, TAG_MAX, tag_key

FEATURED_LIMIT = 10  # tags an account may feature, as Mastodon
SUGGESTIONS = 10
SUGGESTIONS_FROM = 1_000  # the account's latest tagged tweets the suggestions count


@dataclass(slots=True)
class TagView:
    """A tag with its usage history and what the viewer does with it."""

    tag: Tag
    history: list[trends.TagHistory] = field(default_factory=list)
    following: bool = False
    featuring: bool = False


def tag_name(raw: str, *, in_path: bool = True) -> str:
    """The tag a path or form names (`#` optional). One that could not be a hashtag is a
    record that cannot exist in a path (404), a validation error in a form (422)."""
    name = raw.strip().removeprefix("#")
    if len(name) > TAG_MAX or not HASHTAG_RE.fullmatch("#" + name):
        if in_path:
            raise NotFound("Record not found")
        raise InvalidInput("Validation failed: Tag is invalid")
    return name


async def tag_views(ctx: Context, viewer_id: int | None, tags: list[Tag]) -> list[TagView]:
    """Views of several tags (search results, suggestions, followed tags): their histories and
    the viewer's flags, in three queries."""
    histories = await trends.tag_histories(ctx, [t.name for t in tags])
    return await with_flags(
        ctx, viewer_id, [TagView(t, histories.get(tag_key(t.name), [])) for t in tags]
    )


async def with_flags(ctx: Context, viewer_id: int | None, views: list[TagView]) -> list[TagView]:
    """Set whether the viewer follows and features each tag (none for an anonymous one)."""
    if viewer_id is not None and views:
        names = [view.tag.name for view in views]
        following = await ctx.store.followed_tag_keys(viewer_id, names)
        featuring = await ctx.store.featured_tag_keys(viewer_id, names)
        for view in views:
            view.following = tag_key(view.tag.name) in following
            view.featuring = tag_key(view.tag.name) in featuring
    return views


async def _view(ctx: Context, viewer: Account | None, name: str) -> TagView:
    tag = await ctx.store.get_tag(name)
    viewer_id = viewer.id if viewer is not None else None
    if tag is None:  # nobody has used it: no history to read
        return (await with_flags(ctx, viewer_id, [TagView(Tag(name=tag_key(name)))]))[0]
    return (await tag_views(ctx, viewer_id, [tag]))[0]


async def show_tag(ctx: Context, viewer: Account | None, raw: str) -> TagView:
    return await _view(ctx, viewer, tag_name(raw))


async def follow_tag(ctx: Context, account: Account, raw: str) -> TagView:
    """Tweets carrying the tag reach the account's home feed from now on (idempotent)."""
    name = tag_name(raw)
    await ctx.store.follow_tag(ctx.new_id(), account.id, name, ctx.now())
    return await _view(ctx, account, name)


async def unfollow_tag(ctx: Context, account: Account, raw: str) -> TagView:
    """Tweets carrying the tag stop reaching the home feed, and those it brought leave it."""
    name = tag_name(raw)
    event = outbox_row(ctx, TagFollowRemoved(account.id, tag_key(name)))
    if await ctx.store.unfollow_tag(account.id, name, event=event):
        ctx.wake_dispatcher()  # `feeds.withdraw_after_tag_unfollow` takes its tweets out
    return await _view(ctx, account, name)


async def followed_tags(
    ctx: Context, account: Account, page: Page
) -> tuple[list[TagView], list[int]]:
    """The account's followed tags, newest follow first, and the page's cursors."""
    rows = await ctx.store.list_followed_tags(account.id, page)
    views = await tag_views(ctx, account.id, [tag for _, tag in rows])
    return views, [cursor for cursor, _ in rows]


async def feature_tag(ctx: Context, account: Account, raw: str) -> FeaturedTag:
    """Feature a tag on the account's profile; featuring it again returns the same record."""
    name = tag_name(raw, in_path=False)
    featured = FeaturedTag(id=ctx.new_id(), account_id=account.id, name=name, created_at=ctx.now())
    if await ctx.store.feature_tag(featured, limit=FEATURED_LIMIT) is None:
        raise InvalidInput(f"Validation failed: You cannot feature more than {FEATURED_LIMIT} tags")
    for listed in await ctx.store.list_featured_tags(account.id):
        if tag_key(listed.name) == tag_key(name):
            return listed
    raise NotFound("Record not found")  # unfeatured by a concurrent request meanwhile


async def unfeature_tag(ctx: Context, account: Account, featured_id: int) -> None:
    if not await ctx.store.unfeature_tag(account.id, featured_id=featured_id):
        raise NotFound("Record not found")


async def feature_tag_by_name(ctx: Context, account: Account, raw: str) -> TagView:
    """`POST /api/v1/tags/:name/feature` (Mastodon 4.4): the tag, now featured."""
    name = tag_name(raw)
    await feature_tag(ctx, account, name)
    return await _view(ctx, account, name)


async def unfeature_tag_by_name(ctx: Context, account: Account, raw: str) -> TagView:
    name = tag_name(raw)
    await ctx.store.unfeature_tag(account.id, name=name)
    return await _view(ctx, account, name)


async def featured_tags(ctx: Context, account_id: int) -> tuple[Account, list[FeaturedTag]]:
    """An account's featured tags (any viewer may see them), with the account."""
    account = await get_account(ctx, account_id)
    return account, await ctx.store.list_featured_tags(account.id)


async def suggested_tags(ctx: Context, account: Account) -> list[TagView]:
    """The tags the account uses most lately that it does not feature yet."""
    featured = {tag_key(f.name) for f in await ctx.store.list_featured_tags(account.id)}
    used = await ctx.store.most_used_tags(
        account.id, recent=SUGGESTIONS_FROM, limit=SUGGESTIONS + len(featured)
    )
    fresh = [tag for tag in used if tag_key(tag.name) not in featured][:SUGGESTIONS]
    return await tag_views(ctx, account.id, fresh)
