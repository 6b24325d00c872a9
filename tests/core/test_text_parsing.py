"""Entity extraction and HTML rendering, including hostile input."""

from __future__ import annotations

import time
from html.parser import HTMLParser

import pytest

from chirp.core.text import (
    clean_text,
    extract_tags,
    mention_names,
    render_html,
    tag_key,
    tokenize,
    weighted_length,
)

BASE = "https://chirp.example"
KNOWN = {"alice": "alice", "bob": "Bob"}


def render(text: str) -> str:
    text = clean_text(text)
    return render_html(
        text,
        tokenize(text),
        base_url=BASE,
        resolve_mention=lambda name, domain: (
            KNOWN.get(name.lower()) if domain in (None, "chirp.example") else None
        ),
    )


def tags(text: str) -> list[str]:
    return extract_tags(tokenize(clean_text(text)))


class _Markup(HTMLParser):
    """Every tag and attribute in rendered HTML."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


ALLOWED = {
    "p": set(),
    "br": set(),
    "span": {"class", "translate"},
    "a": {"href", "class", "rel", "target", "translate"},
}


def markup(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Markup()
    parser.feed(html)
    for tag, attrs in parser.tags:
        assert tag in ALLOWED, f"unexpected <{tag}> in {html}"
        assert set(attrs) <= ALLOWED[tag], f"unexpected attributes {attrs} in {html}"
        href = attrs.get("href")
        if href is not None:
            assert href.startswith(("https://", "http://")), href
    return parser.tags


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I love #Python and #python3", ["Python", "python3"]),
        ("#café au lait, #日本語 と #Ünïcödé", ["café", "日本語", "Ünïcödé"]),
        ("عربي #مرحبا_بالعالم", ["مرحبا_بالعالم"]),
        ("#hindi_टेस्ट", ["hindi_टेस्ट"]),
        ("#2024 is not a tag, #2024s is, #_ is", ["2024s", "_"]),
        ("foo#bar and https://example.com/#anchor and a#b", []),
        ("(#wrapped), #end.", ["wrapped", "end"]),
        ("#Dup #DUP #dup", ["Dup"]),
    ],
)
def test_hashtags_are_unicode_aware_and_deduplicated(text: str, expected: list[str]) -> None:
    assert tags(text) == expected


def test_tag_keys_fold_case_and_compatibility_forms() -> None:
    assert tag_key("Python") == tag_key("PYTHON") == tag_key("python")
    assert tag_key("Ｐｙｔｈｏｎ") == tag_key("python")  # fullwidth letters
    assert tag_key("Straße") == tag_key("STRASSE")
    assert tag_key("Café") == tag_key("CAFÉ")


def test_mentions_local_and_remote() -> None:
    tokens = tokenize("hi @alice, @Bob@chirp.example and @carol@elsewhere.social; mail x@y.com")
    assert mention_names(tokens, "chirp.example") == ["alice", "bob"]
    remote = [t for t in tokens if t.kind == "mention" and t.domain == "elsewhere.social"]
    assert [t.value for t in remote] == ["carol"]
    assert not any(t.kind == "mention" and t.value == "y" for t in tokens)  # an email


def test_urls_are_trimmed_of_trailing_punctuation_and_count_23() -> None:
    text = "see https://example.com/a_(b)?q=1. and (https://example.org/x)!"
    urls = [t.value for t in tokenize(text) if t.kind == "url"]
    assert urls == ["https://example.com/a_(b)?q=1", "https://example.org/x"]
    assert weighted_length("x https://example.com/" + "a" * 200) == 2 + 23
    assert weighted_length("@alice@far.away.example hi") == len("@alice hi")


def test_rendering_escapes_everything_but_our_own_markup() -> None:
    hostile = (
        '<script>alert(1)</script> "><img src=x onerror=alert(1)> '
        '<a href="javascript:alert(1)">x</a> javascript:alert(1) &amp; @alice #tag'
    )
    html = render(hostile)
    found = markup(html)
    assert "<script" not in html and "<img" not in html and '<a href="javascript' not in html
    assert "&lt;script&gt;" in html
    assert "&amp;amp;" in html  # the user's literal "&amp;" stays literal
    hrefs = [attrs["href"] for tag, attrs in found if tag == "a"]
    assert hrefs == [f"{BASE}/@alice", f"{BASE}/tags/tag"]


def test_links_mentions_and_tags_are_linkified() -> None:
    html = render("Hello @bob and @nobody, read https://example.com/page #News\n\nbye\nnow")
    markup(html)
    assert f'href="{BASE}/@Bob"' in html  # canonical spelling of a known account
    assert "@nobody" in html and f"{BASE}/@nobody" not in html  # unknown: plain text
    assert 'href="https://example.com/page"' in html and 'rel="nofollow noopener"' in html
    assert f'href="{BASE}/tags/news"' in html
    assert html.endswith("<p>bye<br />now</p>")
    assert html.count("<p>") == 2


def test_bidi_overrides_are_removed_but_right_to_left_text_survives() -> None:
    spoof = "invoice\u202efdp.exe"
    assert clean_text(spoof) == "invoicefdp.exe"
    hebrew = "שלום \u200fעולם #שלום"
    assert clean_text(hebrew) == hebrew
    assert tags(hebrew) == ["שלום"]
    assert "\u202e" not in render("a\u202eb")


def test_zero_width_characters() -> None:
    family = "👩\u200d👩\u200d👧"
    assert clean_text(family) == family  # joiners inside emoji sequences are kept
    assert tags("#foo\u200bbar") == ["foo"]  # a zero-width space ends a tag
    assert [t.value for t in tokenize("https://example.com/\u200bhidden") if t.kind == "url"] == [
        "https://example.com/"
    ]
    # Length counts code points, as Mastodon does: the family emoji is five.
    assert weighted_length(family) == 5


def test_control_characters_are_dropped_newlines_kept() -> None:
    assert clean_text("a\x00b\x07c\r\nd\te\u0085") == "abc\nd\te"  # NFC; \r is a control


def test_a_thousand_hashtags() -> None:
    text = " ".join(f"#tag{n}" for n in range(1000)) + " #TAG0 #Tag999"
    started = time.perf_counter()
    found = tags(text)
    html = render(text)
    elapsed = time.perf_counter() - started
    assert found == [f"tag{n}" for n in range(1000)]
    assert html.count('class="mention hashtag"') == 1002
    markup(html)
    assert elapsed < 2.0  # linear, not quadratic (generous: this machine is shared)


def test_very_long_words_and_tags() -> None:
    word = "x" * 5000
    assert render(word) == f"<p>{word}</p>"
    assert tags("#" + "a" * 101) == []  # longer than a tag may be
    assert tags("#" + "a" * 100) == ["a" * 100]
