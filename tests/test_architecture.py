"""The architecture, pinned: which part of successbot may import which, and what the pure parts may load.

The layers, innermost first (a layer may always import its own modules):

    core           pure: messages, clock, command table, dispatch, ports.  Imports nothing of ours.
    schedules      the schedule: model, queries, wording (pure), sources and formats (I/O, parsers).
    commands       the command handlers: core and the pure schedule modules only.
    announcements  the plan and the announcer: core and the pure schedule modules only.
    publishing     exports and the published directory: core, pure schedules, config.
    storage        SQL stores: core, the schedule model, the announcement plan.
    config         the settings file: core, publishing.log_links, announcements.weekly_time.
    adapters       console and IRC: core and config, never storage, runtime or cli.
    runtime        wires everything together: anything but cli.
    cli            the command line: anything.

``ARCHITECTURE`` below is that table as data; change the architecture by changing it.
The package root (``successbot/__init__.py``, only ``__version__``) may be imported by anyone.

Imports are read with ``ast``: module level and inside functions (a deferred import is
still a dependency), but not under ``if TYPE_CHECKING:`` (annotations only).
"""

from __future__ import annotations

import ast
import functools
import json
import os
import pkgutil
import subprocess
import sys
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = "successbot"
SRC = Path(__file__).resolve().parents[1] / "src" / ROOT
ANYTHING = "*"

CORE = "successbot.core"
COMMANDS = "successbot.commands"
SCHEDULES = "successbot.schedules"
ANNOUNCEMENTS = "successbot.announcements"
PUBLISHING = "successbot.publishing"
STORAGE = "successbot.storage"
ADAPTERS = "successbot.adapters"
RUNTIME = "successbot.runtime"
CLI = "successbot.cli"
CONFIG = "successbot.config"

# The schedule modules without I/O or parsers: what commands and announcements may use.
PURE_SCHEDULES = (
    "successbot.schedules.model",
    "successbot.schedules.queries",
    "successbot.schedules.wording",
    "successbot.schedules.locations",
)


@dataclass(frozen=True)
class Rule:
    """What a layer may import besides itself: module prefixes (``ANYTHING`` for all), minus ``but``."""

    may_import: tuple[str, ...]
    but: tuple[str, ...] = ()

    def allows(self, module: str) -> bool:
        return any(_within(module, p) for p in self.may_import) and not any(_within(module, p) for p in self.but)


def may(*may_import: str, but: tuple[str, ...] = ()) -> Rule:
    return Rule(may_import, but)


# A module follows the rule of the longest key it falls under.
ARCHITECTURE: dict[str, Rule] = {
    ROOT: may(),  # the package root: __version__ only
    CORE: may(),
    SCHEDULES: may(CORE),
    # the pure schedule modules stay pure: they may not reach sources or formats either
    **{pure: may(CORE, *PURE_SCHEDULES) for pure in PURE_SCHEDULES},
    COMMANDS: may(CORE, *PURE_SCHEDULES),
    ANNOUNCEMENTS: may(CORE, *PURE_SCHEDULES),
    PUBLISHING: may(CORE, *PURE_SCHEDULES, CONFIG),
    STORAGE: may(CORE, "successbot.schedules.model", "successbot.announcements.plan"),
    CONFIG: may(CORE, "successbot.publishing.log_links", "successbot.announcements.weekly_time"),
    ADAPTERS: may(CORE, CONFIG),
    RUNTIME: may(ANYTHING, but=(CLI,)),
    CLI: may(ANYTHING),
    "successbot.__main__": may(ANYTHING),
}
EVERYONE_MAY_IMPORT = (ROOT,)

# Infrastructure the pure parts must not load, not even indirectly.
INFRASTRUCTURE = (
    "sqlalchemy",
    "irc",
    "jaraco",
    "apscheduler",
    "yaml",
    "alembic",
    "psycopg",
    "psycopg2",
    "icalendar",
    "urllib.request",
)
MAX_TOP_LEVEL_MODULES = 10


def _within(module: str, prefix: str) -> bool:
    """Whether ``module`` is ``prefix`` or under it; the package root matches only itself."""
    if prefix == ANYTHING:
        return True
    return module == prefix or (prefix != ROOT and module.startswith(prefix + "."))


def _ours(module: str) -> bool:
    return module == ROOT or module.startswith(ROOT + ".")


# --- reading the source tree ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Edge:
    importer: str
    imported: str
    path: Path
    line: int

    def __str__(self) -> str:
        return f"{self.importer} -> {self.imported}  ({self.path.relative_to(SRC.parents[1])}:{self.line})"


@functools.cache
def _modules() -> dict[str, Path]:
    """Every module of ours on disk, by dotted name (a package by its ``__init__.py``)."""
    modules = {}
    for path in sorted(SRC.rglob("*.py")):
        parts = path.relative_to(SRC.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules[".".join(parts)] = path
    return modules


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


class _ImportCollector(ast.NodeVisitor):
    """The modules one file imports, with their lines: everywhere but under ``if TYPE_CHECKING:``."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.package = module if is_package else module.rpartition(".")[0]
        self.found: list[tuple[str, int]] = []

    def visit_If(self, node: ast.If) -> None:
        if not _is_type_checking(node.test):
            self.generic_visit(node)
            return
        for statement in node.orelse:  # the else branch does run
            self.visit(statement)

    def visit_Import(self, node: ast.Import) -> None:
        self.found.extend((alias.name, node.lineno) for alias in node.names)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - (node.level - 1)])
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        for alias in node.names:
            submodule = f"{base}.{alias.name}"
            self.found.append((submodule if submodule in _modules() else base, node.lineno))


@functools.cache
def _edges() -> tuple[Edge, ...]:
    """Every import of one of our modules by one of our modules (first line per pair)."""
    edges = []
    for module, path in _modules().items():
        collector = _ImportCollector(module, path.name == "__init__.py")
        collector.visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
        seen = set()
        for imported, line in collector.found:
            if _ours(imported) and imported not in seen:
                seen.add(imported)
                edges.append(Edge(module, imported, path, line))
    return tuple(edges)


def _graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in _modules()}
    for edge in _edges():
        graph.setdefault(edge.importer, set()).add(edge.imported)
        graph.setdefault(edge.imported, set())
    return graph


def _strongly_connected(graph: dict[str, set[str]]) -> list[list[str]]:
    """Tarjan's strongly connected components."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return components


def _shortest_path(graph: dict[str, set[str]], start: str, goal: str, allowed: set[str]) -> list[str]:
    previous: dict[str, str | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            path = [node]
            while (step := previous[path[-1]]) is not None:
                path.append(step)
            return path[::-1]
        for successor in sorted(graph[node] & allowed):
            if successor not in previous:
                previous[successor] = node
                queue.append(successor)
    raise AssertionError(f"no path {start} -> {goal} inside its component")  # cannot happen in an SCC


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The cycles, as ``[a, b, a]``: for each edge inside a component, the shortest cycle through it."""
    cycles: set[tuple[str, ...]] = set()
    for component in _strongly_connected(graph):
        members = set(component)
        for node in component:
            for successor in sorted(graph[node] & members):
                loop = [node, *_shortest_path(graph, successor, node, members)][:-1]
                first = loop.index(min(loop))
                cycles.add(tuple(loop[first:] + loop[:first]))
    return sorted([*cycle, cycle[0]] for cycle in cycles)


def _layer_of(module: str) -> str | None:
    layers = [layer for layer in ARCHITECTURE if _within(module, layer)]
    return max(layers, key=len) if layers else None


# --- importing in a fresh interpreter ---------------------------------------------------------------------------------

_IMPORT_ALL = """
import importlib, json, sys
forbidden, modules = json.loads(sys.argv[1]), json.loads(sys.argv[2])
before = [name for name in forbidden if name in sys.modules]
for module in modules:
    importlib.import_module(module)
print(json.dumps({"before": before, "after": [name for name in forbidden if name in sys.modules]}))
"""

# Imports one module with a meta-path hook that notes, the first time a forbidden module is
# looked for, the chain of our modules executing then (outermost first) and a foreign requester.
_TRACE_ONE = """
import importlib, json, sys
forbidden, target = set(json.loads(sys.argv[1])), sys.argv[2]
chains = {}

def ours(name):
    return name == "successbot" or name.startswith("successbot.")

class Tracer:
    def find_spec(self, fullname, path=None, target=None):
        if fullname in forbidden and fullname not in chains:
            chain, requester, frame = [], None, sys._getframe(1)
            while frame is not None:
                name = frame.f_globals.get("__name__", "")
                internal = frame.f_code.co_filename.startswith("<frozen") or name.startswith("importlib")
                if requester is None and not internal:
                    requester = name
                if ours(name) and (not chain or chain[-1] != name):
                    chain.append(name)
                frame = frame.f_back
            chain.reverse()
            if requester and not ours(requester):
                chain.append(requester)
            chains[fullname] = [*chain, fullname]
        return None

sys.meta_path.insert(0, Tracer())
importlib.import_module(target)
print(json.dumps({name: chains.get(name, [name]) for name in sorted(forbidden) if name in sys.modules}))
"""


def _python(script: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", script, *args],
        capture_output=True,
        text=True,
        env=dict(os.environ),
        cwd=SRC.parents[1],
        timeout=300,
        check=False,
    )


def _discover(package: str) -> list[str]:
    """A package and every module below it, found with pkgutil on disk (nothing is imported here)."""
    directory = SRC.joinpath(*package.split(".")[1:])
    found = [package]
    for info in pkgutil.iter_modules([str(directory)]):
        name = f"{package}.{info.name}"
        found.extend(_discover(name) if info.ispkg else [name])
    return found


FAILED = "(failed to import alone)"


def _who_pulls_in(modules: list[str]) -> dict[str, list[str]]:
    """For each forbidden module: which of ``modules`` loads it, each alone in a fresh interpreter, and how."""
    culprits: dict[str, list[str]] = {}
    for module in modules:
        result = _python(_TRACE_ONE, json.dumps(INFRASTRUCTURE), module)
        if result.returncode != 0:
            culprits.setdefault(FAILED, []).append(f"{module}:\n{result.stderr}")
            continue
        for forbidden, chain in json.loads(result.stdout.splitlines()[-1]).items():
            culprits.setdefault(forbidden, []).append(f"{module}: {' -> '.join(chain)}")
    return culprits


# --- the tests --------------------------------------------------------------------------------------------------------


def test_core_commands_and_announcer_import_no_infrastructure() -> None:
    modules = [
        *_discover(CORE),
        *_discover(COMMANDS),
        "successbot.announcements.announcer",
        "successbot.announcements.plan",
    ]
    result = _python(_IMPORT_ALL, json.dumps(INFRASTRUCTURE), json.dumps(modules))
    assert result.returncode == 0, f"importing {modules} failed in a fresh interpreter:\n{result.stderr}"
    loaded = json.loads(result.stdout.splitlines()[-1])

    if loaded["after"]:
        lines = [f"the pure modules load infrastructure: {', '.join(loaded['after'])}"]
        if loaded["before"]:
            lines.append(f"  already loaded at interpreter start, before any of ours: {', '.join(loaded['before'])}")
        culprits = _who_pulls_in(modules)
        reported = [*loaded["after"], FAILED] if FAILED in culprits else loaded["after"]
        for forbidden in reported:
            lines.append(f"{forbidden}:")
            lines.extend(f"  {culprit}" for culprit in culprits.get(forbidden, ["(no single module loads it alone)"]))
        pytest.fail("\n".join(lines), pytrace=False)


def test_core_imports_nothing_of_ours_outside_core() -> None:
    offending = [str(edge) for edge in _edges() if _within(edge.importer, CORE) and not _within(edge.imported, CORE)]
    assert not offending, "core imports modules of ours outside core:\n" + "\n".join(offending)


def test_package_has_no_import_cycles() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles(_graph())]
    assert not cycles, f"{len(cycles)} import cycles:\n" + "\n".join(cycles)


def test_dependencies_point_inward() -> None:
    unplaced = sorted(module for module in _modules() if _layer_of(module) is None)
    assert not unplaced, f"modules in no layer of ARCHITECTURE (add them to the table): {unplaced}"

    offending = []
    for edge in _edges():
        layer = _layer_of(edge.importer)
        assert layer is not None
        if _within(edge.imported, layer) or edge.imported in EVERYONE_MAY_IMPORT:
            continue
        if not ARCHITECTURE[layer].allows(edge.imported):
            offending.append(str(edge))
    assert not offending, f"{len(offending)} imports against ARCHITECTURE:\n" + "\n".join(offending)


def test_at_most_ten_modules_at_the_top_of_the_package() -> None:
    top_level = sorted(path.name for path in SRC.glob("*.py"))
    assert len(top_level) <= MAX_TOP_LEVEL_MODULES, (
        f"{len(top_level)} modules at the top of the package (at most {MAX_TOP_LEVEL_MODULES}): {top_level}"
    )
