"""A poll's live counts ride on its tweet's `status.counts` stream event."""

from __future__ import annotations

import asyncio

import orjson
from aiohttp.test_utils import TestClient

from tests.helpers import Drain, User, post, sign_up
from tests.realtime.test_streaming_api import frames, quiet


async def test_votes_push_the_polls_counts(client: TestClient, alice: User, drain: Drain) -> None:
    poll = {"options": ["yes", "no"], "expires_in": 600, "hide_totals": True}
    tweet = await post(client, alice, "vote!", poll=poll)
    voters = [await sign_up(client) for _ in range(3)]
    async with client.ws_connect(f"/api/v1/streaming?access_token={alice.token}") as ws:
        await ws.send_json({"type": "subscribe", "stream": "status", "id": tweet["id"]})
        await asyncio.sleep(0.05)
        for n, voter in enumerate(voters):
            response = await client.post(
                f"/api/v1/polls/{tweet['poll']['id']}/votes",
                headers=voter.headers,
                json={"choices": [n % 2]},
            )
            assert response.status == 200, await response.text()
        await drain()
        (counts,) = await frames(ws, 1, timeout=2)
        assert counts["event"] == "status.counts"
        pushed = orjson.loads(counts["payload"])["poll"]
        assert (pushed["id"], pushed["votes_count"]) == (tweet["poll"]["id"], 3)
        # Hidden totals stay hidden on the stream until the end; no viewer's own votes.
        assert [o["votes_count"] for o in pushed["options"]] == [None, None]
        assert "own_votes" not in pushed
        await quiet(ws, 0.5)  # three votes, one event
