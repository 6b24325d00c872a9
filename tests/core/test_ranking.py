"""chirp.core.ranking (hot score, decayed trend weights) and the trend ordering built on them."""

from __future__ import annotations

import itertools
import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from chirp.core import trends
from chirp.core.context import Context
from chirp.core.ids import id_at
from chirp.core.models import Account, Event, Status, Tag
from chirp.core.ranking import (
    GRAVITY,
    HALF_LIFE_HOURS,
    KIND_WEIGHTS,
    decayed_weight,
    engagement,
    hot_score,
)
from tests.storage.factories import make_account

NOW = datetime(2026, 3, 14, 15, 9, 26, tzinfo=UTC)


def tweet(hours_old: float = 1.0, **counts: int) -> Status:
    return Status(
        id=1,
        account_id=1,
        visibility="public",
        created_at=NOW - timedelta(hours=hours_old),
        favourites_count=counts.get("favs", 0),
        reblogs_count=counts.get("reblogs", 0),
        quotes_count=counts.get("quotes", 0),
        replies_count=counts.get("replies", 0),
    )


def score(hours_old: float = 1.0, **counts: int) -> float:
    return hot_score(tweet(hours_old, **counts), NOW)


# --- Hot score ---------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["favs", "reblogs", "quotes", "replies"])
def test_hot_score_rises_with_every_kind_of_engagement(kind: str) -> None:
    scores = [score(4, **{kind: n}) for n in range(0, 200, 7)]
    assert all(a < b for a, b in itertools.pairwise(scores))


@pytest.mark.parametrize("engaged", [0, 3, 250])
def test_hot_score_falls_with_age(engaged: int) -> None:
    scores = [score(h, favs=engaged) for h in (0, 0.5, 1, 3, 12, 24, 48, 72)]
    assert all(a > b for a, b in itertools.pairwise(scores))
    assert scores[-1] > 0  # smooth decay, never a cliff to zero


def test_a_fresh_tweet_with_little_engagement_beats_a_day_old_moderate_one() -> None:
    fresh = score(0.25, favs=3, replies=1)
    day_old = score(24, favs=40, reblogs=5, replies=5)
    assert fresh > day_old


def test_but_a_fresh_tweet_does_not_beat_a_slightly_older_popular_one() -> None:
    """Decay is gradual: an hour of age is outweighed by real engagement."""
    assert score(1, favs=200) > score(0, favs=0)


def test_engagement_is_log_damped() -> None:
    for base in (1, 5, 20, 100, 1000):
        low, high = score(3, favs=base), score(3, favs=10 * base)
        assert low < high < 10 * low
        if base >= 20:
            assert high < 2 * low  # ten times the likes is not even twice the score


def test_one_viral_tweet_does_not_bury_fresher_ones() -> None:
    """A million likes ten hours ago vs. ten likes now: the log keeps them comparable."""
    assert score(10, favs=1_000_000) < 3 * score(0.1, favs=10)


def test_retweets_and_quotes_weigh_more_than_replies_more_than_likes() -> None:
    assert score(2, reblogs=10) == score(2, quotes=10) == score(2, favs=20)
    assert score(2, reblogs=10) > score(2, replies=10) > score(2, favs=10)
    assert engagement(tweet(favs=1, reblogs=1, quotes=1, replies=2)) == 1 + 2 + 2 + 3


def test_hot_score_matches_the_documented_formula() -> None:
    status = tweet(5, favs=7, reblogs=3, quotes=1, replies=2)
    e = 7 + 2 * 3 + 2 * 1 + 1.5 * 2
    assert hot_score(status, NOW) == pytest.approx(math.log2(2 + e) / (5 + 2) ** GRAVITY)
    assert score(0) == pytest.approx(1 / 2**GRAVITY)  # log2(2) = 1 at age 0


def test_a_tweet_from_the_future_scores_as_brand_new() -> None:
    assert score(-5, favs=3) == pytest.approx(score(0, favs=3))


# --- Trend weights -----------------------------------------------------------------------------


def engaged_at(when: datetime) -> int:
    return id_at(when)


def test_decayed_weight_halves_at_each_half_life() -> None:
    for n in range(6):
        age = timedelta(hours=n * HALF_LIFE_HOURS)
        assert decayed_weight("favourite", engaged_at(NOW - age), NOW) == pytest.approx(0.5**n)
    assert decayed_weight(
        "favourite", engaged_at(NOW - timedelta(hours=HALF_LIFE_HOURS)), NOW
    ) == pytest.approx(0.5)


def test_decayed_weight_falls_continuously() -> None:
    ages = [timedelta(minutes=m) for m in (0, 1, 30, 90, 360, 720, 1440)]
    weights = [decayed_weight("reply", engaged_at(NOW - a), NOW) for a in ages]
    assert all(a > b for a, b in itertools.pairwise(weights))
    assert weights[-1] == pytest.approx(1.5 * 0.5 ** (24 / HALF_LIFE_HOURS))


@pytest.mark.parametrize("kind", sorted(KIND_WEIGHTS))
def test_each_kind_starts_at_its_weight(kind: str) -> None:
    assert decayed_weight(kind, engaged_at(NOW), NOW) == pytest.approx(KIND_WEIGHTS[kind])


def test_unknown_kinds_count_as_one_and_future_ids_do_not_grow() -> None:
    assert decayed_weight("bookmark", engaged_at(NOW), NOW) == pytest.approx(1.0)
    future = engaged_at(NOW + timedelta(hours=3))
    assert decayed_weight("favourite", future, NOW) == pytest.approx(1.0)


def test_a_like_now_outweighs_a_retweet_a_half_life_and_more_ago() -> None:
    like_now = decayed_weight("favourite", engaged_at(NOW), NOW)
    old_retweet = decayed_weight(
        "reblog", engaged_at(NOW - timedelta(hours=HALF_LIFE_HOURS + 1)), NOW
    )
    assert like_now > old_retweet


# --- Trend history (pure) ----------------------------------------------------------------------


def test_tag_history_counts_uses_and_distinct_accounts_per_day() -> None:
    today = NOW.replace(hour=0, minute=0, second=0, microsecond=0)
    uses = [
        ("t", id_at(NOW - timedelta(hours=1)), 1),
        ("t", id_at(NOW - timedelta(hours=2)), 1),
        ("t", id_at(NOW - timedelta(hours=3)), 2),
        ("t", id_at(today - timedelta(hours=1)), 3),  # yesterday evening
        ("t", id_at(today - timedelta(days=trends.HISTORY_DAYS, hours=1)), 4),  # too old
    ]
    history = trends._history(uses, NOW)
    assert [h.day for h in history] == [
        today - timedelta(days=n) for n in range(trends.HISTORY_DAYS)
    ]
    assert (history[0].uses, history[0].accounts) == (3, 2)
    assert (history[1].uses, history[1].accounts) == (1, 1)
    assert all(h.uses == 0 and h.accounts == 0 for h in history[2:])


# --- Trending tags against a real store ----------------------------------------------------------


_seq = itertools.count(1)


async def use_tag(ctx: Context, author: Account, tag: str, hours_ago: float) -> None:
    """A public tweet with `tag`, minted as if posted `hours_ago` (ids carry the time)."""
    when = ctx.now() - timedelta(hours=hours_ago)
    status = Status(
        id=id_at(when) + next(_seq),
        account_id=author.id,
        visibility="public",
        created_at=when,
        text=f"#{tag}",
        content=f"<p>#{tag}</p>",
        tags=(tag,),
    )
    status = replace(status, conversation_id=status.id)
    await ctx.store.create_status(
        status, event=Event(ctx.new_id(), "status.created", {"status_id": status.id})
    )


async def test_trending_tags_rank_recent_distinct_accounts_first(ctx: Context) -> None:
    people = [await make_account(ctx.store) for _ in range(4)]
    # Two people right now.
    for person in people[:2]:
        await use_tag(ctx, person, "Fresh", 0.2)
    # Three people, but 20 hours ago: 3 * 0.5 ** (20 / 6) ≈ 0.3.
    for person in people[:3]:
        await use_tag(ctx, person, "stale", 20)
    # One person, many times now: counts once.
    for _ in range(6):
        await use_tag(ctx, people[3], "spam", 0.1)
    # Mixed spelling is one tag.
    await use_tag(ctx, people[0], "mixed", 0.5)
    await use_tag(ctx, people[1], "MIXED", 0.5)
    await use_tag(ctx, people[2], "Mixed", 0.5)
    # Nothing in the last day: not trending at all.
    await use_tag(ctx, people[0], "lastweek", 50)

    ranked = await trends.trending_tags(ctx, limit=10, offset=0)
    names = [t.tag.name.casefold() for t in ranked]
    assert names == ["mixed", "fresh", "spam", "stale"]
    assert [t.score for t in ranked] == sorted((t.score for t in ranked), reverse=True)
    assert ranked[0].score == pytest.approx(3 * 0.5 ** (0.5 / HALF_LIFE_HOURS), rel=0.02)
    assert ranked[2].score == pytest.approx(0.5 ** (0.1 / HALF_LIFE_HOURS), rel=0.02)
    assert ranked[3].score == pytest.approx(3 * 0.5 ** (20 / HALF_LIFE_HOURS), rel=0.02)

    page = await trends.trending_tags(ctx, limit=2, offset=1)
    assert [t.tag.name.casefold() for t in page] == ["fresh", "spam"]


async def test_tag_history_from_the_store(ctx: Context) -> None:
    people = [await make_account(ctx.store) for _ in range(2)]
    for person in people:
        await use_tag(ctx, person, "daily", 0)
    await use_tag(ctx, people[0], "daily", 0)
    history = await trends.tag_history(ctx, Tag(name="daily"))
    assert len(history) == trends.HISTORY_DAYS
    assert sum(h.uses for h in history) == 3
    assert max(h.accounts for h in history) == 2
