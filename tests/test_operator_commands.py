"""`chirp emoji ...` and `chirp announcement ...`, run in-process on a temporary data
directory, then read back through the API of a server on the same directory."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp.test_utils import TestClient

from chirp.cli import main
from chirp.server import create_app
from tests.conftest import ClientFactory
from tests.handlers.test_custom_emojis import gif, png
from tests.helpers import make_settings, sign_up


def chirp(capsys: pytest.CaptureFixture[str], data: Path, *argv: str) -> str:
    main([*argv, "--data-dir", str(data)])
    return capsys.readouterr().out


def refused(data: Path, *argv: str) -> str:
    with pytest.raises(SystemExit) as exited:
        main([*argv, "--data-dir", str(data)])
    return str(exited.value)


@pytest.fixture
def images(tmp_path: Path) -> Path:
    (tmp_path / "red.png").write_bytes(png())
    (tmp_path / "anim.gif").write_bytes(gif())
    (tmp_path / "bad.png").write_bytes(b"not an image")
    return tmp_path


async def serve(aiohttp_client: ClientFactory, data: Path) -> TestClient:
    return await aiohttp_client(create_app(make_settings(store="", data_dir=data)))


def test_emoji_commands(capsys: pytest.CaptureFixture[str], images: Path) -> None:
    data = images / "data"
    assert chirp(capsys, data, "emoji", "list") == ""
    out = chirp(
        capsys, data, "emoji", "add", "blobcat", str(images / "red.png"), "--category", "Cats"
    )
    assert out == ":blobcat: added\n"
    chirp(capsys, data, "emoji", "add", "party", str(images / "anim.gif"), "--hidden")
    listed = chirp(capsys, data, "emoji", "list").splitlines()
    assert [line.split("\t")[:3] for line in listed] == [
        [":blobcat:", "Cats", "visible"],
        [":party:", "-", "hidden"],
    ]
    assert re.fullmatch(r"http://\S+/media/emojis/party/\w+\.gif", listed[1].split("\t")[3])
    assert (data / "media" / "emojis" / "party").is_dir()
    assert refused(data, "emoji", "add", "x", str(images / "red.png")).startswith(
        "chirp: Shortcode must be"
    )
    assert "not a PNG, GIF or WebP" in refused(data, "emoji", "add", "bad", str(images / "bad.png"))
    assert "already taken" in refused(data, "emoji", "add", "party", str(images / "red.png"))
    assert "cannot read" in refused(data, "emoji", "add", "nope", str(images / "missing.png"))
    assert chirp(capsys, data, "emoji", "remove", "party") == ":party: removed\n"
    assert not (data / "media" / "emojis" / "party").exists()  # its images are gone
    assert refused(data, "emoji", "remove", "party") == "chirp: No custom emoji :party:"
    assert [line.split("\t")[0] for line in chirp(capsys, data, "emoji", "list").splitlines()] == [
        ":blobcat:"
    ]


def test_announcement_commands(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    data = tmp_path / "data"
    out = chirp(
        capsys,
        data,
        "announcement",
        "add",
        "Maintenance tonight",
        "--starts-at",
        "2099-12-24",
        "--ends-at",
        "2099-12-26",
        "--all-day",
    )
    aid = re.fullmatch(r"announcement (\d+) published\n", out)
    assert aid is not None
    chirp(capsys, data, "announcement", "add", "Second")
    listed = [line.split("\t") for line in chirp(capsys, data, "announcement", "list").splitlines()]
    # In Mastodon's order: the event's start (in 2099), else the publication (now).
    assert listed[0][2:] == ["-", "Second"]
    assert (listed[1][0], listed[1][2], listed[1][3]) == (
        aid.group(1),
        "2099-12-24..2099-12-26",
        "Maintenance tonight",
    )
    assert "go together" in refused(data, "announcement", "add", "x", "--starts-at", "2026-01-01")
    assert "before" in refused(
        data, "announcement", "add", "x", "--starts-at", "2026-01-02", "--ends-at", "2026-01-01"
    )
    assert "blank" in refused(data, "announcement", "add", "   ")
    with pytest.raises(SystemExit):  # argparse: not a date
        main(["announcement", "add", "x", "--starts-at", "soon", "--data-dir", str(data)])
    capsys.readouterr()
    assert chirp(capsys, data, "announcement", "remove", aid.group(1)).endswith("removed\n")
    assert refused(data, "announcement", "remove", aid.group(1)) == "chirp: Record not found"
    assert len(chirp(capsys, data, "announcement", "list").splitlines()) == 1


async def test_a_server_on_the_same_data_serves_what_the_cli_made(
    aiohttp_client: ClientFactory, images: Path
) -> None:
    import asyncio

    data = images / "data"

    def cli(*argv: str) -> None:
        main([*argv, "--data-dir", str(data)])

    await asyncio.to_thread(cli, "emoji", "add", "blobcat", str(images / "red.png"))
    await asyncio.to_thread(cli, "announcement", "add", "Hello :blobcat:")
    client = await serve(aiohttp_client, data)
    (emoji,) = await (await client.get("/api/v1/custom_emojis")).json()
    assert emoji["shortcode"] == "blobcat"
    image = await client.get(urlsplit(emoji["url"]).path)
    assert (image.status, await image.read()) == (200, (images / "red.png").read_bytes())
    user = await sign_up(client)
    (shown,) = await (await client.get("/api/v1/announcements", headers=user.headers)).json()
    assert "Hello :blobcat:" in shown["content"]
    assert [e["shortcode"] for e in shown["emojis"]] == ["blobcat"]
