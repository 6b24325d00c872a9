"""The server's VAPID key pair: from the settings, or generated once and kept in the store.

Every node must sign with the same key (subscriptions name it as their `applicationServerKey`),
so a generated key goes into the store, where the first node to start wins
(`claim_instance_secret`), rather than into one node's data directory."""

from __future__ import annotations

from dataclasses import dataclass

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid02
from py_vapid.utils import b64urlencode

from chirp.config import Settings
from chirp.core.ports.store import Store

SECRET_NAME = "vapid_private_key"


class VapidKeyError(ValueError):
    """The configured VAPID keys are unusable (said at start, not at the first push)."""


@dataclass(frozen=True, slots=True)
class VapidKeys:
    vapid: Vapid02

    @property
    def public_key(self) -> str:
        """The uncompressed P-256 point, base64url without padding (Mastodon's `vapid_key`)."""
        raw = self.vapid.public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return str(b64urlencode(raw))

    def private_text(self) -> str:
        """The private key as kept: its raw 32 bytes, base64url (Mastodon's format)."""
        value = self.vapid.private_key.private_numbers().private_value
        return str(b64urlencode(value.to_bytes(32, "big")))


def parse_private_key(text: str) -> VapidKeys:
    """A PEM, DER (base64) or raw 32-byte (base64url) P-256 private key."""
    text = text.strip()
    try:
        if text.startswith("-----BEGIN"):
            vapid = Vapid02.from_pem(text.encode())
        else:
            vapid = Vapid02.from_string(text)
    except Exception as error:  # py_vapid raises what the decoder or key loader raised
        raise VapidKeyError(
            f"CHIRP_VAPID_PRIVATE_KEY is not a P-256 private key: {error}"
        ) from None
    return VapidKeys(vapid)


def generate_keys() -> VapidKeys:
    vapid = Vapid02()
    vapid.generate_keys()
    return VapidKeys(vapid)


def configured_keys(settings: Settings) -> VapidKeys | None:
    """The keys the settings give (None: none given); `VapidKeyError` if they are unusable."""
    if settings.vapid_private_key:
        keys = parse_private_key(settings.vapid_private_key)
        given = settings.vapid_public_key.strip().rstrip("=")
        if given and given.replace("+", "-").replace("/", "_") != keys.public_key:
            raise VapidKeyError("CHIRP_VAPID_PUBLIC_KEY does not match CHIRP_VAPID_PRIVATE_KEY")
        return keys
    if settings.vapid_public_key:
        raise VapidKeyError("CHIRP_VAPID_PUBLIC_KEY is set without CHIRP_VAPID_PRIVATE_KEY")
    return None


async def load_vapid_keys(settings: Settings, store: Store) -> VapidKeys:
    keys = configured_keys(settings)
    if keys is not None:
        return keys
    kept = await store.claim_instance_secret(SECRET_NAME, generate_keys().private_text())
    return parse_private_key(kept)
