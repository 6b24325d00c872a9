"""Hostile input, found by machine: schemathesis reads `/api/openapi.json` from a real
`chirp serve` and sends every operation generated valid and invalid requests (coverage of the
schemas' edges, then random fuzzing), without a token and with an all-scopes token of a seeded
account. Two checks must hold for every answer: no 500, and every error is JSON `{"error": ...}`
(the document's `4XX` schema; success bodies are loosely typed).

Real records are in the server and in the fuzzer's dictionary (accounts, statuses, a
notification, a featured tag), so half the ids it sends exist and requests reach the code past
the 404. The budget is set by `CHIRP_SCHEMATHESIS_EXAMPLES` (per operation and phase; the suite
default keeps a run under a few minutes) and the seed by `CHIRP_SCHEMATHESIS_SEED`; README gives
a longer run.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from tests.e2e.process import ChirpProcess, register

# Settings for the server under fuzzing, beside the test defaults: anything that would answer
# the fuzzer with something other than its input's verdict (a rate limit's 429s) goes here.
# Web Push subscriptions name no push service the fuzzer could make up: nothing is ever pushed
# off this machine.
SERVER_ENV: dict[str, str] = {"CHIRP_WEB_PUSH_HOSTS": "push.invalid"}

# Endless answers (event streams, websockets) are not requests a fuzzer can finish.
EXCLUDED_PATHS = r"^/api/v1/streaming|^/api/v1/chirp/streams/ingest$"
EXAMPLES = int(os.environ.get("CHIRP_SCHEMATHESIS_EXAMPLES", "8"))
SEED = os.environ.get("CHIRP_SCHEMATHESIS_SEED", "20261206")


def _seed(url: str) -> tuple[str, list[str]]:
    """Two accounts that follow each other, statuses, a like (a notification), a featured tag.
    Returns the fuzzer's token and the ids of everything made."""
    fuzzer = register(url, "fuzzer", scopes="read write follow push")
    other = register(url, "other", scopes="read write follow push")

    def call(token: str, method: str, path: str, **kwargs: object) -> dict[str, object]:
        response = requests.request(
            method,
            f"{url}{path}",
            headers={"Authorization": f"Bearer {token}"},
            timeout=30,
            **kwargs,  # type: ignore[arg-type]
        )
        assert response.status_code == 200, (path, response.text)
        body = response.json()
        return body if isinstance(body, dict) else {}

    ids = [fuzzer["id"], other["id"]]
    call(fuzzer["token"], "POST", f"/api/v1/accounts/{other['id']}/follow")
    call(other["token"], "POST", f"/api/v1/accounts/{fuzzer['id']}/follow")
    mine = call(fuzzer["token"], "POST", "/api/v1/statuses", json={"status": "hello #fuzz"})
    theirs = call(other["token"], "POST", "/api/v1/statuses", json={"status": "hi @fuzzer"})
    reply = call(
        fuzzer["token"],
        "POST",
        "/api/v1/statuses",
        json={"status": "@other back", "in_reply_to_id": theirs["id"]},
    )
    call(other["token"], "POST", f"/api/v1/statuses/{mine['id']}/favourite")
    featured = call(fuzzer["token"], "POST", "/api/v1/featured_tags", json={"name": "fuzz"})
    ids += [str(mine["id"]), str(theirs["id"]), str(reply["id"]), str(featured["id"])]
    notifications = requests.get(
        f"{url}/api/v1/notifications",
        headers={"Authorization": f"Bearer {fuzzer['token']}"},
        timeout=30,
    ).json()
    ids += [str(n["id"]) for n in notifications]
    return fuzzer["token"], ids


def _config(path: Path, ids: list[str]) -> Path:
    """Paths take ids as text; queries and bodies are documented as integers (`forms.Id`)."""
    texts = ", ".join(f'"{i}"' for i in ids)
    numbers = ", ".join(ids)
    lines = ["[dictionaries.records]", f"values = [{texts}]", ""]
    lines += ["[dictionaries.record_numbers]", f"values = [{numbers}]", "", "[parameters]"]
    for key in ("path.id", "path.account_id", "path.message_id"):
        lines.append(f'"{key}" = {{ dictionary = "records", probability = 0.5 }}')
    for key in ("query.max_id", "query.min_id", "query.since_id", "query.account_id"):
        lines.append(f'"{key}" = {{ dictionary = "record_numbers", probability = 0.5 }}')
    for key in ("body.in_reply_to_id", "body.account_id"):
        lines.append(f'"{key}" = {{ dictionary = "record_numbers", probability = 0.5 }}')
    path.write_text("\n".join(lines) + "\n")
    return path


def schemathesis_command(
    url: str, config: Path, *, token: str | None, examples: int, seed: str | None
) -> list[str]:
    command = [
        str(Path(sys.executable).with_name("st")),
        "--no-color",
        "--config-file",
        str(config),
        "run",
        f"{url}/api/openapi.json",
        "--checks",
        "not_a_server_error,response_schema_conformance",
        "--exclude-path-regex",
        EXCLUDED_PATHS,
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(examples),
        "--workers",
        "2",
        "--request-timeout",
        "20",
        "--suppress-health-check",
        "all",
    ]
    if seed:
        command += ["--seed", seed]
    if token:
        command += ["--header", f"Authorization: Bearer {token}"]
    return command


@pytest.fixture(scope="module")
def fuzzed_server(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    """One server for both runs, seeded once: (the server, the fuzzer's token, record ids)."""
    node = ChirpProcess(tmp_path_factory.mktemp("fuzzed") / "data", env=SERVER_ENV).start()
    try:
        token, ids = _seed(node.url)
        yield node, token, ids
    finally:
        node.stop()


@pytest.mark.timeout(900)  # generating the cases is most of it: minutes on a busy machine
@pytest.mark.parametrize("authenticated", [False, True], ids=["anonymous", "bearer"])
def test_no_hostile_request_gets_a_500_or_a_non_json_error(
    fuzzed_server: tuple[ChirpProcess, str, list[str]], tmp_path: Path, authenticated: bool
) -> None:
    node, token, ids = fuzzed_server
    command = schemathesis_command(
        node.url,
        _config(tmp_path / "schemathesis.toml", ids),
        token=token if authenticated else None,
        # Without a token most operations stop at the 401: fewer cases find what there is.
        examples=EXAMPLES if authenticated else max(1, EXAMPLES // 2),
        seed=SEED,
    )
    run = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    report = run.stdout[-20_000:] + run.stderr[-5_000:]
    assert run.returncode == 0, report
    assert " passed" in run.stdout, report  # it ran cases, not just read the document
    # Nothing failed unseen: not in a handler (the JSON 500), nor while sending the answer.
    logs = node.logs()
    assert "unhandled error" not in logs
    assert "Unhandled exception" not in logs
