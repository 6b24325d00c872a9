"""Moderation end to end: Mastodon.py files a report against a real `chirp serve`; a staff
account made with `chirp admin` handles it through the admin API (and the shell)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests
from mastodon import Mastodon, MastodonAPIError, MastodonNotFoundError

from tests.e2e.process import ChirpProcess
from tests.helpers import CHEAP_ARGON2, PASSWORD

SCOPES = ["read", "write", "follow"]
STAFF_SCOPES = [*SCOPES, "admin:read", "admin:write"]


def chirp_admin(data_dir: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        **{f"CHIRP_{k.upper()}": str(v) for k, v in CHEAP_ARGON2.items()},
    }
    return subprocess.run(
        [sys.executable, "-m", "chirp", "admin", *argv, "--data-dir", str(data_dir)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.fixture
def moderated_server(tmp_path: Path) -> ChirpProcess:
    node = ChirpProcess(
        tmp_path / "data", env={"CHIRP_INSTANCE_RULES": '["No spam", "Be kind"]'}
    ).start()
    try:
        yield node  # type: ignore[misc]
    finally:
        node.stop()


def test_report_and_moderate_with_mastodon_py(moderated_server: ChirpProcess) -> None:
    url = moderated_server.url
    data_dir = moderated_server.data_dir
    made = chirp_admin(
        data_dir,
        "create",
        "dana",
        "--email",
        "dana@example.com",
        "--role",
        "admin",
        "--password",
        PASSWORD,
    )
    assert made.returncode == 0, made.stderr
    assert chirp_admin(data_dir, "role", "dana", "emperor").returncode == 2

    app = Mastodon.create_app("e2e", scopes=STAFF_SCOPES, api_base_url=url)
    alice = Mastodon(*app, api_base_url=url)
    alice.create_account("alice", PASSWORD, "alice@example.com", agreement=True, scopes=SCOPES)
    bob = Mastodon(*app, api_base_url=url)
    bob.create_account("bob", PASSWORD, "bob@example.com", agreement=True, scopes=SCOPES)
    # A password grant, as the shell scripts of operators use (Mastodon.py logs in with the
    # code flow over HTTPS only).
    granted = requests.post(
        f"{url}/oauth/token",
        data={
            "grant_type": "password",
            "client_id": app[0],
            "client_secret": app[1],
            "username": "dana",
            "password": PASSWORD,
            "scope": " ".join(STAFF_SCOPES),
        },
        timeout=30,
    )
    assert granted.status_code == 200, granted.text
    staff = Mastodon(access_token=granted.json()["access_token"], api_base_url=url)
    assert staff.account_verify_credentials()["role"]["name"] == "Admin"

    spam = bob.status_post("buy now")
    bob_id = bob.me()["id"]
    rules = alice.instance_rules()
    filed = alice.report(
        bob_id, status_ids=[spam], comment="spam", category="violation", rule_ids=[rules[0]["id"]]
    )
    assert filed["category"] == "violation" and filed["target_account"]["id"] == bob_id

    # A user's token cannot reach the admin API.
    with pytest.raises(MastodonAPIError):
        alice.admin_reports()
    (listed,) = staff.admin_reports()
    assert listed["id"] == filed["id"] and listed["statuses"][0]["id"] == spam["id"]
    assert listed["rules"][0]["text"] == "No spam"
    assigned = staff.admin_report_assign(listed)
    assert assigned["assigned_account"]["username"] == "dana"

    staff.admin_account_moderate(bob_id, "suspend", report_id=listed["id"], text="spam")
    assert staff.admin_report(listed)["action_taken"] is True
    assert staff.admin_account(bob_id)["suspended"] is True
    assert [a["username"] for a in staff.admin_accounts_v2(status="suspended")] == ["bob"]
    with pytest.raises(MastodonNotFoundError):
        alice.account(bob_id)
    assert alice.timeline_public() == []
    with pytest.raises(MastodonAPIError):  # his token was revoked
        bob.account_verify_credentials()

    restored = staff.admin_account_unsuspend(bob_id)
    assert restored["suspended"] is False
    assert alice.account(bob_id)["username"] == "bob"

    audit = chirp_admin(data_dir, "audit")
    assert audit.returncode == 0
    actions = [line.split("\t")[2] for line in audit.stdout.splitlines()]
    assert actions == ["unsuspend", "resolve", "suspend", "assign_to_self", "change_role"]
