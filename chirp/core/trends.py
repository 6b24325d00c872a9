"""Trends from recent engagement velocity (see chirp.core.ranking for the formula)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from chirp.core import ranking
from chirp.core.context import Context
from chirp.core.ids import id_at, id_time
from chirp.core.models import PreviewCard, Status, Tag
from chirp.core.text import tag_key
from chirp.core.views import load_visible

SCAN_LIMIT = 50_000
HISTORY_DAYS = 7


@dataclass(slots=True)
class TagHistory:
    day: datetime  # UTC midnight
    uses: int
    accounts: int


@dataclass(slots=True)
class TagTrend:
    tag: Tag
    history: list[TagHistory]
    score: float


def _history(uses: list[tuple[str, int, int]], now: datetime) -> list[TagHistory]:
    today = now.replace(hour=0, minute=0, second=0, microsecond=0)
    days = [today - timedelta(days=n) for n in range(HISTORY_DAYS)]
    counts: dict[datetime, tuple[int, set[int]]] = {d: (0, set()) for d in days}
    for _, status_id, account_id in uses:
        day = id_time(status_id).replace(hour=0, minute=0, second=0, microsecond=0)
        if day in counts:
            n, accounts = counts[day]
            accounts.add(account_id)
            counts[day] = (n + 1, accounts)
    return [TagHistory(day=d, uses=counts[d][0], accounts=len(counts[d][1])) for d in days]


async def tag_history(ctx: Context, tag: Tag) -> list[TagHistory]:
    return (await tag_histories(ctx, [tag.name]))[tag_key(tag.name)]


async def trending_tags(ctx: Context, *, limit: int, offset: int) -> list[TagTrend]:
    """Tags ranked by distinct accounts using them recently, each use decaying with age."""
    now = ctx.now()
    uses = await ctx.store.tag_uses(None, id_at(now - timedelta(days=HISTORY_DAYS)), SCAN_LIMIT)
    by_tag: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for use in uses:
        by_tag[use[0].casefold()].append(use)
    trends = []
    for tag_uses in by_tag.values():
        score = _use_score(tag_uses, now)
        if score > 0:
            trends.append(TagTrend(Tag(name=tag_uses[0][0]), _history(tag_uses, now), score))
    trends.sort(key=lambda t: t.score, reverse=True)
    return trends[offset : offset + limit]


def _use_score(uses: list[tuple[str, int, int]], now: datetime) -> float:
    """Distinct accounts using a tag or link in the last day, each one's latest use decaying
    with age."""
    day_ago = id_at(now - timedelta(days=1))
    latest_per_account: dict[int, int] = {}
    for _, status_id, account_id in uses:
        if status_id > day_ago:
            latest_per_account[account_id] = max(status_id, latest_per_account.get(account_id, 0))
    return sum(ranking.decayed_weight("favourite", sid, now) for sid in latest_per_account.values())


@dataclass(slots=True)
class LinkTrend:
    card: PreviewCard
    history: list[TagHistory]
    score: float


async def trending_links(ctx: Context, *, limit: int, offset: int) -> list[LinkTrend]:
    """Links ranked as tags are (`_use_score`), among those whose card Chirp has read."""
    now = ctx.now()
    uses = await ctx.store.link_uses(id_at(now - timedelta(days=HISTORY_DAYS)), SCAN_LIMIT)
    by_link: dict[str, list[tuple[str, int, int]]] = defaultdict(list)
    for use in uses:
        by_link[use[0]].append(use)
    scored = {key: score for key, found in by_link.items() if (score := _use_score(found, now)) > 0}
    ranked = sorted(scored, key=lambda key: scored[key], reverse=True)
    cards = await ctx.store.get_cards(ranked)
    trends = [
        LinkTrend(cards[key], _history(by_link[key], now), scored[key])
        for key in ranked
        if key in cards and not cards[key].failed
    ]
    return trends[offset : offset + limit]


async def trending_statuses(
    ctx: Context, viewer_id: int | None, *, limit: int, offset: int
) -> list[Status]:
    """Public tweets ranked by engagement in the last day, each engagement decaying with age."""
    now = ctx.now()
    engagements = await ctx.store.recent_engagements(id_at(now - timedelta(days=1)), SCAN_LIMIT)
    scores: dict[int, float] = defaultdict(float)
    for status_id, kind, engagement_id in engagements:
        scores[status_id] += ranking.decayed_weight(kind, engagement_id, now)
    ranked = sorted(scores, key=lambda s: (scores[s], s), reverse=True)
    statuses = await load_visible(ctx, ranked[: offset + limit * 2 + 40], viewer_id, screen=True)
    public = [s for s in statuses if s.visibility == "public" and s.reblog_of_id is None]
    return public[offset : offset + limit]


async def tag_histories(ctx: Context, names: list[str]) -> dict[str, list[TagHistory]]:
    """The last HISTORY_DAYS of use of several tags, in one read, by `tag_key`."""
    if not names:
        return {}
    now = ctx.now()
    since = id_at(now - timedelta(days=HISTORY_DAYS))
    by_tag: dict[str, list[tuple[str, int, int]]] = {tag_key(name): [] for name in names}
    for use in await ctx.store.tag_uses(names, since, SCAN_LIMIT):
        by_tag.setdefault(tag_key(use[0]), []).append(use)
    return {key: _history(uses, now) for key, uses in by_tag.items()}
