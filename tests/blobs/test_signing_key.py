"""The key of Chirp's own URL signatures: configured, or made once and kept in the store, so
every node (whatever its blob store) checks what another signed."""

from __future__ import annotations

from pathlib import Path

from chirp.blobs import open_blobs, signing_key
from chirp.storage import open_store
from tests.helpers import make_settings


async def test_without_a_setting_every_node_signs_with_the_key_kept_in_the_store(
    tmp_path: Path,
) -> None:
    store = await open_store(f"sqlite://{tmp_path / 'chirp.db'}")
    try:
        settings = make_settings(media_store=f"file://{tmp_path / 'media'}")
        first = await signing_key(settings, store)
        again = await signing_key(settings, store)  # another node, or a restart
        assert first == again and len(first) == 64
        one, other = (open_blobs(settings, key) for key in (first, again))
        query = dict(p.split("=") for p in one.signer.query("a/b.ts", 60).split("&"))
        assert other.signer.verify("a/b.ts", query["expires"], query["signature"])
        # The configured key wins over the kept one.
        configured = make_settings(media_signing_key="operator's key")
        assert await signing_key(configured, store) == "operator's key"
    finally:
        await store.close()
