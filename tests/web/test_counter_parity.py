"""The compose box's counter (web/src/text.ts) agrees with the server's limit check
(chirp/core/text.py) on every text: it is fed a few hundred texts built from the pieces that
count specially (links, remote mentions, grapheme clusters, CR LF) and the server's answers."""

from __future__ import annotations

import json
import os
import random
import subprocess
from pathlib import Path

from chirp.core.text import weighted_length
from tests.web.node import WEB, require_node

PIECES = [
    "hello",
    " ",
    "\n",
    "\r\n",
    "https://example.com",
    "http://a.bc/path?q=1&r=(2)",
    "https://en.wikipedia.org/wiki/Foo_(bar)",
    "https://x.y/a).",
    "https://",
    "(",
    ")",
    ".",
    "!",
    "@alice",
    "@bob@example.social",
    "@carol@host.example:8443",
    "me@dave@x.org",
    "#tag",
    "#café",
    "é",
    "👍🏽",
    "👨‍👩‍👧‍👦",
    "🇫🇷",
    "日本語",
    "x",
    "/",
    "@",
    "a\u200bb",
    "\u0301",
    "https://例え.jp/パス",
]


def cases(count: int = 400) -> list[dict[str, object]]:
    rng = random.Random(23)
    texts = list(PIECES)
    texts += ["".join(rng.choice(PIECES) for _ in range(rng.randint(2, 9))) for _ in range(count)]
    return [{"text": text, "length": weighted_length(text)} for text in texts]


def test_the_app_counts_like_the_server(tmp_path: Path) -> None:
    require_node()
    path = tmp_path / "cases.json"
    path.write_text(json.dumps(cases()))
    result = subprocess.run(
        ["npx", "vitest", "run", "test/text.test.ts"],
        cwd=WEB,
        env={**os.environ, "CHIRP_LENGTH_CASES": str(path), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "skipped" not in result.stdout  # the parity case ran
