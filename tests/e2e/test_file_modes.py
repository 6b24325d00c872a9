"""`chirp serve` creates its data directory for its user alone (0700), database inside 0600."""

from __future__ import annotations

import stat

from tests.e2e.process import ChirpProcess


def test_serve_creates_a_private_data_directory(chirp_server: ChirpProcess) -> None:
    assert stat.S_IMODE(chirp_server.data_dir.stat().st_mode) == 0o700
    database = chirp_server.data_dir / "chirp.db"
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
