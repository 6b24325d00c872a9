"""Every capability the instance documents advertise works, and every limit they advertise is
the limit enforced: clients offer features and size their checks from these documents alone.

`test_every_advertised_capability_has_a_proof` fails when a key appears in `/api/v2/instance`
that no test here proves: whoever advertises something new proves it here.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from PIL import Image

from chirp.core import moderation
from chirp.server.keys import CONTEXT, SETTINGS
from tests.helpers import (
    PASSWORD,
    Drain,
    User,
    app_token,
    post,
    register_app,
    sign_up,
)
from tests.media import samples
from tests.media.conftest import upload, wait_processed
from tests.webpush.push_service_double import PushServiceDouble

# Small limits, so proving them costs little; the documents must repeat them exactly.
LIMITS = {
    "max_toot_chars": 120,
    "media_image_max_bytes": 60_000,
    "media_image_max_pixels": 200 * 200,
    "media_video_max_bytes": 400_000,
    "media_video_max_pixels": 320 * 240,
}

# Every key of the v2 document's `configuration` (flattened) and its other capability keys;
# each one is proved by a test below.
PROVEN = {
    "configuration.accounts.max_featured_tags",
    "configuration.accounts.max_pinned_statuses",
    "configuration.statuses.max_characters",
    "configuration.statuses.max_media_attachments",
    "configuration.statuses.characters_reserved_per_url",
    "configuration.media_attachments.supported_mime_types",
    "configuration.media_attachments.image_size_limit",
    "configuration.media_attachments.image_matrix_limit",
    "configuration.media_attachments.video_size_limit",
    "configuration.media_attachments.video_frame_rate_limit",
    "configuration.media_attachments.video_matrix_limit",
    "configuration.media_attachments.description_limit",
    "configuration.polls.max_options",
    "configuration.polls.max_characters_per_option",
    "configuration.polls.min_expiration",
    "configuration.polls.max_expiration",
    "configuration.translation.enabled",
    "configuration.vapid.public_key",
    "configuration.urls.streaming",
    "configuration.urls.status",
    "configuration.urls.about",
    "configuration.urls.privacy_policy",
    "configuration.urls.terms_of_service",
    "registrations.enabled",
    "registrations.approval_required",
    "registrations.reason_required",
    "registrations.message",
    "registrations.min_age",
    "registrations.url",
    "api_versions.mastodon",
    "usage.users.active_month",
    "thumbnail.url",
    "rules",
    "contact.email",
    "contact.account",
}


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    # Web Push to the loopback push-service double (`test_vapid_key_signs_the_pushes`).
    return {
        "data_dir": tmp_path / "data",
        "media_workers": 1,
        "web_push_allow_local": True,
        **LIMITS,
    }


async def v2(client: TestClient) -> dict[str, Any]:
    response = await client.get("/api/v2/instance")
    assert response.status == 200
    return dict(await response.json())


async def v1(client: TestClient) -> dict[str, Any]:
    response = await client.get("/api/v1/instance")
    assert response.status == 200
    return dict(await response.json())


def _flatten(doc: dict[str, Any], prefix: str = "") -> set[str]:
    keys = set()
    for key, value in doc.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            keys |= _flatten(value, f"{name}.")
        else:
            keys.add(name)
    return keys


async def test_every_advertised_capability_has_a_proof(client: TestClient) -> None:
    document = await v2(client)
    advertised = _flatten(
        {k: document[k] for k in ("configuration", "registrations", "api_versions", "usage")}
    ) | {"thumbnail.url", "rules", "contact.email", "contact.account"}
    assert advertised == PROVEN
    # v1 repeats the same configuration (without the v2-only urls and VAPID key).
    v1_config = _flatten((await v1(client))["configuration"], "configuration.")
    assert v1_config == {k for k in PROVEN if k.startswith("configuration.")} - {
        k for k in PROVEN if k.startswith(("configuration.urls.", "configuration.vapid."))
    }


async def test_what_is_not_served_is_not_advertised(client: TestClient, alice: User) -> None:
    """No translation: and it is refused, not silently dropped."""
    configuration = (await v2(client))["configuration"]
    assert configuration["translation"] == {"enabled": False}
    tweet = await post(client, alice, "bonjour")
    translate = await client.post(
        f"/api/v1/statuses/{tweet['id']}/translate", headers=alice.headers
    )
    assert translate.status == 404


async def test_vapid_key_signs_the_pushes(client: TestClient, drain: Drain) -> None:
    """The advertised key is the apps' `vapid_key`, each subscription's `server_key`, and the
    key the pushes a push service receives are signed with."""
    key = (await v2(client))["configuration"]["vapid"]["public_key"]
    registered = await client.post(
        "/api/v1/apps",
        json={
            "client_name": "p",
            "redirect_uris": "urn:ietf:wg:oauth:2.0:oob",
            "scopes": "read write push",
        },
    )
    assert (await registered.json())["vapid_key"] == key
    pusher = await sign_up(
        client, await register_app(client, scopes="read write push"), scope="read write push"
    )
    other = await sign_up(client)
    double = PushServiceDouble(server_key=key)
    await double.start()
    try:
        phone = double.subscribe("phone")
        made = await client.post(
            "/api/v1/push/subscription",
            headers=pusher.headers,
            json=phone.subscription_form(["mention"]),
        )
        assert (await made.json())["server_key"] == key
        await post(client, other, f"@{pusher.username} hi")
        await drain()
        await double.wait_for(1)
        assert double.rejected() == []
    finally:
        await double.close()


async def test_api_versions_are_served(client: TestClient, alice: User) -> None:
    versions = (await v2(client))["api_versions"]
    assert versions["mastodon"] >= 2
    # Mastodon API version 2 is the grouped notifications of Mastodon 4.3.
    response = await client.get("/api/v2/notifications", headers=alice.headers)
    assert response.status == 200, await response.text()
    assert set(await response.json()) >= {"accounts", "statuses", "notification_groups"}


async def test_max_characters_and_the_url_reservation(client: TestClient, alice: User) -> None:
    statuses = (await v2(client))["configuration"]["statuses"]
    limit, per_url = statuses["max_characters"], statuses["characters_reserved_per_url"]
    assert limit == LIMITS["max_toot_chars"]

    async def status_code(text: str) -> int:
        response = await client.post(
            "/api/v1/statuses", headers=alice.headers, json={"status": text}
        )
        return response.status

    assert await status_code("é" * limit) == 200
    assert await status_code("é" * (limit + 1)) == 422
    url = "https://example.com/" + "x" * (limit * 2)  # far longer than it counts
    assert await status_code("a" * (limit - per_url - 1) + " " + url) == 200
    assert await status_code("a" * (limit - per_url) + " " + url) == 422


async def _photo(client: TestClient, user: User, size: tuple[int, int] = (60, 40)) -> str:
    status, body = await upload(
        client, user, samples.photo(*size, gps=False), content_type="image/jpeg"
    )
    assert status == 200, body
    return str(body["id"])


async def test_max_media_attachments(client: TestClient, alice: User) -> None:
    limit = (await v2(client))["configuration"]["statuses"]["max_media_attachments"]
    ids = [await _photo(client, alice) for _ in range(limit + 1)]
    over = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "", "media_ids": ids}
    )
    assert over.status == 422
    response = await client.post(
        "/api/v1/statuses", headers=alice.headers, json={"status": "", "media_ids": ids[:limit]}
    )
    assert response.status == 200, await response.text()
    assert len((await response.json())["media_attachments"]) == limit


def _image(fmt: str, size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(out, fmt)
    return out.getvalue()


async def test_every_supported_mime_type_is_accepted_and_others_are_not(
    client: TestClient, app: web.Application, alice: User, tmp_path: Path
) -> None:
    advertised = (await v2(client))["configuration"]["media_attachments"]["supported_mime_types"]
    makers = {
        "image/jpeg": lambda: _image("JPEG"),
        "image/png": lambda: _image("PNG"),
        "image/gif": lambda: _image("GIF"),
        "image/webp": lambda: _image("WEBP"),
        "image/avif": lambda: _image("AVIF"),
        "video/mp4": lambda: samples.video(
            tmp_path / "a.mp4", seconds=0.4, audio=False, codec="mpeg4"
        ).read_bytes(),
        "video/quicktime": lambda: samples.video(
            tmp_path / "a.mov", seconds=0.4, audio=False, container="mov", codec="mpeg4"
        ).read_bytes(),
        "video/webm": lambda: samples.video(
            tmp_path / "a.webm", seconds=0.4, audio=False, container="webm", codec="libvpx-vp9"
        ).read_bytes(),
    }
    assert set(advertised) <= set(makers), "a new type needs a sample here"
    assert {"image/jpeg", "image/png", "image/gif", "image/webp", "video/mp4"} <= set(advertised)
    uploaded = {}
    for kind in advertised:
        status, body = await upload(client, alice, makers[kind](), content_type=kind)
        assert status in (200, 202), (kind, body)
        uploaded[kind] = body["id"]
    await wait_processed(app)
    for kind, media_id in uploaded.items():
        done = await client.get(f"/api/v1/media/{media_id}", headers=alice.headers)
        assert done.status == 200, (kind, await done.text())
        assert (await done.json())["url"], kind
    for fmt in ("BMP", "TIFF"):  # decodable by Pillow, not advertised: refused
        status, body = await upload(client, alice, _image(fmt), content_type=f"image/{fmt.lower()}")
        assert status == 422, (fmt, body)


def _noise_png(size: tuple[int, int]) -> bytes:
    """A PNG that does not compress: its size in bytes is about 3 x its pixels."""
    out = io.BytesIO()
    Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3)).save(out, "PNG")
    return out.getvalue()


async def test_image_size_and_matrix_limits(client: TestClient, alice: User) -> None:
    media = (await v2(client))["configuration"]["media_attachments"]
    assert media["image_size_limit"] == LIMITS["media_image_max_bytes"]
    assert media["image_matrix_limit"] == LIMITS["media_image_max_pixels"]
    small = _noise_png((100, 60))
    big = _noise_png((150, 150))
    assert len(small) < media["image_size_limit"] < len(big)
    assert (await upload(client, alice, small))[0] == 200
    status, body = await upload(client, alice, big)
    assert status == 422 and "too large" in body["error"]
    # Pixels: 200 x 200 fits the matrix limit exactly; one more column does not.
    side = int(media["image_matrix_limit"] ** 0.5)
    assert (await upload(client, alice, _image("PNG", (side, side))))[0] == 200
    status, body = await upload(client, alice, _image("PNG", (side + 1, side)))
    assert status == 422 and "too large" in body["error"].lower()


async def test_video_size_matrix_and_frame_rate_limits(
    client: TestClient, app: web.Application, alice: User, tmp_path: Path
) -> None:
    media = (await v2(client))["configuration"]["media_attachments"]
    assert media["video_size_limit"] == LIMITS["media_video_max_bytes"]
    assert media["video_matrix_limit"] == LIMITS["media_video_max_pixels"]
    fits = samples.video(tmp_path / "fits.mp4", seconds=0.4, audio=False, codec="mpeg4")
    assert fits.stat().st_size < media["video_size_limit"]
    status, body = await upload(client, alice, fits.read_bytes())
    assert status == 202, body
    too_big = fits.read_bytes() + os.urandom(media["video_size_limit"])
    status, body = await upload(client, alice, too_big, content_type="video/mp4")
    assert status == 422 and "too large" in body["error"]
    wide = samples.video(tmp_path / "wide.mp4", seconds=0.2, size=(336, 240), audio=False)
    status, body = await upload(client, alice, wide.read_bytes())
    assert status == 422, body
    # Faster than the limit: accepted, and served at the limit.
    rate = media["video_frame_rate_limit"]
    fast = samples.video(
        tmp_path / "fast.mp4", seconds=0.5, size=(160, 120), rate=rate * 2, audio=False
    )
    status, body = await upload(client, alice, fast.read_bytes())
    assert status == 202, body
    await wait_processed(app)
    done = await (await client.get(f"/api/v1/media/{body['id']}", headers=alice.headers)).json()
    assert done["meta"]["fps"] == rate


async def test_description_limit(client: TestClient, alice: User) -> None:
    limit = (await v2(client))["configuration"]["media_attachments"]["description_limit"]
    media_id = await _photo(client, alice)
    ok = await client.put(
        f"/api/v1/media/{media_id}", headers=alice.headers, json={"description": "d" * limit}
    )
    assert ok.status == 200, await ok.text()
    over = await client.put(
        f"/api/v1/media/{media_id}", headers=alice.headers, json={"description": "d" * (limit + 1)}
    )
    assert over.status == 422


async def test_max_pinned_statuses(client: TestClient, alice: User) -> None:
    limit = (await v2(client))["configuration"]["accounts"]["max_pinned_statuses"]
    tweets = [await post(client, alice, f"pin {n}") for n in range(limit + 1)]
    for tweet in tweets[:limit]:
        response = await client.post(f"/api/v1/statuses/{tweet['id']}/pin", headers=alice.headers)
        assert response.status == 200, await response.text()
    response = await client.post(f"/api/v1/statuses/{tweets[-1]['id']}/pin", headers=alice.headers)
    assert response.status == 422


async def test_max_featured_tags(client: TestClient, alice: User) -> None:
    limit = (await v2(client))["configuration"]["accounts"]["max_featured_tags"]
    for n in range(limit):
        response = await client.post(
            "/api/v1/featured_tags", headers=alice.headers, json={"name": f"tag{n}"}
        )
        assert response.status == 200, await response.text()
    response = await client.post(
        "/api/v1/featured_tags", headers=alice.headers, json={"name": "onetoomany"}
    )
    assert response.status == 422


async def test_streaming_url_is_this_server(client: TestClient, alice: User) -> None:
    document = await v2(client)
    streaming = document["configuration"]["urls"]["streaming"]
    assert streaming == (await v1(client))["urls"]["streaming_api"]
    assert streaming == client.app[SETTINGS].streaming_url == f"ws://{document['domain']}"
    health = await client.get("/api/v1/streaming/health")
    assert health.status == 200
    async with client.ws_connect(
        f"/api/v1/streaming?access_token={alice.token}&stream=public"
    ) as ws:
        await post(client, alice, "live")
        message = await ws.receive_json(timeout=5)
        assert message["event"] == "update" and message["stream"] == ["public"]
    assert document["configuration"]["urls"]["status"] is None  # no status page to link


async def test_the_linked_pages_and_thumbnail_are_served(client: TestClient) -> None:
    document = await v2(client)
    urls = document["configuration"]["urls"]
    base = f"http://{document['domain']}"
    for key in ("about", "privacy_policy"):
        page = await client.get(urls[key].removeprefix(base))
        assert page.status == 200 and page.content_type == "text/html", key
    assert urls["terms_of_service"] is None  # none configured here
    thumbnail = await client.get(document["thumbnail"]["url"].removeprefix(base))
    assert thumbnail.status == 200 and thumbnail.content_type == "image/png"
    v1_thumbnail = (await v1(client))["thumbnail"]
    assert (await client.get(v1_thumbnail.removeprefix(base))).status == 200


async def test_rules_and_contact(client: TestClient) -> None:
    document = await v2(client)
    rules = await (await client.get("/api/v1/instance/rules")).json()
    assert document["rules"] == rules
    assert document["contact"] == {"email": "", "account": None}


async def test_usage_counts_active_users(client: TestClient, alice: User, bob: User) -> None:
    assert (await v2(client))["usage"]["users"]["active_month"] == 0
    await post(client, alice, "hello")
    assert (await v2(client))["usage"]["users"]["active_month"] == 1


async def test_open_registrations_need_no_approval_reason_or_age(client: TestClient) -> None:
    registrations = (await v2(client))["registrations"]
    assert registrations == {
        "enabled": True,
        "approval_required": False,
        "reason_required": False,
        "message": None,
        "min_age": None,
        "url": None,
    }
    v1_document = await v1(client)
    assert v1_document["registrations"] is True
    assert v1_document["approval_required"] is False
    assert v1_document["invites_enabled"] is False
    # Signing up without a reason or a birth date gives a working account at once.
    user = await sign_up(client, username="newcomer")
    me = await client.get("/api/v1/accounts/verify_credentials", headers=user.headers)
    assert me.status == 200


@pytest.mark.parametrize(
    "settings_overrides", [{"registrations_open": False, **LIMITS}], ids=["closed"]
)
async def test_closed_registrations_are_advertised_and_enforced(client: TestClient) -> None:
    assert (await v2(client))["registrations"]["enabled"] is False
    assert (await v1(client))["registrations"] is False
    app = await register_app(client)
    token = await app_token(client, app)
    response = await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": "turnedaway",
            "email": "turnedaway@example.com",
            "password": PASSWORD,
            "agreement": True,
        },
    )
    assert response.status == 403
    assert (await response.json())["error"]


@pytest.mark.parametrize(
    "settings_overrides",
    [{"registrations": "closed", "registrations_message": "Invite only", **LIMITS}],
    ids=["closed-with-message"],
)
async def test_a_closed_server_says_why(client: TestClient) -> None:
    registrations = (await v2(client))["registrations"]
    assert registrations["enabled"] is False
    assert registrations["message"] == "<p>Invite only</p>"


async def _sign_up_raw(client: TestClient, username: str, **extra: Any) -> Any:
    app = await register_app(client)
    token = await app_token(client, app)
    return await client.post(
        "/api/v1/accounts",
        headers={"Authorization": f"Bearer {token}"},
        json={
            "username": username,
            "email": f"{username}@example.com",
            "password": PASSWORD,
            "agreement": True,
            **extra,
        },
    )


@pytest.mark.parametrize(
    "settings_overrides", [{"registrations": "approval", **LIMITS}], ids=["approval"]
)
async def test_approval_is_advertised_and_enforced(client: TestClient) -> None:
    registrations = (await v2(client))["registrations"]
    assert registrations["enabled"] is True
    assert registrations["approval_required"] is True
    assert registrations["reason_required"] is True
    assert registrations["message"] is None
    document = await v1(client)
    assert document["registrations"] is True and document["approval_required"] is True
    # The reason is required, in Mastodon's error shape.
    missing = await _sign_up_raw(client, "noreason")
    assert missing.status == 422
    assert (await missing.json())["details"]["reason"][0]["error"] == "ERR_BLANK"
    # A sign-up with a reason gets a token that is refused until a moderator approves it.
    response = await _sign_up_raw(client, "hopeful", reason="I post about birds")
    assert response.status == 200
    headers = {"Authorization": f"Bearer {(await response.json())['access_token']}"}
    refused = await client.get("/api/v1/accounts/verify_credentials", headers=headers)
    assert refused.status == 403
    assert await refused.json() == {"error": "Your login is currently pending approval"}
    ctx = client.app[CONTEXT]
    hopeful = await ctx.store.get_account_by_username("hopeful")
    assert hopeful is not None
    view = await moderation.get_moderation(ctx, hopeful.id)
    assert view.approved is False and view.reason == "I post about birds"
    await moderation.approve_account(ctx, None, hopeful.id)
    assert (await client.get("/api/v1/accounts/verify_credentials", headers=headers)).status == 200


@pytest.mark.parametrize(
    "settings_overrides",
    [{"email_domain_blocklist": "spam.example, throwaway.test", **LIMITS}],
    ids=["blocklist"],
)
async def test_blocked_email_domains_cannot_sign_up(client: TestClient) -> None:
    for email in ("x@spam.example", "x@mail.SPAM.example", "x@throwaway.test"):
        response = await _sign_up_raw(client, "blocked", email=email)
        assert response.status == 422, email
        assert (await response.json())["details"]["email"][0]["error"] == "ERR_BLOCKED"
    assert (await _sign_up_raw(client, "fine", email="x@notspam.example")).status == 200


async def test_poll_limits(client: TestClient, alice: User) -> None:
    """Each advertised poll limit is the one enforced, in JSON and in form posts."""
    limits = (await v2(client))["configuration"]["polls"]
    assert (await v1(client))["configuration"]["polls"] == limits
    most, longest = limits["max_options"], limits["max_characters_per_option"]
    shortest, farthest = limits["min_expiration"], limits["max_expiration"]

    async def status_code(options: list[str], expires_in: int, *, form: bool = False) -> int:
        if form:
            data = [("status", "vote"), ("poll[expires_in]", str(expires_in))]
            data += [("poll[options][]", option) for option in options]
            response = await client.post("/api/v1/statuses", headers=alice.headers, data=data)
        else:
            poll = {"options": options, "expires_in": expires_in}
            response = await client.post(
                "/api/v1/statuses", headers=alice.headers, json={"status": "vote", "poll": poll}
            )
        if response.status == 200:
            assert len((await response.json())["poll"]["options"]) == len(options)
        return response.status

    options = [f"option {i}" for i in range(most)]
    for form in (False, True):
        assert await status_code(options, shortest, form=form) == 200
        assert await status_code([*options, "one more"], shortest, form=form) == 422
        assert await status_code(["é" * longest, "no"], farthest, form=form) == 200
        assert await status_code(["é" * (longest + 1), "no"], farthest, form=form) == 422
        assert await status_code(["yes", "no"], shortest - 1, form=form) == 422
        assert await status_code(["yes", "no"], farthest + 1, form=form) == 422
