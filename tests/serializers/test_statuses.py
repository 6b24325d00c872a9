"""Status JSON with the shared render cache: what is kept is only ever reused for an equal record,
and what depends on the viewer is never kept."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import orjson

from chirp.config import Settings
from chirp.core.models import Account, Status
from chirp.core.ports.engagement import ViewerState
from chirp.core.views import StatusBundle
from chirp.serializers.cache import RenderCache
from chirp.serializers.statuses import StatusSerializer

SETTINGS = Settings(public_url="https://chirp.example")
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
ALICE = Account(id=1, username="alice", display_name="Alice", note="", created_at=NOW)
BOB = Account(id=2, username="bob", display_name="Bob", note="", created_at=NOW)
TWEET = Status(
    id=10,
    account_id=1,
    visibility="public",
    created_at=NOW,
    text="hi @bob #tag",
    content="<p>hi @bob #tag</p>",
    mention_ids=(2,),
    tags=("tag",),
)
RETWEET = Status(id=11, account_id=2, visibility="public", created_at=NOW, reblog_of_id=10)
QUOTE = Status(id=12, account_id=2, visibility="public", created_at=NOW, quote_of_id=10)


def bundle(
    *statuses: Status,
    accounts: tuple[Account, ...] = (ALICE, BOB),
    viewer_id: int | None = None,
    viewer: ViewerState | None = None,
) -> StatusBundle:
    return StatusBundle(
        statuses={s.id: s for s in statuses},
        accounts={a.id: a for a in accounts},
        viewer=viewer or ViewerState(),
        visible={s.id for s in statuses},
        viewer_id=viewer_id,
    )


def render(b: StatusBundle, status: Status, cache: RenderCache | None) -> dict[str, Any]:
    """One status of a page, through `many` (the timelines' path) and `status` alike."""
    serializer = StatusSerializer(b, SETTINGS, cache)
    single = serializer.status(status)
    assert orjson.loads(orjson.dumps(serializer.many([status]))) == [single]
    return single


def test_the_shape_is_mastodon_s_status() -> None:
    body = render(bundle(TWEET), TWEET, None)
    assert list(body) == [
        *("id", "created_at", "in_reply_to_id", "in_reply_to_account_id", "sensitive"),
        *("spoiler_text", "visibility", "language", "uri", "url", "replies_count"),
        *("reblogs_count", "favourites_count", "quotes_count", "edited_at", "content"),
        *("application", "mentions", "tags", "emojis", "card"),
        *("quote_approval", "favourited", "reblogged", "muted", "bookmarked", "pinned"),
        # `poll` depends on the viewer (`voted`, `own_votes`) and the clock (`expired`),
        # `filtered` on the viewer's filters.
        *("reblog", "account", "media_attachments", "quote", "poll", "filtered"),
    ]
    assert body["account"]["username"] == "alice"
    assert body["mentions"] == [
        {"id": "2", "username": "bob", "url": "https://chirp.example/@bob", "acct": "bob"}
    ]
    assert body["tags"] == [{"name": "tag", "url": "https://chirp.example/tags/tag"}]
    assert body["uri"] == "https://chirp.example/users/alice/statuses/10"


def test_a_changed_record_is_rendered_again() -> None:
    cache = RenderCache()
    render(bundle(TWEET), TWEET, cache)
    edited = replace(
        TWEET,
        content="<p>edited</p>",
        edited_at=NOW.replace(minute=5),
        favourites_count=3,
        mention_ids=(),
    )
    renamed = replace(ALICE, display_name="Alice A.", followers_count=7)
    body = render(bundle(edited, accounts=(renamed, BOB)), edited, cache)
    assert body == render(bundle(edited, accounts=(renamed, BOB)), edited, None)
    assert (body["content"], body["favourites_count"], body["mentions"]) == ("<p>edited</p>", 3, [])
    assert body["edited_at"] == "2026-11-23T12:05:00.000Z"
    assert (body["account"]["display_name"], body["account"]["followers_count"]) == ("Alice A.", 7)
    # and back: the entry now holds the edited record, the original renders as the original
    assert render(bundle(TWEET), TWEET, cache) == render(bundle(TWEET), TWEET, None)


def test_a_mentioned_account_that_vanished_leaves_the_mentions() -> None:
    cache = RenderCache()
    assert len(render(bundle(TWEET), TWEET, cache)["mentions"]) == 1
    assert render(bundle(TWEET, accounts=(ALICE,)), TWEET, cache)["mentions"] == []


def test_viewer_flags_are_never_shared_between_viewers() -> None:
    cache = RenderCache()
    liked = ViewerState(favourited={10}, reblogged={10}, bookmarked={10}, pinned={10})
    mine = render(bundle(TWEET, viewer_id=1, viewer=liked), TWEET, cache)
    assert (mine["favourited"], mine["reblogged"], mine["bookmarked"], mine["pinned"]) == (
        True,
        True,
        True,
        True,
    )
    theirs = render(bundle(TWEET, viewer_id=2), TWEET, cache)
    assert (theirs["favourited"], theirs["reblogged"], theirs["bookmarked"]) == (False,) * 3
    assert theirs["pinned"] is False
    # pins show on the author's own tweets only
    pinned_by_bob = ViewerState(pinned={10})
    assert render(bundle(TWEET, viewer_id=2, viewer=pinned_by_bob), TWEET, cache)["pinned"] is False


def test_retweets_and_quotes_nest_the_original_with_the_viewer_s_flags() -> None:
    cache = RenderCache()
    liked = ViewerState(favourited={10})
    body = render(bundle(TWEET, RETWEET, viewer_id=2, viewer=liked), RETWEET, cache)
    assert body["reblog"]["id"] == "10" and body["reblog"]["favourited"] is True
    assert body["favourited"] is False
    body = render(bundle(TWEET, RETWEET, viewer_id=3), RETWEET, cache)
    assert body["reblog"]["favourited"] is False
    quoted = render(bundle(TWEET, QUOTE, viewer_id=2, viewer=liked), QUOTE, cache)["quote"]
    assert quoted["state"] == "accepted"
    assert quoted["quoted_status"]["id"] == "10" and quoted["quoted_status"]["favourited"] is True
    hidden = bundle(TWEET, QUOTE, viewer_id=3)
    hidden.visible.discard(10)
    assert render(hidden, QUOTE, cache)["quote"] == {
        "state": "unauthorized",
        "quoted_status": None,
    }


def test_the_cache_is_bounded() -> None:
    cache = RenderCache(statuses=3, accounts=2)
    for n in range(10):
        author = replace(ALICE, id=100 + n, username=f"user{n}")
        status = replace(TWEET, id=100 + n, account_id=author.id)
        render(bundle(status, accounts=(author, BOB)), status, cache)
    assert len(cache.statuses) == 3 and len(cache.accounts) == 2


def test_a_tweet_kept_whole_for_viewers_who_did_nothing_is_not_shown_to_one_who_did() -> None:
    cache = RenderCache()
    plain = render(bundle(TWEET, viewer_id=2), TWEET, cache)
    assert render(bundle(TWEET, viewer_id=3), TWEET, cache) == plain
    for state in (
        ViewerState(favourited={10}),
        ViewerState(reblogged={10}),
        ViewerState(bookmarked={10}),
    ):
        body = render(bundle(TWEET, viewer_id=2, viewer=state), TWEET, cache)
        assert body != plain
        assert body == render(bundle(TWEET, viewer_id=2, viewer=state), TWEET, None)
    pinned = render(bundle(TWEET, viewer_id=1, viewer=ViewerState(pinned={10})), TWEET, cache)
    assert pinned["pinned"] is True


def test_the_cache_is_sized_by_its_memory_budget() -> None:
    small, large = RenderCache.within(1), RenderCache.within(64)
    assert 0 < small.statuses.capacity < large.statuses.capacity
    assert small.accounts.capacity * 2 == small.statuses.capacity
    status = replace(TWEET, id=500)
    render(bundle(status), status, small)
    render(bundle(status), status, small)
    hits, misses = small.lookups()
    assert hits >= 1 and misses >= 1
