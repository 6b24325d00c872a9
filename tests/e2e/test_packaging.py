"""The built wheel (what the Dockerfile installs) carries everything `chirp serve` needs."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_ships_migrations_assets_and_the_console_script(tmp_path: Path) -> None:
    # Build from a copy, as the Dockerfile does, so the checkout gets no build/ litter.
    source = tmp_path / "src"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(ROOT / "chirp", source / "chirp", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "-q",
            "--wheel-dir",
            str(tmp_path),
            str(source),
        ],
        check=True,
    )
    (wheel,) = tmp_path.glob("chirp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    migrations = ROOT / "chirp" / "storage" / "sqlite" / "migrations"
    for sql in migrations.glob("*.sql"):
        assert f"chirp/storage/sqlite/migrations/{sql.name}" in names
    web_dist = ROOT / "chirp" / "web_dist"  # the web app: served with no Node installed
    built = [p.relative_to(ROOT).as_posix() for p in web_dist.rglob("*") if p.is_file()]
    assert "chirp/web_dist/index.html" in built
    for name in built:
        assert name in names, name
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "chirp = chirp.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_container_and_procfile_serve_on_all_interfaces_as_non_root() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert re.search(r"^USER (?!root)\w+", dockerfile, re.M)
    assert re.search(r"^HEALTHCHECK .*\n?.*/healthz", dockerfile, re.M)
    assert "chirp serve --host 0.0.0.0" in dockerfile
    procfile = (ROOT / "Procfile").read_text().strip()
    assert procfile == "web: chirp serve --host 0.0.0.0 --port $PORT"


def test_readme_documents_every_setting() -> None:
    from chirp.config import Settings

    readme = (ROOT / "README.md").read_text()
    for name in Settings.model_fields:
        assert f"`CHIRP_{name.upper()}`" in readme, f"CHIRP_{name.upper()} missing from README"
