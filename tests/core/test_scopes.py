from __future__ import annotations

import pytest

from chirp.core.errors import OAuthError
from chirp.core.scopes import allows, expand, is_subset, parse_scopes


def test_top_level_scopes_imply_their_sub_scopes() -> None:
    granted = expand(["read"])
    assert {"read:accounts", "read:statuses", "read:notifications"} <= granted
    assert "write:statuses" not in granted
    assert "write:follows" in expand(["follow"]) and "read:follows" in expand(["follow"])


def test_allows_checks_the_expanded_set() -> None:
    assert allows(["write"], "write:favourites")
    assert allows(["write:statuses"], "write:statuses")
    assert not allows(["write:statuses"], "write:favourites")
    assert not allows(["read"], "write:statuses")


def test_subset_of_app_scopes() -> None:
    assert is_subset(["read:accounts"], ["read"])
    assert is_subset(["read", "write:follows"], ["read", "follow"])
    assert not is_subset(["write"], ["read", "follow"])


def test_parse_accepts_spaces_and_plus_and_defaults_to_read() -> None:
    assert parse_scopes("read+write  follow") == ("read", "write", "follow")
    assert parse_scopes(None) == ("read",)
    assert parse_scopes(["read write", "push"]) == ("read", "write", "push")


def test_unknown_scope_is_invalid_scope() -> None:
    with pytest.raises(OAuthError) as caught:
        parse_scopes("read admin:everything")
    assert caught.value.error == "invalid_scope"
