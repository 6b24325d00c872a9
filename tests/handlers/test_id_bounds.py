"""Ids that cannot be records (beyond 64 bits, negative, not digits) are refused where they come
in, whatever the endpoint: 404 in a path (as Mastodon), 422 in a body or query; never a 500
(SQLite raises OverflowError on an integer past 2^63 - 1)."""

from __future__ import annotations

from typing import Any

import pytest
from aiohttp.test_utils import TestClient

from tests.helpers import User, post

# Text forms of ids that no record can have; every one must fail cleanly everywhere.
BAD_IDS = [
    str(2**63),  # one past the largest signed 64-bit integer
    str(2**64),
    "9" * 40,
    "-1",
    "abc",
    "1.5",
    "1e3",
    "١٢",  # Arabic-Indic digits: str.isdigit() says yes, a record id says no
]
# JSON bodies may also send numbers.
BAD_JSON_IDS: list[Any] = [*BAD_IDS, 2**63, 2**64, -1, 1.5, True, {"id": 1}]

PATH_ENDPOINTS = [
    ("GET", "/api/v1/statuses/{id}"),
    ("PUT", "/api/v1/statuses/{id}"),
    ("DELETE", "/api/v1/statuses/{id}"),
    ("GET", "/api/v1/statuses/{id}/context"),
    ("GET", "/api/v1/statuses/{id}/favourited_by"),
    ("GET", "/api/v1/statuses/{id}/reblogged_by"),
    ("GET", "/api/v1/statuses/{id}/history"),
    ("GET", "/api/v1/statuses/{id}/source"),
    ("POST", "/api/v1/statuses/{id}/favourite"),
    ("POST", "/api/v1/statuses/{id}/unfavourite"),
    ("POST", "/api/v1/statuses/{id}/reblog"),
    ("POST", "/api/v1/statuses/{id}/unreblog"),
    ("POST", "/api/v1/statuses/{id}/bookmark"),
    ("POST", "/api/v1/statuses/{id}/pin"),
    ("GET", "/api/v1/accounts/{id}"),
    ("GET", "/api/v1/accounts/{id}/statuses"),
    ("GET", "/api/v1/accounts/{id}/followers"),
    ("GET", "/api/v1/accounts/{id}/following"),
    ("POST", "/api/v1/accounts/{id}/follow"),
    ("POST", "/api/v1/accounts/{id}/unfollow"),
    ("GET", "/api/v1/notifications/{id}"),
    ("POST", "/api/v1/notifications/{id}/dismiss"),
    ("GET", "/api/v1/media/{id}"),
    ("PUT", "/api/v1/media/{id}"),
    ("GET", "/api/v1/chirp/streams/{id}"),
    ("GET", "/api/v1/chirp/streams/{id}/chat"),
    ("POST", "/api/v1/chirp/streams/{id}/end"),
]

PAGED_ENDPOINTS = [
    "/api/v1/timelines/home",
    "/api/v1/timelines/public",
    "/api/v1/timelines/tag/chirp",
    "/api/v1/notifications",
    "/api/v1/favourites",
    "/api/v1/bookmarks",
    "/api/v1/accounts/{me}/statuses",
    "/api/v1/accounts/{me}/followers",
    "/api/v1/chirp/streams",
]


async def _assert_json_error(response: Any, status: int) -> None:
    assert response.status == status, await response.text()
    body = await response.json()
    assert isinstance(body["error"], str) and body["error"]


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize(("method", "path"), PATH_ENDPOINTS)
async def test_a_bad_path_id_is_a_404(
    client: TestClient, alice: User, method: str, path: str, bad: str
) -> None:
    response = await client.request(
        method, path.format(id=bad), headers=alice.headers, json={"status": "x"}
    )
    await _assert_json_error(response, 404)


@pytest.mark.parametrize("bad", BAD_IDS)
@pytest.mark.parametrize("key", ["max_id", "since_id", "min_id"])
@pytest.mark.parametrize("path", PAGED_ENDPOINTS)
async def test_a_bad_paging_id_is_a_422(
    client: TestClient, alice: User, path: str, key: str, bad: str
) -> None:
    response = await client.get(path.format(me=alice.id), params={key: bad}, headers=alice.headers)
    await _assert_json_error(response, 422)


async def test_good_paging_ids_still_page(client: TestClient, alice: User) -> None:
    first = await post(client, alice, "one")
    await post(client, alice, "two")
    largest = str(2**63 - 1)
    for query in ({"max_id": largest}, {"since_id": "0"}, {"min_id": "", "max_id": largest}):
        response = await client.get(
            f"/api/v1/accounts/{alice.id}/statuses", params=query, headers=alice.headers
        )
        assert response.status == 200, await response.text()
        assert len(await response.json()) == 2
    response = await client.get(
        f"/api/v1/accounts/{alice.id}/statuses", params={"max_id": first["id"]}
    )
    assert await response.json() == []


# (encoding, bad value): JSON bodies also send numbers, forms only text.
BODY_CASES = [("json", bad) for bad in BAD_JSON_IDS] + [("form", bad) for bad in BAD_IDS]


@pytest.mark.parametrize(("encoding", "bad"), BODY_CASES)
@pytest.mark.parametrize("field", ["in_reply_to_id", "quoted_status_id"])
async def test_a_bad_status_reference_in_a_body_is_a_422(
    client: TestClient, alice: User, field: str, encoding: str, bad: Any
) -> None:
    body = {"status": "hi", field: bad}
    sent = {"json": body} if encoding == "json" else {"data": body}
    response = await client.post("/api/v1/statuses", headers=alice.headers, **sent)
    await _assert_json_error(response, 422)
    assert field in (await response.json())["error"]


@pytest.mark.parametrize("bad", BAD_JSON_IDS)
async def test_bad_media_ids_are_a_422(client: TestClient, alice: User, bad: Any) -> None:
    for body in ({"status": "hi", "media_ids": [bad]}, {"status": "hi", "media_ids": bad}):
        response = await client.post("/api/v1/statuses", headers=alice.headers, json=body)
        await _assert_json_error(response, 422)


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_bad_media_ids_in_a_form_are_a_422(client: TestClient, alice: User, bad: str) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, data={"status": "hi", "media_ids[]": bad}
    )
    await _assert_json_error(response, 422)
    tweet = await post(client, alice, "to edit")
    response = await client.put(
        f"/api/v1/statuses/{tweet['id']}",
        headers=alice.headers,
        data={"status": "edited", "media_ids[]": bad},
    )
    await _assert_json_error(response, 422)


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_bad_relationship_ids_are_a_422(client: TestClient, alice: User, bad: str) -> None:
    response = await client.get(
        "/api/v1/accounts/relationships",
        params=[("id[]", alice.id), ("id[]", bad)],
        headers=alice.headers,
    )
    await _assert_json_error(response, 422)


@pytest.mark.parametrize("bad", BAD_JSON_IDS)
async def test_a_bad_notification_id_to_dismiss_is_a_422(
    client: TestClient, alice: User, bad: Any
) -> None:
    response = await client.post(
        "/api/v1/notifications/dismiss", headers=alice.headers, json={"id": bad}
    )
    await _assert_json_error(response, 422)


@pytest.mark.parametrize("bad", BAD_JSON_IDS)
async def test_a_bad_account_id_to_ban_from_chat_is_a_422(
    client: TestClient, alice: User, bad: Any
) -> None:
    response = await client.post(
        "/api/v1/chirp/streams", headers=alice.headers, json={"title": "live"}
    )
    assert response.status == 200, await response.text()
    stream_id = (await response.json())["id"]
    response = await client.post(
        f"/api/v1/chirp/streams/{stream_id}/bans", headers=alice.headers, json={"account_id": bad}
    )
    await _assert_json_error(response, 422)


@pytest.mark.parametrize("bad", BAD_IDS)
async def test_a_bad_status_id_of_a_status_stream_is_a_404(
    client: TestClient, alice: User, bad: str
) -> None:
    response = await client.get(
        "/api/v1/streaming/status", params={"id": bad}, headers=alice.headers
    )
    await _assert_json_error(response, 404)


async def test_the_largest_id_is_merely_not_found(client: TestClient, alice: User) -> None:
    largest = str(2**63 - 1)
    response = await client.get(f"/api/v1/statuses/{largest}", headers=alice.headers)
    await _assert_json_error(response, 404)
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "hi", "in_reply_to_id": largest}
    )
    await _assert_json_error(response, 404)  # a reply to a post that does not exist
