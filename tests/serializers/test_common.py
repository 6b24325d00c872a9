"""`iso`: Mastodon's time format (UTC, milliseconds, `Z`), whatever path formats it."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from chirp.serializers.common import iso


def _reference(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def test_iso_renders_milliseconds_and_z() -> None:
    assert iso(datetime(2026, 11, 23, 3, 4, 5, 999_999, tzinfo=UTC)) == "2026-11-23T03:04:05.999Z"
    assert iso(datetime(2026, 1, 1, tzinfo=UTC)) == "2026-01-01T00:00:00.000Z"
    assert iso(datetime(2026, 1, 1, 0, 0, 0, 1_000)) == "2026-01-01T00:00:00.001Z"
    assert iso(None) is None


def test_iso_matches_the_strftime_rendering_everywhere() -> None:
    rng = random.Random(7)
    for _ in range(20_000):
        value = datetime.fromtimestamp(rng.uniform(-6e10, 2.5e11), UTC)
        assert iso(value) == _reference(value)
    early = datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC)
    assert iso(early) == _reference(early)
