"""What a page says about itself: OpenGraph, Twitter card and plain HTML metadata, and the
oEmbed endpoint it advertises (parsed with BeautifulSoup's built-in HTML parser)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup

MAX_TITLE = 300
MAX_DESCRIPTION = 1000


@dataclass(slots=True)
class PageMeta:
    url: str
    title: str = ""
    description: str = ""
    type: str = "link"
    image: str | None = None
    site_name: str = ""
    author_name: str = ""
    language: str | None = None
    published_at: datetime | None = None
    oembed_url: str | None = None


def _http(url: str | None, base: str) -> str | None:
    if not url:
        return None
    absolute = urljoin(base, url.strip())
    return absolute if urlsplit(absolute).scheme in ("http", "https") else None


def parse_page(html: bytes | str, url: str) -> PageMeta:
    soup = BeautifulSoup(html, "html.parser")
    meta: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name")
        content = tag.get("content")
        if isinstance(key, str) and isinstance(content, str) and key.lower() not in meta:
            meta[key.lower()] = content.strip()

    def first(*keys: str) -> str:
        return next((meta[k] for k in keys if meta.get(k)), "")

    title_tag = soup.find("title")
    title = first("og:title", "twitter:title") or (
        title_tag.get_text(strip=True) if title_tag else ""
    )
    page = PageMeta(
        url=_http(first("og:url"), url) or url,
        title=title[:MAX_TITLE],
        description=first("og:description", "twitter:description", "description")[:MAX_DESCRIPTION],
        image=_http(first("og:image", "og:image:url", "twitter:image", "twitter:image:src"), url),
        site_name=first("og:site_name"),
        author_name=first("author", "article:author"),
    )
    html_tag = soup.find("html")
    lang = html_tag.get("lang") if html_tag else None
    page.language = lang.split("-")[0].lower()[:8] if isinstance(lang, str) and lang else None
    published = first("article:published_time")
    if published:
        with contextlib.suppress(ValueError):
            page.published_at = datetime.fromisoformat(published.replace("Z", "+00:00"))
    for link in soup.find_all("link"):
        kind = link.get("type")
        if isinstance(kind, str) and kind.lower() == "application/json+oembed":
            href = link.get("href")
            page.oembed_url = _http(href if isinstance(href, str) else None, url)
            break
    return page


def safe_embed(html: str) -> str:
    """oEmbed `html` kept only as one https iframe, rebuilt (as Mastodon sanitizes it)."""
    soup = BeautifulSoup(html, "html.parser")
    frames = soup.find_all("iframe")
    if len(frames) != 1:
        return ""
    src = frames[0].get("src")
    if not isinstance(src, str) or urlsplit(src).scheme != "https":
        return ""
    rebuilt = soup.new_tag("iframe", attrs={"src": src, "frameborder": "0", "allowfullscreen": ""})
    for name in ("width", "height"):
        value = frames[0].get(name)
        if isinstance(value, str) and value.isdigit():
            rebuilt[name] = value
    return str(rebuilt)


def oembed_fields(data: Any) -> dict[str, Any]:
    """The members of an oEmbed response a card uses."""
    if not isinstance(data, dict):
        return {}
    kind = data.get("type")
    out: dict[str, Any] = {}
    if kind in ("photo", "video", "rich", "link"):
        out["type"] = kind
    for name in ("title", "author_name", "author_url", "provider_name", "provider_url"):
        if isinstance(data.get(name), str):
            out[name] = data[name]
    for name in ("width", "height"):
        if isinstance(data.get(name), int):
            out[name] = data[name]
    if kind in ("video", "rich") and isinstance(data.get("html"), str):
        out["html"] = safe_embed(data["html"])
    if isinstance(data.get("thumbnail_url"), str):
        out["image"] = data["thumbnail_url"]
    return out
