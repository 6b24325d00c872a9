"""Tweet text: entity extraction (#tags, @mentions, links) and safe HTML rendering.

Done once at write time. The user's text is escaped first; only the entities we recognise become
markup, so no input can inject HTML. Hashtags are Unicode-aware and compared case-insensitively
through `tag_key` (NFKC + casefold), so `#Café`, `#CAFÉ` and `#café` are one tag.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit, urlunsplit

import regex

# A tag is word characters (any script, plus combining marks and the middle dot) containing at
# least one letter, or else an inner `_` as in `#1_2` (a bare `#_` or `#__` is no tag, as on
# Mastodon), not preceded by a word character, `/`, `)` or `#` (URL fragments, `a#b`).
_TAG_CHAR = r"[\w\u00b7\u0300-\u036f\u0483-\u0489\u0591-\u05bd\u064b-\u065f\u0900-\u0903\u093a-\u094f\u0e31-\u0e3a]"
HASHTAG_RE = re.compile(
    rf"(?<![\w/)#&])#({_TAG_CHAR}*[^\W\d_]{_TAG_CHAR}*|{_TAG_CHAR}+_{_TAG_CHAR}+)"
)
MENTION_RE = re.compile(
    r"(?<![\w/@.])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)(?:@([a-z0-9.-]+[a-z0-9](?::\d{1,5})?))?",
    re.IGNORECASE,
)
URL_RE = re.compile(
    r"(?<![\w@])https?://[^\s<>\"'\u200b-\u200f\u2028-\u202e\u2066-\u2069]+", re.IGNORECASE
)
_TRAILING_PUNCTUATION = ".,;:!?'\"…"
URL_WEIGHT = 23  # every link counts as 23 characters, as on Twitter and Mastodon
TAG_MAX = 100
_GRAPHEME = regex.compile(r"\X")


def tag_key(name: str) -> str:
    """The case- and form-insensitive identity of a tag."""
    return unicodedata.normalize("NFKC", name).casefold()


def _trim_url(url: str) -> str:
    """Drop trailing punctuation and unbalanced closing parentheses from a matched URL."""
    # Counted once and indexed, not sliced: linear even for a megabyte of `)` (request bodies
    # are tokenized before the length check).
    opened, closed = url.count("("), url.count(")")
    end = len(url)
    while end and (
        url[end - 1] in _TRAILING_PUNCTUATION or (url[end - 1] == ")" and opened < closed)
    ):
        if url[end - 1] == ")":
            closed -= 1
        end -= 1
    return url[:end]


@dataclass(slots=True)
class Token:
    start: int
    end: int
    kind: str  # "tag", "mention", "url"
    value: str  # tag name, username, or URL
    domain: str | None = None


def tokenize(text: str) -> list[Token]:
    """Non-overlapping entities in text order; URLs win over tags and mentions inside them."""
    tokens: list[Token] = []
    taken: list[tuple[int, int]] = []
    for match in URL_RE.finditer(text):
        url = _trim_url(match.group(0))
        if len(url) > len("https://"):
            tokens.append(Token(match.start(), match.start() + len(url), "url", url))
            taken.append((match.start(), match.start() + len(url)))

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in taken)

    for match in MENTION_RE.finditer(text):
        if free(match.start(), match.end()):
            tokens.append(
                Token(match.start(), match.end(), "mention", match.group(1), match.group(2))
            )
    for match in HASHTAG_RE.finditer(text):
        if free(match.start(), match.end()) and len(match.group(1)) <= TAG_MAX:
            tokens.append(Token(match.start(), match.end(), "tag", match.group(1)))
    tokens.sort(key=lambda t: t.start)
    return tokens


def grapheme_length(text: str) -> int:
    """User-perceived characters (extended grapheme clusters, UAX #29), as Mastodon counts."""
    if text.isascii():  # every ASCII character is a cluster of its own, except CR LF (GB3)
        return len(text) - text.count("\r\n")
    return len(_GRAPHEME.findall(text))


def weighted_length(text: str) -> int:
    """Characters as Mastodon counts them (its StatusLengthValidator): each URL becomes 23
    characters, `@user@domain` becomes `@user`, then grapheme clusters are counted."""
    pieces: list[str] = []
    last = 0
    for token in tokenize(text):
        if token.kind == "url" or (token.kind == "mention" and token.domain):
            pieces.append(text[last : token.start])
            pieces.append("x" * URL_WEIGHT if token.kind == "url" else "@" + token.value)
            last = token.end
    pieces.append(text[last:])
    return grapheme_length("".join(pieces))


def extract_tags(tokens: list[Token]) -> list[str]:
    """Distinct tags in first-seen spelling, by case-insensitive identity."""
    seen: dict[str, str] = {}
    for token in tokens:
        if token.kind == "tag":
            seen.setdefault(tag_key(token.value), token.value)
    return list(seen.values())


def mention_names(tokens: list[Token], local_domain: str) -> list[str]:
    """Usernames mentioned that could be local (no domain, or ours)."""
    names: dict[str, None] = {}
    for token in tokens:
        if token.kind == "mention" and (
            token.domain is None or token.domain.lower() == local_domain.lower()
        ):
            names[token.value.lower()] = None
    return list(names)


def _link(url: str) -> str:
    scheme, _, rest = url.partition("://")
    display = rest if len(rest) <= 30 else rest[:30]
    hidden_tail = "" if len(rest) <= 30 else rest[30:]
    return (
        f'<a href="{html.escape(url, quote=True)}" target="_blank" rel="nofollow noopener" '
        f'translate="no"><span class="invisible">{html.escape(scheme)}://</span>'
        f'<span class="{"ellipsis" if hidden_tail else ""}">{html.escape(display)}</span>'
        f'<span class="invisible">{html.escape(hidden_tail)}</span></a>'
    )


def render_html(
    text: str,
    tokens: list[Token],
    *,
    base_url: str,
    resolve_mention: Callable[[str, str | None], str | None],
) -> str:
    """Escaped text with entities linkified, in paragraphs; `resolve_mention` gives the
    canonical username of a known local account (None leaves the mention as plain text)."""
    pieces: list[str] = []
    cursor = 0
    for token in tokens:
        pieces.append(html.escape(text[cursor : token.start], quote=False))
        raw = text[token.start : token.end]
        if token.kind == "url":
            pieces.append(_link(token.value))
        elif token.kind == "tag":
            href = f"{base_url}/tags/{quote(tag_key(token.value))}"
            pieces.append(
                f'<a href="{html.escape(href)}" class="mention hashtag" rel="tag">#<span>'
                f"{html.escape(token.value, quote=False)}</span></a>"
            )
        else:
            username = resolve_mention(token.value, token.domain)
            if username is None:
                pieces.append(html.escape(raw, quote=False))
            else:
                href = f"{base_url}/@{quote(username)}"
                pieces.append(
                    f'<span class="h-card" translate="no"><a href="{html.escape(href)}" '
                    f'class="u-url mention">@<span>{html.escape(username, quote=False)}</span></a></span>'
                )
        cursor = token.end
    pieces.append(html.escape(text[cursor:], quote=False))
    body = "".join(pieces).replace("\r\n", "\n")
    paragraphs = [p for p in body.split("\n\n") if p.strip()]
    return "".join("<p>" + p.replace("\n", "<br />") + "</p>" for p in paragraphs)


# Bidi overrides force a direction on everything after them, the classic way to make text read
# as something it is not ("txt.exe" shown as "exe.txt"). Marks, embeddings and isolates, which
# right-to-left writing really uses, stay; so do zero-width joiners (emoji sequences, Persian).
_SPOOFING = {"\u202d", "\u202e"}


def clean_text(value: str) -> str:
    """NFC-normalize; drop control characters (but newline and tab) and bidi overrides."""
    value = unicodedata.normalize("NFC", value)
    return "".join(
        c for c in value if c in "\n\t" or (unicodedata.category(c) != "Cc" and c not in _SPOOFING)
    )


URL_MAX = 2048
_DEFAULT_PORTS = {"http": 80, "https": 443}


def link_key(url: str) -> str | None:
    """The identity of a web page's URL; None if `url` is not an http(s) URL with a host."""
    if len(url) > URL_MAX or any(c.isspace() for c in url):
        return None
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if ":" in host:  # IPv6
        host = f"[{host}]"
    netloc = host if port in (None, _DEFAULT_PORTS[scheme]) else f"{host}:{port}"
    return urlunsplit((scheme, netloc, parts.path or "/", parts.query, ""))


def status_link_keys(text: str) -> list[str]:
    """The keys of the links a tweet's text carries, each once, in order."""
    keys = (link_key(token.value) for token in tokenize(text) if token.kind == "url")
    return list(dict.fromkeys(key for key in keys if key is not None))
