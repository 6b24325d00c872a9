"""Status JSON (Mastodon `Status`, with the 4.5 `quote` shape), from a preloaded bundle."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import orjson

from chirp.config import Settings
from chirp.core.models import Account, PreviewCard, Status, StatusEdit
from chirp.core.views import StatusBundle
from chirp.serializers.accounts import account_json
from chirp.serializers.cache import RenderCache
from chirp.serializers.cards import card_json
from chirp.serializers.common import iso
from chirp.serializers.emojis import emojis_json
from chirp.serializers.filters import filter_result_json
from chirp.serializers.media import media_attachment_json
from chirp.serializers.polls import poll_json
from chirp.serializers.tags import tag_ref_json


class StatusSerializer:
    """Serializes a page of statuses for the bundle's viewer.

    A status is the viewer-independent members (memoized in `cache` against the record they
    came from) joined with what depends on the viewer or may expire: favourited, reblogged,
    bookmarked, pinned, the quote's visibility, media URLs, and the nested retweeted or quoted
    status rendered the same way. Without a shared cache, a page-local one still renders each
    account once per page.
    """

    def __init__(
        self, bundle: StatusBundle, settings: Settings, cache: RenderCache | None = None
    ) -> None:
        self.bundle = bundle
        self.settings = settings
        self.cache = cache if cache is not None else RenderCache()

    def account(self, account: Account) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(self.account_bytes(account))
        return body

    def account_bytes(self, account: Account) -> bytes:
        # Kept against the emoji set too: its `emojis` list the set's custom emojis it uses.
        source = (account, self.bundle.emojis.version)
        body = self.cache.accounts.get(account.id, source)
        if body is None:
            body = orjson.dumps(account_json(account, self.settings, self.bundle.emojis))
            self.cache.accounts.put(account.id, source, body)
        return body

    def status(self, status: Status) -> dict[str, Any]:
        body: dict[str, Any] = orjson.loads(self.status_bytes(status))
        return body

    def many(self, statuses: list[Status]) -> orjson.Fragment:
        """A JSON array of the statuses, to embed in a response body as it is."""
        return orjson.Fragment(b"[" + b",".join(self.status_bytes(s) for s in statuses) + b"]")

    def status_bytes(self, status: Status, *, quote_depth: int = 0) -> bytes:
        b = self.bundle
        author = b.accounts[status.account_id]
        viewer = b.viewer
        sid = status.id
        favourited, reblogged = sid in viewer.favourited, sid in viewer.reblogged
        bookmarked = sid in viewer.bookmarked
        pinned = b.viewer_id == status.account_id and sid in viewer.pinned
        muted = sid in b.muted
        mentions = tuple((m, b.accounts[m].username) for m in status.mention_ids if m in b.accounts)
        if (
            not (favourited or reblogged or bookmarked or pinned or muted)
            and status.reblog_of_id is None
            and status.quote_of_id is None
            and not status.media_ids
            and sid not in b.polls  # a poll's counts and `voted` change under the same row
            and sid not in b.filtered
        ):
            # Most of a page: a tweet without retweet, quote or media that the viewer did not
            # touch reads the same for every such viewer, so it is kept whole.
            source = (status, author, mentions, b.emojis.version, b.cards.get(sid))
            body = self.cache.plain.get(sid, source)
            if body is None:
                body = self._members(status, author, mentions) + b"," + self._own(status, author)
                self.cache.plain.put(sid, source, body)
            return body
        own = self._own(
            status,
            author,
            favourited=favourited,
            reblogged=reblogged,
            bookmarked=bookmarked,
            pinned=pinned,
            muted=muted,
            quote_depth=quote_depth,
        )
        return self._members(status, author, mentions) + b"," + own

    def _own(
        self,
        status: Status,
        author: Account,
        *,
        favourited: bool = False,
        reblogged: bool = False,
        bookmarked: bool = False,
        pinned: bool = False,
        muted: bool = False,
        quote_depth: int = 0,
    ) -> bytes:
        """The members that depend on the viewer or may expire, and the closing brace."""
        b = self.bundle
        reblog = b.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        own = {
            "favourited": favourited,
            "reblogged": reblogged,
            "muted": muted,
            "bookmarked": bookmarked,
            "pinned": pinned,
            "reblog": orjson.Fragment(self.status_bytes(reblog)) if reblog is not None else None,
            "account": orjson.Fragment(self.account_bytes(author)),
            "media_attachments": [
                media_attachment_json(b.media[m], b.media_urls)
                for m in status.media_ids
                if m in b.media
            ],
            "quote": self._quote(status, quote_depth),
            "poll": self._poll(status),
            "filtered": [filter_result_json(m) for m in b.filtered.get(status.id, ())],
        }
        # Both are JSON objects: the caller splices these members after the shared ones.
        return orjson.dumps(own)[1:]

    def _poll(self, status: Status) -> dict[str, Any] | None:
        b = self.bundle
        poll = b.polls.get(status.id)
        if poll is None:
            return None
        return poll_json(
            poll,
            b.now or datetime.now(UTC),
            b.emojis,
            viewer_id=b.viewer_id,
            own_votes=b.own_votes.get(poll.id, ()),
        )

    def _members(
        self, status: Status, author: Account, mentions: tuple[tuple[int, str], ...]
    ) -> bytes:
        """`{` and the members that depend on the status, its author's handle and the handles
        it mentions only (no closing brace)."""
        card = self.bundle.cards.get(status.id)
        source = (status, author.username, mentions, self.bundle.emojis.version, card)
        body = self.cache.statuses.get(status.id, source)
        if body is None:
            body = orjson.dumps(self._shared(status, author, mentions, card))[:-1]
            self.cache.statuses.put(status.id, source, body)
        return body

    def _shared(
        self,
        status: Status,
        author: Account,
        mentions: tuple[tuple[int, str], ...],
        card: PreviewCard | None,
    ) -> dict[str, Any]:
        base = self.settings.base_url
        return {
            "id": str(status.id),
            "created_at": iso(status.created_at),
            "in_reply_to_id": str(status.in_reply_to_id) if status.in_reply_to_id else None,
            "in_reply_to_account_id": str(status.in_reply_to_account_id)
            if status.in_reply_to_account_id
            else None,
            "sensitive": status.sensitive,
            "spoiler_text": status.spoiler_text,
            "visibility": status.visibility,
            "language": status.language,
            "uri": f"{base}/users/{author.username}/statuses/{status.id}",
            "url": f"{base}/@{author.username}/{status.id}",
            "replies_count": status.replies_count,
            "reblogs_count": status.reblogs_count,
            "favourites_count": status.favourites_count,
            "quotes_count": status.quotes_count,
            "edited_at": iso(status.edited_at),
            "content": status.content,
            "application": None,
            "mentions": [
                {
                    "id": str(account_id),
                    "username": username,
                    "url": f"{base}/@{username}",
                    "acct": username,
                }
                for account_id, username in mentions
            ],
            "tags": [tag_ref_json(name, self.settings) for name in status.tags],
            "emojis": emojis_json(self.bundle.emojis, status.spoiler_text, status.text),
            "card": card_json(card) if card is not None else None,
            "quote_approval": {"automatic": ["public"], "manual": [], "current_user": "automatic"},
        }

    def _quote(self, status: Status, depth: int) -> dict[str, Any] | None:
        """Mastodon 4.5: a full quoted status one level deep, a shallow id reference below."""
        if status.quote_of_id is None:
            return None
        quoted = self.bundle.statuses.get(status.quote_of_id)
        if quoted is None:
            state = "deleted"
        elif quoted.id not in self.bundle.visible:
            state = "unauthorized"
        else:
            state = "accepted"
        if depth >= 1:
            return {
                "state": state,
                "quoted_status_id": str(status.quote_of_id) if state == "accepted" else None,
            }
        body = (
            orjson.Fragment(self.status_bytes(quoted, quote_depth=depth + 1))
            if state == "accepted" and quoted
            else None
        )
        return {"state": state, "quoted_status": body}


def status_source_json(status: Status) -> dict[str, Any]:
    return {"id": str(status.id), "text": status.text, "spoiler_text": status.spoiler_text}


def deleted_status_json(serializer: StatusSerializer, status: Status) -> dict[str, Any]:
    """The response to DELETE: the status with its source `text`, for delete-and-redraft."""
    body = serializer.status(status)
    body["text"] = status.text
    return body


def status_edit_json(
    edit: StatusEdit, serializer: StatusSerializer, status: Status
) -> dict[str, Any]:
    author = serializer.bundle.accounts[edit.account_id]
    return {
        "content": edit.content,
        "spoiler_text": edit.spoiler_text,
        "sensitive": edit.sensitive,
        "created_at": iso(edit.created_at),
        "account": serializer.account(author),
        "poll": None,
        "media_attachments": [],
        "emojis": emojis_json(serializer.bundle.emojis, edit.spoiler_text, edit.text),
    }
