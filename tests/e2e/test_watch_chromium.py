"""The watch page in headless Debian chromium, through `chirp serve` and the real streams API:
a streamer creates a followers-only stream, gets a stream key, a synthetic ffmpeg encoder
(720p test pattern with tone) publishes over RTMP; a follower opens `/live/<id>#access_token=…`
and the video really plays (time advances, frames are decoded, hls.js has the whole ladder),
switching to the lowest quality keeps it playing, chat goes both ways, the author's Delete
button and the streamer's deletion both remove a line, "Go live" brings a paused player back to
the edge, the viewer count shows the follower, and nothing on the page breaks the CSP. And the Safari/iOS
path: with Media Source Extensions hidden, the page plays a public stream logged out through
the browser's native HLS, chat read-only."""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import requests
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests.e2e.browser import chromium, console_errors, require_chromium
from tests.e2e.process import ChirpProcess, free_port, register
from tests.video.publisher import encoder_args

T = TypeVar("T")

# Playback state, read from the page: what the test asserts on.
PLAYBACK = """
const v = document.querySelector('video');
const q = v.getVideoPlaybackQuality();
const hls = window.chirpWatch && window.chirpWatch.hls;
return {time: v.currentTime, frames: q.totalVideoFrames, decoded: v.webkitDecodedFrameCount,
        paused: v.paused, levels: hls ? hls.levels.map(l => l.height) : [],
        level: hls && hls.currentLevel >= 0 ? hls.levels[hls.currentLevel].height : null,
        error: v.error && v.error.message};
"""


def wait_for(
    check: Callable[[], T | None],
    timeout: float,
    what: str,
    describe: Callable[[], object] | None = None,
) -> T:
    """Poll `check` until it is truthy; on timeout, say what was awaited (and `describe()`)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.25)
    detail = f": {describe()}" if describe else ""
    raise AssertionError(f"timed out after {timeout}s waiting for {what}{detail}")


EMBED_FRAMES = """
const v = document.querySelector('video');
const h = window.chirpEmbed.hls;
return h && h.config.lowLatencyMode ? v.getVideoPlaybackQuality().totalVideoFrames : 0;
"""
LOW_LATENCY = """
const w = window.chirpWatch;
return {mode: w.mode, lowLatencyMode: w.hls.config.lowLatencyMode};
"""
PARTS = """
const h = window.chirpWatch.hls;
const level = h.levels[Math.max(h.currentLevel, 0)];
return level && level.details && level.details.partList ? level.details.partList.length : 0;
"""


# What the player was doing, for failure messages.
MEDIA_STATE = """
const v = document.querySelector('video');
return {src: v.currentSrc, readyState: v.readyState, networkState: v.networkState,
        error: v.error && v.error.message, time: v.currentTime, paused: v.paused,
        status: document.getElementById('status').textContent,
        loaded: performance.getEntriesByType('resource').slice(-8)
                .map(e => `${e.name.split('?')[0]} ${e.responseStatus}`)};
"""


def _auth(user: dict[str, str]) -> dict[str, str]:
    return {"Authorization": f"Bearer {user['token']}"}


@dataclass
class Live:
    node: ChirpProcess
    api: str
    streamer: dict[str, str]
    stream: dict[str, Any]  # as its creator saw it; `playing` once it is live
    fan: dict[str, str] | None = None
    playing: dict[str, Any] = field(default_factory=dict)


@contextmanager
def live_stream(tmp_path: Path, *, visibility: str, title: str, size: str) -> Iterator[Live]:
    """`chirp serve`, a streamer (and, for followers-only streams, a follower: `fan`), a stream
    created and fed through the real API by a synthetic RTMP encoder, once it is live. On the
    way out the streamer ends it, then the node must stop cleanly; a failed assertion inside is
    reported as itself."""
    require_chromium()
    node = ChirpProcess(
        tmp_path / "data",
        env={"CHIRP_RTMP_PORT": str(free_port()), "CHIRP_LIVE_SEGMENT_SECONDS": "1"},
    ).start()
    encoder, end_url, token = None, None, ""
    try:
        streamer = register(node.url, "streamer")
        api = f"{node.url}/api/v1/chirp"
        fan = None
        if visibility == "private":
            fan = register(node.url, "fan")
            follow = requests.post(
                f"{node.url}/api/v1/accounts/{streamer['id']}/follow",
                headers=_auth(fan),
                timeout=10,
            )
            assert follow.status_code == 200
        stream = requests.post(
            f"{api}/streams",
            headers=_auth(streamer),
            json={"title": title, "visibility": visibility},
            timeout=10,
        ).json()
        end_url, token = f"{api}/streams/{stream['id']}/end", streamer["token"]
        key = requests.post(f"{api}/stream_key", headers=_auth(streamer), timeout=10).json()
        encoder = subprocess.Popen(
            encoder_args(f"{key['rtmp_url']}/{key['stream_key']}", seconds=120, size=size)
        )
        viewer = _auth(fan or streamer)
        playing = wait_for(
            lambda: (
                (s := requests.get(f"{api}/streams/{stream['id']}", headers=viewer, timeout=10))
                .json()
                .get("state")
                == "live"
                and s.json()
            ),
            40,
            "the stream to go live",
        )
        yield Live(node, api, streamer, stream, fan, playing)
    finally:
        if end_url is not None:
            with contextlib.suppress(requests.RequestException):
                requests.post(end_url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if encoder is not None:
            encoder.kill()
            encoder.wait()
        status = node.stop()
    assert status == 0, node.logs()


def test_a_follower_watches_and_chats_in_chromium(tmp_path: Path) -> None:
    with (
        live_stream(
            tmp_path, visibility="private", title="Browser <b>test</b> & tone", size="1280x720"
        ) as live,
        chromium() as driver,
    ):
        assert live.fan is not None
        _watch(driver, live.node, live.stream, live.streamer, live.fan)


def _watch(
    driver: webdriver.Chrome,
    node: ChirpProcess,
    stream: dict[str, Any],
    streamer: dict[str, str],
    fan: dict[str, str],
) -> None:
    page = f"{node.url}/live/{stream['id']}"

    # Logged out, a followers-only stream is not shown (and the page says how to sign in).
    driver.get(page)
    note = wait_for(
        lambda: driver.find_element(By.ID, "status").text, 15, "the logged-out page's status"
    )
    assert "followers only" in note
    assert driver.execute_script("return document.querySelector('video').currentTime") == 0
    assert [e for e in console_errors(driver) if "favicon" not in e] == [
        f"{node.url}/api/v1/chirp/streams/{stream['id']} - Failed to load resource: the server"
        " responded with a status of 404 (Not Found)"
    ]

    # With the follower's token in the fragment: the fragment leaves the address bar at once.
    driver.get(f"{page}#access_token={fan['token']}")
    assert wait_for(lambda: "#" not in driver.current_url, 5, "the token to leave the URL")
    # The shell says "Live stream" until the API (with the token) has answered; then the title,
    # shown as text, never as markup.
    wait_for(
        lambda: driver.find_element(By.ID, "title").text == stream["title"],
        10,
        "the title",
        lambda: driver.find_element(By.ID, "title").text,
    )
    assert driver.find_elements(By.CSS_SELECTOR, "#title b") == []

    first = wait_for(
        lambda: (s := driver.execute_script(PLAYBACK))["frames"] > 0 and s,
        40,
        "playback to start",
        lambda: driver.execute_script(MEDIA_STATE),
    )
    assert sorted(first["levels"]) == [240, 480, 720], first  # the whole ladder, capped at 720p
    # Low-Latency HLS by default: hls.js in low-latency mode, on playlists with parts.
    assert driver.execute_script(LOW_LATENCY) == {"mode": "low", "lowLatencyMode": True}, first
    wait_for(lambda: driver.execute_script(PARTS) > 0, 10, "parts in the playlist hls.js loaded")
    later = wait_for(
        lambda: (s := driver.execute_script(PLAYBACK))["time"] > first["time"] + 2 and s,
        20,
        "playback to advance",
    )
    assert later["frames"] > first["frames"] > 0, (first, later)
    assert later["decoded"] > 0 and not later["paused"] and later["error"] is None

    # Pick the lowest quality from the selector: hls.js switches and the video keeps playing.
    quality = Select(driver.find_element(By.ID, "quality"))
    labels = [option.text for option in quality.options]
    assert labels[0].startswith("Auto") and [label[:4] for label in labels[1:]] == [
        "720p",
        "480p",
        "240p",
    ], labels
    quality.select_by_index(3)
    switched = wait_for(
        lambda: (s := driver.execute_script(PLAYBACK))["level"] == 240 and s,
        20,
        "the switch to 240p",
    )
    wait_for(
        lambda: driver.execute_script(PLAYBACK)["frames"] > switched["frames"] + 25,
        20,
        "frames after the switch",
    )
    assert driver.execute_script("return document.querySelector('video').videoHeight") == 240

    # The heartbeat counted the follower.
    wait_for(
        lambda: driver.find_element(By.ID, "viewers").text == "1 watching",
        15,
        "the viewer count",
        lambda: driver.find_element(By.ID, "viewers").text,
    )

    # Chat: the streamer says something (REST), the page shows it as text; the follower
    # answers through the page's form (websocket); the streamer deletes it and it disappears.
    said = requests.post(
        f"{node.url}/api/v1/chirp/streams/{stream['id']}/chat",
        headers=_auth(streamer),
        json={"text": "<img src=x onerror=alert(1)> hi"},
        timeout=10,
    ).json()
    shown = wait_for(
        lambda: driver.find_elements(By.ID, f"m{said['id']}"), 10, "the streamer's message"
    )
    assert shown[0].find_element(By.CLASS_NAME, "text").text == "<img src=x onerror=alert(1)> hi"
    assert driver.find_elements(By.CSS_SELECTOR, "#messages img") == []
    box = driver.find_element(By.ID, "chattext")
    box.send_keys("hello from chromium")
    driver.find_element(By.CSS_SELECTOR, "#chatform button").click()
    mine = wait_for(
        lambda: [
            li
            for li in driver.find_elements(By.CSS_SELECTOR, "#messages li")
            if "hello from chromium" in li.text
        ],
        10,
        "the follower's own message",
    )
    message_id = mine[0].get_attribute("data-id")
    history = requests.get(
        f"{node.url}/api/v1/chirp/streams/{stream['id']}/chat", headers=_auth(fan), timeout=10
    ).json()
    assert [m["content"] for m in history][:1] == ["hello from chromium"]
    # Only the author's own message has a Delete button for the follower; clicking it deletes
    # it on the server, and the deletion comes back over the socket and removes the line.
    assert shown[0].find_elements(By.CLASS_NAME, "delete") == []
    mine[0].find_element(By.CLASS_NAME, "delete").click()
    wait_for(lambda: not driver.find_elements(By.ID, f"m{message_id}"), 10, "the deletion to show")
    after = requests.get(
        f"{node.url}/api/v1/chirp/streams/{stream['id']}/chat", headers=_auth(fan), timeout=10
    ).json()
    assert [m["id"] for m in after] == [said["id"]]
    # The streamer's deletion reaches the page too.
    deleted = requests.delete(
        f"{node.url}/api/v1/chirp/streams/{stream['id']}/chat/{said['id']}",
        headers=_auth(streamer),
        timeout=10,
    )
    assert deleted.status_code == 200
    wait_for(
        lambda: not driver.find_elements(By.ID, f"m{said['id']}"), 10, "the streamer's deletion"
    )

    # Too fast: the server refuses (rate limit, 5 at once); the page says how long to wait.
    for n in range(6):
        box.send_keys(f"spam {n}")
        driver.find_element(By.CSS_SELECTOR, "#chatform button").click()
    note = wait_for(
        lambda: "Slow down" in (t := driver.find_element(By.ID, "chatnote").text) and t,
        10,
        "the rate-limit note",
    )
    assert "send again in" in note

    # Paused, the player falls behind and offers "Go live"; clicking it is back at the edge.
    driver.execute_script("document.querySelector('video').pause()")
    golive = driver.find_element(By.ID, "golive")
    wait_for(golive.is_displayed, 10, "the Go live button")
    lag = "const h = window.chirpWatch.hls; return h.liveSyncPosition - h.media.currentTime"
    wait_for(lambda: driver.execute_script(lag) > 2.5, 10, "the edge to move on without us")
    golive.click()
    caught_up = wait_for(
        lambda: (
            not (s := driver.execute_script(PLAYBACK))["paused"]
            and driver.execute_script(lag) < 1
            and s
        ),
        15,
        "playback back at the live edge",
    )
    assert caught_up["error"] is None
    wait_for(lambda: not golive.is_displayed(), 10, "the Go live button to go")

    # The streamer ends the stream: the page hears `stream.ended`, closes the chat.
    ended = requests.post(
        f"{node.url}/api/v1/chirp/streams/{stream['id']}/end", headers=_auth(streamer), timeout=10
    )
    assert ended.status_code == 200
    assert wait_for(lambda: driver.find_element(By.ID, "state").text == "ENDED", 15, "the end")
    assert not driver.find_element(By.ID, "chatform").is_displayed()

    errors = [e for e in console_errors(driver) if "favicon" not in e]
    assert errors == [], errors


# Safari and iOS have no Media Source Extensions: what hls.js needs. Hiding them from chromium
# (which also plays HLS natively) takes the page down the same path those browsers take.
NO_MSE = "delete window.MediaSource; delete window.ManagedMediaSource;"


def test_native_hls_fallback_plays_a_public_stream_logged_out(tmp_path: Path) -> None:
    with (
        live_stream(tmp_path, visibility="public", title="Public", size="640x360") as live,
        chromium() as driver,
    ):
        stream, api = live.stream, live.api
        # Regular HLS on request, where low latency is on offer: MPEG-TS segments, no parts.
        driver.get(f"{live.node.url}/live/{stream['id']}?latency=regular")
        regular = wait_for(
            lambda: (s := driver.execute_script(PLAYBACK))["frames"] > 0 and s,
            40,
            "regular playback to start",
            lambda: driver.execute_script(MEDIA_STATE),
        )
        assert driver.execute_script("return window.chirpWatch.mode") == "regular", regular
        assert driver.execute_script(PARTS) == 0
        # The embeddable player plays it too (hls.js, low latency), under its frame policy.
        driver.get(f"{live.node.url}/live/{stream['id']}/embed")
        wait_for(
            lambda: driver.execute_script(EMBED_FRAMES) > 0,
            40,
            "the embedded player to play",
            lambda: driver.execute_script(MEDIA_STATE),
        )
        assert driver.find_element(By.ID, "state").text == "LIVE"
        driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": NO_MSE})
        driver.get(f"{live.node.url}/live/{stream['id']}")
        first = wait_for(
            lambda: (s := driver.execute_script(PLAYBACK))["frames"] > 0 and s,
            40,
            "native playback to start",
            lambda: driver.execute_script(MEDIA_STATE),
        )
        assert first["levels"] == []  # no hls.js: the browser plays the master itself
        src = driver.execute_script("return document.querySelector('video').src")
        assert src == live.playing["playback_url"]
        assert not driver.find_element(By.ID, "quality").is_enabled()
        later = wait_for(
            lambda: (s := driver.execute_script(PLAYBACK))["time"] > first["time"] + 2 and s,
            20,
            "native playback to advance",
        )
        assert later["frames"] > first["frames"] and later["error"] is None
        # Logged out: chat is read-only, but it arrives.
        assert "access token" in driver.find_element(By.ID, "chatnote").text
        assert not driver.find_element(By.ID, "chatform").is_displayed()
        said = requests.post(
            f"{api}/streams/{stream['id']}/chat",
            headers=_auth(live.streamer),
            json={"text": "welcome, everyone"},
            timeout=10,
        ).json()
        wait_for(lambda: driver.find_elements(By.ID, f"m{said['id']}"), 10, "chat, logged out")
        # This page, the regular-HLS one and the embed before it (their heartbeats are fresh).
        wait_for(
            lambda: driver.find_element(By.ID, "viewers").text == "3 watching",
            15,
            "the viewer count",
            lambda: driver.find_element(By.ID, "viewers").text,
        )
        assert [e for e in console_errors(driver) if "favicon" not in e] == []
