"""The web app's budget, speed and liveness:

1. Bundle size: the JavaScript and CSS `index.html` loads before the first screen, gzipped
   (level 9, as a CDN would), against the issue's budget of 100 KiB of JavaScript.
2. Lighthouse 12 (mobile emulation, simulated throttling) on the home timeline of one of the
   seeded readers, `chirp serve` on the benchmark's seeded store (bench/seed.py): performance
   score, FCP, LCP, TBT, CLS; median of `--lighthouse-runs` runs, target score >= 95.
3. Post-to-screen: a real `chirp serve`, B's home timeline open in Debian's chromium, A posts
   over REST; the time until the card is in B's page, p50/p99 over `--posts` posts.
4. Long timeline: 3,000 tweets scrolled through in the browser (web/e2e/long_timeline.mjs):
   the most cards and DOM nodes the document held, frame intervals while scrolling.

    .venv/bin/python -m bench.web                 # all (node, web/node_modules, bench/lighthouse/node_modules, chromium)
    .venv/bin/python -m bench.web --size-only     # bundle size only (needs nothing but the build)
    .venv/bin/python -m bench.web --only lighthouse,long_timeline
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DIST = ROOT / "chirp" / "web_dist"
WEB = ROOT / "web"
LIGHTHOUSE = ROOT / "bench" / "lighthouse"
JS_BUDGET = 100 * 1024
LIGHTHOUSE_TARGET = 95
PARTS = ("post_to_screen", "lighthouse", "long_timeline")


def bundle_sizes() -> dict[str, int]:
    html = (DIST / "index.html").read_text()
    loaded = re.findall(r'(?:src|href)="/app/(assets/[^"]+\.(?:js|css))"', html)
    sizes = {"js_raw": 0, "js_gzip": 0, "css_raw": 0, "css_gzip": 0}
    for name in loaded:
        body = (DIST / name).read_bytes()
        kind = "js" if name.endswith(".js") else "css"
        sizes[f"{kind}_raw"] += len(body)
        sizes[f"{kind}_gzip"] += len(gzip.compress(body, 9, mtime=0))
    return sizes


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def post_to_screen(posts: int) -> list[float]:
    sys.path.insert(0, str(ROOT))
    import requests

    from tests.e2e.process import ChirpProcess, register

    with tempfile.TemporaryDirectory() as tmp:
        server = ChirpProcess(Path(tmp) / "data", env={"CHIRP_LOG_LEVEL": "WARNING"}).start()
        try:
            a = register(server.url, "author")
            b = register(server.url, "reader")
            followed = requests.post(
                f"{server.url}/api/v1/accounts/{a['id']}/follow",
                headers={"Authorization": f"Bearer {b['token']}"},
                timeout=10,
            )
            followed.raise_for_status()
            result = subprocess.run(
                ["node", "e2e/post_to_screen.mjs", server.url, a["token"], b["token"], str(posts)],
                cwd=WEB,
                capture_output=True,
                text=True,
                timeout=60 + posts * 10,
            )
            if result.returncode != 0:
                raise SystemExit(result.stdout + result.stderr)
            return [
                float(x) for x in json.loads(result.stdout.strip().splitlines()[-1])["samples_ms"]
            ]
        finally:
            server.stop()


def _node(args: list[str], cwd: Path, timeout: float) -> dict[str, object]:
    result = subprocess.run(
        ["node", *args], cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    answer: dict[str, object] = json.loads(result.stdout.strip().splitlines()[-1])
    return answer


def lighthouse(runs: int, accounts: int, tweets: int) -> dict[str, object]:
    """Lighthouse against `chirp serve` on a copy of the seeded store, as a seeded reader."""
    import argparse as _argparse

    from bench.rest import Server, _free_port, _seeded

    if not (LIGHTHOUSE / "node_modules" / "lighthouse").is_dir():
        raise SystemExit("Lighthouse is not installed: (cd bench/lighthouse && npm ci)")
    seeded = _seeded(
        _argparse.Namespace(
            accounts=accounts,
            tweets=tweets,
            author_followers=min(500, accounts - 1),
            readers=min(500, accounts - 1),
            reseed=False,
        )
    )
    reader = json.loads((seeded / "tokens.json").read_text())["readers"][0]
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory() as tmp:
        # Its own public URL, so the avatars load from it as in a deployment.
        env = {"CHIRP_RATE_LIMITS": "false", "CHIRP_RTMP_PORT": "0", "CHIRP_PUBLIC_URL": url}
        server = Server(seeded, Path(tmp), port, env)
        try:
            server.wait_healthy()
            found = _node(
                ["run.mjs", url, reader["token"], "/home", str(runs)], LIGHTHOUSE, 120 * runs
            )
        finally:
            server.stop()
    samples = found["runs"]
    assert isinstance(samples, list)
    median = {
        key: statistics.median(float(r[key]) for r in samples)
        for key in ("score", "fcp_ms", "lcp_ms", "tbt_ms", "cls", "speed_index_ms")
    }
    return {
        "lighthouse": found["lighthouse"],
        "data": seeded.name,
        "median": median,
        "runs": samples,
    }


def long_timeline(tweets: int) -> dict[str, float]:
    sys.path.insert(0, str(ROOT))
    from tests.e2e.process import ChirpProcess

    with tempfile.TemporaryDirectory() as tmp:
        server = ChirpProcess(Path(tmp) / "data", env={"CHIRP_LOG_LEVEL": "WARNING"}).start()
        try:
            result = subprocess.run(
                ["node", "e2e/run.mjs", server.url, "long_timeline"],
                cwd=WEB,
                env={**os.environ, "CHIRP_E2E_TWEETS": str(tweets)},
                capture_output=True,
                text=True,
                timeout=300,
            )
        finally:
            server.stop()
    if result.returncode != 0:
        raise SystemExit(result.stdout + result.stderr)
    line = next(x for x in result.stdout.splitlines() if x.startswith("{"))
    found: dict[str, float] = json.loads(line)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-only", action="store_true")
    parser.add_argument("--only", default=",".join(PARTS), help=f"any of {','.join(PARTS)}")
    parser.add_argument("--posts", type=int, default=100)
    parser.add_argument("--lighthouse-runs", type=int, default=3)
    parser.add_argument("--accounts", type=int, default=1_000, help="seeded store (Lighthouse)")
    parser.add_argument("--tweets", type=int, default=20_000, help="seeded store (Lighthouse)")
    parser.add_argument("--timeline", type=int, default=3_000, help="tweets in the long timeline")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "results" / "web.json")
    args = parser.parse_args()
    sizes = bundle_sizes()
    report: dict[str, object] = {"bundle": sizes, "js_budget_gzip": JS_BUDGET}
    print(
        f"{'initial JS':<16}{sizes['js_raw'] / 1024:>8.1f} KiB raw {sizes['js_gzip'] / 1024:>7.1f} KiB gzip"
        f"   budget {JS_BUDGET / 1024:.0f} KiB: {'ok' if sizes['js_gzip'] <= JS_BUDGET else 'OVER'}"
    )
    print(
        f"{'initial CSS':<16}{sizes['css_raw'] / 1024:>8.1f} KiB raw {sizes['css_gzip'] / 1024:>7.1f} KiB gzip"
    )
    parts = set() if args.size_only else set(args.only.split(","))
    if unknown := parts - set(PARTS):
        parser.error(f"unknown --only {sorted(unknown)}")
    report["load_average_before"] = os.getloadavg()
    if "lighthouse" in parts:
        found = lighthouse(args.lighthouse_runs, args.accounts, args.tweets)
        report["lighthouse"] = found
        m = found["median"]
        assert isinstance(m, dict)
        print(
            f"{'lighthouse':<16}median of {args.lighthouse_runs}: performance {m['score']:.0f}"
            f" (target {LIGHTHOUSE_TARGET})  FCP {m['fcp_ms']:.0f} ms  LCP {m['lcp_ms']:.0f} ms"
            f"  TBT {m['tbt_ms']:.0f} ms  CLS {m['cls']:.3f}  SI {m['speed_index_ms']:.0f} ms"
            f"  {'ok' if m['score'] >= LIGHTHOUSE_TARGET else 'BELOW TARGET'}"
        )
    if "long_timeline" in parts:
        lt = long_timeline(args.timeline)
        report["long_timeline"] = lt
        print(
            f"{'long timeline':<16}{lt['loaded']} tweets: at most {lt['max_cards_in_dom']} cards,"
            f" {lt['max_dom_nodes']} DOM nodes; scrolling frames p50 {lt['frame_p50_ms']:.1f} ms"
            f" p99 {lt['frame_p99_ms']:.1f} ms max {lt['frame_max_ms']:.1f} ms"
        )
    if "post_to_screen" in parts:
        started = time.monotonic()
        samples = post_to_screen(args.posts)
        p50, p99 = percentile(samples, 0.5), percentile(samples, 0.99)
        report["post_to_screen_ms"] = {
            "n": len(samples),
            "p50": p50,
            "p99": p99,
            "mean": statistics.fmean(samples),
            "max": max(samples),
        }
        print(
            f"{'post-to-screen':<16}n={len(samples)}  p50 {p50:.0f} ms  p99 {p99:.0f} ms  max {max(samples):.0f} ms"
            f"  ({time.monotonic() - started:.0f} s)"
        )
    report["load_average_after"] = os.getloadavg()
    print(
        f"load average before {report['load_average_before']}, after {report['load_average_after']}"
    )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")
    if sizes["js_gzip"] > JS_BUDGET:
        raise SystemExit("initial JS over budget")


if __name__ == "__main__":
    main()
