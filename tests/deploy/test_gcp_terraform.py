"""`deploy/gcp`: the Terraform is formatted (which parses every file) and, where the provider
registry can be reached, `terraform validate` passes against the real providers' schemas."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

GCP = Path(__file__).resolve().parents[2] / "deploy" / "gcp"


def _terraform() -> str:
    path = shutil.which("terraform")
    if path is None:
        pytest.skip(
            "terraform is not installed (https://developer.hashicorp.com/terraform/install)"
        )
    return path


def test_the_terraform_parses_and_is_formatted() -> None:
    done = subprocess.run(
        [_terraform(), "fmt", "-check", "-recursive", "-diff", str(GCP)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_terraform_validates_against_the_providers(tmp_path: Path) -> None:
    work = tmp_path / "gcp"
    shutil.copytree(GCP, work)
    init = subprocess.run(
        [_terraform(), "init", "-backend=false", "-input=false", "-no-color"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if init.returncode != 0 and "registry.terraform.io" in init.stdout + init.stderr:
        pytest.skip("the Terraform registry cannot be reached from here: providers not downloaded")
    assert init.returncode == 0, init.stdout + init.stderr
    validate = subprocess.run(
        [_terraform(), "validate", "-no-color"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert validate.returncode == 0, validate.stdout + validate.stderr
