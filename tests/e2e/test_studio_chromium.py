"""Going live from the browser, in headless Debian chromium through `chirp serve`: the studio
page (`/live/studio`) previews chromium's fake camera (a test pattern with a beep), creates the
stream through the API, streams MediaRecorder WebM over the ingest websocket, the relay
transcodes it into HLS a viewer can fetch, the page shows the stream live, and ending it from
the page leaves the replay with EXT-X-ENDLIST. Chromium's own fake capture device stands in for
a camera (no camera exists here)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

import requests
from selenium.webdriver.common.by import By

from tests.e2e.browser import chromium, console_errors, require_chromium
from tests.e2e.process import ChirpProcess, free_port, register
from tests.e2e.test_watch_chromium import wait_for

FAKE_CAMERA = ("--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream")


def _get(url: str, token: str | None = None) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.get(url, headers=headers, timeout=10)


def _variant_segments(master_url: str) -> tuple[list[str], list[str]]:
    """The master's variant playlists and the segments the first one lists."""
    master = _get(master_url)
    assert master.status_code == 200, master.text
    variants = [line for line in master.text.splitlines() if line and not line.startswith("#")]
    variant = _get(urljoin(master_url, variants[0])).text
    return variants, re.findall(r"^[^#\s].*$", variant, flags=re.MULTILINE)


def test_a_streamer_goes_live_from_the_studio_page_in_chromium(tmp_path: Path) -> None:
    require_chromium()
    node = ChirpProcess(
        tmp_path / "data",
        env={"CHIRP_RTMP_PORT": str(free_port()), "CHIRP_LIVE_SEGMENT_SECONDS": "1"},
    ).start()
    try:
        streamer = register(node.url, "studio")
        with chromium(extra_args=FAKE_CAMERA) as driver:
            driver.get(f"{node.url}/live/studio#access_token={streamer['token']}")
            assert wait_for(lambda: "#" not in driver.current_url, 5, "the token to leave the URL")
            start = driver.find_element(By.ID, "start")
            assert wait_for(start.is_enabled, 20, "the camera preview and the Go live button")
            assert driver.find_element(By.ID, "who").text == "@studio"
            # The button comes with the camera's stream; the frame size once its first frame has
            # been decoded, a moment later on a busy machine.
            assert wait_for(
                lambda: driver.execute_script(
                    "return document.getElementById('preview').videoWidth"
                ),
                10,
                "the preview's first frame",
            )
            driver.find_element(By.ID, "title").send_keys("Live from <the> browser")
            start.click()

            stream: dict[str, Any] = wait_for(
                lambda: driver.execute_script("return window.chirpStudio.state().stream"),
                10,
                "the stream to be created",
            )
            api = f"{node.url}/api/v1/chirp/streams/{stream['id']}"
            live = wait_for(
                lambda: (s := _get(api).json())["state"] == "live" and s,
                40,
                "the stream to go live",
            )
            assert live["title"] == "Live from <the> browser"
            assert live["account"]["acct"] == "studio"
            variants, segments = wait_for(
                lambda: (found := _variant_segments(live["playback_url"]))[1] and found,
                20,
                "segments in the variant playlist",
            )
            assert variants and segments
            assert wait_for(
                lambda: driver.find_element(By.ID, "state").text == "LIVE", 10, "the page's badge"
            )
            watch = driver.find_element(By.ID, "watchurl")
            assert watch.text == live["watch_url"] == f"{node.url}/live/{stream['id']}"

            driver.find_element(By.ID, "stop").click()
            ended = wait_for(
                lambda: (s := _get(api).json())["state"] == "ended" and s, 15, "the end"
            )
            assert ended["ended_at"]
            assert wait_for(
                lambda: driver.find_element(By.ID, "state").text == "ENDED", 10, "the page's end"
            )
            replay = urljoin(live["playback_url"], variants[0])
            # The encoders finish what they hold first: on a busy machine, well behind live.
            assert wait_for(
                lambda: "#EXT-X-ENDLIST" in _get(replay).text, 60, "the replay's ENDLIST"
            )
            errors = [e for e in console_errors(driver) if "favicon" not in e]
            assert errors == [], errors
    finally:
        assert node.stop() == 0, node.logs()


def test_the_studio_page_without_a_token_says_how_to_sign_in(tmp_path: Path) -> None:
    require_chromium()
    node = ChirpProcess(tmp_path / "data", env={"CHIRP_RTMP_PORT": str(free_port())}).start()
    try:
        with chromium(extra_args=FAKE_CAMERA) as driver:
            driver.get(f"{node.url}/live/studio")
            status = wait_for(
                lambda: driver.find_element(By.ID, "status").text, 10, "the sign-in hint"
            )
            assert "access_token" in status
            assert not driver.find_element(By.ID, "start").is_enabled()
    finally:
        assert node.stop() == 0, node.logs()
