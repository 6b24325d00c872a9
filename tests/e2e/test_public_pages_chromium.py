"""The public pages in headless Debian chromium, served by `chirp serve`: on a phone-sized
window each page (front page, profile, tweet with its thread, hashtag) loads its stylesheet,
breaks nothing in its Content-Security-Policy, runs no script (hostile text included), and
fits the screen without sideways scrolling."""

from __future__ import annotations

import requests

from tests.e2e.browser import chromium, console_errors, require_chromium
from tests.e2e.process import ChirpProcess, register

HOSTILE = '"><img src=x onerror="window.pwned=1">'

# What the test reads from each page.
LAYOUT = """
return {overflow: document.documentElement.scrollWidth - window.innerWidth,
        styled: getComputedStyle(document.querySelector('main')).maxWidth,
        articles: document.querySelectorAll('article.status').length,
        scripts: document.scripts.length, pwned: window.pwned || null,
        title: document.title};
"""


def test_public_pages_in_a_phone_sized_browser(chirp_server: ChirpProcess) -> None:
    require_chromium()
    url = chirp_server.url
    alice = register(url, "alice")
    auth = {"Authorization": f"Bearer {alice['token']}"}
    profile = requests.patch(
        f"{url}/api/v1/accounts/update_credentials",
        headers=auth,
        json={"display_name": "Alice <b>", "note": f"bio {HOSTILE}"},
        timeout=10,
    )
    assert profile.status_code == 200, profile.text
    tweets = []
    for text in (f"a #test tweet {HOSTILE}", "a_very_long_word_" * 12, "the end of it #test"):
        reply_to = tweets[-1]["id"] if tweets else None
        posted = requests.post(
            f"{url}/api/v1/statuses",
            headers=auth,
            json={"status": text, "in_reply_to_id": reply_to},
            timeout=10,
        )
        assert posted.status_code == 200, posted.text
        tweets.append(posted.json())

    pages = {
        "/": 0,
        "/@alice": 3,  # a thread of her own shows whole, replies or not (as on Mastodon)
        "/@alice/with_replies": 3,
        f"/@alice/{tweets[1]['id']}": 3,
        "/tags/test": 2,
    }
    with chromium(width=360, height=740) as driver:
        for path, articles in pages.items():
            driver.get(url + path)
            state = driver.execute_script(LAYOUT)
            assert state["styled"] == "672px", (path, state)  # 42rem: the stylesheet applied
            assert state["overflow"] <= 0, (path, state)
            assert state["articles"] == articles, (path, state)
            assert state["scripts"] == 0 and state["pwned"] is None, (path, state)
            assert console_errors(driver) == [], path
        driver.get(url + "/@alice")
        assert driver.title == "Alice <b> (@alice@" + url.split("//")[1] + ")"
