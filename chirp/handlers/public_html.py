"""The public pages' HTML: profiles, tweets with their threads, hashtags, the front page.

Built from the same Mastodon JSON the API returns (so a page shows what a client would, links
included), for an anonymous viewer. Every value is escaped here, except `content` and `note`:
those are HTML the server rendered itself from escaped text (`core.text.render_html`,
`serializers.common.plain_to_html`). No scripts: one stylesheet of this origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from html import escape, unescape
from typing import Any

from chirp.config import Settings
from chirp.handlers.watch import asset_url

JSON = dict[str, Any]

MASTODON_API_DOCS = "https://docs.joinmastodon.org/client/intro/"
SOURCE_URL = "https://github.com/chirp-social/chirp"  # as `/api/v2/instance` says
DESCRIPTION_MAX = 200


@dataclass(frozen=True, slots=True)
class Meta:
    """What a shared link previews as (OpenGraph and Twitter cards), and where its JSON is."""

    title: str
    description: str
    url: str
    type: str = "website"  # og:type: profile, article, website
    image: str | None = None
    large_image: bool = False  # twitter:card summary_large_image (a tweet's picture)
    alternate: str | None = None  # the API URL of the same thing
    extra: tuple[tuple[str, str], ...] = ()  # more og properties, e.g. profile:username
    noindex: bool = False  # the account asked search engines to leave it out


@dataclass(frozen=True, slots=True)
class Tab:
    label: str
    url: str
    current: bool


def plain_text(html: str) -> str:
    """Readable text of server-rendered HTML (for descriptions): paragraphs and line breaks
    become newlines, tags go, entities are decoded. The result is text: escape it again."""
    text = re.sub(r"<br\s*/?>", "\n", html)
    text = re.sub(r"</p>\s*<p[^>]*>", "\n\n", text)
    return unescape(re.sub(r"<[^>]*>", "", text)).strip()


def _shorten(text: str, limit: int = DESCRIPTION_MAX) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _attr(value: object) -> str:
    return escape(str(value), quote=True)


def _when(iso: str | None, fmt: str = "%d %b %Y, %H:%M UTC") -> str:
    return datetime.fromisoformat(iso).strftime(fmt) if iso else ""


def _name(account: JSON) -> str:
    return str(account["display_name"] or account["username"])


def emojify(html: str, emojis: Sequence[JSON]) -> str:
    """Custom emojis (`:shortcode:`) of the object's `emojis` as pictures, as Mastodon's own
    pages show them; in text only, never inside a tag's attributes."""
    if not emojis:
        return html
    pictures = {
        f":{e['shortcode']}:": (
            f'<img class=emoji src="{_attr(e["url"])}" alt=":{_attr(e["shortcode"])}:" '
            f'title=":{_attr(e["shortcode"])}:">'
        )
        for e in emojis
    }
    pattern = re.compile("|".join(re.escape(code) for code in pictures))
    parts = re.split(r"(<[^>]*>)", html)
    return "".join(
        part if part.startswith("<") else pattern.sub(lambda m: pictures[m.group()], part)
        for part in parts
    )


def _display_name(account: JSON) -> str:
    """The account's name as HTML: escaped, with its custom emojis."""
    return emojify(escape(_name(account)), account.get("emojis") or ())


def handle(account: JSON, settings: Settings) -> str:
    return f"@{account['acct']}@{settings.domain}"


def _meta_tags(meta: Meta, site_title: str) -> str:
    properties = [
        ("og:site_name", site_title),
        ("og:title", meta.title),
        ("og:description", meta.description),
        ("og:url", meta.url),
        ("og:type", meta.type),
        *meta.extra,
    ]
    if meta.image:
        properties.append(("og:image", meta.image))
    names = [
        ("description", meta.description),
        ("twitter:card", "summary_large_image" if meta.large_image else "summary"),
        ("twitter:title", meta.title),
        ("twitter:description", meta.description),
    ]
    if meta.image:
        names.append(("twitter:image", meta.image))
    tags = [f'<meta property="{_attr(k)}" content="{_attr(v)}">' for k, v in properties]
    tags += [f'<meta name="{_attr(k)}" content="{_attr(v)}">' for k, v in names]
    if meta.noindex:
        tags.append('<meta name="robots" content="noindex, noarchive">')
    tags.append(f'<link rel=canonical href="{_attr(meta.url)}">')
    if meta.alternate:
        tags.append(f'<link rel=alternate type="application/json" href="{_attr(meta.alternate)}">')
    return "".join(tags)


def document(settings: Settings, title: str, body: str, meta: Meta | None = None) -> str:
    head = _meta_tags(meta, settings.instance_title) if meta else ""
    return (
        "<!doctype html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{escape(title)}</title>{head}"
        '<link rel=icon href="data:,">'
        f'<link rel=stylesheet href="{asset_url("public.css")}">'
        "</head><body>"
        f'<header class=site><a class=brand href="/">{escape(settings.instance_title)}</a>'
        f"<span class=domain>{escape(settings.domain)}</span></header>"
        f"<main>{body}</main>"
        f'<footer class=site>Powered by <a href="{SOURCE_URL}">Chirp</a> · '
        f'<a href="{MASTODON_API_DOCS}">Mastodon API</a></footer>'
        "</body></html>"
    )


# -- tweets --------------------------------------------------------------------------------


def _author(account: JSON, settings: Settings) -> str:
    return (
        f'<a class=author href="{_attr(account["url"])}">'
        f'<img class=avatar src="{_attr(account["avatar_static"])}" alt="" width=48 height=48 '
        "loading=lazy>"
        f"<span class=names><bdi class=name>{_display_name(account)}</bdi>"
        f"<span class=acct>{escape(handle(account, settings))}</span></span></a>"
    )


def _media(attachments: Sequence[JSON]) -> str:
    items = []
    for media in attachments:
        url, preview = media.get("url"), media.get("preview_url")
        if not url:
            continue  # still processing
        alt = _attr(media.get("description") or "")
        if media["type"] in ("video", "gifv"):
            poster = f' poster="{_attr(preview)}"' if preview else ""
            extra = " autoplay loop muted playsinline" if media["type"] == "gifv" else " controls"
            items.append(
                f'<li><video src="{_attr(url)}"{poster} preload=none{extra} '
                f'aria-label="{alt}"></video></li>'
            )
        elif media["type"] == "audio":
            items.append(f'<li><audio src="{_attr(url)}" controls preload=none></audio></li>')
        else:
            items.append(
                f'<li><a href="{_attr(url)}"><img src="{_attr(preview or url)}" alt="{alt}" '
                "loading=lazy></a></li>"
            )
    return f"<ul class=media>{''.join(items)}</ul>" if items else ""


def _body(status: JSON, settings: Settings) -> str:
    """Content and attachments, behind the content warning if there is one."""
    emojis = status.get("emojis") or ()
    inner = f"<div class=content>{emojify(status['content'], emojis)}</div>"
    media = _media(status["media_attachments"])
    quote = status.get("quote") or {}
    quoted = quote.get("quoted_status")
    if quoted:
        inner += f"<blockquote class=quote>{status_card(quoted, settings, actions=False)}"
        inner += "</blockquote>"
    elif quote.get("state") in ("deleted", "unauthorized"):
        inner += "<p class=quote-gone>The quoted post is not available.</p>"
    if media and status["sensitive"] and not status["spoiler_text"]:
        media = f"<details class=sensitive><summary>Sensitive media</summary>{media}</details>"
    inner += media
    if status["spoiler_text"]:
        return (
            "<details class=spoiler>"
            f"<summary>{emojify(escape(status['spoiler_text']), emojis)}</summary>"
            f"{inner}</details>"
        )
    return inner


def status_card(
    status: JSON,
    settings: Settings,
    *,
    focused: bool = False,
    actions: bool = True,
    in_thread: bool = False,
) -> str:
    """One tweet; a retweet shows who retweeted, then the original."""
    shown, boosted_by = status, ""
    if status.get("reblog"):
        shown = status["reblog"]
        booster = status["account"]
        boosted_by = (
            f'<p class=boost>🔁 <a href="{_attr(booster["url"])}">'
            f"<bdi>{_display_name(booster)}</bdi></a> retweeted</p>"
        )
    classes = "status focused" if focused else "status"
    edited = " · edited" if shown.get("edited_at") else ""
    visibility = " · unlisted" if shown["visibility"] == "unlisted" else ""
    counts = ""
    if actions:
        counts = (
            f"<span class=counts><span title=Replies>💬 {shown['replies_count']}</span>"
            f"<span title=Retweets>🔁 {shown['reblogs_count']}</span>"
            f"<span title=Likes>★ {shown['favourites_count']}</span></span>"
        )
    reply = ""
    if shown.get("in_reply_to_id") and not in_thread:  # its page shows the conversation
        reply = f'<p class=reply-note><a href="{_attr(shown["url"])}">Part of a thread</a></p>'
    return (
        f'<article class="{classes}" id="s{_attr(shown["id"])}">{boosted_by}'
        f"<header>{_author(shown['account'], settings)}</header>{reply}"
        f"{_body(shown, settings)}"
        f'<footer><a class=permalink href="{_attr(shown["url"])}">'
        f'<time datetime="{_attr(shown["created_at"])}">{escape(_when(shown["created_at"]))}'
        f"</time></a>{edited}{visibility}{counts}</footer></article>"
    )


def _cards(statuses: Iterable[JSON], settings: Settings, *, in_thread: bool = False) -> str:
    return "".join(status_card(s, settings, in_thread=in_thread) for s in statuses)


def _older(url: str | None, newest: str | None) -> str:
    links = []
    if newest:
        links.append(f'<a href="{_attr(newest)}">Newest</a>')
    if url:
        links.append(f'<a rel=next href="{_attr(url)}">Older posts</a>')
    return f"<nav class=pager>{''.join(links)}</nav>" if links else ""


def _attached(status: JSON) -> str:
    """What a tweet of attachments alone says in a preview: `Attached: 2 images`, as Mastodon."""
    kinds: dict[str, int] = {}
    for media in status["media_attachments"]:
        kind = {"gifv": "video", "unknown": "file"}.get(media["type"], media["type"])
        kinds[kind] = kinds.get(kind, 0) + 1
    if not kinds:
        return ""
    parts = [f"{n} {kind}{'s' if n > 1 else ''}" for kind, n in kinds.items()]
    return "Attached: " + ", ".join(parts)


def status_meta(status: JSON, settings: Settings, api_url: str) -> Meta:
    """Mastodon's preview: `Name (@user@domain)`, the warning or the text, the first picture
    unless sensitive (else the author's avatar)."""
    account = status["account"]
    if status["spoiler_text"]:
        description = f"Content warning: {status['spoiler_text']}"
    else:
        description = _shorten(plain_text(status["content"])) or _attached(status)
    image, large = account["avatar_static"], False
    if not status["sensitive"]:
        for media in status["media_attachments"]:
            picture = media.get("url") if media["type"] == "image" else media.get("preview_url")
            if picture:
                image, large = picture, True
                break
    return Meta(
        title=f"{_name(account)} ({handle(account, settings)})",
        description=description,
        url=status["url"],
        type="article",
        image=image,
        large_image=large,
        alternate=api_url,
        extra=(("article:published_time", status["created_at"]),),
        noindex=bool(account.get("noindex")),
    )


def status_page(
    status: JSON,
    ancestors: Sequence[JSON],
    descendants: Sequence[JSON],
    settings: Settings,
    api_url: str,
    *,
    more_replies: int = 0,
) -> str:
    meta = status_meta(status, settings, api_url)
    summary = _shorten(plain_text(status["content"]), 80) or "a post"
    title = f"{_name(status['account'])}: “{summary}” - {settings.instance_title}"
    if status["spoiler_text"]:
        title = f"{_name(status['account'])}: {status['spoiler_text']} - {settings.instance_title}"
    body = (
        '<section class=thread aria-label="Thread">'
        f"{_cards(ancestors, settings, in_thread=True)}"
        f"{status_card(status, settings, focused=True, in_thread=True)}"
        f"{_cards(descendants, settings, in_thread=True)}</section>"
    )
    if more_replies:
        body += (
            f"<p class=more>{more_replies} more {'reply' if more_replies == 1 else 'replies'} "
            "not shown here: a Mastodon app shows the whole thread.</p>"
        )
    return document(settings, title, body, meta)


# -- profiles --------------------------------------------------------------------------------


def profile_page(
    account: JSON,
    pinned: Sequence[JSON],
    statuses: Sequence[JSON],
    settings: Settings,
    *,
    api_url: str,
    tabs: Sequence[Tab],
    older_url: str | None,
    newest_url: str | None,
) -> str:
    name = _name(account)
    bio = plain_text(account["note"])
    summary = (
        f"{account['statuses_count']} posts, {account['following_count']} following, "
        f"{account['followers_count']} followers"
    )
    meta = Meta(
        title=f"{name} ({handle(account, settings)})",
        description=_shorten(bio) if bio else summary,
        url=account["url"],
        type="profile",
        image=account["avatar_static"],
        alternate=api_url,
        extra=(("profile:username", account["acct"]),),
        noindex=bool(account.get("noindex")),
    )
    header_image = ""
    if account.get("header_static"):
        header_image = (
            f'<img class=banner src="{_attr(account["header_static"])}" alt="" loading=lazy>'
        )
    badges = "".join(
        f"<span class=badge>{label}</span>"
        for flag, label in (("bot", "Bot"), ("locked", "Approves followers"))
        if account.get(flag)
    )
    nav = "".join(
        f'<a href="{_attr(t.url)}"{" aria-current=page" if t.current else ""}>{escape(t.label)}</a>'
        for t in tabs
    )
    fields = "".join(  # a field's name is text, its value HTML the server rendered
        f"<div><dt>{escape(f['name'])}</dt><dd>{f['value']}</dd></div>"
        for f in account.get("fields") or ()
    )
    pinned_html = ""
    if pinned:
        pinned_html = (
            '<section class=pinned aria-label="Pinned"><h2>Pinned</h2>'
            f"{_cards(pinned, settings)}</section>"
        )
    listing = _cards(statuses, settings) or "<p class=empty>No public posts yet.</p>"
    body = (
        f"<section class=profile>{header_image}"
        f'<div class=who><img class="avatar big" src="{_attr(account["avatar_static"])}" '
        'alt="" width=96 height=96>'
        f"<div><h1><bdi>{_display_name(account)}</bdi></h1>"
        f"<p class=acct>{escape(handle(account, settings))}{badges}</p></div></div>"
        f"<div class=bio>{emojify(account['note'], account.get('emojis') or ())}</div>"
        f"{f'<dl class=fields>{fields}</dl>' if fields else ''}"
        "<dl class=stats>"
        f"<div><dt>Posts</dt><dd>{account['statuses_count']}</dd></div>"
        f"<div><dt>Following</dt><dd>{account['following_count']}</dd></div>"
        f"<div><dt>Followers</dt><dd>{account['followers_count']}</dd></div>"
        f"</dl><p class=joined>Joined {escape(_when(account['created_at'], '%B %Y'))}</p>"
        f"</section><nav class=tabs>{nav}</nav>{pinned_html}"
        f'<section class=timeline aria-label="Posts">{listing}</section>'
        f"{_older(older_url, newest_url)}"
    )
    return document(settings, f"{name} ({handle(account, settings)})", body, meta)


# -- hashtags ------------------------------------------------------------------------------


def tag_page(
    name: str,
    url: str,
    statuses: Sequence[JSON],
    settings: Settings,
    *,
    api_url: str,
    older_url: str | None,
    newest_url: str | None,
) -> str:
    meta = Meta(
        title=f"#{name}",
        description=f"Public posts tagged #{name} on {settings.instance_title}",
        url=url,
        alternate=api_url,
    )
    listing = _cards(statuses, settings) or "<p class=empty>No public posts with this tag yet.</p>"
    body = (
        f"<h1 class=tag>#{escape(name)}</h1>"
        f'<section class=timeline aria-label="Posts">{listing}</section>'
        f"{_older(older_url, newest_url)}"
    )
    return document(settings, f"#{name} - {settings.instance_title}", body, meta)


# -- the front page --------------------------------------------------------------------------


def home_page(settings: Settings, *, users: int, posts: int, streams: Sequence[JSON]) -> str:
    base = settings.base_url
    meta = Meta(
        title=settings.instance_title,
        description=settings.instance_description,
        url=f"{base}/",
        alternate=f"{base}/api/v2/instance",
    )
    live = "".join(
        f'<li><a href="{_attr(s["watch_url"])}"><strong>{escape(s["title"])}</strong></a> '
        f"<span class=by>by <bdi>{_display_name(s['account'])}</bdi> "
        f"({escape(handle(s['account'], settings))})</span>"
        f"<span class=viewers> · {s['viewers_count']} watching</span></li>"
        for s in streams
    )
    live_section = (
        f"<ul class=live>{live}</ul>" if live else "<p class=empty>Nobody is live right now.</p>"
    )
    signups = {"open": "open", "approval": "open with approval"}.get(
        settings.registration_mode, "closed"
    )
    body = (
        f"<section class=intro><h1>{escape(settings.instance_title)}</h1>"
        f"<p>{escape(settings.instance_description)}</p>"
        "<dl class=stats>"
        f"<div><dt>Users</dt><dd>{users}</dd></div>"
        f"<div><dt>Posts</dt><dd>{posts}</dd></div>"
        f"<div><dt>Live now</dt><dd>{len(streams)}</dd></div></dl></section>"
        f"<section><h2>Live now</h2>{live_section}</section>"
        "<section><h2>Connect with a Mastodon app</h2>"
        "<p>This server speaks the Mastodon client API. In any Mastodon app (Ivory, Tusky, "
        "IceCubes, Elk, Phanpy, toot…) choose to sign in on another server and enter "
        f"<code>{escape(settings.domain)}</code>. Sign-ups are {signups}.</p>"
        "<dl class=endpoints>"
        f"<dt>API</dt><dd><code>{escape(base)}/api/v1/</code></dd>"
        f"<dt>Streaming</dt><dd><code>{escape(settings.streaming_url)}/api/v1/streaming</code>"
        "</dd></dl></section>"
        "<section><h2>For developers</h2><ul>"
        f'<li><a href="{MASTODON_API_DOCS}">The Mastodon API documentation</a></li>'
        f'<li><a href="{SOURCE_URL}#readme">Chirp&#39;s README</a> (install, run, extensions such as '
        "live video)</li>"
        f'<li><a href="/api/v2/instance">This server&#39;s instance document</a></li>'
        "</ul></section>"
    )
    return document(settings, settings.instance_title, body, meta)


def error_page(settings: Settings, title: str, message: str) -> str:
    body = f'<section class=error><h1>{escape(title)}</h1><p>{escape(message)}</p><p><a href="/">'
    body += f"Go to {escape(settings.instance_title)}</a></p></section>"
    return document(settings, f"{title} - {settings.instance_title}", body)
