from __future__ import annotations

import asyncio
import threading
import time

from chirp.core.secrets import Passwords, digest, new_secret, pkce_s256, same_secret


def test_secrets_carry_256_random_bits() -> None:
    secrets = {new_secret() for _ in range(100)}
    assert len(secrets) == 100
    assert all(len(s) >= 43 for s in secrets)  # 32 bytes in URL-safe base64


def test_digest_is_sha256_hex_and_compares_in_constant_time() -> None:
    assert digest("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert same_secret("abc", digest("abc"))
    assert not same_secret("abd", digest("abc"))


def test_pkce_s256_matches_rfc7636_appendix_b() -> None:
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert pkce_s256(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


async def test_password_hash_is_argon2id_and_verifies() -> None:
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1)
    hashed = await passwords.hash("correct horse")
    assert hashed.startswith("$argon2id$")
    assert await passwords.verify("correct horse", hashed)
    assert not await passwords.verify("wrong horse", hashed)
    assert not await passwords.verify("correct horse", None)
    assert not await passwords.verify("correct horse", "not a hash")


async def test_argon2_runs_at_most_concurrency_at_once() -> None:
    passwords = Passwords(time_cost=1, memory_kib=1024, parallelism=1, concurrency=2)
    hashed = await passwords.hash("correct horse")
    running, peak = 0, 0
    lock = threading.Lock()
    real_verify = passwords._hasher.verify

    def counting_verify(stored: str, password: str) -> bool:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        try:
            time.sleep(0.02)
            return real_verify(stored, password)
        finally:
            with lock:
                running -= 1

    class CountingHasher:
        verify = staticmethod(counting_verify)

    passwords._hasher = CountingHasher()  # type: ignore[assignment]
    results = await asyncio.gather(*(passwords.verify("correct horse", hashed) for _ in range(12)))
    assert all(results)
    assert peak == 2
