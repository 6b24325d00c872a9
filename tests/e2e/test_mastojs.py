"""masto.js (the npm `masto` package, the client library of Elk and Phanpy) against a real
`chirp serve`. A Node script, tests/e2e/mastojs/scenario.mjs, walks what those web clients do
at start-up and on their main screens (and filters, polls, scheduled posts, Web Push, lists,
conversations and link cards) and prints what it saw; this test judges it.

Needs Node 18.17 or newer (masto.js calls `AbortSignal.any`; Debian bookworm's apt `nodejs` is
18.20) and the pinned packages (`npm ci` in tests/e2e/mastojs); without them the test is
skipped locally and fails in CI, where `.ci/run` installs both."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.e2e.process import ChirpProcess
from tests.e2e.test_link_cards_mastodon_py import ALLOWED as PAGE_HOST
from tests.e2e.test_link_cards_mastodon_py import serve_page

MASTOJS = Path(__file__).parent / "mastojs"
NODE_MIN = (18, 17)

Facts = dict[str, Any]
CHECKS: dict[str, Callable[[Facts, str], None]] = {}


@pytest.fixture
def node() -> str:
    """The `node` binary, once masto.js is installed beside the script (checked before a
    server starts)."""
    node = shutil.which("node")
    problem = None
    if node is None:
        problem = (
            "node is not installed (apt-get install nodejs npm; then npm ci in tests/e2e/mastojs)"
        )
    else:
        version = subprocess.run([node, "--version"], capture_output=True, text=True, check=True)
        found = tuple(int(part) for part in re.findall(r"\d+", version.stdout)[:2])
        if found < NODE_MIN:
            problem = f"node {version.stdout.strip()} is too old: masto.js needs 18.17 or newer"
        elif not (MASTOJS / "node_modules" / "masto" / "package.json").is_file():
            problem = "masto.js is not installed: run `npm ci` in tests/e2e/mastojs"
    if problem is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{problem} (.ci/run installs it)")
        pytest.skip(problem)
    assert node is not None
    return node


def check(step: str) -> Callable[[Callable[[Facts, str], None]], Callable[[Facts, str], None]]:
    """Register what must hold of a step's facts (called with the facts and the server URL)."""

    def register(verify: Callable[[Facts, str], None]) -> Callable[[Facts, str], None]:
        CHECKS[step] = verify
        return verify

    return register


@check("app")
def _app(facts: Facts, url: str) -> None:
    assert facts["hasClientId"] and facts["hasClientSecret"]
    assert facts["tokenType"].lower() == "bearer"
    assert facts["verifiedName"] == facts["name"] == "chirp masto.js e2e"


for _name in ("ada", "bob", "cy", "dan"):

    def _registered(facts: Facts, url: str, name: str = _name) -> None:
        assert facts == {"username": name, "hasToken": True}

    check(f"register_{_name}")(_registered)


@check("password_login")
def _password_login(facts: Facts, url: str) -> None:
    assert facts["username"] == "ada"
    assert set(facts["scope"].split()) == {"read", "write", "follow"}
    assert facts["hasSource"] and facts["sourcePrivacy"] == "public"


@check("instance_v1")
def _instance_v1(facts: Facts, url: str) -> None:
    assert facts["uri"] == urlsplit(url).netloc
    assert facts["version"].startswith("4.")
    assert facts["streamingApi"].startswith("ws")
    assert facts["maxCharacters"] == 500
    assert facts["registrations"] is True
    assert facts["userCount"] == 4


@check("instance_v2")
def _instance_v2(facts: Facts, url: str) -> None:
    assert facts["domain"] == urlsplit(url).netloc
    assert facts["version"].startswith("4.")
    assert facts["apiVersionsMastodon"] >= 2  # grouped notifications are version 2
    assert facts["streaming"].startswith("ws")
    assert (facts["maxCharacters"], facts["maxMediaAttachments"]) == (500, 4)
    assert facts["registrationsEnabled"] is True
    assert facts["hasRules"]


@check("preferences")
def _preferences(facts: Facts, url: str) -> None:
    assert facts["defaultVisibilityBefore"] == "public"
    assert facts["sourcePrivacy"] == "unlisted"
    assert (facts["visibility"], facts["sensitive"], facts["language"]) == ("unlisted", True, "fr")
    assert (facts["expandMedia"], facts["expandSpoilers"]) == ("default", False)
    # Posting defaults are defaults: a status sent without them takes them.
    assert (facts["postedVisibility"], facts["postedLanguage"]) == ("unlisted", "fr")


@check("start_up_lists")
def _start_up_lists(facts: Facts, url: str) -> None:
    assert (facts["emojis"], facts["announcements"], facts["requests"]) == (0, 0, 0)
    assert facts["policyForNotFollowing"] == "accept"  # Mastodon's default
    assert facts["policyPendingRequests"] == 0


@check("follow_and_post")
def _follow_and_post(facts: Facts, url: str) -> None:
    assert facts["following"] is True
    assert facts["helloTags"] == ["mastojs"]
    assert facts["homeIds"] == facts["expectedHomeIds"]


@check("statuses_batch")
def _statuses_batch(facts: Facts, url: str) -> None:
    assert facts["ids"] == facts["expected"]


@check("markers")
def _markers(facts: Facts, url: str) -> None:
    assert facts["emptyTimelines"] == []
    assert facts["savedLastReadId"] == facts["helloId"]
    assert facts["secondVersion"] > facts["firstVersion"]
    assert facts["readLastReadId"] == facts["expectedLastReadId"]
    assert facts["readHasUpdatedAt"]
    assert facts["readTimelines"] == ["home"]


@check("grouped_notifications")
def _grouped_notifications(facts: Facts, url: str) -> None:
    assert facts["types"] == ["favourite", "follow", "reblog"]
    assert facts["favouriteCount"] == 2
    assert facts["favouriteStatusId"] == facts["expectedStatusId"]
    assert facts["favouriteSamples"] == facts["expectedSamples"]
    assert set(facts["expectedSamples"]) <= set(facts["accountIds"])
    assert facts["expectedStatusId"] in facts["statusIds"]
    # Unread: nothing is marked read, so every group (v2) and every notification (v1) counts.
    assert (facts["unreadCount"], facts["unreadCountV1"]) == (3, 4)
    assert facts["fetchedGroupKeys"] == [facts["groupKey"]]
    assert facts["groupAccountIds"] == facts["expectedSamples"]
    assert facts["typesAfterDismiss"] == ["follow", "reblog"]


@check("follow_requests")
def _follow_requests(facts: Facts, url: str) -> None:
    assert facts["locked"] is True
    assert (facts["requested"], facts["followingBeforeApproval"]) == (True, False)
    assert facts["pendingIds"] == facts["expectedPendingIds"]
    assert facts["notificationTypes"] == ["follow_request"]
    assert facts["authorizedFollowedBy"] is True
    assert (facts["following"], facts["stillRequested"]) == (True, False)
    assert facts["pendingAfter"] == 0
    assert facts["privateReachedHome"] is True


@check("followed_tags")
def _followed_tags(facts: Facts, url: str) -> None:
    assert facts["unusedName"] == "neverusedanywhere"
    assert all(day["uses"] == "0" for day in facts["unusedHistory"])
    assert facts["unusedFollowing"] is False
    assert (facts["followedName"], facts["followedFollowing"]) == ("chirptags", True)
    assert facts["listNames"] == ["chirptags"]
    assert facts["taggedReachedHome"] is True
    assert facts["unfollowedFollowing"] is False
    assert facts["listAfter"] == 0


@check("streaming_from_a_web_client")
def _streaming(facts: Facts, url: str) -> None:
    assert facts["received"] is True
    assert facts["stream"] == ["user"]
    assert facts["accountAcct"] == "bob"


@check("lists")
def _lists(facts: Facts, url: str) -> None:
    assert (facts["title"], facts["repliesPolicy"], facts["exclusive"]) == (
        "Masto friends",
        "list",
        False,
    )
    assert facts["listed"] is True
    assert facts["notFollowedStatus"] == 404  # only accounts one follows
    assert facts["members"] == ["bob"]
    assert facts["bobsLists"] == ["Masto friends"]
    assert facts["timelineHasIt"] is True
    assert facts["streamed"] is True
    assert facts["streamedStream"] == ["list", facts["listId"]]
    assert facts["renamed"] == "Renamed"
    assert (facts["membersAfter"], facts["listedAfter"]) == (0, False)


@check("conversations")
def _conversations(facts: Facts, url: str) -> None:
    assert (facts["unread"], facts["accounts"]) == (True, ["ada"])
    assert facts["readUnread"] is False
    assert facts["streamed"] is True
    assert (facts["streamedUnread"], facts["streamedAccounts"]) == (True, ["cy"])
    assert facts["streamedIsMine"] is True
    assert facts["theirsAfter"] == 0


@check("filters_v2")
def _filters_v2(facts: Facts, url: str) -> None:
    assert facts["keywords"] == ["finale"]
    assert facts["hideAction"] == "hide"
    assert facts["titles"] == ["TV", "Never"]
    assert facts["warnedFilterIds"] == [facts["warnId"]]
    assert facts["keywordMatches"] == ["Finale"]
    assert facts["markerFiltered"] == []
    assert facts["hiddenShown"] is False  # a `hide` filter drops the status
    assert facts["hiddenShownAfter"] is True  # and it comes back once the filter is gone
    assert facts["filtersAfter"] == 0


@check("polls")
def _polls(facts: Facts, url: str) -> None:
    assert facts["options"] == ["tea", "coffee", "water"]
    assert (facts["multiple"], facts["expired"]) == (True, False)
    assert facts["votedBefore"] is False
    assert facts["ownVotes"] == [0, 2]
    assert facts["counts"] == [1, 0, 1]
    assert (facts["votesCount"], facts["votersCount"]) == (2, 1)
    assert facts["secondVoteStatus"] == 422  # once per account
    assert facts["statusVotesCount"] == 2


@check("scheduled_statuses")
def _scheduled_statuses(facts: Facts, url: str) -> None:
    assert (facts["text"], facts["visibility"]) == ("Good morning!", "unlisted")
    assert facts["offsetMs"] < 1000 and facts["movedOffsetMs"] < 1000
    assert facts["listedIds"] == [facts["id"]]
    assert facts["othersStatus"] == 404
    assert facts["tooSoonStatus"] == 422  # at least five minutes ahead, as Mastodon
    assert facts["after"] == 0


@check("push_subscription")
def _push_subscription(facts: Facts, url: str) -> None:
    assert facts["serverKey"] and facts["serverKey"] == facts["vapidKey"]
    assert facts["endpoint"] == "https://push.example.invalid/ada"
    alerts = facts["alerts"]
    assert (alerts["mention"], alerts["follow"], alerts["favourite"]) == (True, True, False)
    assert facts["policy"] == "all"
    assert facts["shownId"] == facts["madeId"]
    changed = facts["changedAlerts"]
    assert (changed["follow"], changed["mention"]) == (True, False)
    assert facts["afterStatus"] == 404


@check("link_card")
def _link_card(facts: Facts, url: str) -> None:
    assert facts["cardUrl"] == facts["page"]
    assert (facts["title"], facts["description"]) == ("Harbour news", "Boats came back.")
    assert facts["type"] == "link"


def _header_items(value: str | None) -> set[str]:
    return {item.strip().lower() for item in (value or "").split(",") if item.strip()}


@check("cors_preflight")
def _cors_preflight(facts: Facts, url: str) -> None:
    origins = {"*", facts["origin"]}
    assert facts["preflightStatus"] in (200, 204)
    assert facts["allowOrigin"] in origins
    assert "get" in _header_items(facts["allowMethods"])
    assert "authorization" in _header_items(facts["allowHeaders"])
    assert int(facts["maxAge"]) > 0
    assert facts["allowCredentials"] != "true"  # tokens, never cookies
    assert facts["actualStatus"] == 200
    assert facts["actualAllowOrigin"] in origins
    exposed = _header_items(facts["exposeHeaders"])
    assert {"link", "x-request-id"} <= exposed
    assert any(name.startswith("x-ratelimit-") for name in exposed)
    assert facts["tokenPreflightStatus"] in (200, 204)
    assert facts["tokenAllowOrigin"] in origins
    assert "content-type" in _header_items(facts["tokenAllowHeaders"])
    assert facts["nodeinfoLinks"] >= 1
    assert facts["wellKnownAllowOrigin"] in origins
    assert facts["nodeinfoStatus"] == 200
    assert facts["nodeinfoAllowOrigin"] in origins


@pytest.fixture
def page() -> Iterator[str]:
    """A page with Open Graph tags on a loopback address the server is told to allow."""
    server, _ = serve_page(PAGE_HOST)
    try:
        yield f"http://{PAGE_HOST}:{server.server_address[1]}/harbour"
    finally:
        server.shutdown()


@pytest.fixture
def chirp_server(tmp_path: Path) -> Iterator[ChirpProcess]:
    env = {"CHIRP_LINK_CARDS": "true", "CHIRP_LINK_CARD_ALLOWED_PRIVATE": f"{PAGE_HOST}/32"}
    node = ChirpProcess(tmp_path / "data", env=env).start()
    try:
        yield node
    finally:
        node.stop()


def test_mastojs_walks_the_start_up_screens(
    node: str, page: str, chirp_server: ChirpProcess
) -> None:
    completed = subprocess.run(
        [node, "scenario.mjs", chirp_server.url, page],
        cwd=MASTOJS,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    steps: dict[str, dict[str, Any]] = json.loads(completed.stdout)["steps"]
    assert set(steps) == set(CHECKS), "every step the script runs is checked"

    problems = []
    for name, verify in CHECKS.items():
        step = steps[name]
        if not step["ok"]:
            problems.append(f"{name}: {step['error']}")
            continue
        try:
            verify(step["facts"], chirp_server.url)
        except AssertionError as failure:
            problems.append(f"{name}: {failure}\n  facts: {step['facts']}")
    assert not problems, "\n".join(problems) + f"\n(server log: {chirp_server.log_path})"
