"""The `sensitive` moderation action: an account's new tweets with media are marked
sensitive whatever it asks, until `unsensitive`."""

from __future__ import annotations

from aiohttp.test_utils import TestClient
from aiohttp.web import Application

from chirp.core import moderation
from chirp.server.keys import CONTEXT
from tests.helpers import User, post, sign_up
from tests.media.conftest import upload, wait_processed
from tests.media.samples import transparent_png


async def attach(client: TestClient, app: Application, user: User) -> str:
    status, media = await upload(
        client, user, transparent_png(), filename="a.png", content_type="image/png"
    )
    assert status in (200, 202), media
    await wait_processed(app)
    return str(media["id"])


async def test_sensitive_forces_the_media_flag(client: TestClient, app: Application) -> None:
    alice = await sign_up(client, username="alice")
    ctx = app[CONTEXT]
    await moderation.act_on_account(ctx, None, int(alice.id), "sensitive")
    tweet = await post(
        client, alice, "look", media_ids=[await attach(client, app, alice)], sensitive=False
    )
    assert tweet["sensitive"] is True
    assert (await post(client, alice, "words only"))["sensitive"] is False
    await moderation.undo_action(ctx, None, int(alice.id), "unsensitive")
    again = await post(client, alice, "again", media_ids=[await attach(client, app, alice)])
    assert again["sensitive"] is False
