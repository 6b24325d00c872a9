"""The layers, read from the source: the core owns its ports and imports no adapter.

`python -m tests.architecture.import_graph` prints the graph these tests check.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

from tests.architecture.import_graph import imports_of, modules_of, outside_imports

# What the core may import of the rest of Chirp: its settings, nothing else (no backend,
# realtime, video, blob or media module: those implement the core's ports).
CORE_MAY_IMPORT = {"chirp.config"}
# Libraries the core may use besides the standard library: computation only (text, JSON,
# password hashing, cryptography). Drivers, web frameworks, image and video libraries belong to
# the adapters; a new entry here is a design decision, not a formality.
CORE_MAY_USE = {"argon2", "cryptography", "markdown_it", "orjson", "regex"}


def forbidden_in_core(imports: set[str]) -> set[str]:
    return {
        name
        for name in imports
        if (name == "chirp" or name.startswith("chirp."))
        and not name.startswith("chirp.core")
        and name not in CORE_MAY_IMPORT
    }


def test_the_core_imports_no_adapter() -> None:
    reached = {
        module: sorted(forbidden_in_core(imports_of(path, module)))
        for module, path in modules_of("chirp.core")
    }
    assert {module: names for module, names in reached.items() if names} == {}


def test_the_core_uses_no_driver_nor_media_library() -> None:
    found = {
        module: sorted(
            top
            for top in {name.split(".")[0] for name in imports_of(path, module)}
            if top and top != "chirp" and top not in sys.stdlib_module_names
            if top not in CORE_MAY_USE
        )
        for module, path in modules_of("chirp.core")
    }
    assert {module: names for module, names in found.items() if names} == {}


def test_the_core_imports_nothing_by_name() -> None:
    """`importlib.import_module("chirp.…")` or `__import__` would hide an import from the reader."""
    dynamic = {}
    for module, path in modules_of("chirp.core"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and (
                (isinstance(node.func, ast.Name) and node.func.id == "__import__")
                or (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            ):
                dynamic[module] = node.lineno
    assert dynamic == {}


def test_the_core_imports_no_web_framework() -> None:
    web = {
        module: sorted(name for name in imports_of(path, module) if name.split(".")[0] == "aiohttp")
        for module, path in modules_of("chirp.core")
    }
    assert {module: names for module, names in web.items() if names} == {}


def test_the_ports_import_only_the_domain_model() -> None:
    """A port names what it needs in domain terms: models, values and other ports."""
    allowed = ("chirp.core.models", "chirp.core.ports", "chirp.core.text", "chirp.core.errors")
    found = {
        module: sorted(
            name
            for name in imports_of(path, module)
            if name.startswith("chirp.") and not name.startswith(allowed) and name != "chirp.core"
        )
        for module, path in modules_of("chirp.core.ports")
    }
    assert {module: names for module, names in found.items() if names} == {}


def test_the_reader_catches_every_form_of_import(tmp_path: Path) -> None:
    """A core module importing adapters in every way Python allows is caught, each one."""
    planted = tmp_path / "planted.py"
    planted.write_text(
        "from typing import TYPE_CHECKING\n"
        "from .. import blobs\n"
        "from ..video import playback\n"
        "import chirp.realtime.hub as hub\n"
        "from chirp import media\n"
        "if TYPE_CHECKING:\n"
        "    from chirp.storage.sqlite import SqliteStore\n"
        "def later():\n"
        "    from chirp.bus.memory import MemoryBus\n"
        "    from . import feeds\n"
    )
    found = forbidden_in_core(imports_of(planted, "chirp.core.planted"))
    assert {
        "chirp.blobs",
        "chirp.video.playback",
        "chirp.realtime.hub",
        "chirp.media",
        "chirp.storage.sqlite",
        "chirp.bus.memory",
    } <= found
    assert not any(name.startswith("chirp.core") for name in found)


def test_the_reader_sees_imports_at_every_depth() -> None:
    """The checks above would pass vacuously if the reader missed imports: it must find the
    core's use of its own ports and the adapters' use of the core."""
    core = dict(modules_of("chirp.core"))
    assert "chirp.core.ports.store" in imports_of(core["chirp.core.context"], "chirp.core.context")
    adapters = outside_imports("chirp.storage")
    assert any("chirp.core.ports.timelines" in targets for targets in adapters.values())
    # A function-level import counts as much as a top-level one.
    app = dict(modules_of("chirp.server"))["chirp.server.app"]
    assert {"chirp.blobs", "chirp.bus"} <= imports_of(app, "chirp.server.app")
