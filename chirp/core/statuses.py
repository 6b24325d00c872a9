"""Tweet use cases: post, edit, delete, read, thread context and edit history."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from chirp.core import media as media_rules
from chirp.core import polls
from chirp.core import text as text_rules
from chirp.core.context import Context
from chirp.core.errors import Forbidden, InvalidInput, NotFound
from chirp.core.events import StatusCreated, StatusDeleted, StatusUpdated, outbox_row
from chirp.core.filtering import without_hidden
from chirp.core.models import VISIBILITIES, Account, Event, Status, StatusEdit
from chirp.core.ports.errors import MissingRecord, UniqueViolation
from chirp.core.ports.media import MediaNotAttachable
from chirp.core.views import load_visible
from chirp.core.visibility import blocks_author, load_shunning, screened_ids, visible_ids

SPOILER_MAX = 500
MAX_MENTIONS = 50
MAX_ANCESTORS = 40
MAX_DESCENDANTS = 4096


@dataclass(slots=True)
class TweetDraft:
    text: str = ""
    spoiler_text: str = ""
    # None: the author's posting default (`source[privacy|sensitive|language]`) on a new tweet.
    sensitive: bool | None = None
    visibility: str | None = None
    language: str | None = None
    in_reply_to_id: int | None = None
    quoted_status_id: int | None = None
    media_ids: tuple[int, ...] | None = None  # None: none on a new tweet, unchanged on an edit
    poll: polls.PollDraft | None = None  # on an edit, None drops the poll (as Mastodon)


@dataclass(slots=True)
class _Rendered:
    text: str
    content: str
    spoiler_text: str
    mention_ids: tuple[int, ...]
    tags: tuple[str, ...]


async def get_tweet(ctx: Context, viewer_id: int | None, status_id: int) -> Status:
    """A tweet the viewer may see; 404 otherwise (never reveal that a hidden one exists)."""
    found = await load_visible(ctx, [status_id], viewer_id)
    if not found:
        raise NotFound("Record not found")
    return found[0]


async def get_original_tweet(ctx: Context, viewer_id: int | None, status_id: int) -> Status:
    """The tweet the viewer may see, or the original of a retweet: acting on a retweet (liking,
    replying to, quoting, muting its thread, reading its context) acts on its original, as in
    Mastodon. 404 unless the viewer may see both. (For a batch: `chirp.core.originals`.)"""
    status = await get_tweet(ctx, viewer_id, status_id)
    if status.reblog_of_id is not None:
        status = await get_tweet(ctx, viewer_id, status.reblog_of_id)
    return status


async def _render(
    ctx: Context,
    draft: TweetDraft,
    *,
    implicit_mentions: tuple[int, ...] = (),
    has_media: bool = False,
) -> _Rendered:
    """Validate the text and extract its entities once; the HTML is rendered here and stored."""
    body = text_rules.clean_text(draft.text).strip()
    spoiler = text_rules.clean_text(draft.spoiler_text).replace("\n", " ").strip()
    if not body and not has_media:  # a photo may go without words
        raise InvalidInput("Validation failed: Text can't be blank")
    if len(spoiler) > SPOILER_MAX:
        raise InvalidInput(
            f"Validation failed: Spoiler text is too long (maximum is {SPOILER_MAX})"
        )
    limit = ctx.settings.max_toot_chars
    if text_rules.weighted_length(body) + text_rules.grapheme_length(spoiler) > limit:
        raise InvalidInput(f"Validation failed: Text character limit of {limit} exceeded")
    tokens = text_rules.tokenize(body)
    names = text_rules.mention_names(tokens, ctx.settings.domain)[:MAX_MENTIONS]
    accounts = await ctx.store.get_accounts_by_usernames(names)
    content = text_rules.render_html(
        body,
        tokens,
        base_url=ctx.settings.base_url,
        resolve_mention=lambda name, domain: (
            accounts[name.lower()].username if name.lower() in accounts else None
        ),
    )
    mention_ids = tuple(dict.fromkeys([*(a.id for a in accounts.values()), *implicit_mentions]))
    return _Rendered(body, content, spoiler, mention_ids, tuple(text_rules.extract_tags(tokens)))


@dataclass(slots=True)
class _Checked:
    visibility: str
    parent: Status | None
    quoted: Status | None
    media_ids: tuple[int, ...]
    rendered: _Rendered


async def check_tweet(ctx: Context, author: Account, draft: TweetDraft) -> None:
    """Every check a post makes, without posting (a scheduled post is checked when made)."""
    await _checked(ctx, author, draft)


async def _checked(ctx: Context, author: Account, draft: TweetDraft) -> _Checked:
    visibility = draft.visibility or author.default_privacy
    if visibility not in VISIBILITIES:
        raise InvalidInput(
            f"Validation failed: Visibility must be one of {', '.join(VISIBILITIES)}"
        )
    parent = (
        await get_original_tweet(ctx, author.id, draft.in_reply_to_id)
        if draft.in_reply_to_id
        else None
    )
    quoted = (
        await get_original_tweet(ctx, author.id, draft.quoted_status_id)
        if draft.quoted_status_id
        else None
    )
    if (
        quoted is not None
        and quoted.account_id != author.id
        and (
            quoted.visibility not in ("public", "unlisted")
            or await blocks_author(ctx, author.id, quoted)
        )
    ):
        raise Forbidden("This post cannot be quoted")
    implicit = (parent.account_id,) if parent and parent.account_id != author.id else ()
    if draft.poll is not None:
        _no_media_with_poll(draft.media_ids or ())
        polls.check_poll(draft.poll)
    media_ids = await media_rules.attachable_media(ctx, author, draft.media_ids or ())
    rendered = await _render(ctx, draft, implicit_mentions=implicit, has_media=bool(media_ids))
    return _Checked(visibility, parent, quoted, media_ids, rendered)


async def post_tweet(
    ctx: Context,
    author: Account,
    draft: TweetDraft,
    *,
    application_id: int | None = None,
    idempotency_key: str | None = None,
) -> Status:
    """Write the tweet (entities, counters and its `status.created` event in one transaction);
    fan-out, notifications and push follow from the event."""
    since = ctx.now() - timedelta(seconds=ctx.settings.idempotency_ttl_seconds)
    if idempotency_key:
        earlier = await ctx.store.find_idempotent_status(author.id, idempotency_key, since)
        if earlier is not None:
            return earlier
    checked = await _checked(ctx, author, draft)
    visibility, parent, quoted, media_ids, rendered = (
        checked.visibility,
        checked.parent,
        checked.quoted,
        checked.media_ids,
        checked.rendered,
    )
    status_id = ctx.new_id()
    status = Status(
        id=status_id,
        account_id=author.id,
        visibility=visibility,
        created_at=ctx.now(),
        text=rendered.text,
        content=rendered.content,
        spoiler_text=rendered.spoiler_text,
        sensitive=(author.default_sensitive if draft.sensitive is None else draft.sensitive)
        or bool(rendered.spoiler_text)
        or (bool(media_ids) and await sensitized(ctx, author.id)),
        language=draft.language or author.default_language,
        in_reply_to_id=parent.id if parent else None,
        in_reply_to_account_id=parent.account_id if parent else None,
        quote_of_id=quoted.id if quoted else None,
        mention_ids=tuple(m for m in rendered.mention_ids if m != author.id),
        tags=rendered.tags,
        application_id=application_id,
        media_ids=media_ids,
        conversation_id=(parent.conversation_id or parent.id) if parent else status_id,
    )
    event = outbox_row(ctx, StatusCreated(status.id))
    if ctx.outbox_gate is not None:
        await ctx.outbox_gate.wait_for_room(ctx)
    if draft.poll is not None:  # first: no reader sees the tweet without its poll
        await polls.open_poll(ctx, author, status_id, draft.poll)
    try:
        await ctx.store.create_status(
            status, event=event, idempotency_key=idempotency_key or None, idempotency_since=since
        )
    except UniqueViolation:
        await _drop_poll(ctx, draft, status_id)
        # A concurrent retry with the same Idempotency-Key won the race: answer with its tweet.
        earlier = await ctx.store.find_idempotent_status(author.id, idempotency_key or "", since)
        if earlier is None:
            raise
        return earlier
    except MediaNotAttachable:  # attached elsewhere or collected since the check above
        await _drop_poll(ctx, draft, status_id)
        raise InvalidInput("Validation failed: media is no longer available to attach") from None
    except MissingRecord as gone:
        await _drop_poll(ctx, draft, status_id)
        raise NotFound("Record not found") from gone
    ctx.wake_dispatcher()  # its push, fan-out and notifications follow from the event
    return status


def _no_media_with_poll(media_ids: tuple[int, ...]) -> None:
    if media_ids:
        raise InvalidInput("Validation failed: Media attachments cannot be combined with a poll")


async def _drop_poll(ctx: Context, draft: TweetDraft, status_id: int) -> None:
    """The tweet's write failed after its poll was recorded: the poll goes too."""
    if draft.poll is not None:
        await polls.close_poll_of(ctx, status_id)


async def edit_tweet(ctx: Context, editor: Account, status_id: int, draft: TweetDraft) -> Status:
    status = await get_tweet(ctx, editor.id, status_id)
    if status.account_id != editor.id or status.reblog_of_id is not None:
        raise Forbidden("This action is not allowed")
    media_ids = status.media_ids
    if draft.media_ids is not None:
        media_ids = await media_rules.attachable_media(
            ctx, editor, draft.media_ids, status_id=status.id
        )
    if draft.poll is not None:
        _no_media_with_poll(media_ids)
        polls.check_poll(draft.poll)
    rendered = await _render(
        ctx,
        draft,
        implicit_mentions=(status.in_reply_to_account_id,) if status.in_reply_to_account_id else (),
        has_media=bool(media_ids),
    )
    now = ctx.now()
    history = []
    if status.edited_at is None:  # the first edit also records the original version
        history.append(_version(ctx, status, status.created_at))
    previous_mentions = set(status.mention_ids)
    # A changed copy: the record read is shared with other readers (see models.Status).
    status = replace(
        status,
        text=rendered.text,
        content=rendered.content,
        spoiler_text=rendered.spoiler_text,
        sensitive=bool(draft.sensitive)
        or bool(rendered.spoiler_text)
        or (bool(media_ids) and await sensitized(ctx, editor.id)),
        language=draft.language or status.language,
        mention_ids=tuple(m for m in rendered.mention_ids if m != editor.id),
        tags=rendered.tags,
        media_ids=media_ids,
        edited_at=now,
    )
    history.append(_version(ctx, status, now))
    added = [m for m in status.mention_ids if m not in previous_mentions]
    event = outbox_row(ctx, StatusUpdated(status.id, tuple(added)))
    try:
        updated = await ctx.store.update_status(status, history=history, event=event)
    except MediaNotAttachable:
        raise InvalidInput("Validation failed: media is no longer available to attach") from None
    if updated is None:
        raise NotFound("Record not found")
    await polls.edit_poll(ctx, editor, status.id, draft.poll)
    ctx.wake_dispatcher()
    return updated


def _version(ctx: Context, status: Status, at: datetime) -> StatusEdit:
    return StatusEdit(
        id=ctx.new_id(),
        status_id=status.id,
        account_id=status.account_id,
        text=status.text,
        content=status.content,
        spoiler_text=status.spoiler_text,
        sensitive=status.sensitive,
        created_at=at,
    )


async def delete_tweet(ctx: Context, actor: Account, status_id: int) -> Status:
    """Delete one's own tweet (and every retweet of it). Returns it, for delete-and-redraft."""
    status = await get_tweet(ctx, actor.id, status_id)
    if status.account_id != actor.id:
        raise Forbidden("This action is not allowed")
    await remove_status(ctx, status)
    return status


async def remove_status(ctx: Context, status: Status) -> list[Status]:
    def event(removed: Sequence[Status]) -> Event:
        """Built from what the delete removed (in its transaction): the tweet as the audience
        rule reads it (gone when the side effects run), and its retweets."""
        retweets = tuple((s.id, s.account_id) for s in removed if s.reblog_of_id == status.id)
        deleted = StatusDeleted(
            status.id,
            status.account_id,
            status.visibility,
            status.reblog_of_id,
            status.in_reply_to_account_id,
            status.mention_ids,
            status.tags,
            removed_ids=tuple(s.id for s in removed),
            retweets=retweets,
            language=status.language,
        )
        return outbox_row(ctx, deleted)

    removed = await ctx.store.delete_status(status.id, event=event)
    ctx.wake_dispatcher()
    return removed


async def tweet_history(
    ctx: Context, viewer_id: int | None, status_id: int
) -> tuple[Status, list[StatusEdit]]:
    status = await get_tweet(ctx, viewer_id, status_id)
    edits = await ctx.store.get_status_edits(status.id)
    if not edits:  # never edited: the history is the current version alone
        edits = [_version(ctx, status, status.created_at)]
    return status, edits


async def thread_context(
    ctx: Context, viewer_id: int | None, status_id: int
) -> tuple[list[Status], list[Status]]:
    """Ancestors (oldest first) and descendants (depth-first) the viewer may see."""
    status = await get_original_tweet(ctx, viewer_id, status_id)
    ancestors, descendants = await ctx.store.get_thread(
        status, max_ancestors=MAX_ANCESTORS, max_descendants=MAX_DESCENDANTS
    )
    around = [*ancestors, *descendants]
    shunning = await load_shunning(ctx, viewer_id, around)
    visible = await visible_ids(ctx, viewer_id, around, shunning=shunning)
    # Blocked and muted accounts' tweets leave the thread (with their replies), as Mastodon.
    visible -= screened_ids(viewer_id, shunning, around, {})
    # A hidden reply hides its whole sub-thread: its replies would make no sense without it.
    shown: set[int] = {status.id}
    # So does a reply the viewer's `hide` filters match in threads.
    unfiltered = {s.id for s in await without_hidden(ctx, viewer_id, "thread", around)}
    visible &= unfiltered
    kept = []
    for reply in descendants:
        if reply.id in visible and reply.in_reply_to_id in shown:
            shown.add(reply.id)
            kept.append(reply)
    return [a for a in ancestors if a.id in visible], kept


async def get_tweets(ctx: Context, viewer_id: int | None, status_ids: list[int]) -> list[Status]:
    """`GET /api/v1/statuses?id[]=`: those the viewer may see, in the order asked, each once;
    unknown ids are left out."""
    return await load_visible(ctx, dict.fromkeys(status_ids), viewer_id)


async def sensitized(ctx: Context, account_id: int) -> bool:
    """Whether moderators marked the account's media sensitive: its new and edited tweets with
    media are, whatever it asks (Mastodon's `sensitive` action)."""
    found = await ctx.store.get_moderations([account_id])
    return account_id in found and found[account_id].sensitized_at is not None
