"""The layering of the package, as a test.

Each layer may import only from the layers below it, and from itself without cycles:

    1 foundation  errors.py, config.py, version.py    stdlib only
    2 core        core/ and its sub-packages           + NumPy
    3 usercode    usercode/: checking a user's BPTT    + NumPy
                  (layouts, catalogues, comparison)
    4 trace       trace/                               + NumPy
    5 files       files/                               + NumPy
    6 rendering   rendering/                           + NumPy, Rich
    7 cli         cli/                                 + NumPy, Rich, Typer (and click)
    8 facade      __init__.py, __main__.py, api.py     + NumPy

Every import counts, wherever it stands: at the top, inside a function, under
`if TYPE_CHECKING:`. No module of the package may import another that (directly or not)
imports it back. Implicit imports of parent packages' `__init__` are not counted.
"""

from __future__ import annotations

import ast
import shutil
import sys
from collections import deque
from itertools import pairwise
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "bptt_trace"

LAYERS = ["foundation", "core", "usercode", "trace", "files", "rendering", "cli", "facade"]
FOUNDATION = {"errors", "config", "version"}
THIRD_PARTY: dict[str, set[str]] = {
    "foundation": set(),
    "core": {"numpy"},
    "usercode": {"numpy"},
    "trace": {"numpy"},
    "files": {"numpy"},
    "rendering": {"numpy", "rich"},
    "cli": {"numpy", "rich", "typer", "click"},
    "facade": {"numpy"},
}


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name of the package, or None if it is in no layer."""
    parts = module.split(".")[1:]
    if not parts or parts in (["__main__"], ["api"]):
        return "facade"
    if len(parts) == 1 and parts[0] in FOUNDATION:
        return "foundation"
    return parts[0] if parts[0] in LAYERS[1:-1] else None


def find_modules(root: Path) -> dict[str, Path]:
    """Every module under the package folder `root`, by dotted name (packages by their own)."""
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = [root.name, *path.relative_to(root).with_suffix("").parts]
        modules[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return modules


def imports_of(module: str, path: Path, modules: dict[str, Path]) -> list[tuple[int, str, bool]]:
    """(line, imported module, is internal) for every import statement anywhere in `path`.

    `from X import n` imports the module X.n when there is one, and X itself otherwise.
    """
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str, bool]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name, False) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                if node.level > len(anchor):
                    found.append((node.lineno, "." * node.level + base, True))
                    continue
                base = ".".join(anchor[: len(anchor) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((node.lineno, sub if sub in modules else base, node.level > 0))
    top = module.partition(".")[0]
    return [(line, name, rel or name.partition(".")[0] == top) for line, name, rel in found]


def find_cycles(graph: dict[str, dict[str, int]]) -> list[str]:
    """One shortest cycle per group of modules that import each other, as `a:line -> b`."""

    def chain(start: str, goal: str) -> list[str] | None:
        parents: dict[str, str] = {}
        queue = deque([start])
        while queue:
            node = queue.popleft()
            for nxt in sorted(graph.get(node, {})):
                if nxt not in parents:
                    parents[nxt] = node
                    queue.append(nxt)
            if goal in parents:
                path = [goal]
                while len(path) == 1 or path[-1] != start:
                    path.append(parents[path[-1]])
                return path[::-1]
        return None

    cycles, seen = [], set()
    for node in sorted(graph):
        loop = None if node in seen else chain(node, node)
        if loop is None:
            continue
        seen |= {other for other in graph if chain(node, other) and chain(other, node)}
        steps = [f"{a}:{graph[a][b]}" for a, b in pairwise(loop)]
        cycles.append(f"import cycle: {' -> '.join([*steps, loop[-1]])}")
    return cycles


def check_layers(root: Path) -> list[str]:
    """Every breach of the layering in the package folder `root`, one message each."""
    modules = find_modules(root)
    problems: list[str] = []
    graph: dict[str, dict[str, int]] = {name: {} for name in modules}
    for module, path in modules.items():
        layer = layer_of(module)
        if layer is None:
            problems.append(f"{module} is in no layer")
            continue
        for line, target, internal in imports_of(module, path, modules):
            where = f"{module}:{line} ({layer}) imports {target}"
            if not internal:
                top = target.partition(".")[0]
                if top not in sys.stdlib_module_names and top not in THIRD_PARTY[layer]:
                    allowed = ", ".join(sorted(THIRD_PARTY[layer])) or "stdlib only"
                    problems.append(f"{where}: third-party, not allowed in {layer} ({allowed})")
                continue
            other = layer_of(target) if not target.startswith(".") else None
            if other is None:
                problems.append(f"{where}: in no layer")
            elif LAYERS.index(other) > LAYERS.index(layer):
                problems.append(f"{where} ({other}): a higher layer")
            if target in modules and target != module:
                graph[module].setdefault(target, line)
    return problems + find_cycles(graph)


def write_tree(root: Path, files: dict[str, str]) -> Path:
    for name, source in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(source, encoding="utf-8")
    return root


CLEAN = {
    "__init__.py": "from .version import VERSION\nimport typing\n",
    "__main__.py": "from .cli import app\n",
    "errors.py": "from . import config\n",
    "config.py": "import dataclasses\n",
    "version.py": "VERSION = '1'\n",
    "core/__init__.py": "",
    "core/a.py": "import numpy as np\nfrom .. import errors\nfrom .cells import lstm\n",
    "core/cells/__init__.py": "",
    "core/cells/lstm.py": "from ...config import dataclasses\nfrom ... import errors\n",
    "trace/__init__.py": "",
    "trace/x.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..core import a\n",
    "files/__init__.py": "",
    "files/p.py": "from ..trace.x import TYPE_CHECKING\nfrom . import q\n",
    "files/q.py": "import json\nimport pkg.core.a\n",
    "rendering/__init__.py": "",
    "rendering/b.py": "import rich.table\nfrom ..files import p\n",
    "cli/__init__.py": "",
    "cli/app.py": "import typer\nimport click\ndef run():\n    from ..rendering import b\n",
}


def test_the_package_respects_its_layers() -> None:
    assert check_layers(PACKAGE) == []


def test_a_clean_tree_passes(tmp_path: Path) -> None:
    assert check_layers(write_tree(tmp_path / "pkg", CLEAN)) == []


def test_upward_imports_foreign_libraries_and_cycles_are_caught(tmp_path: Path) -> None:
    broken = {
        **CLEAN,
        "core/a.py": "import numpy\nfrom typing import TYPE_CHECKING\n"
        "if TYPE_CHECKING:\n    from ..rendering.b import View\n",
        "trace/x.py": "def show():\n    import rich\n",
        "files/q.py": "from .p import thing\n",
        "core/cells/gru.py": "from ... import VERSION\n",
        "helpers.py": "",
    }
    assert sorted(check_layers(write_tree(tmp_path / "pkg", broken))) == sorted(
        [
            "pkg.core.a:4 (core) imports pkg.rendering.b (rendering): a higher layer",
            "pkg.core.cells.gru:1 (core) imports pkg (facade): a higher layer",
            "pkg.trace.x:2 (trace) imports rich: third-party, not allowed in trace (numpy)",
            "pkg.helpers is in no layer",
            "import cycle: pkg.files.p:2 -> pkg.files.q:1 -> pkg.files.p",
        ]
    )


def test_a_new_module_in_a_copy_of_the_package_is_caught(tmp_path: Path) -> None:
    copy = tmp_path / "bptt_trace"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "core" / "some_new.py").write_text("from ..cli.app import run\n", encoding="utf-8")
    (copy / "core" / "engine_check.py").write_text(
        "from ..usercode.compare import compare\n", encoding="utf-8"
    )
    (copy / "usercode" / "shown.py").write_text("from ..rendering import theme\n", encoding="utf-8")
    new = set(check_layers(copy)) - set(check_layers(PACKAGE))
    assert new == {
        "bptt_trace.core.some_new:1 (core) imports bptt_trace.cli.app (cli): a higher layer",
        "bptt_trace.core.engine_check:1 (core) imports bptt_trace.usercode.compare (usercode): "
        "a higher layer",
        "bptt_trace.usercode.shown:1 (usercode) imports bptt_trace.rendering.theme (rendering): "
        "a higher layer",
    }
