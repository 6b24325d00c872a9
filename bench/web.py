"""The web app's budget and liveness:

1. Bundle size: the JavaScript and CSS `index.html` loads before the first screen, gzipped
   (level 9, as a CDN would), against the issue's budget of 100 KiB of JavaScript.
2. Post-to-screen: a real `chirp serve`, B's home timeline open in Debian's chromium, A posts
   over REST; the time until the card is in B's page, p50/p99 over `--posts` posts.

    .venv/bin/python -m bench.web                 # both (needs node, web/node_modules, chromium)
    .venv/bin/python -m bench.web --size-only     # bundle size only (needs nothing but the build)
"""

from __future__ import annotations

import argparse
import gzip
import json
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
JS_BUDGET = 100 * 1024


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-only", action="store_true")
    parser.add_argument("--posts", type=int, default=100)
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
    if not args.size_only:
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
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2))
    print(f"wrote {args.out}")
    if sizes["js_gzip"] > JS_BUDGET:
        raise SystemExit("initial JS over budget")


if __name__ == "__main__":
    main()
