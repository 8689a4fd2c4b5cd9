"""YAML read with every scalar kept as the text it was written as.

PyYAML's safe loader follows YAML 1.1: ``release: 2026.2`` becomes the float
2026.2, ``slurp: yes`` becomes True and ``2027-03-24`` a date. Published
schedules mean none of that, so this loader resolves nothing but null: the
importers parse dates and numbers themselves and can say what they found.
Every mapping remembers the line it starts on, for error messages.

The loader is bounded, since a source is anyone's file: a document nested
deeper than ``MAX_DEPTH`` (PyYAML composes and constructs recursively, so
100,000 levels ended in ``RecursionError``) or whose aliases would expand it by
more than ``MAX_ALIAS_NODES`` nodes (533 bytes of "billion laughs" took 57 s and
5.5 GB) is refused with ``YamlLimitError`` at the place it went over.
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.events import AliasEvent
from yaml.nodes import MappingNode, Node, SequenceNode

MAX_DEPTH = 64  # schedules nest a handful of levels; this stays far below Python's recursion limit
MAX_ALIAS_NODES = 100_000  # nodes that aliases may add in all, counting what an alias's node expands to


class LineDict(dict[str, Any]):
    """A YAML mapping and the 1-based line it starts on."""

    line: int | None = None


class TextLoader(yaml.SafeLoader):
    pass


# Only null is resolved; plain scalars otherwise stay str.
TextLoader.yaml_implicit_resolvers = {}
TextLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", yaml.resolver.Resolver.yaml_implicit_resolvers["~"][0][1], ["~", "n", "N", ""]
)


def _construct_mapping(loader: TextLoader, node: yaml.MappingNode) -> LineDict:
    mapping = LineDict()
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        mapping[str(key)] = loader.construct_object(value_node, deep=True)
    mapping.line = node.start_mark.line + 1
    return mapping


TextLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)


class YamlLimitError(yaml.YAMLError):
    """Valid YAML that successbot refuses to expand: too deep, or too many aliased nodes."""

    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem, self.problem_mark, self.context = problem, mark, None


class BoundedTextLoader(TextLoader):
    """``TextLoader`` that counts while it composes: the depth, and every node an alias stands for."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._aliased = 0
        self._weights: dict[int, int] = {}  # id(node) -> nodes it expands to, aliases included

    def compose_node(self, parent: Node | None, index: object) -> Node:
        if self.check_event(AliasEvent):
            event = self.peek_event()
            node = self.anchors.get(event.anchor or "")
            if node is not None:
                self._aliased += self._weights.get(id(node), 1)
                if self._aliased > MAX_ALIAS_NODES:
                    raise YamlLimitError(
                        f"refused: its aliases expand to more than {MAX_ALIAS_NODES:,} nodes", event.start_mark
                    )
            return super().compose_node(parent, index)  # type: ignore[no-any-return]
        self._depth += 1
        if self._depth > MAX_DEPTH:
            raise YamlLimitError(f"refused: nested more than {MAX_DEPTH} levels deep", self.peek_event().start_mark)
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, SequenceNode):
            children: list[Node] = list(node.value)
        elif isinstance(node, MappingNode):
            children = [part for pair in node.value for part in pair]
        else:
            children = []
        if children:
            self._weights[id(node)] = 1 + sum(self._weights.get(id(child), 1) for child in children)
        return node  # type: ignore[no-any-return]


def load_text_yaml(text: str) -> Any:
    """Parse ``text``; raises ``yaml.YAMLError`` (with a ``problem_mark`` when PyYAML knows the place)."""
    return yaml.load(text, Loader=BoundedTextLoader)


def error_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1


def describe_error(error: yaml.YAMLError) -> str:
    if isinstance(error, YamlLimitError):
        return error.problem
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        return f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    return f"not valid YAML: {str(error).splitlines()[0]}"
