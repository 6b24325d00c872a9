"""Scores for the "for you" feed and for trends. Pure functions, documented in docs/data-model.md (Ranking).

Ranked home feed ("interesting first"): the candidates are the viewer's own home feed of the last
`WINDOW_HOURS`, so ranking never shows anything the chronological feed would not. Each tweet gets

    score = log2(2 + E) / (age_hours + 2) ** GRAVITY
    E = favourites + 2·reblogs + 2·quotes + 1.5·replies

Engagement counts grow heavy-tailed, so the log keeps one viral tweet from burying everything;
retweets and quotes weigh double because they spread a tweet, replies 1.5 because they start
conversations. The denominator is Hacker News' gravity decay: a fresh tweet with little engagement
can still beat a day-old one with a lot, and scores fall smoothly without a cliff.

Trends use velocity instead of totals: each engagement in the last day counts with weight
`0.5 ** (age_hours / HALF_LIFE_HOURS)`, so what is being liked *now* trends, and yesterday's hit
fades in hours.
"""

from __future__ import annotations

import math
from datetime import datetime

from chirp.core.ids import id_time
from chirp.core.models import Status

GRAVITY = 1.5
WINDOW_HOURS = 72
HALF_LIFE_HOURS = 6.0
KIND_WEIGHTS = {"favourite": 1.0, "reblog": 2.0, "quote": 2.0, "reply": 1.5}


def engagement(status: Status) -> float:
    return (
        status.favourites_count
        + KIND_WEIGHTS["reblog"] * status.reblogs_count
        + KIND_WEIGHTS["quote"] * status.quotes_count
        + KIND_WEIGHTS["reply"] * status.replies_count
    )


def hot_score(status: Status, now: datetime) -> float:
    age_hours = max(0.0, (now - status.created_at).total_seconds() / 3600)
    return math.log2(2 + engagement(status)) / math.pow(age_hours + 2, GRAVITY)


def decayed_weight(kind: str, engagement_id: int, now: datetime) -> float:
    """One engagement's contribution to a trend, halving every HALF_LIFE_HOURS."""
    age_hours = max(0.0, (now - id_time(engagement_id)).total_seconds() / 3600)
    return KIND_WEIGHTS.get(kind, 1.0) * math.pow(0.5, age_hours / HALF_LIFE_HOURS)
