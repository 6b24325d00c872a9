"""Keyword matching as Mastodon's: case-insensitive, word boundaries only with `whole_word`
and only on a side where the keyword has a word character; statuses by id; expiry; the
compiled sets cached per account and rebuilt when a record changes."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chirp.core.filter_matching import (
    FilterCache,
    FilterSet,
    filters_from_wire,
    filters_to_wire,
    keyword_pattern,
)
from chirp.core.models import Filter, FilterKeyword, FilterStatus

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _filter(*keywords: tuple[str, bool], **fields: object) -> Filter:
    values: dict[str, object] = {
        "id": 1,
        "account_id": 9,
        "title": "t",
        "context": ("home",),
        "keywords": tuple(FilterKeyword(i, k, w) for i, (k, w) in enumerate(keywords, 10)),
    }
    values.update(fields)
    return Filter(**values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("keyword", "whole_word", "text", "matched"),
    [
        ("finale", True, "The FINALE!", "FINALE"),
        ("finale", True, "finales", None),
        ("finale", False, "finales", "finale"),
        ("ep", False, "deep sleep", "ep"),
        ("@twitter.com", True, "from x@twitter.com today", "@twitter.com"),
        ("https://t.co/", True, "see https://t.co/abc", "https://t.co/"),
        ("#tag", True, "a #tag here", "#tag"),
        ("c++", True, "I like c++ a lot", "c++"),
        ("é", True, "café é", "é"),
        ("a.b", False, "axb", None),  # escaped, not a pattern
    ],
)
def test_keywords_match_as_mastodon_s(
    keyword: str, whole_word: bool, text: str, matched: str | None
) -> None:
    compiled = FilterSet([_filter((keyword, whole_word))]).context("home")
    assert compiled is not None
    found = compiled.match((1,), text, NOW)
    assert [m.keyword_matches for m in found] == ([(matched,)] if matched else [])


def test_contexts_statuses_expiry_and_several_filters() -> None:
    one = _filter(("cat", True), id=1)
    two = _filter(("dog", True), id=2, statuses=(FilterStatus(5, 77),), action="hide")
    old = _filter(("cat", True), id=3, expires_at=NOW - timedelta(seconds=1))
    elsewhere = _filter(("cat", True), id=4, context=("public",))
    compiled = FilterSet([one, two, old, elsewhere]).context("home")
    assert compiled is not None
    found = compiled.match((76, 77), "cat and dog", NOW)
    assert [(m.filter.id, m.keyword_matches, m.status_matches) for m in found] == [
        (1, ("cat",), None),
        (2, ("dog",), (77,)),
    ]
    assert compiled.match((1,), "nothing here", NOW) == []
    assert compiled.match((77,), None, NOW)[0].status_matches == (77,)
    assert FilterSet([one]).context("thread") is None


def test_compiled_sets_are_kept_per_filters_version() -> None:
    cache = FilterCache(size=2)
    records = [_filter(("cat", True))]
    assert cache.get(9, 1) is None
    first = cache.put(9, 1, records)
    assert cache.get(9, 1) is first and cache.compiled == 1
    assert cache.get(9, 2) is None  # a write raised the version: read and compile again
    assert cache.put(9, 2, []).empty
    cache.put(1, 1, records)
    cache.put(2, 1, records)
    assert cache.get(9, 2) is None  # least recently used, dropped


def test_filters_travel_the_bus_unchanged() -> None:
    record = _filter(("cat", False), expires_at=NOW, statuses=(FilterStatus(5, 77),), version=3)
    assert filters_from_wire(filters_to_wire([record])) == [record]


_ALPHABET = "abcAB .#é-"


@given(
    keywords=st.lists(
        st.tuples(st.text(_ALPHABET, min_size=1, max_size=4), st.booleans()), max_size=8
    ),
    text=st.text(_ALPHABET, max_size=30),
)
@settings(max_examples=300, deadline=None)
def test_one_expression_finds_what_a_search_per_keyword_finds(
    keywords: list[tuple[str, bool]], text: str
) -> None:
    """The factored expression (prefix tries, boundaries) agrees with the plain patterns."""
    record = _filter(*keywords)
    expected = any(
        re.search(keyword_pattern(k), text, re.IGNORECASE) for k in record.keywords if k.keyword
    )
    compiled = FilterSet([record]).context("home")
    found = compiled.match((1,), text, NOW) if compiled else []
    assert bool(found) == expected
