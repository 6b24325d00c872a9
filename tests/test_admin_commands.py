"""`chirp admin ...`, run in-process on a temporary data directory, then checked through the
API of a server on the same directory: idempotent commands, clear errors, exit codes."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from aiohttp.test_utils import TestClient

from chirp.cli import main
from chirp.server import create_app
from tests.conftest import ClientFactory
from tests.helpers import PASSWORD, make_settings, register_app, sign_up


@pytest.fixture(autouse=True)
def cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    """The commands hash passwords at the configured cost: a cheap one here."""
    for name, value in (("TIME_COST", "1"), ("MEMORY_KIB", "8"), ("PARALLELISM", "1")):
        monkeypatch.setenv(f"CHIRP_ARGON2_{name}", value)


async def chirp(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> str:
    """Run a command as the shell does (in a thread: it runs its own event loop)."""
    await asyncio.to_thread(main, [*argv, "--data-dir", str(data)])
    return capsys.readouterr().out


async def refused(data: Path, *argv: str) -> str:
    """The message of a refused command (exit status 1)."""
    with pytest.raises(SystemExit) as exited:
        await asyncio.to_thread(main, [*argv, "--data-dir", str(data)])
    assert isinstance(exited.value.code, str)  # `sys.exit(message)`: status 1
    return exited.value.code


async def serve(aiohttp_client: ClientFactory, data: Path, **settings: object) -> TestClient:
    return await aiohttp_client(create_app(make_settings(store="", data_dir=data, **settings)))


async def login(client: TestClient, username: str, password: str) -> int:
    app = await register_app(client)
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": username,
            "password": password,
        },
    )
    return response.status


async def test_create_role_password_and_audit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, aiohttp_client: ClientFactory
) -> None:
    data = tmp_path / "data"
    out = await chirp(
        capsys, data, "admin", "create", "boss", "--email", "boss@example.com", "--role", "owner"
    )
    assert out.startswith("@boss created (owner)\npassword: ")
    password = out.split("password: ")[1].strip()
    # Again: nothing new, the same account.
    again = await chirp(capsys, data, "admin", "create", "boss", "--email", "boss@example.com")
    assert again == "@boss exists\n"
    assert "another email" in await refused(
        data, "admin", "create", "boss", "--email", "x@example.com"
    )
    assert await chirp(capsys, data, "admin", "role", "boss", "admin") == "@boss is now admin\n"
    assert await chirp(capsys, data, "admin", "role", "boss", "admin") == "@boss is now admin\n"
    assert "no account @nobody" in await refused(data, "admin", "role", "nobody", "admin")
    with pytest.raises(SystemExit) as usage:
        await asyncio.to_thread(main, ["admin", "role", "boss", "emperor", "--data-dir", str(data)])
    assert usage.value.code == 2
    client = await serve(aiohttp_client, data)
    assert await login(client, "boss", password) == 200
    await client.close()
    reset = await chirp(
        capsys, data, "admin", "password", "boss", "--password", "a brand new secret"
    )
    assert reset == "@boss's password was reset; sessions ended\n"
    assert "Password must be" in await refused(data, "admin", "password", "boss", "--password", "x")
    client = await serve(aiohttp_client, data)
    assert await login(client, "boss", password) == 400
    assert await login(client, "boss", "a brand new secret") == 200
    await client.close()
    audit = (await chirp(capsys, data, "admin", "audit")).splitlines()
    assert [line.split("\t")[1:4] for line in audit] == [
        ["operator", "reset_password", "@boss"],
        ["operator", "change_role", "@boss"],
        ["operator", "change_role", "@boss"],
    ]


async def test_suspend_approve_reject_and_lists(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, aiohttp_client: ClientFactory
) -> None:
    data = tmp_path / "data"
    client = await serve(aiohttp_client, data, registrations="approval")
    app = await register_app(client)
    token = (
        await (
            await client.post(
                "/oauth/token",
                data={
                    "grant_type": "client_credentials",
                    "client_id": app.client_id,
                    "client_secret": app.client_secret,
                    "scope": "read write",
                },
            )
        ).json()
    )["access_token"]
    for name in ("wren", "finch"):
        response = await client.post(
            "/api/v1/accounts",
            headers={"Authorization": f"Bearer {token}"},
            json={
                "username": name,
                "email": f"{name}@example.com",
                "password": PASSWORD,
                "agreement": True,
                "reason": f"{name} likes seeds",
            },
        )
        assert response.status == 200
    await client.close()
    pending = await chirp(capsys, data, "admin", "pending")
    assert pending == (
        "@finch\tfinch@example.com\tfinch likes seeds\n@wren\twren@example.com\twren likes seeds\n"
    )
    assert await chirp(capsys, data, "admin", "approve", "wren") == "@wren is approved\n"
    assert await chirp(capsys, data, "admin", "approve", "wren") == "@wren is approved\n"
    assert "not pending" in await refused(data, "admin", "reject", "wren")
    assert await chirp(capsys, data, "admin", "reject", "finch") == "@finch is rejected\n"
    assert await chirp(capsys, data, "admin", "reject", "finch") == "@finch is rejected\n"
    assert await chirp(capsys, data, "admin", "pending") == ""
    assert await chirp(capsys, data, "admin", "suspend", "wren") == "@wren is suspended\n"
    assert await chirp(capsys, data, "admin", "suspend", "wren") == "@wren is suspended\n"
    client = await serve(aiohttp_client, data)
    assert (await client.get("/api/v1/accounts/lookup?acct=wren")).status == 404
    assert await login(client, "wren", PASSWORD) == 400
    await client.close()
    assert (
        await chirp(capsys, data, "admin", "unsuspend", "wren") == "@wren is no longer suspended\n"
    )
    client = await serve(aiohttp_client, data)
    assert (await client.get("/api/v1/accounts/lookup?acct=wren")).status == 200
    # A report filed through the API shows in `chirp admin reports`.
    reporter = await sign_up(client, username="robin")
    wren = await (await client.get("/api/v1/accounts/lookup?acct=wren")).json()
    filed = await client.post(
        "/api/v1/reports",
        headers=reporter.headers,
        json={"account_id": wren["id"], "comment": "noisy", "category": "spam"},
    )
    assert filed.status == 200
    await client.close()
    (line,) = (await chirp(capsys, data, "admin", "reports")).splitlines()
    assert line.endswith("\topen\tspam\t@robin -> @wren\tnoisy")
    actions = [
        line.split("\t")[2] for line in (await chirp(capsys, data, "admin", "audit")).splitlines()
    ]
    assert actions == ["unsuspend", "suspend", "reject", "approve"]
