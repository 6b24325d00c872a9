"""Live streams, the social side: streams and stream keys, who may watch, going live and ending,
viewer counts from player heartbeats, and chat. The video itself is the relay's
(`chirp.video`), which reaches this module only through `LiveService` (its `LiveHooks`), and
which this module reaches only through `ctx.playback` (`LivePlayback`).

- A stream is `created` by its streamer, goes `live` when the relay lists its first segment,
  and `ended` when the publisher leaves for good or the streamer ends it. Each transition is
  written once, with its outbox event (`stream.live`, `stream.ended`); notifications and pushes
  follow from those (`chirp.core.side_effects`, `chirp.realtime`).
- `public` streams are for anyone; `private` ones for the streamer and their followers. A stream
  the viewer may not watch does not exist for them (404 everywhere).
- One stream key per account (256 random bits, shown once, only its SHA-256 kept). An encoder
  publishing with it feeds the account's live stream (a reconnect) or its newest created one.
  Rotating the key refuses the old one from then on; a publisher already on air stays on air
  (its connection was authorized when it began; the streamer ends the stream to cut it).
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

from chirp.core.context import Context
from chirp.core.emojis import EmojiSet, current_emojis
from chirp.core.errors import Forbidden, InvalidInput, NotFound, RateLimited
from chirp.core.models import (
    LIVE_VISIBILITIES,
    Account,
    ChatMessage,
    Event,
    LiveStream,
    Page,
    StreamKey,
)
from chirp.core.ports.errors import MissingRecord
from chirp.core.ports.live_chat import ChatBanned, ChatRateLimited
from chirp.core.ports.video import PublishGrant
from chirp.core.secrets import digest, new_secret

log = logging.getLogger(__name__)

TITLE_MAX = 200
CHAT_MAX = 500
# What players send as `viewer`: a random id made per page load.
VIEWER_ID = re.compile(r"[A-Za-z0-9_-]{16,64}")
# Stream keys are `new_secret()`s (43 URL-safe characters); anything else is refused unlooked.
_KEY_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")


def _single_line(text: str) -> str:
    """No control characters (newlines become spaces), trimmed."""
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c for c in text
    ).strip()
    return re.sub(r" {2,}", " ", cleaned)


# -- who may watch -------------------------------------------------------------------------


async def can_watch(ctx: Context, viewer_id: int | None, stream: LiveStream) -> bool:
    """Public streams: anyone. Private streams: the streamer and their followers."""
    return stream.id in await watchable_ids(ctx, viewer_id, [stream])


async def watchable_ids(
    ctx: Context, viewer_id: int | None, streams: Iterable[LiveStream]
) -> set[int]:
    """Ids of the streams the viewer may watch, in at most two queries: never those of an
    account blocking the viewer or blocked by it (as its tweets)."""
    streams = list(streams)
    restricted = {
        s.account_id for s in streams if s.visibility != "public" and s.account_id != viewer_id
    }
    followed: set[int] = set()
    if restricted and viewer_id is not None:
        relations = await ctx.store.get_relationships(viewer_id, restricted)
        followed = {a for a, r in relations.items() if r.following is not None}
    blocked: set[int] = set()
    others = {s.account_id for s in streams if s.account_id != viewer_id}
    if others and viewer_id is not None:
        shunning = await ctx.store.get_shunning(viewer_id, others, ctx.now())
        blocked = shunning.blocking | shunning.blocked_by
    return {
        s.id
        for s in streams
        if (s.visibility == "public" or s.account_id == viewer_id or s.account_id in followed)
        and s.account_id not in blocked
    }


async def get_stream(ctx: Context, viewer_id: int | None, stream_id: int) -> LiveStream:
    stream = await ctx.store.get_live_stream(stream_id)
    if stream is None or not await can_watch(ctx, viewer_id, stream):
        raise NotFound("Record not found")
    return stream


async def can_moderate(ctx: Context, account_id: int, stream: LiveStream) -> bool:
    """The streamer, and the chat moderators they appointed (`chirp.core.live_moderators`)."""
    return account_id == stream.account_id or await ctx.store.is_chat_moderator(
        stream.account_id, account_id
    )


async def _moderated_stream(ctx: Context, account: Account, stream_id: int) -> LiveStream:
    stream = await get_stream(ctx, account.id, stream_id)
    if not await can_moderate(ctx, account.id, stream):
        raise Forbidden("Only the streamer or a moderator can do this")
    return stream


async def _own_stream(ctx: Context, account: Account, stream_id: int) -> LiveStream:
    stream = await get_stream(ctx, account.id, stream_id)
    if stream.account_id != account.id:
        raise Forbidden("Only the streamer can do this")
    return stream


# -- streams -------------------------------------------------------------------------------


async def create_stream(ctx: Context, account: Account, title: str, visibility: str) -> LiveStream:
    title = _single_line(title)
    if not title:
        raise InvalidInput("Validation failed: title can't be blank")
    if len(title) > TITLE_MAX:
        raise InvalidInput(f"Validation failed: title is longer than {TITLE_MAX} characters")
    if visibility not in LIVE_VISIBILITIES:
        raise InvalidInput("Validation failed: visibility must be public or private")
    stream = LiveStream(
        id=ctx.new_id(),
        account_id=account.id,
        title=title,
        visibility=visibility,
        state="created",
        created_at=ctx.now(),
    )
    try:
        await ctx.store.create_live_stream(stream)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return stream


async def list_live_streams(
    ctx: Context, viewer_id: int | None, page: Page, *, following: bool
) -> tuple[list[LiveStream], list[int]]:
    """Live streams the viewer may watch (of accounts they follow, with `following`), newest
    first; and the page's cursors (every stream read, so paging never stalls on hidden ones)."""
    rows = await ctx.store.list_live_streams(page, followed_by=viewer_id if following else None)
    visible = await watchable_ids(ctx, viewer_id, rows)
    return [s for s in rows if s.id in visible], [s.id for s in rows]


async def end_stream(ctx: Context, account: Account, stream_id: int) -> LiveStream:
    """The streamer ends it (idempotent). The relay drops the publisher when `stream.ended`
    reaches the node it is on (see `chirp.realtime.live.RelayWatch`)."""
    stream = await _own_stream(ctx, account, stream_id)
    return await finish_stream(ctx, stream.id) or stream


async def start_stream(ctx: Context, stream_id: int) -> LiveStream | None:
    """The relay listed the stream's first segment: live now (once)."""
    event = Event(id=ctx.new_id(), kind="stream.live", payload={"stream_id": stream_id})
    started = await ctx.store.start_live_stream(stream_id, ctx.now(), event=event)
    if started is not None:
        ctx.wake_dispatcher()
    return started


async def finish_stream(
    ctx: Context, stream_id: int, *, relay_gone: bool = False
) -> LiveStream | None:
    """Ended (once); None if it already was. `relay_gone`: its relay died, so no replay will
    be completed and `stream.ended` need not wait for one."""
    payload: dict[str, int | str | list[int] | None] = {"stream_id": stream_id}
    if relay_gone:
        payload["relay_gone"] = True
    event = Event(id=ctx.new_id(), kind="stream.ended", payload=payload)
    ended = await ctx.store.end_live_stream(stream_id, ctx.now(), event=event)
    if ended is not None:
        ctx.wake_dispatcher()
    return ended


async def renew_relay_leases(ctx: Context, relayed: Iterable[int]) -> list[int]:
    """One round, on every node: renew the lease of the streams this node relays, and end live
    streams whose node stopped renewing theirs (it died: no `ended` will ever come from it).
    Returns the streams ended."""
    await ctx.store.renew_relay_lease(relayed, ctx.now())
    before = ctx.now() - timedelta(seconds=ctx.settings.live_relay_lease_seconds)
    ended = []
    for stream_id in await ctx.store.abandoned_live_streams(before, limit=100):
        if await finish_stream(ctx, stream_id, relay_gone=True) is not None:
            log.warning("ended a live stream its relay abandoned", extra={"stream_id": stream_id})
            ended.append(stream_id)
    return ended


async def keep_relay_leases(ctx: Context, relayed: Callable[[], Iterable[int]]) -> None:
    """`renew_relay_leases` forever, every quarter of the lease."""
    while True:
        try:
            await renew_relay_leases(ctx, list(relayed()))
        except Exception:
            log.exception("live relay leases failed; retrying next round")
        await asyncio.sleep(ctx.settings.live_relay_lease_seconds / 4)


def playback_url(ctx: Context, stream: LiveStream) -> str | None:
    """Where players open the stream; only for viewers who passed `can_watch` (private streams'
    URLs are signed: whoever holds one can watch until it expires). None before any video."""
    if stream.state == "created" or ctx.playback is None:
        return None
    private = stream.visibility != "public"  # whatever CHIRP_MEDIA_SIGNED_URLS says
    return ctx.playback.playback_url(stream.id, private=private)


def low_latency_url(ctx: Context, stream: LiveStream, playback_url: str | None) -> str | None:
    """Low-Latency HLS, while the stream is live and the server serves it; signed as
    `playback_url` is."""
    if stream.state != "live" or playback_url is None or not ctx.settings.live_low_latency:
        return None
    if ctx.playback is None:
        return None
    return ctx.playback.low_latency_url(stream.id, playback_url)


async def preview_urls(ctx: Context, stream: LiveStream) -> tuple[str, str] | None:
    """(poster, animated preview) once the stream went live (the relay makes the first ones
    before it does); signed like its playback for a followers-only stream. Only for viewers
    who may watch it."""
    if stream.started_at is None or ctx.playback is None:
        return None
    return await ctx.playback.preview_urls(stream.id, private=stream.visibility != "public")


@dataclass(slots=True)
class StreamView:
    """What serializing streams and chat needs, loaded at once: accounts and playback URLs."""

    accounts: dict[int, Account] = field(default_factory=dict)
    playback: dict[int, str | None] = field(default_factory=dict)
    low_latency: dict[int, str | None] = field(default_factory=dict)
    previews: dict[int, tuple[str, str] | None] = field(default_factory=dict)
    emojis: EmojiSet = field(default_factory=EmojiSet)  # for the accounts' `emojis`


async def load_view(
    ctx: Context, streams: Iterable[LiveStream], messages: Iterable[ChatMessage] = ()
) -> StreamView:
    streams, messages = list(streams), list(messages)
    accounts = await ctx.store.get_accounts(
        {s.account_id for s in streams} | {m.account_id for m in messages}
    )
    urls = {s.id: playback_url(ctx, s) for s in streams}
    return StreamView(
        accounts,
        urls,
        {s.id: low_latency_url(ctx, s, urls[s.id]) for s in streams},
        {s.id: await preview_urls(ctx, s) for s in streams},
        await current_emojis(ctx),
    )


# -- stream keys ---------------------------------------------------------------------------


def rtmp_url(ctx: Context) -> str | None:
    """Where encoders publish (the key goes in their stream-key field), or None if nowhere."""
    settings = ctx.settings
    if settings.live_rtmp_url:
        return settings.live_rtmp_url
    if not settings.rtmp_port:
        return None
    host = urlsplit(settings.base_url).hostname or "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"rtmp://{host}:{settings.rtmp_port}/live"


async def rotate_stream_key(ctx: Context, account: Account) -> tuple[str, StreamKey]:
    """A new key for the account (the old one, if any, stops working); shown only now."""
    secret = new_secret()
    key = StreamKey(account_id=account.id, digest=digest(secret), created_at=ctx.now())
    try:
        await ctx.store.set_stream_key(key)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    return secret, key


async def get_stream_key(ctx: Context, account: Account) -> StreamKey | None:
    return await ctx.store.get_stream_key(account.id)


async def authorize_key(ctx: Context, stream_key: str) -> PublishGrant | None:
    """The stream an encoder with this key publishes to; None for a wrong or rotated key, or
    an account with nothing to publish to."""
    if not _KEY_SHAPE.fullmatch(stream_key):
        return None
    key = await ctx.store.find_stream_key(digest(stream_key))
    return None if key is None else await authorize_account(ctx, key.account_id)


async def authorize_account(ctx: Context, account_id: int) -> PublishGrant | None:
    stream = await ctx.store.publishable_stream(account_id)
    if stream is None:
        return None
    return PublishGrant(stream.id, account_id, private=stream.visibility != "public")


class LiveService:
    """The domain side of the relay's `LiveHooks` (and `AccountLiveHooks`). Takes the context
    through a getter: the app wires its hooks before the context is opened."""

    def __init__(self, context: Callable[[], Context]) -> None:
        self._context = context

    @property
    def ctx(self) -> Context:
        return self._context()

    async def authorize(self, stream_key: str) -> PublishGrant | None:
        return await authorize_key(self.ctx, stream_key)

    async def authorize_account(self, account_id: int) -> PublishGrant | None:
        return await authorize_account(self.ctx, account_id)

    async def went_live(self, stream_id: int) -> None:
        await start_stream(self.ctx, stream_id)

    async def ended(self, stream_id: int) -> None:
        await finish_stream(self.ctx, stream_id)


# -- viewers -------------------------------------------------------------------------------


async def heartbeat(ctx: Context, viewer_id: int | None, stream_id: int, viewer: str) -> int:
    """A player is watching: returns the stream's viewer count. A signed-in viewer counts once
    however many players they have open; anonymous players count by their `viewer` id."""
    if not VIEWER_ID.fullmatch(viewer):
        raise InvalidInput("Validation failed: viewer must be 16 to 64 URL-safe characters")
    stream = await get_stream(ctx, viewer_id, stream_id)
    if stream.state != "live":
        return 0
    now = ctx.now()
    since = now - timedelta(seconds=ctx.settings.live_viewer_ttl_seconds)
    key = f"a{viewer_id}" if viewer_id is not None else f"p{viewer}"
    try:
        count = await ctx.store.record_viewer(stream.id, key, now, active_since=since)
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    if await ctx.store.set_viewers_count(stream.id, count) and ctx.live_push is not None:
        ctx.live_push.viewers_changed(stream.id)
    return count


async def refresh_viewer_counts(ctx: Context) -> list[int]:
    """Viewers whose heartbeats stopped stop counting: store each live stream's current count
    where it changed. Returns those streams (for the push). Safe to run on every node."""
    now = ctx.now()
    since = now - timedelta(seconds=ctx.settings.live_viewer_ttl_seconds)
    counts = await ctx.store.count_live_viewers(since)
    # The history: this minute's peak, whichever node samples it (`viewer_history`).
    await ctx.store.record_viewer_counts(counts, now.replace(second=0, microsecond=0))
    stored = await ctx.store.get_live_streams(counts)
    return [
        stream_id
        for stream_id, count in counts.items()
        if stream_id in stored
        and stored[stream_id].viewers_count != count
        and await ctx.store.set_viewers_count(stream_id, count)
    ]


# -- chat ----------------------------------------------------------------------------------


def _chat_text(text: str) -> str:
    cleaned = "".join(c for c in text if c == "\n" or unicodedata.category(c) != "Cc").strip()
    if not cleaned:
        raise InvalidInput("Validation failed: text can't be blank")
    if len(cleaned) > CHAT_MAX:
        raise InvalidInput(f"Validation failed: text is longer than {CHAT_MAX} characters")
    return cleaned


async def send_chat(ctx: Context, account: Account, stream_id: int, text: str) -> ChatMessage:
    """Post to the stream's chat: watchers only, not once the stream ended, not when banned by
    the streamer, at most `live_chat_burst` messages per burst x interval window."""
    text = _chat_text(text)
    stream = await get_stream(ctx, account.id, stream_id)
    if stream.state == "ended":
        raise InvalidInput("This stream has ended")
    settings = ctx.settings
    message = ChatMessage(
        id=ctx.new_id(), stream_id=stream.id, account_id=account.id, text=text, created_at=ctx.now()
    )
    window = timedelta(seconds=settings.live_chat_burst * settings.live_chat_interval_seconds)
    try:
        await ctx.store.add_chat_message(
            message, window_start=message.created_at - window, window_limit=settings.live_chat_burst
        )
    except ChatBanned:
        raise Forbidden("You are banned from this chat") from None
    except ChatRateLimited as limited:
        wait = (limited.retry_at - message.created_at).total_seconds()
        raise RateLimited("You are sending messages too fast", retry_after=wait) from None
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone
    if ctx.live_push is not None:
        await ctx.live_push.chat(message)
    return message


async def list_chat(
    ctx: Context, viewer_id: int | None, stream_id: int, page: Page
) -> tuple[list[ChatMessage], LiveStream]:
    stream = await get_stream(ctx, viewer_id, stream_id)
    return await ctx.store.list_chat_messages(stream.id, page), stream


async def delete_chat(ctx: Context, account: Account, stream_id: int, message_id: int) -> None:
    """The streamer and their moderators delete any message of their stream; an author their
    own."""
    stream = await get_stream(ctx, account.id, stream_id)
    message = await ctx.store.get_chat_message(message_id)
    if message is None or message.stream_id != stream.id:
        raise NotFound("Record not found")
    if account.id != message.account_id and not await can_moderate(ctx, account.id, stream):
        raise Forbidden("Only the streamer, a moderator or the author can delete this message")
    if await ctx.store.delete_chat_message(message.id, ctx.now()) and ctx.live_push is not None:
        await ctx.live_push.chat_deleted(stream.id, message.id)


async def ban_from_chat(ctx: Context, account: Account, stream_id: int, target_id: int) -> None:
    """The streamer (or a moderator) bans an account from the chat of all the streamer's
    streams (it may still watch). Nobody bans the streamer; only the streamer bans a
    moderator."""
    stream = await _moderated_stream(ctx, account, stream_id)
    if target_id == account.id:
        raise InvalidInput("You cannot ban yourself")
    if target_id == stream.account_id:
        raise Forbidden("The streamer cannot be banned from their own chat")
    if account.id != stream.account_id and await ctx.store.is_chat_moderator(
        stream.account_id, target_id
    ):
        raise Forbidden("Only the streamer can ban a moderator")
    try:
        await ctx.store.ban_from_chat(stream.account_id, target_id, ctx.now())
    except MissingRecord as gone:
        raise NotFound("Record not found") from gone


async def unban_from_chat(ctx: Context, account: Account, stream_id: int, target_id: int) -> None:
    stream = await _moderated_stream(ctx, account, stream_id)
    await ctx.store.unban_from_chat(stream.account_id, target_id)
