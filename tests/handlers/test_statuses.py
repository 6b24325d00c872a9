"""POST/GET/PUT/DELETE /api/v1/statuses, edit history, thread context and tweet text rules."""

from __future__ import annotations

from typing import Any

from aiohttp.test_utils import TestClient

from tests.helpers import PASSWORD, User, post, register_app


async def get(client: TestClient, user: User | None, status_id: str) -> Any:
    headers = user.headers if user else {}
    return await client.get(f"/api/v1/statuses/{status_id}", headers=headers)


# --- posting -----------------------------------------------------------------------------------


async def test_post_returns_the_mastodon_status_shape(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "hello world")
    assert body["content"] == "<p>hello world</p>"
    assert body["visibility"] == "public"
    assert body["account"]["id"] == alice.id
    assert body["account"]["username"] == "alice"
    assert body["reblog"] is None and body["in_reply_to_id"] is None
    assert (body["favourites_count"], body["reblogs_count"], body["replies_count"]) == (0, 0, 0)
    assert body["favourited"] is False and body["reblogged"] is False
    shown = await get(client, alice, body["id"])
    assert shown.status == 200
    assert (await shown.json())["content"] == "<p>hello world</p>"


async def test_500_characters_is_the_limit(client: TestClient, alice: User) -> None:
    await post(client, alice, "a" * 500)
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "a" * 501}
    )
    assert response.status == 422
    assert "error" in await response.json()


async def test_urls_count_as_23_characters(client: TestClient, alice: User) -> None:
    url = "https://example.com/" + "x" * 200  # 220 characters, counted as 23
    await post(client, alice, "a" * (500 - 23 - 1) + " " + url)
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "a" * (500 - 23) + " " + url},
    )
    assert response.status == 422


async def test_the_limit_counts_user_perceived_characters(client: TestClient, alice: User) -> None:
    family = "\U0001f469\u200d\U0001f469\u200d\U0001f467"  # five code points, one character
    await post(client, alice, family * 500)
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": family * 501}
    )
    assert response.status == 422


async def test_empty_or_blank_status_is_refused(client: TestClient, alice: User) -> None:
    for text in ("", "   \n  "):
        response = await client.post(
            "/api/v1/statuses", headers=alice.headers, json={"status": text}
        )
        assert response.status == 422, text
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses", headers=alice.headers)
    assert await timeline.json() == []


async def test_posting_needs_a_token(client: TestClient) -> None:
    response = await client.post("/api/v1/statuses", json={"status": "anonymous"})
    assert response.status == 401


async def read_only_token(client: TestClient, user: User) -> str:
    app = await register_app(client, scopes="read")
    response = await client.post(
        "/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app.client_id,
            "client_secret": app.client_secret,
            "username": user.email,
            "password": PASSWORD,
            "scope": "read",
        },
    )
    assert response.status == 200, await response.text()
    return str((await response.json())["access_token"])


async def test_read_only_token_cannot_post(client: TestClient, alice: User) -> None:
    token = await read_only_token(client, alice)
    headers = {"Authorization": f"Bearer {token}"}
    # The token works for reading...
    me = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert me.status == 200
    assert (await me.json())["id"] == alice.id
    # ...but not for writing.
    response = await client.post("/api/v1/statuses", headers=headers, json={"status": "hi"})
    assert response.status == 403
    assert "error" in await response.json()
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert await timeline.json() == []
    posted = await post(client, alice, "written with a write token")
    for path in ("favourite", "reblog", "bookmark"):
        response = await client.post(f"/api/v1/statuses/{posted['id']}/{path}", headers=headers)
        assert response.status == 403, path
    response = await client.delete(f"/api/v1/statuses/{posted['id']}", headers=headers)
    assert response.status == 403


async def test_form_encoded_post_works(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        data={"status": "from a form", "visibility": "unlisted"},
    )
    assert response.status == 200
    body = await response.json()
    assert body["visibility"] == "unlisted"
    assert body["content"] == "<p>from a form</p>"


async def test_idempotency_key_retry_returns_the_same_status(
    client: TestClient, alice: User, bob: User
) -> None:
    headers = {**alice.headers, "Idempotency-Key": "abc-123"}
    first = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
    second = await client.post("/api/v1/statuses", headers=headers, json={"status": "once"})
    assert first.status == second.status == 200
    first_id = (await first.json())["id"]
    assert (await second.json())["id"] == first_id
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert [s["id"] for s in await timeline.json()] == [first_id]
    # The key is per user: bob using the same key gets his own tweet.
    other = await client.post(
        "/api/v1/statuses",
        headers={**bob.headers, "Idempotency-Key": "abc-123"},
        json={"status": "once"},
    )
    assert other.status == 200
    other_body = await other.json()
    assert other_body["id"] != first_id
    assert other_body["account"]["id"] == bob.id


async def test_concurrent_retries_with_one_key_make_one_status(
    client: TestClient, alice: User
) -> None:
    import asyncio

    headers = {**alice.headers, "Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *(client.post("/api/v1/statuses", headers=headers, json={"status": "x"}) for _ in range(5))
    )
    ids = {(await r.json())["id"] for r in responses}
    assert all(r.status == 200 for r in responses)
    assert len(ids) == 1
    account = await client.get(f"/api/v1/accounts/{alice.id}")
    assert (await account.json())["statuses_count"] == 1


async def test_every_visibility_is_accepted(client: TestClient, alice: User) -> None:
    for visibility in ("public", "unlisted", "private", "direct"):
        body = await post(client, alice, f"{visibility} tweet", visibility=visibility)
        assert body["visibility"] == visibility


async def test_unknown_visibility_is_422(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "x", "visibility": "secret"}
    )
    assert response.status == 422
    assert "error" in await response.json()


async def test_reply_to_unknown_status_is_404(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "replying", "in_reply_to_id": "123456789"},
    )
    assert response.status == 404
    timeline = await client.get(f"/api/v1/accounts/{alice.id}/statuses")
    assert await timeline.json() == []


async def test_reply_sets_thread_fields_and_counts(
    client: TestClient, alice: User, bob: User
) -> None:
    parent = await post(client, alice, "parent")
    reply = await post(client, bob, "a reply", in_reply_to_id=parent["id"])
    assert reply["in_reply_to_id"] == parent["id"]
    assert reply["in_reply_to_account_id"] == alice.id
    # The replied-to author is mentioned implicitly.
    assert [m["id"] for m in reply["mentions"]] == [alice.id]
    refreshed = await (await get(client, alice, parent["id"])).json()
    assert refreshed["replies_count"] == 1


async def test_quote_embeds_the_quoted_status(client: TestClient, alice: User, bob: User) -> None:
    original = await post(client, alice, "quote me")
    quoting = await post(client, bob, "look at this", quoted_status_id=original["id"])
    assert quoting["quote"]["state"] == "accepted"
    assert quoting["quote"]["quoted_status"]["id"] == original["id"]
    refreshed = await (await get(client, alice, original["id"])).json()
    assert refreshed["quotes_count"] == 1


async def test_quoting_a_followers_only_tweet_is_refused(
    client: TestClient, alice: User, bob: User
) -> None:
    await client.post(f"/api/v1/accounts/{alice.id}/follow", headers=bob.headers)
    private = await post(client, alice, "followers only", visibility="private")
    response = await client.post(
        "/api/v1/statuses",
        headers=bob.headers,
        json={"status": "quoting", "quoted_status_id": private["id"]},
    )
    assert response.status == 403
    refreshed = await (await get(client, alice, private["id"])).json()
    assert refreshed["quotes_count"] == 0


async def test_quote_of_unknown_status_is_404(client: TestClient, alice: User) -> None:
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "quoting", "quoted_status_id": "987654321"},
    )
    assert response.status == 404


# --- content ------------------------------------------------------------------------------------


async def test_html_in_the_text_is_escaped(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "<script>alert('x')</script> & <b>bold</b>")
    assert "<script>" not in body["content"]
    assert "<b>" not in body["content"]
    assert "&lt;script&gt;" in body["content"]
    assert "&amp;" in body["content"]
    source = await client.get(f"/api/v1/statuses/{body['id']}/source", headers=alice.headers)
    assert (await source.json())["text"] == "<script>alert('x')</script> & <b>bold</b>"


async def test_tags_and_mentions_are_extracted(client: TestClient, alice: User, bob: User) -> None:
    body = await post(client, alice, "hi @bob and @nobody, #Python #rust #python")
    assert [t["name"] for t in body["tags"]] == ["python", "rust"]
    assert body["tags"][0]["url"].endswith("/tags/python")
    assert [(m["id"], m["username"], m["acct"]) for m in body["mentions"]] == [
        (bob.id, "bob", "bob")
    ]
    assert 'class="u-url mention"' in body["content"]
    assert "@nobody" in body["content"]  # unknown accounts stay plain text
    assert 'class="mention hashtag"' in body["content"]


async def test_links_are_linkified(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "see https://example.com/page")
    assert 'href="https://example.com/page"' in body["content"]


async def test_unknown_status_ids_are_404(client: TestClient, alice: User) -> None:
    for raw in ("1", "99999999999999", "notanumber", "99999999999999999999999"):
        response = await get(client, alice, raw)
        assert response.status == 404, raw
        assert "error" in await response.json()


async def test_public_status_is_readable_anonymously(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "public")
    response = await get(client, None, body["id"])
    assert response.status == 200
    assert (await response.json())["favourited"] is False


# --- delete -------------------------------------------------------------------------------------


async def test_delete_own_status(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "delete me #gone")
    response = await client.delete(f"/api/v1/statuses/{body['id']}", headers=alice.headers)
    assert response.status == 200
    deleted = await response.json()
    assert deleted["id"] == body["id"]
    assert deleted["text"] == "delete me #gone"  # delete-and-redraft
    assert (await get(client, alice, body["id"])).status == 404
    again = await client.delete(f"/api/v1/statuses/{body['id']}", headers=alice.headers)
    assert again.status == 404
    account = await (await client.get(f"/api/v1/accounts/{alice.id}")).json()
    assert account["statuses_count"] == 0


async def test_delete_by_another_user_is_refused(
    client: TestClient, alice: User, bob: User
) -> None:
    body = await post(client, alice, "mine")
    response = await client.delete(f"/api/v1/statuses/{body['id']}", headers=bob.headers)
    assert response.status == 403
    still = await get(client, alice, body["id"])
    assert still.status == 200
    assert (await still.json())["content"] == "<p>mine</p>"


async def test_deleting_the_original_removes_its_retweets(
    client: TestClient, alice: User, bob: User
) -> None:
    body = await post(client, alice, "to be retweeted")
    wrapper = await (
        await client.post(f"/api/v1/statuses/{body['id']}/reblog", headers=bob.headers)
    ).json()
    await client.delete(f"/api/v1/statuses/{body['id']}", headers=alice.headers)
    assert (await get(client, bob, wrapper["id"])).status == 404
    account = await (await client.get(f"/api/v1/accounts/{bob.id}/statuses")).json()
    assert account == []


# --- edit ---------------------------------------------------------------------------------------


async def test_edit_and_history(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "first version")
    history = await client.get(f"/api/v1/statuses/{body['id']}/history")
    assert [h["content"] for h in await history.json()] == ["<p>first version</p>"]

    response = await client.put(
        f"/api/v1/statuses/{body['id']}",
        headers=alice.headers,
        json={"status": "second version #edited"},
    )
    assert response.status == 200
    edited = await response.json()
    assert edited["id"] == body["id"]
    assert edited["content"].startswith("<p>second version")
    assert edited["edited_at"] is not None
    assert [t["name"] for t in edited["tags"]] == ["edited"]

    await client.put(
        f"/api/v1/statuses/{body['id']}", headers=alice.headers, json={"status": "third"}
    )
    history = await (await client.get(f"/api/v1/statuses/{body['id']}/history")).json()
    assert history[0]["content"] == "<p>first version</p>"
    assert history[-1]["content"] == "<p>third</p>"
    assert len(history) == 3
    assert all(h["account"]["id"] == alice.id for h in history)
    shown = await (await get(client, None, body["id"])).json()
    assert shown["content"] == "<p>third</p>"


async def test_edit_by_another_user_is_refused(client: TestClient, alice: User, bob: User) -> None:
    body = await post(client, alice, "original")
    response = await client.put(
        f"/api/v1/statuses/{body['id']}", headers=bob.headers, json={"status": "hijacked"}
    )
    assert response.status == 403
    shown = await (await get(client, None, body["id"])).json()
    assert shown["content"] == "<p>original</p>"
    assert shown["edited_at"] is None
    history = await (await client.get(f"/api/v1/statuses/{body['id']}/history")).json()
    assert len(history) == 1


async def test_edit_validates_like_post(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "original")
    for bad in ("", "a" * 501):
        response = await client.put(
            f"/api/v1/statuses/{body['id']}", headers=alice.headers, json={"status": bad}
        )
        assert response.status == 422
    shown = await (await get(client, None, body["id"])).json()
    assert shown["content"] == "<p>original</p>"


async def test_edit_unknown_status_is_404(client: TestClient, alice: User) -> None:
    response = await client.put(
        "/api/v1/statuses/12345", headers=alice.headers, json={"status": "x"}
    )
    assert response.status == 404


# --- context ------------------------------------------------------------------------------------


async def test_context_lists_ancestors_and_descendants(
    client: TestClient, alice: User, bob: User, carol: User
) -> None:
    root = await post(client, alice, "root")
    r1 = await post(client, bob, "reply 1", in_reply_to_id=root["id"])
    r2 = await post(client, carol, "reply 2", in_reply_to_id=r1["id"])
    r3 = await post(client, alice, "reply 3", in_reply_to_id=root["id"])
    unrelated = await post(client, alice, "unrelated")

    context = await (await client.get(f"/api/v1/statuses/{r1['id']}/context")).json()
    assert [s["id"] for s in context["ancestors"]] == [root["id"]]
    assert [s["id"] for s in context["descendants"]] == [r2["id"]]

    context = await (await client.get(f"/api/v1/statuses/{root['id']}/context")).json()
    assert context["ancestors"] == []
    assert [s["id"] for s in context["descendants"]] == [r1["id"], r2["id"], r3["id"]]
    assert unrelated["id"] not in [s["id"] for s in context["descendants"]]

    context = await (await client.get(f"/api/v1/statuses/{r2['id']}/context")).json()
    assert [s["id"] for s in context["ancestors"]] == [root["id"], r1["id"]]
    assert context["descendants"] == []


async def test_context_of_unknown_status_is_404(client: TestClient) -> None:
    response = await client.get("/api/v1/statuses/4242/context")
    assert response.status == 404


async def test_spoiler_text_counts_towards_the_limit(client: TestClient, alice: User) -> None:
    body = await post(client, alice, "a" * 490, spoiler_text="b" * 10)
    assert body["spoiler_text"] == "b" * 10
    assert body["sensitive"] is True
    response = await client.post(
        "/api/v1/statuses",
        headers=alice.headers,
        json={"status": "a" * 490, "spoiler_text": "b" * 11},
    )
    assert response.status == 422


async def test_context_of_a_retweet_is_the_originals(
    client: TestClient, alice: User, bob: User
) -> None:
    root = await post(client, alice, "root")
    reply = await post(client, bob, "reply", in_reply_to_id=root["id"])
    wrapper = await (
        await client.post(f"/api/v1/statuses/{root['id']}/reblog", headers=bob.headers)
    ).json()
    context = await (await client.get(f"/api/v1/statuses/{wrapper['id']}/context")).json()
    assert [s["id"] for s in context["descendants"]] == [reply["id"]]


async def test_edit_adding_a_mention_notifies_and_grants_access(
    client: TestClient, alice: User, bob: User, drain: Any
) -> None:
    private = await post(client, alice, "just for followers", visibility="private")
    assert (await get(client, bob, private["id"])).status == 404
    response = await client.put(
        f"/api/v1/statuses/{private['id']}",
        headers=alice.headers,
        json={"status": "just for followers and @bob"},
    )
    assert response.status == 200
    assert [m["id"] for m in (await response.json())["mentions"]] == [bob.id]
    await drain()
    assert (await get(client, bob, private["id"])).status == 200
    notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("mention", private["id"])]


async def test_edit_notifies_retweeters(
    client: TestClient, alice: User, bob: User, drain: Any
) -> None:
    tweet = await post(client, alice, "v1")
    await client.post(f"/api/v1/statuses/{tweet['id']}/reblog", headers=bob.headers)
    await client.put(
        f"/api/v1/statuses/{tweet['id']}", headers=alice.headers, json={"status": "v2"}
    )
    await drain()
    notes = await (await client.get("/api/v1/notifications", headers=bob.headers)).json()
    assert [(n["type"], n["status"]["id"]) for n in notes] == [("update", tweet["id"])]
    assert notes[0]["status"]["content"] == "<p>v2</p>"


async def test_self_quote_of_private_tweet_is_unauthorized_for_others(
    client: TestClient, alice: User, bob: User
) -> None:
    private = await post(client, alice, "followers only", visibility="private")
    quote = await post(client, alice, "quoting myself", quoted_status_id=private["id"])
    seen = await (await get(client, bob, quote["id"])).json()
    assert seen["quote"]["state"] == "unauthorized"
    assert seen["quote"]["quoted_status"] is None
    own = await (await get(client, alice, quote["id"])).json()
    assert own["quote"]["quoted_status"]["id"] == private["id"]


async def test_deleting_a_parent_keeps_its_replies(
    client: TestClient, alice: User, bob: User
) -> None:
    parent = await post(client, alice, "parent")
    reply = await post(client, bob, "reply", in_reply_to_id=parent["id"])
    response = await client.delete(f"/api/v1/statuses/{parent['id']}", headers=alice.headers)
    assert response.status == 200
    still = await get(client, bob, reply["id"])
    assert still.status == 200
    context = await (await client.get(f"/api/v1/statuses/{reply['id']}/context")).json()
    assert context == {"ancestors": [], "descendants": []}
