"""What content filters cost a reader, measured per status and per page:

    flock -x /work/bench.lock .venv/bin/python -m bench.filters

1. Matching: an account's filters compiled into one expression per context
   (`chirp.core.filter_matching`) against the obvious alternative, a search per keyword, on the
   same generated tweets, for 0 to 100 filters of 10 keywords each (CPU µs per status, median
   of 3 passes); the compile itself, and a cache hit (`FilterCache.get` of a kept version).
2. A page: `GET /api/v1/timelines/home` (20 tweets) through an in-process app, for a reader
   with no filters and one with 100 filters of 10 keywords (one of them `hide`), sequential
   requests, latency p50/p99.

Results go to bench/results/filters.json, with the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import re
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from chirp.core.filter_matching import FilterCache, FilterSet, keyword_pattern
from chirp.core.models import Filter, FilterKeyword
from chirp.server import create_app
from chirp.server.keys import DISPATCHER
from tests.helpers import follow, make_settings, post, sign_up

RESULTS = Path(__file__).parent / "results" / "filters.json"
WORDS = [
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "is",
    "it",
    "you",
    "that",
    "he",
    "was",
    "for",
    "on",
    "are",
    "with",
    "as",
    "his",
    "they",
    "be",
    "at",
    "one",
    "have",
    "this",
    "from",
    "or",
    "had",
    "by",
    "word",
    "but",
    "what",
    "some",
    "we",
    "can",
    "out",
    "other",
    "were",
    "all",
    "there",
    "when",
    "up",
    "use",
    "your",
    "how",
    "said",
    "an",
    "each",
    "she",
    "which",
    "do",
    "their",
    "time",
    "if",
    "will",
    "way",
    "about",
    "many",
    "then",
    "them",
    "write",
    "would",
    "like",
    "so",
    "these",
    "her",
    "long",
    "make",
    "thing",
    "see",
    "him",
    "two",
    "has",
    "look",
    "more",
    "day",
    "could",
    "go",
    "come",
    "did",
    "number",
    "sound",
    "no",
    "most",
    "people",
    "my",
    "over",
    "know",
    "water",
    "than",
    "call",
    "first",
    "who",
    "may",
    "down",
    "side",
    "been",
    "now",
    "find",
]


def _texts(n: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choices(WORDS, k=rng.randint(8, 45))) for _ in range(n)]


def _filters(count: int, keywords: int, rng: random.Random) -> list[Filter]:
    made = []
    for f in range(count):
        kws = tuple(
            FilterKeyword(f * 1000 + k, f"kw{f}x{k}{rng.choice(WORDS)}", k % 2 == 0)
            for k in range(keywords)
        )
        made.append(Filter(id=f + 1, account_id=1, title=f"f{f}", context=("home",), keywords=kws))
    return made


def _per_status_us(fn: Any, texts: list[str], passes: int = 3) -> float:
    runs = []
    for _ in range(passes):
        started = time.process_time()
        for text in texts:
            fn(text)
        runs.append((time.process_time() - started) / len(texts) * 1e6)
    return statistics.median(runs)


def _row(filters: list[Filter], keywords: int, texts: list[str]) -> dict[str, Any]:
    now = datetime.now(UTC)
    started = time.process_time()
    compiled = FilterSet(filters).context("home")
    compile_ms = (time.process_time() - started) * 1e3
    naive = [
        (f, [re.compile(keyword_pattern(k), re.IGNORECASE) for k in f.keywords]) for f in filters
    ]

    def with_set(text: str) -> object:
        return compiled.match((1,), text, now) if compiled else []

    def per_keyword(text: str) -> object:
        return [f for f, patterns in naive if any(p.search(text) for p in patterns)]

    cache = FilterCache()
    cache.put(1, 1, filters)
    return {
        "filters": len(filters),
        "keywords": len(filters) * keywords,
        "compiled_us_per_status": round(_per_status_us(with_set, texts), 3),
        "per_keyword_us_per_status": round(_per_status_us(per_keyword, texts), 3),
        "compile_ms": round(compile_ms, 3),
        "cache_hit_us": round(_per_status_us(lambda _: cache.get(1, 1), texts[:2000]), 3),
    }


def matching(counts: list[int], keywords: int, statuses: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    texts = _texts(statuses, rng)
    rows = []
    for count in counts:
        filters = _filters(count, keywords, rng)
        for i in range(0, len(texts), 100):  # 1% of tweets match some filter
            if filters:
                texts[i] += " " + rng.choice(rng.choice(filters).keywords).keyword
        rows.append(_row(filters, keywords, texts))
    return rows


async def home_pages(requests: int) -> dict[str, dict[str, float]]:
    app = create_app(make_settings())
    out: dict[str, dict[str, float]] = {}
    async with TestClient(TestServer(app)) as client:
        author = await sign_up(client)
        plain, filtering = await sign_up(client), await sign_up(client)
        for reader in (plain, filtering):
            await follow(client, reader, author)
        rng = random.Random(3)
        for text in _texts(60, rng):
            await post(client, author, text)
        await app[DISPATCHER].drain()
        for f in range(100):
            body = {
                "title": f"f{f}",
                "context": ["home"],
                "filter_action": "hide" if f == 0 else "warn",
                "keywords_attributes": [
                    {"keyword": f"kw{f}x{k}", "whole_word": k % 2 == 0} for k in range(10)
                ],
            }
            response = await client.post("/api/v2/filters", headers=filtering.headers, json=body)
            assert response.status == 200, await response.text()
        for name, reader in (("no filters", plain), ("100 filters x 10 keywords", filtering)):
            times = []
            for _ in range(requests):
                started = time.perf_counter()
                response = await client.get(
                    "/api/v1/timelines/home?limit=20", headers=reader.headers
                )
                assert response.status == 200
                assert len(await response.json()) == 20
                times.append((time.perf_counter() - started) * 1e3)
            times.sort()
            out[name] = {
                "p50_ms": round(times[len(times) // 2], 3),
                "p99_ms": round(times[int(len(times) * 0.99) - 1], 3),
            }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--statuses", type=int, default=5_000)
    parser.add_argument("--keywords", type=int, default=10, help="per filter")
    parser.add_argument("--requests", type=int, default=300, help="home pages per reader")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()
    load_before = Path("/proc/loadavg").read_text().split()[:3]
    rows = matching([0, 1, 10, 100], args.keywords, args.statuses)
    pages = asyncio.run(home_pages(args.requests))
    load_after = Path("/proc/loadavg").read_text().split()[:3]
    print(f"load average before {' '.join(load_before)}, after {' '.join(load_after)}")
    print(
        f"{'filters':>8} {'keywords':>9} {'compiled µs':>12} {'per-keyword µs':>15}"
        f" {'compile ms':>11} {'cache hit µs':>13}"
    )
    for r in rows:
        print(
            f"{r['filters']:>8} {r['keywords']:>9} {r['compiled_us_per_status']:>12}"
            f" {r['per_keyword_us_per_status']:>15} {r['compile_ms']:>11} {r['cache_hit_us']:>13}"
        )
    for name, figures in pages.items():
        print(f"home timeline, {name}: p50 {figures['p50_ms']} ms, p99 {figures['p99_ms']} ms")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(
        json.dumps(
            {
                "parameters": vars(args) | {"out": str(args.out)},
                "loadavg_before": load_before,
                "loadavg_after": load_after,
                "matching": rows,
                "home_timeline": pages,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()
