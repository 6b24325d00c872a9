"""The layers, read from the source: the core owns its ports and imports no adapter.

`python -m tests.architecture.import_graph` prints the graph these tests check.
"""

from __future__ import annotations

from tests.architecture.import_graph import imports_of, modules_of, outside_imports

# What the core may import of the rest of Chirp: its settings, nothing else (no backend,
# realtime, video, blob or media module: those implement the core's ports).
CORE_MAY_IMPORT = {"chirp.config"}


def test_the_core_imports_no_adapter() -> None:
    reached = {
        module: sorted(targets - CORE_MAY_IMPORT)
        for module, targets in outside_imports("chirp.core").items()
        if targets - CORE_MAY_IMPORT
    }
    assert reached == {}


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
