"""The web app in Debian's chromium (through `playwright-core`, never a downloaded browser),
against a real `chirp serve`: each scenario of `web/e2e/run.mjs` is one test. Skipped locally
with the reason when node, `web/node_modules` or chromium is missing; a failure in CI."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
import requests

from tests.e2e.process import ChirpProcess, register
from tests.media.samples import photo
from tests.web.node import WEB, require_chromium, require_node

SCENARIOS = {
    "signup_login": "sign up, sign out (the token is revoked), sign in through the consent page",
    "live": "A posts a tag, a mention and a picture; B (390x844) follows A from the profile, sees "
    "it arrive live, opens the picture in the lightbox and likes it; A's counter and "
    "notification update live",
    "thread_edit_delete": "reply, the thread, an edit and a delete reach the other browser live",
    "search": "search people and hashtags, the hashtag page gets a tweet live (390x844)",
    "long_timeline": "3,000 tweets in the home timeline (390x844): all reachable by scrolling, "
    "at most 60 cards and 3,000 DOM nodes in the document (a virtual list)",
    "quality": "a poll posted and voted on; mute (undone in the settings), report and block; a "
    "failed like rolled back with its message; 429 with its wait and offline worded; relative "
    "times move on",
    "lists": "A makes a list and adds B; B's tweet arrives live on the list's page; axe on both",
    "list_manage": "from a profile, add B to a list and remove B again; rename and delete the "
    "list; axe on the dialog and the list page",
    "sessions": "Settings > Sessions lists a phone's and a desktop's sessions; signing the phone "
    "out revokes its token, signing this browser out logs it out; axe on the screen",
    "axe": "axe-core on every screen at 390x844 and 1280x900: no serious or critical violation",
}


def run_scenario(url: str, scenario: str, tmp_path: Path, shots: Path | None = None) -> None:
    node = require_node()
    require_chromium()
    image = tmp_path / "picture.jpg"
    image.write_bytes(photo(800, 600, gps=False))
    args = [node, "e2e/run.mjs", url, scenario] + ([str(shots)] if shots else [])
    result = subprocess.run(
        args,
        cwd=WEB,
        env={**os.environ, "CHIRP_E2E_IMAGE": str(image)},
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert result.returncode == 0, (
        f"{SCENARIOS.get(scenario, scenario)}\n{result.stdout}{result.stderr}"
    )


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_webapp_in_chromium(chirp_server: ChirpProcess, scenario: str, tmp_path: Path) -> None:
    run_scenario(chirp_server.url, scenario, tmp_path)


def test_reconnect_after_a_restart_misses_no_tweet(tmp_path: Path) -> None:
    """The server restarts while B's timeline is open: B's socket reconnects (a new epoch, so
    `chirp.reset`, and the app reloads over REST) and the tweet A posted meanwhile shows."""
    node = require_node()
    require_chromium()
    server = ChirpProcess(tmp_path / "data").start()
    browser: subprocess.Popen[str] | None = None
    try:
        author = register(server.url, "author")
        browser = subprocess.Popen(
            [node, "e2e/run.mjs", server.url, "reconnect"],
            cwd=WEB,
            env={**os.environ, "CHIRP_E2E_AUTHOR": "author"},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert browser.stdout is not None and browser.stdin is not None
        line = browser.stdout.readline()  # the scenario's own timeouts bound this wait
        assert line.strip() == "READY", line + browser.stdout.read()
        server.stop()
        server.start()
        text = "posted while you were away"
        response = requests.post(
            f"{server.url}/api/v1/statuses",
            headers={"Authorization": f"Bearer {author['token']}"},
            json={"status": text},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        output, _ = browser.communicate(text + "\n", timeout=120)
        assert browser.returncode == 0, output
    finally:
        if browser is not None and browser.poll() is None:
            browser.kill()
        server.stop()


def test_live_video_inside_the_app(tmp_path: Path) -> None:
    """A followers-only stream published over RTMP: the follower finds it under "Live now",
    watches it inside the app (the video plays) and chats with the streamer both ways."""
    from tests.e2e.test_watch_chromium import live_stream

    node = require_node()
    require_chromium()
    with live_stream(tmp_path, visibility="private", title="tone", size="640x360") as live:
        assert live.fan is not None
        result = subprocess.run(
            [node, "e2e/run.mjs", live.node.url, "watch"],
            cwd=WEB,
            env={
                **os.environ,
                "CHIRP_E2E_FAN_TOKEN": live.fan["token"],
                "CHIRP_E2E_STREAMER_TOKEN": live.streamer["token"],
                "CHIRP_E2E_STREAM_ID": str(live.stream["id"]),
            },
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert result.returncode == 0, result.stdout + result.stderr
