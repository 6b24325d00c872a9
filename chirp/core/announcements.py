"""Announcements: notices the operator posts to every user (`chirp announcement add`), which
users dismiss (mark read) and react to with emojis, as in Mastodon.

Each write records an outbox event with it; the realtime push turns it into the `announcement`,
`announcement.reaction` and `announcement.delete` events of every `user` stream.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

import regex

from chirp.core import text as text_rules
from chirp.core.context import Context
from chirp.core.emojis import EmojiSet, current_emojis
from chirp.core.errors import InvalidInput, NotFound
from chirp.core.events import (
    AnnouncementDeleted,
    AnnouncementPublished,
    AnnouncementReaction,
    outbox_row,
)
from chirp.core.models import Account, Announcement, CustomEmoji, ReactionCount, Status
from chirp.core.ports.announcements import TooManyReactions
from chirp.core.ports.errors import MissingRecord

MAX_TEXT = 5000
MAX_REACTION_NAMES = 8  # distinct emojis per announcement (Mastodon's limit)
MAX_NAME = 64

# One emoji as Unicode draws it: a flag, a keycap, or a pictograph with its modifiers and
# joined parts (ZWJ sequences, skin tones, tag sequences). One grapheme cluster in all.
_UNICODE_EMOJI = regex.compile(
    r"\p{Regional_Indicator}{2}|[#*0-9]\uFE0F?\u20E3"
    r"|[\p{Extended_Pictographic}\p{Emoji_Presentation}]"
    r"[\p{Emoji_Modifier}\uFE0F\u200D\p{Extended_Pictographic}\p{Emoji_Presentation}"
    r"\U000E0020-\U000E007F]*"
)
_GRAPHEME = regex.compile(r"\X")


def is_unicode_emoji(name: str) -> bool:
    return bool(_UNICODE_EMOJI.fullmatch(name)) and len(_GRAPHEME.findall(name)) == 1


async def add_announcement(
    ctx: Context,
    text: str,
    *,
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    all_day: bool = False,
) -> Announcement:
    """Publish an announcement now. `starts_at`/`ends_at` (both or neither, in order) give the
    time of what it announces."""
    body = text_rules.clean_text(text).strip()
    if not body:
        raise InvalidInput("Validation failed: Text can't be blank")
    if len(body) > MAX_TEXT:
        raise InvalidInput(f"Validation failed: Text is too long (maximum is {MAX_TEXT})")
    if (starts_at is None) != (ends_at is None):
        raise InvalidInput("Validation failed: starts_at and ends_at go together")
    if starts_at is not None and ends_at is not None and ends_at < starts_at:
        raise InvalidInput("Validation failed: ends_at is before starts_at")
    now = ctx.now()
    announcement = Announcement(
        id=ctx.new_id(),
        text=body,
        published_at=now,
        updated_at=now,
        starts_at=starts_at,
        ends_at=ends_at,
        all_day=all_day,
    )
    await ctx.store.create_announcement(
        announcement, event=outbox_row(ctx, AnnouncementPublished(announcement.id))
    )
    ctx.wake_dispatcher()
    return announcement


async def remove_announcement(ctx: Context, announcement_id: int) -> None:
    if not await ctx.store.delete_announcement(
        announcement_id, event=outbox_row(ctx, AnnouncementDeleted(announcement_id))
    ):
        raise NotFound("Record not found")
    ctx.wake_dispatcher()


async def list_all_announcements(ctx: Context) -> list[Announcement]:
    return await ctx.store.list_announcements()


async def _existing(ctx: Context, announcement_id: int) -> Announcement:
    found = await ctx.store.get_announcement(announcement_id)
    if found is None:
        raise NotFound("Record not found")
    return found


async def dismiss_announcement(ctx: Context, account: Account, announcement_id: int) -> None:
    await _existing(ctx, announcement_id)
    await ctx.store.dismiss_announcement(announcement_id, account.id)


async def _reaction_name(ctx: Context, name: str) -> str:
    """A Unicode emoji, or the shortcode of a custom emoji (with or without its colons)."""
    if is_unicode_emoji(name):
        return name
    shortcode = name.strip(":") if len(name) <= MAX_NAME + 2 else ""
    if shortcode and shortcode in (await current_emojis(ctx)).by_code:
        return shortcode
    raise InvalidInput("Validation failed: Name is not a recognized emoji")


async def add_reaction(ctx: Context, account: Account, announcement_id: int, name: str) -> None:
    """React (idempotent). Refused past `MAX_REACTION_NAMES` distinct emojis, as Mastodon."""
    await _existing(ctx, announcement_id)
    name = await _reaction_name(ctx, name)
    try:
        added = await ctx.store.add_announcement_reaction(
            announcement_id,
            account.id,
            name,
            ctx.now(),
            max_names=MAX_REACTION_NAMES,
            event=outbox_row(ctx, AnnouncementReaction(announcement_id, name)),
        )
    except TooManyReactions:
        raise InvalidInput("Validation failed: Maximum number of reactions reached") from None
    except MissingRecord:
        raise NotFound("Record not found") from None
    if added:
        ctx.wake_dispatcher()


async def remove_reaction(ctx: Context, account: Account, announcement_id: int, name: str) -> None:
    """Undo a reaction; 404 unless the account had reacted with `name`, as Mastodon."""
    await _existing(ctx, announcement_id)
    name = name.strip(":") if not is_unicode_emoji(name) else name
    removed = await ctx.store.remove_announcement_reaction(
        announcement_id,
        account.id,
        name,
        event=outbox_row(ctx, AnnouncementReaction(announcement_id, name)),
    )
    if not removed:
        raise NotFound("Record not found")
    ctx.wake_dispatcher()


@dataclass(slots=True)
class AnnouncementView:
    """An announcement with what it shows: linked HTML, its mentions, hashtags, the public
    tweets it links to, custom emojis, reactions and (for a viewer) whether it was dismissed."""

    announcement: Announcement
    content: str
    mentions: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    statuses: list[tuple[Status, str]] = field(default_factory=list)  # (tweet, author username)
    emojis: list[CustomEmoji] = field(default_factory=list)
    reactions: list[ReactionCount] = field(default_factory=list)
    read: bool | None = None  # None: no viewer


@dataclass(slots=True)
class AnnouncementViews:
    views: list[AnnouncementView]
    emoji_set: EmojiSet


def _status_link(base_url: str) -> re.Pattern[str]:
    """This server's tweet URLs (`/@user/<id>`, `/users/<user>/statuses/<id>`)."""
    return re.compile(re.escape(base_url) + r"/(?:@\w+|users/\w+/statuses)/(\d{1,19})/?$")


async def view_announcements(
    ctx: Context, viewer: Account | None, announcements: list[Announcement] | None = None
) -> AnnouncementViews:
    """Everything to show these announcements (all of them by default) to `viewer`, in a
    constant number of queries."""
    if announcements is None:
        announcements = await ctx.store.list_announcements()
    ids = [a.id for a in announcements]
    emoji_set = await current_emojis(ctx)
    reactions = await ctx.store.announcement_reactions(ids, viewer.id if viewer else None)
    dismissed = await ctx.store.dismissed_announcements(viewer.id, ids) if viewer else set()
    tokens = {a.id: text_rules.tokenize(a.text) for a in announcements}
    names = {n for t in tokens.values() for n in text_rules.mention_names(t, ctx.settings.domain)}
    accounts = await ctx.store.get_accounts_by_usernames(names)
    link = _status_link(ctx.settings.base_url)
    linked = {
        a.id: [
            int(m.group(1)) for t in tokens[a.id] if t.kind == "url" and (m := link.match(t.value))
        ]
        for a in announcements
    }
    found = await ctx.store.get_statuses(i for ids_ in linked.values() for i in ids_ if i < 2**63)
    public = {i: s for i, s in found.items() if s.visibility in ("public", "unlisted")}
    authors = await ctx.store.get_accounts({s.account_id for s in public.values()})
    views = []
    for a in announcements:
        mentioned = [
            accounts[n]
            for n in text_rules.mention_names(tokens[a.id], ctx.settings.domain)
            if n in accounts
        ]
        content = text_rules.render_html(
            a.text,
            tokens[a.id],
            base_url=ctx.settings.base_url,
            resolve_mention=lambda name, _domain: (
                accounts[name.lower()].username if name.lower() in accounts else None
            ),
        )
        views.append(
            AnnouncementView(
                announcement=a,
                content=content,
                mentions=mentioned,
                tags=text_rules.extract_tags(tokens[a.id]),
                statuses=[
                    (public[i], authors[public[i].account_id].username)
                    for i in dict.fromkeys(linked[a.id])
                    if i in public and public[i].account_id in authors
                ],
                emojis=emoji_set.used_in(a.text),
                reactions=reactions.get(a.id, []),
                read=(a.id in dismissed) if viewer else None,
            )
        )
    return AnnouncementViews(views, emoji_set)


async def get_announcement_view(ctx: Context, announcement_id: int) -> AnnouncementViews | None:
    """One announcement as anyone sees it (no `read`, no `me`): the realtime payload."""
    found = await ctx.store.get_announcement(announcement_id)
    if found is None:
        return None
    return await view_announcements(ctx, None, [found])
