"""Content filters through the API, on both storage backends: `/api/v2/filters` with its
keywords and statuses, `/api/v1/filters` on top, `filtered` results in each context, `hide`
filters leaving timelines, threads and notifications, expiry, and every refusal."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from chirp.core.context import Context
from chirp.server import create_app
from chirp.storage.mongodb import MongoStore
from chirp.storage.mongodb.schema import init_indexes
from tests.helpers import Drain, User, follow, make_settings, post, user_token
from tests.storage.mongo_standin import StandInClient


@pytest.fixture(params=["sqlite", "mongodb"])
def app(
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
    settings_overrides: dict[str, Any],
) -> web.Application:
    """The app on each backend: MongoDB's real code on the in-process stand-in."""
    if request.param == "mongodb":

        async def open_standin(url: str, settings: object = None) -> MongoStore:
            client = StandInClient()
            store = MongoStore(client, client["chirp"])  # type: ignore[arg-type]
            await init_indexes(store.db)
            return store

        monkeypatch.setattr("chirp.server.app.open_store", open_standin)
    return create_app(make_settings(**settings_overrides))


async def _create(client: TestClient, user: User, **fields: Any) -> Any:
    body = {"title": "spoilers", "context": ["home", "public"], **fields}
    return await client.post("/api/v2/filters", headers=user.headers, json=body)


async def _filter(client: TestClient, user: User, **fields: Any) -> dict[str, Any]:
    response = await _create(client, user, **fields)
    assert response.status == 200, await response.text()
    return dict(await response.json())


async def _get(client: TestClient, user: User, path: str) -> Any:
    response = await client.get(path, headers=user.headers)
    assert response.status == 200, await response.text()
    return await response.json()


async def test_a_filter_is_created_read_updated_and_deleted(
    client: TestClient, alice: User
) -> None:
    created = await _filter(
        client,
        alice,
        filter_action="hide",
        expires_in=3600,
        keywords_attributes=[{"keyword": "finale"}, {"keyword": "ep", "whole_word": False}],
    )
    assert set(created) == {
        "id",
        "title",
        "context",
        "expires_at",
        "filter_action",
        "keywords",
        "statuses",
    }
    assert (created["title"], created["context"], created["filter_action"]) == (
        "spoilers",
        ["home", "public"],
        "hide",
    )
    expires = datetime.fromisoformat(created["expires_at"].replace("Z", "+00:00"))
    assert abs((expires - datetime.now(UTC)).total_seconds() - 3600) < 60
    assert [(k["keyword"], k["whole_word"]) for k in created["keywords"]] == [
        ("finale", True),
        ("ep", False),
    ]
    assert await _get(client, alice, "/api/v2/filters") == [created]
    assert await _get(client, alice, f"/api/v2/filters/{created['id']}") == created
    finale, ep = created["keywords"]
    updated = await client.put(
        f"/api/v2/filters/{created['id']}",
        headers=alice.headers,
        json={
            "title": "tv",
            "context": ["thread"],
            "filter_action": "blur",
            "expires_in": "",
            "keywords_attributes": [
                {"id": finale["id"], "keyword": "season"},
                {"id": ep["id"], "_destroy": True},
                {"keyword": "trailer"},
            ],
        },
    )
    assert updated.status == 200, await updated.text()
    body = await updated.json()
    assert (body["title"], body["context"], body["filter_action"], body["expires_at"]) == (
        "tv",
        ["thread"],
        "blur",
        None,
    )
    assert [k["keyword"] for k in body["keywords"]] == ["season", "trailer"]
    assert body["keywords"][0]["id"] == finale["id"]
    deleted = await client.delete(f"/api/v2/filters/{created['id']}", headers=alice.headers)
    assert (deleted.status, await deleted.json()) == (200, {})
    assert await _get(client, alice, "/api/v2/filters") == []
    gone = await client.get(f"/api/v2/filters/{created['id']}", headers=alice.headers)
    assert gone.status == 404


async def test_a_form_encoded_filter_carries_its_keywords(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v2/filters",
        headers=alice.headers,
        data=[
            ("title", "form"),
            ("context[]", "home"),
            ("context[]", "notifications"),
            ("keywords_attributes[][keyword]", "one"),
            ("keywords_attributes[][whole_word]", "false"),
            ("keywords_attributes[][keyword]", "two"),
            ("keywords_attributes[][whole_word]", "true"),
        ],
    )
    assert response.status == 200, await response.text()
    body = await response.json()
    assert body["context"] == ["home", "notifications"]
    assert [(k["keyword"], k["whole_word"]) for k in body["keywords"]] == [
        ("one", False),
        ("two", True),
    ]


async def test_keywords_and_statuses_have_their_own_endpoints(
    client: TestClient, alice: User, bob: User
) -> None:
    created = await _filter(client, alice)
    fid = created["id"]
    added = await client.post(
        f"/api/v2/filters/{fid}/keywords",
        headers=alice.headers,
        json={"keyword": "Plot Twist", "whole_word": False},
    )
    assert added.status == 200, await added.text()
    keyword = await added.json()
    assert set(keyword) == {"id", "keyword", "whole_word"}
    assert await _get(client, alice, f"/api/v2/filters/{fid}/keywords") == [keyword]
    assert await _get(client, alice, f"/api/v2/filters/keywords/{keyword['id']}") == keyword
    changed = await client.put(
        f"/api/v2/filters/keywords/{keyword['id']}",
        headers=alice.headers,
        json={"keyword": "twist", "whole_word": True},
    )
    changed_kw = await changed.json()
    assert changed_kw["keyword"] == "twist"
    tweet = await post(client, bob, "a tweet to filter")
    filtered = await client.post(
        f"/api/v2/filters/{fid}/statuses", headers=alice.headers, json={"status_id": tweet["id"]}
    )
    assert filtered.status == 200, await filtered.text()
    entry = await filtered.json()
    assert entry["status_id"] == tweet["id"] and set(entry) == {"id", "status_id"}
    again = await client.post(
        f"/api/v2/filters/{fid}/statuses", headers=alice.headers, json={"status_id": tweet["id"]}
    )
    assert again.status == 422
    assert await _get(client, alice, f"/api/v2/filters/{fid}/statuses") == [entry]
    assert await _get(client, alice, f"/api/v2/filters/statuses/{entry['id']}") == entry
    # Also at the flat paths.
    assert await _get(client, alice, f"/api/v2/filter_statuses/{entry['id']}") == entry
    assert await _get(client, alice, f"/api/v2/filter_keywords/{keyword['id']}") == changed_kw
    # Someone else's filter parts are not found.
    for path in (
        f"/api/v2/filters/{fid}",
        f"/api/v2/filters/keywords/{keyword['id']}",
        f"/api/v2/filters/statuses/{entry['id']}",
    ):
        assert (await client.get(path, headers=bob.headers)).status == 404
        assert (await client.delete(path, headers=bob.headers)).status == 404
    assert (
        await client.delete(f"/api/v2/filters/statuses/{entry['id']}", headers=alice.headers)
    ).status == 200
    assert (
        await client.delete(f"/api/v2/filters/keywords/{keyword['id']}", headers=alice.headers)
    ).status == 200
    left = await _get(client, alice, f"/api/v2/filters/{fid}")
    assert [k["keyword"] for k in left["keywords"]] == [] and left["statuses"] == []


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Title can't be blank"),
        ({"context": []}, "Context"),
        ({"context": ["everywhere"]}, "invalid context"),
        ({"filter_action": "explode"}, "filter_action"),
        ({"keywords_attributes": [{"keyword": "  "}]}, "Keyword can't be blank"),
        ({"expires_in": "soon"}, "expires_in"),
        ({"expires_in": -5}, "expires_in"),
    ],
)
async def test_bad_filters_are_refused(
    client: TestClient, alice: User, fields: dict[str, Any], message: str
) -> None:
    response = await _create(client, alice, **fields)
    assert response.status == 422
    assert message in (await response.json())["error"]
    assert await _get(client, alice, "/api/v2/filters") == []


async def test_filters_need_their_scopes(client: TestClient, alice: User) -> None:
    assert (await client.get("/api/v2/filters")).status == 401
    read_only = await user_token(client, alice, "read:filters")
    assert (await client.get("/api/v2/filters", headers=read_only)).status == 200
    refused = await client.post(
        "/api/v2/filters", headers=read_only, json={"title": "x", "context": ["home"]}
    )
    assert refused.status == 403


async def test_v1_filters_are_keywords_of_v2_filters(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/filters",
        headers=alice.headers,
        json={"phrase": "Spoiler", "context": ["home"], "irreversible": True, "whole_word": False},
    )
    assert response.status == 200, await response.text()
    v1 = await response.json()
    assert set(v1) == {"id", "phrase", "context", "whole_word", "expires_at", "irreversible"}
    assert (v1["phrase"], v1["irreversible"], v1["whole_word"]) == ("Spoiler", True, False)
    [v2] = await _get(client, alice, "/api/v2/filters")
    assert (v2["title"], v2["filter_action"]) == ("Spoiler", "hide")
    assert v2["keywords"][0]["id"] == v1["id"]
    assert await _get(client, alice, "/api/v1/filters") == [v1]
    assert await _get(client, alice, f"/api/v1/filters/{v1['id']}") == v1
    changed = await client.put(
        f"/api/v1/filters/{v1['id']}",
        headers=alice.headers,
        json={"phrase": "leak", "context": ["home", "public"], "irreversible": False},
    )
    assert changed.status == 200, await changed.text()
    assert (await changed.json())["phrase"] == "leak"
    assert (await _get(client, alice, "/api/v2/filters"))[0]["filter_action"] == "warn"
    # A v2 filter with several keywords is not changed through v1 (as Mastodon refuses it).
    await client.post(
        f"/api/v2/filters/{v2['id']}/keywords", headers=alice.headers, json={"keyword": "more"}
    )
    refused = await client.put(
        f"/api/v1/filters/{v1['id']}", headers=alice.headers, json={"context": ["thread"]}
    )
    assert refused.status == 422
    deleted = await client.delete(f"/api/v1/filters/{v1['id']}", headers=alice.headers)
    assert deleted.status == 200
    assert [f["phrase"] for f in await _get(client, alice, "/api/v1/filters")] == ["more"]


async def test_warn_filters_mark_statuses_and_hide_filters_drop_them(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    await follow(client, alice, bob)
    warned = await _filter(
        client, alice, title="cw", context=["home"], keywords_attributes=[{"keyword": "finale"}]
    )
    await _filter(
        client,
        alice,
        title="never",
        context=["home", "public"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "crypto"}],
    )
    plain = await post(client, bob, "good morning")
    spoiler = await post(client, bob, "The FINALE was wild")
    partial = await post(client, bob, "finales everywhere")  # whole word: no match
    await post(client, bob, "buy crypto now")
    await drain()
    home = await _get(client, alice, "/api/v1/timelines/home")
    assert [s["id"] for s in home] == [partial["id"], spoiler["id"], plain["id"]]
    marked = {s["id"]: s["filtered"] for s in home}
    assert marked[plain["id"]] == [] and marked[partial["id"]] == []
    [result] = marked[spoiler["id"]]
    assert result["filter"]["id"] == warned["id"]
    assert set(result["filter"]) == {"id", "title", "context", "expires_at", "filter_action"}
    assert result["keyword_matches"] == ["FINALE"]
    assert result["status_matches"] is None
    # `home` only: the public timeline shows it unmarked, and still hides the crypto tweet.
    public = await _get(client, alice, "/api/v1/timelines/public")
    assert [s["id"] for s in public] == [partial["id"], spoiler["id"], plain["id"]]
    assert all(s["filtered"] == [] for s in public)
    # Bob's own view is his.
    assert len(await _get(client, bob, "/api/v1/timelines/home")) == 4
    # One's own tweets are never filtered.
    own = await post(client, alice, "my finale and my crypto")
    await drain()
    mine = await _get(client, alice, "/api/v1/timelines/home")
    assert (mine[0]["id"], mine[0]["filtered"]) == (own["id"], [])
    # A retweet of a hidden tweet is hidden too; retweet of a marked one is marked.
    by_bob = await _get(client, alice, f"/api/v1/accounts/{bob.id}/statuses")
    assert len(by_bob) == 4  # `account` context: no filter applies there


async def test_status_filters_and_expiry(
    client: TestClient,
    alice: User,
    bob: User,
    drain: Drain,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    await follow(client, alice, bob)
    tweet = await post(client, bob, "an ordinary tweet")
    reblog = await client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=bob.headers)
    wrapper = await reblog.json()
    created = await _filter(client, alice, title="this one", context=["home"], expires_in=600)
    await client.post(
        f"/api/v2/filters/{created['id']}/statuses",
        headers=alice.headers,
        json={"status_id": tweet["id"]},
    )
    await drain()
    home = await _get(client, alice, "/api/v1/timelines/home")
    by_id = {s["id"]: s for s in home}
    assert by_id[tweet["id"]]["filtered"][0]["status_matches"] == [tweet["id"]]
    assert by_id[wrapper["id"]]["filtered"][0]["status_matches"] == [tweet["id"]]
    assert by_id[wrapper["id"]]["reblog"]["filtered"][0]["filter"]["id"] == created["id"]
    later = datetime.now(UTC) + timedelta(minutes=11)
    monkeypatch.setattr(Context, "now", staticmethod(lambda: later))
    home = await _get(client, alice, "/api/v1/timelines/home")
    assert all(s["filtered"] == [] for s in home)  # expired


async def test_hide_filters_apply_to_threads_and_notifications(
    client: TestClient, alice: User, bob: User, drain: Drain
) -> None:
    root = await post(client, alice, "what do you think?")
    await post(client, bob, "@alice spam spam", in_reply_to_id=root["id"])
    kept = await post(client, bob, "@alice a fine answer", in_reply_to_id=root["id"])
    await drain()
    await _filter(
        client,
        alice,
        title="spam",
        context=["thread", "notifications"],
        filter_action="hide",
        keywords_attributes=[{"keyword": "spam"}],
    )
    thread = await _get(client, alice, f"/api/v1/statuses/{root['id']}/context")
    assert [s["id"] for s in thread["descendants"]] == [kept["id"]]
    notes = await _get(client, alice, "/api/v1/notifications")
    assert [n["status"]["id"] for n in notes if n["type"] == "mention"] == [kept["id"]]
    await _filter(
        client,
        alice,
        title="warn",
        context=["notifications"],
        keywords_attributes=[{"keyword": "fine"}],
    )
    notes = await _get(client, alice, "/api/v1/notifications")
    mention = next(n for n in notes if n["type"] == "mention")
    assert mention["status"]["filtered"][0]["keyword_matches"] == ["fine"]
