"""The VAPID key pair: from the settings (Mastodon's raw base64url form, or PEM), checked at
start; or generated once and kept in the store, so every node and every restart signs with the
same key."""

from __future__ import annotations

import pytest

from chirp.storage import open_store
from chirp.webpush.vapid import VapidKeyError, generate_keys, load_vapid_keys
from tests.helpers import make_settings


async def test_a_generated_key_is_kept_and_shared() -> None:
    store = await open_store("sqlite://:memory:")
    try:
        first = await load_vapid_keys(make_settings(), store)
        again = await load_vapid_keys(make_settings(), store)  # a restart, or another node
        assert first.public_key == again.public_key
        assert len(first.public_key) == 87  # 65 bytes, base64url without padding
    finally:
        await store.close()


async def test_configured_keys_are_used_in_either_form() -> None:
    store = await open_store("sqlite://:memory:")
    made = generate_keys()
    pem = made.vapid.private_pem().decode()
    try:
        for private in (made.private_text(), pem):
            settings = make_settings(vapid_private_key=private)
            assert (await load_vapid_keys(settings, store)).public_key == made.public_key
        padded = made.public_key + "="
        settings = make_settings(vapid_private_key=made.private_text(), vapid_public_key=padded)
        assert (await load_vapid_keys(settings, store)).public_key == made.public_key
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("private", "public", "problem"),
    [
        ("not a key", "", "not a P-256 private key"),
        ("", "BAAA", "without CHIRP_VAPID_PRIVATE_KEY"),
        (None, None, "does not match"),  # a key pair's public half against another's private
    ],
    ids=["bad-private-key", "public-key-alone", "mismatched-pair"],
)
async def test_unusable_configured_keys_stop_the_start(
    private: str | None, public: str | None, problem: str
) -> None:
    store = await open_store("sqlite://:memory:")
    private = generate_keys().private_text() if private is None else private
    public = generate_keys().public_key if public is None else public
    try:
        with pytest.raises(VapidKeyError, match=problem):
            settings = make_settings(vapid_private_key=private, vapid_public_key=public)
            await load_vapid_keys(settings, store)
    finally:
        await store.close()
