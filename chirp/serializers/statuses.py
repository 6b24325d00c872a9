"""Status JSON (Mastodon `Status`, with the 4.5 `quote` shape), from a preloaded bundle."""

from __future__ import annotations

from typing import Any

from chirp.config import Settings
from chirp.core.models import Account, Status, StatusEdit
from chirp.core.views import StatusBundle
from chirp.serializers.accounts import account_json
from chirp.serializers.common import iso
from chirp.serializers.media import media_attachment_json
from chirp.serializers.tags import tag_ref_json


class StatusSerializer:
    """Serializes a page of statuses; each account is rendered once per page."""

    def __init__(self, bundle: StatusBundle, settings: Settings) -> None:
        self.bundle = bundle
        self.settings = settings
        self._accounts: dict[int, dict[str, Any]] = {}

    def account(self, account: Account) -> dict[str, Any]:
        rendered = self._accounts.get(account.id)
        if rendered is None:
            rendered = self._accounts[account.id] = account_json(account, self.settings)
        return rendered

    def status(self, status: Status, *, quote_depth: int = 0) -> dict[str, Any]:
        b = self.bundle
        author = b.accounts[status.account_id]
        base = self.settings.base_url
        reblog = b.statuses.get(status.reblog_of_id) if status.reblog_of_id else None
        mentions = [b.accounts[m] for m in status.mention_ids if m in b.accounts]
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
            "favourited": status.id in b.viewer.favourited,
            "reblogged": status.id in b.viewer.reblogged,
            "muted": False,
            "bookmarked": status.id in b.viewer.bookmarked,
            "pinned": status.id in b.viewer.pinned if b.viewer_id == status.account_id else False,
            "content": status.content,
            "filtered": [],
            "reblog": self.status(reblog) if reblog is not None else None,
            "application": None,
            "account": self.account(author),
            "media_attachments": [
                media_attachment_json(b.media[m], b.media_urls)
                for m in status.media_ids
                if m in b.media
            ],
            "mentions": [
                {
                    "id": str(m.id),
                    "username": m.username,
                    "url": f"{base}/@{m.username}",
                    "acct": m.username,
                }
                for m in mentions
            ],
            "tags": [tag_ref_json(name, self.settings) for name in status.tags],
            "emojis": [],
            "card": None,
            "poll": None,
            "quote": self._quote(status, quote_depth),
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
            self.status(quoted, quote_depth=depth + 1) if state == "accepted" and quoted else None
        )
        return {"state": state, "quoted_status": body}

    def many(self, statuses: list[Status]) -> list[dict[str, Any]]:
        return [self.status(s) for s in statuses]


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
        "emojis": [],
    }
