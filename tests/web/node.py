"""Node for the web app's tests: skipped locally with the reason when it is missing, a failure
in CI (`CI=true`), where `.ci/run` installs it and runs `npm ci` first."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
CHROMIUM = "/usr/bin/chromium"


def _missing(reason: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} (CI must run the web app's tests)")
    pytest.skip(reason)


def require_node() -> str:
    node = shutil.which("node")
    if node is None:
        _missing("node is not installed (apt-get install nodejs)")
    if not (WEB / "node_modules" / ".package-lock.json").is_file():
        _missing("web/node_modules is missing: run `npm ci` in web/")
    return str(node)


def require_chromium() -> str:
    if not os.access(CHROMIUM, os.X_OK):
        _missing(f"Debian's chromium is not at {CHROMIUM} (apt-get install chromium)")
    return CHROMIUM
