"""Live stream and chat JSON (Chirp extensions; see docs/live-video.md)."""

from __future__ import annotations

import html
from typing import Any

from chirp.config import Settings
from chirp.core.live import StreamView
from chirp.core.models import ChatMessage, LiveStream, StreamKey
from chirp.serializers.accounts import account_json
from chirp.serializers.common import iso


def stream_json(
    stream: LiveStream,
    account: dict[str, Any],
    playback_url: str | None,
    settings: Settings,
    low_latency_url: str | None = None,
    previews: tuple[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "id": str(stream.id),
        "title": stream.title,
        "visibility": stream.visibility,
        "state": stream.state,
        "account": account,
        "created_at": iso(stream.created_at),
        "started_at": iso(stream.started_at),
        "ended_at": iso(stream.ended_at),
        "viewers_count": stream.viewers_count if stream.state == "live" else 0,
        "playback_url": playback_url,
        # Low-Latency HLS while live (null otherwise, or when the server has it off).
        "low_latency_url": low_latency_url,
        # A still frame and a few animated seconds, renewed while live (null before).
        "poster_url": previews[0] if previews else None,
        "preview_url": previews[1] if previews else None,
        "watch_url": f"{settings.base_url}/live/{stream.id}",
    }


def stream_key_json(
    key: StreamKey | None, rtmp_url: str | None, secret: str | None = None
) -> dict[str, Any]:
    """With `secret` only right after creating or rotating it: it is never shown again."""
    body: dict[str, Any] = {
        "exists": key is not None,
        "rtmp_url": rtmp_url,
        "created_at": iso(key.created_at) if key else None,
    }
    if secret is not None:
        body["stream_key"] = secret
    return body


class LiveSerializer:
    """Streams and chat messages from one loaded `StreamView`; each account rendered once."""

    def __init__(self, view: StreamView, settings: Settings) -> None:
        self.view = view
        self.settings = settings
        self._accounts: dict[int, dict[str, Any]] = {}

    def _account(self, account_id: int) -> dict[str, Any] | None:
        rendered = self._accounts.get(account_id)
        if rendered is None and (account := self.view.accounts.get(account_id)) is not None:
            rendered = self._accounts[account_id] = account_json(
                account, self.settings, self.view.emojis
            )
        return rendered

    def stream(self, stream: LiveStream) -> dict[str, Any] | None:
        """None when the streamer's account vanished meanwhile."""
        account = self._account(stream.account_id)
        if account is None:
            return None
        return stream_json(
            stream,
            account,
            self.view.playback.get(stream.id),
            self.settings,
            self.view.low_latency.get(stream.id),
            self.view.previews.get(stream.id),
        )

    def streams(self, streams: list[LiveStream]) -> list[dict[str, Any]]:
        return [body for s in streams if (body := self.stream(s)) is not None]

    def chat(self, message: ChatMessage) -> dict[str, Any] | None:
        account = self._account(message.account_id)
        if account is None:
            return None
        return {
            "id": str(message.id),
            "stream_id": str(message.stream_id),
            "account": account,
            "content": html.escape(message.text),
            "created_at": iso(message.created_at),
        }

    def chats(self, messages: list[ChatMessage]) -> list[dict[str, Any]]:
        return [body for m in messages if (body := self.chat(m)) is not None]
