"""Marker JSON (Mastodon `Marker`), keyed by timeline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chirp.core.models import Marker
from chirp.serializers.common import iso


def markers_json(markers: Mapping[str, Marker]) -> dict[str, Any]:
    return {
        timeline: {
            "last_read_id": str(marker.last_read_id),
            "version": marker.version,
            "updated_at": iso(marker.updated_at),
        }
        for timeline, marker in markers.items()
    }
