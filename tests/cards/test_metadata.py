"""Page metadata for cards: OpenGraph first, then Twitter cards, then plain HTML; relative
URLs made absolute; oEmbed discovered; oEmbed `html` kept only as one https iframe."""

from __future__ import annotations

from chirp.cards.metadata import oembed_fields, parse_page, safe_embed


def test_opengraph_wins_over_twitter_and_html() -> None:
    page = parse_page(
        b"""<html lang="fr-CA"><head><title>HTML title</title>
        <meta name="twitter:title" content="Twitter title">
        <meta property="og:title" content="OG title">
        <meta name="description" content="plain description">
        <meta name="twitter:image" content="//cdn.example/t.png">
        <meta property="og:url" content="/canonical">
        <link rel="alternate" type="application/json+oembed" href="/oembed?u=1">
        </head></html>""",
        "https://site.example/a/b",
    )
    assert (page.title, page.description) == ("OG title", "plain description")
    assert page.image == "https://cdn.example/t.png"
    assert page.url == "https://site.example/canonical"
    assert page.oembed_url == "https://site.example/oembed?u=1"
    assert page.language == "fr"


def test_plain_html_and_bad_values() -> None:
    page = parse_page(
        "<title> Just a title </title><meta property='og:image' content='javascript:alert(1)'>"
        "<meta property='article:published_time' content='not a date'>",
        "http://x.example/",
    )
    assert page.title == "Just a title"
    assert page.image is None and page.published_at is None and page.oembed_url is None


def test_oembed_html_is_kept_only_as_one_https_iframe() -> None:
    assert safe_embed('<iframe src="https://v.example/1" width="10" onload="x()"></iframe>') == (
        '<iframe allowfullscreen="" frameborder="0" src="https://v.example/1" width="10"></iframe>'
    )
    assert safe_embed('<iframe src="http://v.example/1"></iframe>') == ""
    assert safe_embed("<script>alert(1)</script>") == ""
    assert safe_embed('<iframe src="https://a"></iframe><iframe src="https://b"></iframe>') == ""
    fields = oembed_fields({"type": "photo", "html": "<b>x</b>", "width": "10", "title": 5})
    assert fields == {"type": "photo"}
    assert oembed_fields(["not", "an", "object"]) == {}
