"""Prints which chirp modules each package imports, read from the source with `ast`.

Run it as `python -m tests.architecture.import_graph [PACKAGE]` (default `chirp.core`): one line per
module of PACKAGE, listing the chirp modules outside PACKAGE that it imports, then a summary of the
packages reached. The layering test uses the same reader.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    if parts[-1] == "__init__":
        parts = parts[:-1]
    return ".".join(parts)


def modules_of(package: str) -> Iterator[tuple[str, Path]]:
    base = ROOT.joinpath(*package.split("."))
    for path in sorted(base.rglob("*.py")):
        yield module_name(path), path


def imports_of(path: Path, module: str) -> set[str]:
    """Every absolute module the file imports, at any depth (function bodies and TYPE_CHECKING too)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.add(target)
            # `from chirp.core import feeds` imports the module chirp.core.feeds.
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (
                    ROOT.joinpath(*candidate.split(".")).with_suffix(".py").exists()
                    or ROOT.joinpath(*candidate.split("."), "__init__.py").exists()
                ):
                    found.add(candidate)
    return found


def outside_imports(package: str, prefix: str = "chirp") -> dict[str, set[str]]:
    """For each module of `package`, the `prefix` modules it imports from outside `package`."""
    graph: dict[str, set[str]] = {}
    for module, path in modules_of(package):
        graph[module] = {
            name
            for name in imports_of(path, module)
            if (name == prefix or name.startswith(prefix + "."))
            and name != package
            and not name.startswith(package + ".")
        }
    return graph


def main(argv: list[str]) -> None:
    package = argv[0] if argv else "chirp.core"
    graph = outside_imports(package)
    reached: dict[str, int] = {}
    for module, targets in graph.items():
        print(
            f"{module} -> {', '.join(sorted(targets)) if targets else f'(nothing outside {package})'}"
        )
        for target in targets:
            top = ".".join(target.split(".")[:2])
            reached[top] = reached.get(top, 0) + 1
    print()
    print(f"packages outside {package} that it imports (importing modules):")
    for top, count in sorted(reached.items()):
        print(f"  {top}: {count}")


if __name__ == "__main__":
    main(sys.argv[1:])
