"""Web Push end to end: Mastodon.py subscribes through its push API against a real `chirp
serve`, which pushes each notification to the local push-service double
(tests/webpush/push_service_double.py); Mastodon.py's own helper decrypts what the double
received with the keys it generated, and the double checks every VAPID signature."""

from __future__ import annotations

import asyncio
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec
from mastodon import Mastodon, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.helpers import PASSWORD
from tests.webpush.push_service_double import PushServiceDouble

SCOPES = ["read", "write", "follow", "push"]


def _user(url: str, app: tuple[str, str], name: str) -> Mastodon:
    api = Mastodon(*app, api_base_url=url, version_check_mode="none")
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


async def test_web_push_with_mastodon_py(tmp_path: Path) -> None:
    double = PushServiceDouble()
    await double.start()
    node = ChirpProcess(
        tmp_path / "data",
        env={"CHIRP_WEB_PUSH_ALLOW_LOCAL": "true", "CHIRP_WEB_PUSH_RETRY_SECONDS": "0.1"},
    )
    await asyncio.to_thread(node.start)
    try:
        url = node.url
        app = await asyncio.to_thread(
            Mastodon.create_app, "chirp push e2e", scopes=SCOPES, api_base_url=url
        )
        ada = await asyncio.to_thread(_user, url, app, "ada")
        bob = await asyncio.to_thread(_user, url, app, "bob")
        instance = await asyncio.to_thread(ada.instance_v2)
        double.server_key = instance["configuration"]["vapid"]["public_key"]

        private, public = ada.push_subscription_generate_keys()
        browser = double.subscribe(
            "ada",
            ec.derive_private_key(private["privkey"], ec.SECP256R1()),
            private["auth"],
        )
        made = await asyncio.to_thread(
            ada.push_subscription_set,
            browser.endpoint,
            public,
            mention_events=True,
            follow_events=True,
            favourite_events=False,
            policy="all",
        )
        assert made["server_key"] == double.server_key
        assert made["alerts"]["mention"] and not made["alerts"]["favourite"]
        assert (await asyncio.to_thread(ada.push_subscription))["id"] == made["id"]

        await asyncio.to_thread(bob.status_post, "@ada push me")
        await asyncio.to_thread(bob.account_follow, ada.me()["id"])
        await double.wait_for(2, timeout=20)
        assert double.rejected() == []
        seen = {}
        for push in double.accepted():
            decrypted = ada.push_subscription_decrypt_push(
                push.body, private, push.headers["Encryption"], push.headers["Crypto-Key"]
            )
            seen[decrypted["notification_type"]] = decrypted
        assert set(seen) == {"mention", "follow"}
        notes = await asyncio.to_thread(ada.notifications)
        assert {str(n["id"]) for n in notes} == {str(p["notification_id"]) for p in seen.values()}
        assert seen["follow"]["title"] == "bob is now following you"

        # Only follows now: a mention is not pushed, a follow is.
        changed = await asyncio.to_thread(
            ada.push_subscription_update, follow_events=True, mention_events=False
        )
        assert changed["alerts"]["follow"] and not changed["alerts"]["mention"]
        carol = await asyncio.to_thread(_user, url, app, "carol")
        await asyncio.to_thread(carol.status_post, "@ada not pushed")
        await asyncio.to_thread(carol.account_follow, ada.me()["id"])
        await double.wait_for(3, timeout=20)
        await asyncio.sleep(1)
        kinds = [
            ada.push_subscription_decrypt_push(
                p.body, private, p.headers["Encryption"], p.headers["Crypto-Key"]
            )["notification_type"]
            for p in double.accepted()
        ]
        assert sorted(kinds) == ["follow", "follow", "mention"]

        await asyncio.to_thread(ada.push_subscription_delete)
        try:
            await asyncio.to_thread(ada.push_subscription)
            raise AssertionError("the subscription is still there")
        except MastodonNotFoundError:
            pass
    finally:
        await asyncio.to_thread(node.stop)
        await double.close()
