"""Foundation end to end: Mastodon.py against a real `chirp serve` subprocess."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Callable
from html.parser import HTMLParser
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon, MastodonUnauthorizedError
from PIL import Image

from tests.e2e.process import ChirpProcess
from tests.helpers import PASSWORD

SCOPES = ["read", "write", "follow"]


class _FormFields(HTMLParser):
    """Collects the hidden inputs of the consent page, as a browser would submit them."""

    def __init__(self) -> None:
        super().__init__()
        self.fields: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "input" and values.get("type") == "hidden" and values.get("name"):
            self.fields[str(values["name"])] = values.get("value") or ""


def _approve_in_browser(authorize_url: str, login: str, password: str) -> str:
    """Open the consent page, sign in and approve; return the out-of-band code it shows."""
    with requests.Session() as browser:
        page = browser.get(authorize_url, timeout=10)
        assert page.status_code == 200
        assert "text/html" in page.headers["Content-Type"]
        form = _FormFields()
        form.feed(page.text)
        approved = browser.post(
            authorize_url.split("?")[0],
            data={**form.fields, "login": login, "password": password, "decision": "approve"},
            timeout=10,
        )
        assert approved.status_code == 200, approved.text
        match = re.search(r"<code id=code>([^<]+)</code>", approved.text)
        assert match, approved.text
        return match.group(1)


def test_register_sign_up_log_in_update_and_revoke(chirp_server: ChirpProcess) -> None:
    url = chirp_server.url
    client_id, client_secret = Mastodon.create_app(
        "chirp e2e", scopes=SCOPES, redirect_uris="urn:ietf:wg:oauth:2.0:oob", api_base_url=url
    )

    # Sign up with an app token (Mastodon.py fetches it with client_credentials).
    signer = Mastodon(client_id, client_secret, api_base_url=url)
    signer.create_account("ada", PASSWORD, "ada@example.com", agreement=True, scopes=SCOPES)
    assert signer.account_verify_credentials()["username"] == "ada"

    # Password grant.
    by_password = Mastodon(client_id, client_secret, api_base_url=url)
    by_password.log_in("ada@example.com", PASSWORD, scopes=SCOPES, allow_http=True)
    me = by_password.account_verify_credentials()
    assert me["acct"] == "ada"
    assert int(me["id"]) > 2**48  # a snowflake, sent as a string

    # Authorization-code grant through the server-rendered consent page.
    by_code = Mastodon(client_id, client_secret, api_base_url=url)
    authorize_url = by_code.auth_request_url(scopes=SCOPES, allow_http=True)
    code = _approve_in_browser(authorize_url, "ada", PASSWORD)
    by_code.log_in(code=code, scopes=SCOPES, allow_http=True)
    assert by_code.account_verify_credentials()["id"] == me["id"]

    updated = by_code.account_update_credentials(display_name="Ada L.", note="Counting <engines>")
    assert updated["display_name"] == "Ada L."
    assert updated["note"] == "<p>Counting &lt;engines&gt;</p>"
    assert by_password.account(me["id"])["display_name"] == "Ada L."
    assert by_password.account_lookup("ada")["id"] == me["id"]

    instance = by_password.instance()
    assert "4.3.0 (compatible; Chirp" in instance["version"]

    # Revoking one token ends that session at once and leaves the others alone.
    by_code.revoke_access_token(allow_http=True)
    with pytest.raises(MastodonUnauthorizedError):
        by_code.account_verify_credentials()
    assert by_password.account_verify_credentials()["id"] == me["id"]

    # No password or token ever reaches the logs.
    logs = chirp_server.logs()
    assert logs, "the server should have logged its requests"
    for secret in (PASSWORD, by_password.access_token, code, client_secret):
        assert secret not in logs


def _signed_up(url: str, client_id: str, client_secret: str, name: str) -> Mastodon:
    api = Mastodon(client_id, client_secret, api_base_url=url)
    api.create_account(name, PASSWORD, f"{name}@example.com", agreement=True, scopes=SCOPES)
    return api


def _eventually(check: Callable[[], bool], seconds: float = 10.0) -> None:
    """Side effects (notifications, feeds) follow the write through the outbox: poll for them."""
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out waiting for a side effect"
        time.sleep(0.05)


def test_locked_account_follow_request_round_trip_and_avatar(
    chirp_server: ChirpProcess, tmp_path: Path
) -> None:
    url = chirp_server.url
    client_id, client_secret = Mastodon.create_app(
        "chirp e2e", scopes=SCOPES, redirect_uris="urn:ietf:wg:oauth:2.0:oob", api_base_url=url
    )
    grace = _signed_up(url, client_id, client_secret, "grace")
    linus = _signed_up(url, client_id, client_secret, "linus")
    grace_id = grace.account_verify_credentials()["id"]
    linus_id = linus.account_verify_credentials()["id"]

    # Grace locks her account, sets a picture, fields and posting defaults in one update.
    picture = tmp_path / "me.jpg"
    image = Image.linear_gradient("L").resize((900, 600)).convert("RGB")
    exif = Image.Exif()
    exif[0x010F] = "ChirpCam"
    image.save(picture, "JPEG", exif=exif.tobytes())
    me = grace.account_update_credentials(
        locked=True,
        avatar=str(picture),
        avatar_mime_type="image/jpeg",
        fields=[("Site", "https://grace.example")],
        default_privacy="private",
        default_language="en",
    )
    assert me["locked"] is True
    assert me["fields"][0]["name"] == "Site"
    assert me["source"]["privacy"] == "private"
    served = requests.get(me["avatar"], timeout=10)
    assert served.status_code == 200
    avatar = Image.open(io.BytesIO(served.content))
    assert avatar.size == (400, 400) and b"ChirpCam" not in served.content
    assert grace.preferences()["posting:default:visibility"] == "private"
    secret = grace.status_post("for my followers")  # the default visibility: private
    assert secret["visibility"] == "private"

    # Linus asks to follow; Grace sees the request and its notification.
    relation = linus.account_follow(grace_id)
    assert relation["requested"] is True and relation["following"] is False
    assert [a["id"] for a in grace.follow_requests()] == [linus_id]
    _eventually(lambda: [n["type"] for n in grace.notifications()] == ["follow_request"])
    assert linus.timeline_home() == []

    # She authorizes: Linus follows her, and her followers-only post reaches his home feed.
    authorized = grace.follow_request_authorize(linus_id)
    assert authorized["followed_by"] is True
    assert grace.follow_requests() == []
    assert linus.account_relationships(grace_id)[0]["following"] is True
    _eventually(lambda: [s["id"] for s in linus.timeline_home()] == [secret["id"]])
    assert grace.account_followers(grace_id)[0]["id"] == linus_id

    # Removing the picture brings back the served default.
    back = grace.account_delete_avatar()
    assert back["avatar"].endswith("/avatars/original/missing.png")
    assert requests.get(back["avatar"], timeout=10).status_code == 200
