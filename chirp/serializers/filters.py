"""Filter JSON (Mastodon's v2 `Filter`, `FilterKeyword`, `FilterStatus`, `FilterResult`, and
the v1 `Filter`, which is one keyword of a filter)."""

from __future__ import annotations

from typing import Any

from chirp.core.filter_matching import FilterMatch
from chirp.core.models import Filter, FilterKeyword, FilterStatus
from chirp.serializers.common import iso


def filter_keyword_json(keyword: FilterKeyword) -> dict[str, Any]:
    return {"id": str(keyword.id), "keyword": keyword.keyword, "whole_word": keyword.whole_word}


def filter_status_json(status: FilterStatus) -> dict[str, Any]:
    return {"id": str(status.id), "status_id": str(status.status_id)}


def filter_json(found: Filter, *, parts: bool = True) -> dict[str, Any]:
    """`parts`: with the keywords and statuses (a `FilterResult`'s filter leaves them out,
    as Mastodon's does)."""
    body: dict[str, Any] = {
        "id": str(found.id),
        "title": found.title,
        "context": list(found.context),
        "expires_at": iso(found.expires_at),
        "filter_action": found.action,
    }
    if parts:
        body["keywords"] = [filter_keyword_json(k) for k in found.keywords]
        body["statuses"] = [filter_status_json(s) for s in found.statuses]
    return body


def filter_result_json(match: FilterMatch) -> dict[str, Any]:
    return {
        "filter": filter_json(match.filter, parts=False),
        "keyword_matches": list(match.keyword_matches) if match.keyword_matches else None,
        "status_matches": [str(i) for i in match.status_matches] if match.status_matches else None,
    }


def v1_filter_json(found: Filter, keyword: FilterKeyword) -> dict[str, Any]:
    return {
        "id": str(keyword.id),
        "phrase": keyword.keyword,
        "context": list(found.context),
        "whole_word": keyword.whole_word,
        "expires_at": iso(found.expires_at),
        "irreversible": found.action == "hide",
    }
