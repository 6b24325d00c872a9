"""chirp.core.text: tokenizing, tag identity, mentions, lengths, cleaning and safe HTML."""

from __future__ import annotations

import itertools
import time
from html.parser import HTMLParser

import pytest

from chirp.core.text import (
    TAG_MAX,
    URL_WEIGHT,
    clean_text,
    extract_tags,
    mention_names,
    render_html,
    tag_key,
    tokenize,
    weighted_length,
)

BASE = "https://chirp.example"
LOCAL = "chirp.example"
ACCOUNTS = {"alice": "alice", "bob": "Bob"}  # lower-cased name -> canonical username


def resolve(name: str, domain: str | None) -> str | None:
    if domain is not None and domain.lower() != LOCAL:
        return None
    return ACCOUNTS.get(name.lower())


def render(text: str) -> str:
    text = clean_text(text)
    return render_html(text, tokenize(text), base_url=BASE, resolve_mention=resolve)


def tags_of(text: str) -> list[str]:
    return extract_tags(tokenize(clean_text(text)))


def kinds(text: str, kind: str) -> list[str]:
    return [t.value for t in tokenize(text) if t.kind == kind]


# --- What rendered HTML may contain ------------------------------------------------------------

ALLOWED_ATTRS = {
    "p": set(),
    "br": set(),
    "span": {"class", "translate"},
    "a": {"href", "class", "rel", "target", "translate"},
}


class _Collect(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.comments: list[str] = []
        self.declarations: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_data(self, data: str) -> None:
        self.text.append(data)

    def handle_comment(self, data: str) -> None:
        self.comments.append(data)

    def handle_decl(self, decl: str) -> None:
        self.declarations.append(decl)

    def unknown_decl(self, data: str) -> None:
        self.declarations.append(data)


def parse_safe(html: str) -> _Collect:
    """Parse rendered HTML and fail on anything but our own elements and attributes."""
    parser = _Collect()
    parser.feed(html)
    parser.close()
    assert not parser.comments and not parser.declarations, html
    for tag, attrs in parser.elements:
        assert tag in ALLOWED_ATTRS, f"<{tag}> in {html!r}"
        assert set(attrs) <= ALLOWED_ATTRS[tag], f"{tag} {attrs} in {html!r}"
        href = attrs.get("href")
        if href is not None:
            assert href.lower().startswith(("https://", "http://")), href
    return parser


# --- Hashtags ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("#café", ["café"]),
        ("#日本語のタグ", ["日本語のタグ"]),
        ("#Ünïcödé rocks", ["Ünïcödé"]),
        ("مرحبا #السلام_عليكم", ["السلام_عليكم"]),
        ("#Ελληνικά και #русский", ["Ελληνικά", "русский"]),
        ("#नमस्ते", ["नमस्ते"]),  # Devanagari vowel signs are part of the tag
        ("#e\u0301t\u00e9", ["e\u0301t\u00e9"]),  # combining accent (before NFC) stays in
    ],
)
def test_hashtags_in_any_script(text: str, expected: list[str]) -> None:
    assert kinds(text, "tag") == expected


def test_same_tag_in_different_case_or_width_shares_one_key() -> None:
    spellings = ["Python", "PYTHON", "python", "pYtHoN", "Ｐｙｔｈｏｎ", "ＰＹＴＨＯＮ"]
    assert {tag_key(s) for s in spellings} == {"python"}
    assert tag_key("CAFÉ") == tag_key("café") == tag_key("Café")
    assert tag_key("cafe\u0301") == tag_key("café")  # NFKC composes the accent
    assert tag_key("ﬁsh") == tag_key("fish")  # compatibility ligature
    assert tag_key("Ünïcödé") == "ünïcödé"
    assert tag_key("café") != tag_key("cafe")  # accents are not folded away


def test_tags_are_deduplicated_by_key_keeping_the_first_spelling() -> None:
    assert tags_of("#Python #PYTHON #python #Ｐｙｔｈｏｎ #rust #Rust") == ["Python", "rust"]


@pytest.mark.parametrize(
    "text",
    [
        "foo#bar",
        "https://example.com/page#section",
        "http://example.com/#/route",
        "a/#b",
        "(x)#y",
        "##double",
        "&#35;entity",
        "#1234",
        "# spaced",
        "#",
        "#_",
        "#__ x",
        "#_1",
    ],
)
def test_not_a_hashtag(text: str) -> None:
    assert kinds(text, "tag") == []


@pytest.mark.parametrize(
    ("text", "tag"),
    [
        ("#end.", "end"),
        ("#end,", "end"),
        ("#end!", "end"),
        ("#end?", "end"),
        ("(#wrapped)", "wrapped"),
        ('"#quoted"', "quoted"),
        ("#tag…", "tag"),
        ("#tag's", "tag"),
        ("#2024s", "2024s"),
        ("#snake_case_tag", "snake_case_tag"),
        ("#1_2!", "1_2"),
        ("#___", "___"),
        ("start #mid-dash", "mid"),
    ],
)
def test_punctuation_ends_a_hashtag(text: str, tag: str) -> None:
    assert kinds(text, "tag") == [tag]


def test_overlong_tags_are_ignored_not_truncated() -> None:
    assert kinds("#" + "a" * TAG_MAX, "tag") == ["a" * TAG_MAX]
    assert kinds("#" + "a" * (TAG_MAX + 1), "tag") == []


def test_a_thousand_hashtags_are_all_extracted_and_deduplicated() -> None:
    names = [f"t{n}x" for n in range(1000)]
    text = " ".join(f"#{n}" for n in names) + " " + " ".join(f"#{n.upper()}" for n in names)
    found = tags_of(text)
    assert found == names  # no cap on the count; upper-case repeats fold into the first
    assert len({tag_key(t) for t in found}) == 1000
    parse_safe(render(text))


def test_tokenizing_hostile_input_stays_linear() -> None:
    """Request bodies (up to a megabyte) are tokenized before the length check, so hostile
    input must be cheap. A quadratic trim of `)` after a URL once took about a minute here."""
    hostile = [
        "https://a.example/" + ")" * 200_000,
        "https://a.example/" + "." * 200_000,
        " #x" * 70_000,
        "#" + "1" * 200_000,
        "@a" + "-" * 200_000,
        "@a@" + "." * 200_000,
    ]
    started = time.perf_counter()
    for text in hostile:
        weighted_length(text)
    assert time.perf_counter() - started < 10  # generous: linear takes well under a second


# --- Links -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "url"),
    [
        ("see https://example.com.", "https://example.com"),
        ("see https://example.com/a?b=1,", "https://example.com/a?b=1"),
        ("(https://example.com/x)", "https://example.com/x"),
        ("https://en.wikipedia.org/wiki/Foo_(bar)", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ("(https://en.wikipedia.org/wiki/Foo_(bar))!", "https://en.wikipedia.org/wiki/Foo_(bar)"),
        ('"https://example.com/q"', "https://example.com/q"),
        ("https://example.com/…", "https://example.com/"),
        ("<https://example.com/in-brackets>", "https://example.com/in-brackets"),
        ("HTTPS://EXAMPLE.COM/UP", "HTTPS://EXAMPLE.COM/UP"),
        ("https://example.com/" + ")" * 50, "https://example.com/"),
    ],
)
def test_trailing_punctuation_is_trimmed_from_links(text: str, url: str) -> None:
    assert kinds(text, "url") == [url]


@pytest.mark.parametrize(
    "text",
    [
        "javascript:alert(1)",
        "JavaScript:alert(document.cookie)",
        "javascript://example.com/%0aalert(1)",
        "data:text/html,<script>alert(1)</script>",
        "vbscript:msgbox(1)",
        "ftp://example.com/file",
        "https://",
        "user@https://example.com",
        "xhttps://example.com",
    ],
)
def test_only_http_links_are_linkified(text: str) -> None:
    assert kinds(text, "url") == []
    parse_safe(render(text))  # every href that does appear is http(s)


def test_tags_and_mentions_inside_links_are_part_of_the_link() -> None:
    tokens = tokenize("https://example.com/@alice/#frag?x=#tag and @bob #real")
    assert [(t.kind, t.value) for t in tokens] == [
        ("url", "https://example.com/@alice/#frag?x=#tag"),
        ("mention", "bob"),
        ("tag", "real"),
    ]


def test_token_offsets_point_at_their_text_in_order() -> None:
    text = "Hi @alice! #Tag https://example.com/x. @bob@remote.example #two"
    tokens = tokenize(text)
    assert [t.start for t in tokens] == sorted(t.start for t in tokens)
    for a, b in itertools.pairwise(tokens):
        assert a.end <= b.start
    assert [text[t.start : t.end] for t in tokens] == [
        "@alice",
        "#Tag",
        "https://example.com/x",
        "@bob@remote.example",
        "#two",
    ]


# --- Mentions ----------------------------------------------------------------------------------


def test_mentions_local_and_remote() -> None:
    tokens = tokenize("@alice @Bob@Chirp.Example @carol@remote.social @dave@remote.social:8443")
    assert [(t.value, t.domain) for t in tokens] == [
        ("alice", None),
        ("Bob", "Chirp.Example"),
        ("carol", "remote.social"),
        ("dave", "remote.social:8443"),
    ]
    # Our own domain (any case) is local; a remote account is not looked up here.
    assert mention_names(tokens, LOCAL) == ["alice", "bob"]
    assert mention_names(tokens, "remote.social") == ["alice", "carol"]


def test_mention_names_are_deduplicated_case_insensitively() -> None:
    tokens = tokenize("@Alice @alice @ALICE@chirp.example @bob")
    assert mention_names(tokens, LOCAL) == ["alice", "bob"]


@pytest.mark.parametrize(
    "text", ["mail me at someone@example.com", "a.b@example.com", "@", "@ alone", "x/@y", "@@z"]
)
def test_not_a_mention(text: str) -> None:
    assert kinds(text, "mention") == []


def test_mention_punctuation_is_not_part_of_the_name() -> None:
    assert kinds("thanks @alice. and @bob_2-x, (@carol)", "mention") == [
        "alice",
        "bob_2-x",
        "carol",
    ]


def test_remote_and_unknown_mentions_render_as_plain_text() -> None:
    html = render("@alice @bob@chirp.example @alice@remote.social @nobody")
    parse_safe(html)
    assert html.count('class="u-url mention"') == 2
    assert f'href="{BASE}/@alice"' in html and f'href="{BASE}/@Bob"' in html
    assert "@alice@remote.social" in html and "@nobody" in html
    assert "remote.social/" not in html


# --- Length ------------------------------------------------------------------------------------


def test_weighted_length_counts_links_as_23_and_remote_mentions_by_username() -> None:
    assert weighted_length("") == 0
    assert weighted_length("hello") == 5
    assert weighted_length("https://x.co") == URL_WEIGHT  # short links count 23 too
    assert weighted_length("go https://example.com/" + "p" * 500 + ".") == 3 + URL_WEIGHT + 1
    assert weighted_length("@alice@a.very.long.remote.example!") == len("@alice!")
    assert weighted_length("#tag @alice") == len("#tag @alice")


def test_weighted_length_counts_grapheme_clusters_as_mastodon_does() -> None:
    """User-perceived characters (UAX #29), as Mastodon's StatusLengthValidator counts them."""
    assert weighted_length("日本語") == 3
    assert weighted_length("🐦") == 1  # astral: one character, not two UTF-16 units
    assert weighted_length("👍🏽") == 1  # emoji + skin-tone modifier
    assert weighted_length("👩\u200d👩\u200d👧") == 1  # a ZWJ family
    assert weighted_length("🇫🇷🇯🇵") == 2  # two flags, four regional indicators
    assert weighted_length("e\u0301") == 1  # combining accent, not composed
    assert weighted_length("\u0915\u094d\u0937") == 1  # Devanagari conjunct (Unicode 15.1)
    assert weighted_length("\r\n") == 1
    assert weighted_length("👍🏽 https://example.com/" + "p" * 40) == 2 + URL_WEIGHT
    assert weighted_length("@bob@remote.example 👩\u200d👩\u200d👧") == len("@bob ") + 1


# --- Cleaning ----------------------------------------------------------------------------------


def test_clean_text_drops_controls_and_bidi_overrides() -> None:
    dirty = "a\x00b\x1bc\x7fd\r\ne\tf\u0085g\u202eh\u202di"
    assert clean_text(dirty) == "abcd\ne\tfghi"


def test_clean_text_keeps_what_real_writing_needs() -> None:
    for text in [
        "👩\u200d👩\u200d👧 family",  # ZWJ emoji sequence
        "می\u200cخواهم",  # Persian zero-width non-joiner
        "שלום \u200fעולם",  # right-to-left mark
        "abc \u2067عربي\u2069 def",  # isolates
        "emoji ❤\ufe0f",  # variation selector
    ]:
        assert clean_text(text) == text


def test_clean_text_is_stable() -> None:
    for text in ["a\u202eb\x00c", "cafe\u0301", "x\u200by\ufeffz", "👩\u200d👧", "Ａ\r\n"]:
        once = clean_text(text)
        assert clean_text(once) == once


def test_zero_width_characters_do_not_hide_inside_entities() -> None:
    assert tags_of("#foo\u200bbar") == ["foo"]  # zero-width space splits the tag
    assert tags_of("#foo\ufeffbar") == ["foo"]  # so does a BOM
    assert tags_of("#foo\u200dbar") == ["foo"]  # and a joiner
    assert kinds("https://example.com/\u200bevil", "url") == ["https://example.com/"]
    assert kinds("https://example.com/\u202eevil", "url") == ["https://example.com/"]


def test_rendered_text_has_no_bidi_override() -> None:
    html = render("file\u202egnp.exe and \u202d#tag")
    assert "\u202e" not in html and "\u202d" not in html
    assert f'href="{BASE}/tags/tag"' in html


# --- Rendering ---------------------------------------------------------------------------------

HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'><svg/onload=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "<!-- comment --><![CDATA[x]]><!DOCTYPE html>",
    "</p><p onclick=alert(1)>",
    "<br onmouseover=alert(1)>",
    "&lt;script&gt; &#60;script&#62; &amp;",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'><script>alert(1)</script>",
    "https://example.com/?a=1&b=<2>",
    "#tag<script> @alice<img src=x>",
    '#"onmouseover=alert(1)',
    "<style>*{}</style><iframe src=//evil>",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_input_is_escaped(text: str) -> None:
    html = render(text)
    parsed = parse_safe(html)
    # The visible text is exactly what was typed (minus link display splitting).
    assert "".join(parsed.text).replace("\n", "") == clean_text(text).replace("\n", "")
    # Every `<` in the output opens one of our own elements.
    stripped = html
    for allowed in ("<p>", "</p>", "<br />", "<span", "</span>", "<a ", "</a>"):
        stripped = stripped.replace(allowed, "")
    assert "<" not in stripped, html


def test_link_hrefs_are_quoted_and_displayed_escaped() -> None:
    html = render("https://example.com/?a=1&b=2")
    parse_safe(html)
    assert 'href="https://example.com/?a=1&amp;b=2"' in html
    assert 'rel="nofollow noopener"' in html and 'target="_blank"' in html


def test_long_links_are_shortened_for_display_but_not_in_href() -> None:
    url = "https://example.com/" + "a" * 100
    parsed = parse_safe(render(url))
    (a,) = [attrs for tag, attrs in parsed.elements if tag == "a"]
    assert a["href"] == url
    assert "".join(parsed.text) == url  # hidden tail is still there for copy/paste
    assert ("span", {"class": "ellipsis"}) in parsed.elements


def test_tag_links_use_the_key() -> None:
    html = render("#Café #ＰＹＴＨＯＮ #日本")
    parse_safe(html)
    assert f'href="{BASE}/tags/caf%C3%A9"' in html
    assert f'href="{BASE}/tags/python"' in html
    assert f'href="{BASE}/tags/%E6%97%A5%E6%9C%AC"' in html
    assert "#<span>Café</span>" in html  # display keeps the author's spelling


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("one", "<p>one</p>"),
        ("one\ntwo", "<p>one<br />two</p>"),
        ("one\n\ntwo", "<p>one</p><p>two</p>"),
        ("one\r\n\r\ntwo\r\nthree", "<p>one</p><p>two<br />three</p>"),
        ("one\n\n\n\ntwo", "<p>one</p><p>two</p>"),
        ("one\n\n  \n\ntwo", "<p>one</p><p>two</p>"),
        ("", ""),
        ("a < b & c > d", "<p>a &lt; b &amp; c &gt; d</p>"),
    ],
)
def test_newlines_become_paragraphs_and_breaks(text: str, html: str) -> None:
    assert render_html(text, tokenize(text), base_url=BASE, resolve_mention=resolve) == html


def test_very_long_words_pass_through_whole() -> None:
    word = "supercalifragilistic" * 500
    assert render(word) == f"<p>{word}</p>"
    assert weighted_length(word) == len(word)
    assert tokenize(word) == []
