"""Secrets at rest and in logs: bearer secrets are long random strings stored only as SHA-256
digests, passwords only as argon2id hashes, and no password or token ever reaches a log record
(application logs and the access log alike)."""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from chirp.server.logs import AccessLogger, JsonFormatter
from tests.helpers import PASSWORD, User, app_token, register_app

URLSAFE = re.compile(r"[A-Za-z0-9_-]+")


def bits_of(secret: str) -> int:
    """Entropy upper bound of a base64url string: 6 bits per character."""
    assert URLSAFE.fullmatch(secret), secret
    return 6 * len(secret)


def sha256(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


async def dump_store(store: Any) -> str:
    """Every value of every table, as one string, to search for leaked plaintext."""
    tables = await store.db.fetchall(
        "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public'"
        if hasattr(store, "pg")  # the PostgreSQL store (CHIRP_TEST_STORE=postgresql)
        else "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    out = []
    for table in tables:
        rows = await store.db.fetchall(f'SELECT * FROM "{table["name"]}"')
        out.extend(repr(tuple(row)) for row in rows)
    return "\n".join(out)


async def password_grant(client: TestClient, user: User) -> dict[str, Any]:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.username,
            "password": PASSWORD,
        },
    )
    assert response.status == 200, await response.text()
    return dict(await response.json())


# --- tokens and passwords at rest -----------------------------------------------------------


async def test_access_and_refresh_tokens_have_at_least_128_random_bits(
    client: TestClient, alice: User
) -> None:
    issued = await password_grant(client, alice)
    for secret in (issued["access_token"], issued["refresh_token"], alice.token):
        assert bits_of(secret) >= 128
    app = await register_app(client)
    assert bits_of(app.client_secret) >= 128
    assert bits_of(await app_token(client, app)) >= 128


async def test_tokens_are_unique(client: TestClient, alice: User) -> None:
    tokens = set()
    for _ in range(5):
        issued = await password_grant(client, alice)
        tokens |= {issued["access_token"], issued["refresh_token"]}
    assert len(tokens) == 10


async def test_store_keeps_only_token_digests(client: TestClient, alice: User, store: Any) -> None:
    issued = await password_grant(client, alice)
    access, refresh = issued["access_token"], issued["refresh_token"]
    row = await store.db.fetchone("SELECT * FROM tokens WHERE digest = ?", (sha256(access),))
    assert row is not None
    assert row["refresh_digest"] == sha256(refresh)
    assert row["account_id"] == int(alice.id)
    # Through the port too: looking up by plaintext finds nothing.
    assert await store.get_token(access) is None
    assert (await store.get_token(sha256(access))) is not None
    everything = await dump_store(store)
    for secret in (access, refresh, alice.token):
        assert secret not in everything


async def test_store_keeps_only_client_secret_digest(client: TestClient, store: Any) -> None:
    app = await register_app(client)
    row = await store.db.fetchone("SELECT * FROM apps WHERE client_id = ?", (app.client_id,))
    assert row["client_secret_digest"] == sha256(app.client_secret)
    assert app.client_secret not in await dump_store(store)


async def test_store_keeps_only_authorization_code_digest(
    client: TestClient, alice: User, store: Any
) -> None:
    app = await register_app(client)
    response = await client.post(
        "/oauth/authorize",
        data={
            "client_id": app.client_id,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code",
            "login": alice.username,
            "password": PASSWORD,
        },
    )
    assert response.status == 200, await response.text()
    match = re.search(r"<code id=code>([^<]+)</code>", await response.text())
    assert match is not None
    code = match.group(1)
    assert bits_of(code) >= 128
    row = await store.db.fetchone(
        "SELECT * FROM authorization_codes WHERE digest = ?", (sha256(code),)
    )
    assert row is not None
    assert code not in await dump_store(store)


async def test_password_is_stored_as_argon2id(client: TestClient, alice: User, store: Any) -> None:
    credentials = await store.get_credentials(int(alice.id))
    assert credentials is not None
    assert credentials.password_hash.startswith("$argon2id$")
    assert PASSWORD not in credentials.password_hash
    assert PASSWORD not in await dump_store(store)
    # Salted: the same password hashes differently for another user.
    other = await store.db.fetchall("SELECT password_hash FROM credentials")
    hashes = [row["password_hash"] for row in other]
    assert len(hashes) == len(set(hashes))


async def test_two_users_with_one_password_get_different_hashes(
    client: TestClient, alice: User, bob: User, store: Any
) -> None:
    first = await store.get_credentials(int(alice.id))
    second = await store.get_credentials(int(bob.id))
    assert first.password_hash != second.password_hash
    assert first.password_hash.startswith("$argon2id$")
    assert second.password_hash.startswith("$argon2id$")


# --- logs -----------------------------------------------------------------------------------


@pytest.fixture
async def logged_client(aiohttp_client: Any, app: web.Application) -> TestClient:
    """The app served as `chirp serve` serves it: with Chirp's access logger."""
    server = TestServer(app)
    # Runner options go to start_server (TestServer's constructor drops them); a started
    # server is then reused as is by the client.
    await server.start_server(
        access_log_class=AccessLogger, access_log=logging.getLogger("chirp.access")
    )
    return await aiohttp_client(server)


def rendered(record: logging.LogRecord) -> str:
    """Everything a log handler could write for a record: message, args, extras, traceback."""
    formatter = JsonFormatter()
    return "\n".join(
        [
            formatter.format(record),
            record.getMessage(),
            repr(record.args),
            repr(vars(record)),
            logging.Formatter().format(record),
        ]
    )


async def test_no_password_or_token_reaches_any_log(
    logged_client: TestClient, caplog: pytest.LogCaptureFixture
) -> None:
    client = logged_client
    caplog.set_level(logging.DEBUG)
    secrets: list[str] = [PASSWORD]

    app = await register_app(client)
    secrets.append(app.client_secret)
    signup_token = await app_token(client, app)
    secrets.append(signup_token)
    response = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {signup_token}"},
        json={
            "username": "logan",
            "email": "logan@example.com",
            "password": PASSWORD,
            "agreement": True,
        },
    )
    assert response.status == 200, await response.text()
    signed_up = await response.json()
    secrets += [signed_up["access_token"], signed_up["refresh_token"]]

    # A failed sign-up echoing a wrong password, and a failed login.
    wrong_password = "Wr0ng-but-secret-passphrase"
    secrets.append(wrong_password)
    failed = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {signup_token}"},
        json={"username": "logan", "email": "x@example.com", "password": wrong_password},
    )
    assert failed.status == 422
    token_form = {
        "grant_type": "password",
        "client_id": app.client_id,
        "client_secret": app.client_secret,
        "username": "logan",
    }
    bad_login = await client.post("/oauth/token", data={**token_form, "password": wrong_password})
    assert bad_login.status == 400

    # Password grant, use, refresh, and revoke.
    good = await client.post("/oauth/token", data={**token_form, "password": PASSWORD})
    assert good.status == 200
    issued = await good.json()
    secrets += [issued["access_token"], issued["refresh_token"]]
    me = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {issued['access_token']}"},
    )
    assert me.status == 200
    refreshed = await client.post(
        "/oauth/token",
        data={
            "grant_type": "refresh_token",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "refresh_token": issued["refresh_token"],
        },
    )
    assert refreshed.status == 200
    new_pair = await refreshed.json()
    secrets += [new_pair["access_token"], new_pair["refresh_token"]]

    # Tokens in the query string (as streaming clients send them) and in Basic auth.
    query = await client.get("/api/v1/instance", params={"access_token": new_pair["access_token"]})
    assert query.status == 200
    basic = base64.b64encode(f"{app.client_id}:{app.client_secret}".encode()).decode()
    via_basic = await client.post(
        "/oauth/token",
        headers={"Authorization": f"Basic {basic}"},
        data={"grant_type": "client_credentials"},
    )
    assert via_basic.status == 200
    secrets.append((await via_basic.json())["access_token"])

    # Authorization-code flow with the password in a form.
    consent = await client.post(
        "/oauth/authorize",
        data={
            "client_id": app.client_id,
            "redirect_uri": "urn:ietf:wg:oauth:2.0:oob",
            "response_type": "code",
            "login": "logan",
            "password": PASSWORD,
        },
    )
    assert consent.status == 200
    code_match = re.search(r"<code id=code>([^<]+)</code>", await consent.text())
    assert code_match is not None
    secrets.append(code_match.group(1))

    revoked = await client.post(
        "/oauth/revoke",
        data={
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "token": new_pair["access_token"],
        },
    )
    assert revoked.status == 200
    rejected = await client.get(
        "/api/v1/accounts/verify_credentials",
        headers={"Authorization": f"Bearer {new_pair['access_token']}"},
    )
    assert rejected.status == 401

    records = caplog.records
    access = [r for r in records if r.name == "chirp.access"]
    # The access log did run, so the check below covers it.
    assert len(access) >= 12, [r.getMessage() for r in access]
    assert any(r.getMessage().startswith("GET /api/v1/instance") for r in access)
    for record in records:
        text = rendered(record)
        for secret in secrets:
            assert secret not in text, (record.name, record.getMessage())
