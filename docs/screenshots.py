"""Makes the README's screenshots of the web app (docs/web-desktop.png, docs/web-mobile.png):
a fresh `chirp serve`, a few people seeded over the public API (names, avatars, follows,
tweets with hashtags, mentions, a link and a picture, replies, likes and retweets), then the
home timeline of one of them in Debian's chromium at 1280x800 and 390x844 (web/e2e/run.mjs,
scenario `readme_shots`).

    .venv/bin/python docs/screenshots.py        # needs node, web/node_modules and chromium
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import requests
from PIL import Image, ImageDraw

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.e2e.process import ChirpProcess, register  # noqa: E402

PEOPLE = {
    "ada": ("Ada Lovelace", (214, 96, 77)),
    "grace": ("Grace Hopper", (66, 133, 244)),
    "linus": ("Linus", (52, 168, 83)),
    "margaret": ("Margaret H.", (156, 39, 176)),
    "alan": ("Alan", (255, 160, 0)),
    "katherine": ("Katherine J.", (0, 150, 136)),  # not followed: reaches the viewer as a retweet
}
VIEWER = "you"


def avatar(color: tuple[int, int, int]) -> bytes:
    image = Image.new("RGB", (256, 256), color)
    draw = ImageDraw.Draw(image)
    light = tuple(min(255, c + 70) for c in color)
    draw.ellipse((64, 40, 192, 168), fill=light)  # a head
    draw.ellipse((28, 170, 228, 360), fill=light)  # shoulders
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def landscape() -> bytes:
    """Sky, sun and two hills: a picture that reads as one at thumbnail size."""
    width, height = 1200, 675
    sky = Image.linear_gradient("L").resize((width, height)).point(lambda v: 255 - v // 3)
    image = Image.merge("RGB", (sky.point(lambda v: v * 0.55), sky.point(lambda v: v * 0.8), sky))
    draw = ImageDraw.Draw(image)
    draw.ellipse((820, 90, 980, 250), fill=(255, 214, 102))
    draw.ellipse((-300, 380, 800, 1100), fill=(76, 140, 74))
    draw.ellipse((450, 430, 1600, 1200), fill=(56, 112, 60))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = ChirpProcess(Path(tmp) / "data", env={"CHIRP_LOG_LEVEL": "WARNING"}).start()
        try:
            url = server.url
            users = {name: register(url, name) for name in [VIEWER, *PEOPLE]}

            def call(who: str, method: str, path: str, **kwargs: object) -> dict:
                headers = {"Authorization": f"Bearer {users[who]['token']}"}
                response = requests.request(
                    method, f"{url}{path}", headers=headers, timeout=30, **kwargs
                )  # type: ignore[arg-type]
                response.raise_for_status()
                return response.json()

            for name, (display, color) in PEOPLE.items():
                call(
                    name,
                    "PATCH",
                    "/api/v1/accounts/update_credentials",
                    data={"display_name": display},
                    files={"avatar": ("a.png", avatar(color), "image/png")},
                )
                if name != "katherine":
                    call(VIEWER, "POST", f"/api/v1/accounts/{users[name]['id']}/follow")
            call(
                VIEWER,
                "PATCH",
                "/api/v1/accounts/update_credentials",
                data={"display_name": "You"},
                files={"avatar": ("a.png", avatar((90, 100, 110)), "image/png")},
            )

            def post(who: str, text: str, **fields: object) -> dict:
                return call(who, "POST", "/api/v1/statuses", json={"status": text, **fields})

            first = post(
                "grace",
                "Found the first actual bug in the relay today. Taped it into the log book. #debugging",
            )
            post("alan", "@grace the log book will be famous", in_reply_to_id=first["id"])
            post(
                "linus",
                "Reading how websockets resume after a drop: https://docs.joinmastodon.org/methods/streaming/ #realtime",
            )
            orbit = post("katherine", "Checked the trajectory by hand. The numbers agree. #orbits")
            call("grace", "POST", f"/api/v1/statuses/{orbit['id']}/reblog")
            launch = post(
                "margaret", "Code for the landing is done and tested. Now, coffee. ☕ #apollo"
            )
            post(
                "grace",
                "Who is up for the #birdwatching walk on Saturday? @ada is bringing the good binoculars.",
            )
            media = call(
                "ada",
                "POST",
                "/api/v2/media",
                files={"file": ("hills.jpg", landscape(), "image/jpeg")},
                data={"description": "Green hills under a morning sun"},
            )
            picture = post(
                "ada",
                "Morning walk before the #engine notes. The light on the hills today!",
                media_ids=[media["id"]],
            )
            for who in ("grace", "alan", "linus"):
                call(who, "POST", f"/api/v1/statuses/{picture['id']}/favourite")
                call(who, "POST", f"/api/v1/statuses/{launch['id']}/favourite")
            call("alan", "POST", f"/api/v1/statuses/{first['id']}/favourite")
            post("grace", "@ada that light!", in_reply_to_id=picture["id"])

            shots = ROOT / "docs"
            result = subprocess.run(
                ["node", "e2e/run.mjs", url, "readme_shots", str(shots)],
                cwd=ROOT / "web",
                env={**os.environ, "CHIRP_E2E_TOKEN": users[VIEWER]["token"]},
                capture_output=True,
                text=True,
                timeout=120,
            )
            if result.returncode != 0:
                raise SystemExit(result.stdout + result.stderr)
            print(f"wrote {shots / 'web-desktop.png'} and {shots / 'web-mobile.png'}")
        finally:
            server.stop()


if __name__ == "__main__":
    main()
