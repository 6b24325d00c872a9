"""The "for you" score and trend weights: the properties docs/data-model.md promises."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chirp.core.ids import id_at
from chirp.core.models import Status
from chirp.core.ranking import GRAVITY, HALF_LIFE_HOURS, decayed_weight, engagement, hot_score

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def tweet(
    hours_old: float, *, favs: int = 0, reblogs: int = 0, quotes: int = 0, replies: int = 0
) -> Status:
    return Status(
        id=1,
        account_id=1,
        visibility="public",
        created_at=NOW - timedelta(hours=hours_old),
        favourites_count=favs,
        reblogs_count=reblogs,
        quotes_count=quotes,
        replies_count=replies,
    )


def test_more_engagement_scores_higher_at_the_same_age() -> None:
    scores = [hot_score(tweet(3, favs=n), NOW) for n in (0, 1, 10, 100, 1000)]
    assert scores == sorted(scores) and len(set(scores)) == 5


def test_scores_decay_with_age() -> None:
    scores = [hot_score(tweet(h, favs=50), NOW) for h in (0, 1, 6, 24, 72)]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 5


def test_a_fresh_tweet_beats_a_day_old_one_with_moderate_engagement() -> None:
    assert hot_score(tweet(0.1, favs=2), NOW) > hot_score(tweet(24, favs=30), NOW)


def test_engagement_is_log_damped() -> None:
    small, big = hot_score(tweet(2, favs=10), NOW), hot_score(tweet(2, favs=100), NOW)
    assert big > small
    assert big < 2 * small  # ten times the likes is far less than ten times the score


def test_spreading_weighs_more_than_liking() -> None:
    assert engagement(tweet(1, reblogs=1)) == engagement(tweet(1, quotes=1)) == 2
    assert engagement(tweet(1, replies=1)) == 1.5
    assert engagement(tweet(1, favs=1)) == 1
    assert hot_score(tweet(1, reblogs=5), NOW) > hot_score(tweet(1, favs=5), NOW)


def test_future_timestamps_do_not_blow_up() -> None:
    assert hot_score(tweet(-1, favs=1), NOW) == pytest.approx(hot_score(tweet(0, favs=1), NOW))


def test_gravity_denominator() -> None:
    # Doubling (age + 2) divides the score by 2 ** GRAVITY.
    ratio = hot_score(tweet(2, favs=6), NOW) / hot_score(tweet(6, favs=6), NOW)
    assert ratio == pytest.approx(2**GRAVITY)


def test_trend_weights_halve_every_half_life() -> None:
    fresh = decayed_weight("favourite", id_at(NOW), NOW)
    half = decayed_weight("favourite", id_at(NOW - timedelta(hours=HALF_LIFE_HOURS)), NOW)
    quarter = decayed_weight("favourite", id_at(NOW - timedelta(hours=2 * HALF_LIFE_HOURS)), NOW)
    assert fresh == pytest.approx(1.0, rel=1e-3)
    assert half == pytest.approx(0.5, rel=1e-3)
    assert quarter == pytest.approx(0.25, rel=1e-3)
    assert decayed_weight("reblog", id_at(NOW), NOW) == pytest.approx(2.0, rel=1e-3)
