"""Profile fields, `source` (posting defaults) in update/verify_credentials, preferences, and the
default visibility, sensitivity and language of new posts."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import User, post, user_token

UPDATE = "/api/v1/accounts/update_credentials"


async def update(client: TestClient, user: User, **kwargs: Any) -> tuple[int, dict[str, Any]]:
    response = await client.patch(UPDATE, headers=user.headers, **kwargs)
    return response.status, dict(await response.json())


async def test_fields_from_a_form(client: TestClient, alice: User, bob: User) -> None:
    status, body = await update(
        client,
        alice,
        data={
            "fields_attributes[0][name]": "Website",
            "fields_attributes[0][value]": "https://alice.example/about",
            "fields_attributes[1][name]": "Pronouns",
            "fields_attributes[1][value]": "she/her <b>",
            "fields_attributes[2][name]": "",
            "fields_attributes[2][value]": "",
            "fields_attributes[3][name]": "Friend",
            "fields_attributes[3][value]": "@bob #Chirp",
        },
    )
    assert status == 200, body
    fields = body["fields"]
    assert [f["name"] for f in fields] == ["Website", "Pronouns", "Friend"]  # blank pair dropped
    assert all(f["verified_at"] is None for f in fields)
    website = fields[0]["value"]
    assert (
        'href="https://alice.example/about"' in website and 'rel="nofollow noopener me"' in website
    )
    assert fields[1]["value"] == "she/her &lt;b&gt;"
    assert '/@bob" class="u-url mention">@<span>bob</span></a>' in fields[2]["value"]
    assert '/tags/chirp" class="mention hashtag" rel="tag">' in fields[2]["value"]
    assert body["source"]["fields"] == [
        {"name": "Website", "value": "https://alice.example/about", "verified_at": None},
        {"name": "Pronouns", "value": "she/her <b>", "verified_at": None},
        {"name": "Friend", "value": "@bob #Chirp", "verified_at": None},
    ]
    shown = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert [f["name"] for f in shown["fields"]] == ["Website", "Pronouns", "Friend"]
    # Other updates leave the fields alone; an empty set clears them.
    status, body = await update(client, alice, json={"display_name": "Alice"})
    assert len(body["fields"]) == 3
    status, body = await update(client, alice, json={"fields_attributes": []})
    assert status == 200 and body["fields"] == [] and body["source"]["fields"] == []


async def test_fields_from_json_in_index_order(client: TestClient, alice: User) -> None:
    status, body = await update(
        client,
        alice,
        json={
            "fields_attributes": {
                "10": {"name": "Last", "value": "z"},
                "2": {"name": "First", "value": "a"},
            }
        },
    )
    assert status == 200, body
    assert [f["name"] for f in body["fields"]] == ["First", "Last"]
    status, body = await update(
        client, alice, json={"fields_attributes": [{"name": "Only", "value": "one"}]}
    )
    assert [f["name"] for f in body["fields"]] == ["Only"]


async def test_field_limits(client: TestClient, alice: User) -> None:
    five = {str(i): {"name": f"n{i}", "value": "v"} for i in range(5)}
    status, body = await update(client, alice, json={"fields_attributes": five})
    assert status == 422 and "Fields" in body["error"]
    long_name = [{"name": "n" * 256, "value": "v"}]
    status, body = await update(client, alice, json={"fields_attributes": long_name})
    assert status == 422
    long_value = [{"name": "n", "value": "v" * 256}]
    status, body = await update(client, alice, json={"fields_attributes": long_value})
    assert status == 422
    at_limit = [{"name": "n" * 255, "value": "v" * 255}] * 4
    status, body = await update(client, alice, json={"fields_attributes": at_limit})
    assert status == 200 and len(body["fields"]) == 4
    status, body = await update(client, alice, json={"fields_attributes": "nope"})
    assert status == 422
    # Nothing was changed by the refused updates.
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert len(me["fields"]) == 4


async def test_source_and_preferences(client: TestClient, alice: User) -> None:
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["source"]["privacy"] == "public" and me["source"]["sensitive"] is False
    assert me["source"]["follow_requests_count"] == 0
    prefs = await (await client.get("/api/v1/preferences", headers=alice.headers)).json()
    assert prefs == {
        "posting:default:visibility": "public",
        "posting:default:sensitive": False,
        "posting:default:language": None,
        "reading:expand:media": "default",
        "reading:expand:spoilers": False,
    }
    status, body = await update(
        client,
        alice,
        data={"source[privacy]": "unlisted", "source[sensitive]": "true", "source[language]": "fr"},
    )
    assert status == 200, body
    assert body["source"]["privacy"] == "unlisted"
    assert body["source"]["sensitive"] is True
    assert body["source"]["language"] == "fr"
    prefs = await (await client.get("/api/v1/preferences", headers=alice.headers)).json()
    assert prefs["posting:default:visibility"] == "unlisted"
    assert prefs["posting:default:sensitive"] is True
    assert prefs["posting:default:language"] == "fr"
    # JSON, nested; only what is sent changes.
    status, body = await update(client, alice, json={"source": {"privacy": "private"}})
    assert body["source"]["privacy"] == "private" and body["source"]["language"] == "fr"


async def test_source_validation(client: TestClient, alice: User) -> None:
    for source in (
        {"privacy": "direct"},
        {"privacy": "everyone"},
        {"language": "xx"},
        {"language": "english"},
        {"sensitive": "maybe"},
    ):
        status, body = await update(client, alice, json={"source": source})
        assert status == 422, source
        assert body["error"]
    status, body = await update(client, alice, json={"source": "public"})
    assert status == 422
    me = await (
        await client.get("/api/v1/accounts/verify_credentials", headers=alice.headers)
    ).json()
    assert me["source"]["privacy"] == "public"


async def test_posting_defaults_apply_to_new_posts(client: TestClient, alice: User) -> None:
    await update(
        client,
        alice,
        json={"source": {"privacy": "private", "sensitive": True, "language": "de"}},
    )
    tweet = await post(client, alice, "hallo")
    assert tweet["visibility"] == "private"
    assert tweet["sensitive"] is True
    assert tweet["language"] == "de"
    explicit = await post(client, alice, "hi", visibility="public", sensitive=False, language="en")
    retweet = await client.post(f"/api/v1/statuses/{explicit['id']}/reblog", headers=alice.headers)
    assert (await retweet.json())["visibility"] == "private"  # retweets too, as in Mastodon
    assert explicit["visibility"] == "public"
    assert explicit["sensitive"] is False
    assert explicit["language"] == "en"


async def test_preferences_scopes(client: TestClient, alice: User) -> None:
    assert (await client.get("/api/v1/preferences")).status == 401
    writer = await user_token(client, alice, "write:accounts")
    assert (await client.get("/api/v1/preferences", headers=writer)).status == 403
    reader = await user_token(client, alice, "read:accounts")
    assert (await client.get("/api/v1/preferences", headers=reader)).status == 200
