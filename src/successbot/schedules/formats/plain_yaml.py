"""YAML read with every scalar kept as the text it was written as.

PyYAML's safe loader follows YAML 1.1: ``release: 2026.2`` becomes the float
2026.2, ``slurp: yes`` becomes True and ``2027-03-24`` a date. Published
schedules mean none of that, so this loader resolves nothing but null: the
importers parse dates and numbers themselves and can say what they found.
Every mapping remembers the line it starts on, for error messages.
"""

from __future__ import annotations

from typing import Any

import yaml


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


def load_text_yaml(text: str) -> Any:
    """Parse ``text``; raises ``yaml.YAMLError`` (with a ``problem_mark`` when PyYAML knows the place)."""
    return yaml.load(text, Loader=TextLoader)


def error_line(error: yaml.YAMLError) -> int | None:
    mark = getattr(error, "problem_mark", None) or getattr(error, "context_mark", None)
    return None if mark is None else mark.line + 1


def describe_error(error: yaml.YAMLError) -> str:
    problem = getattr(error, "problem", None)
    context = getattr(error, "context", None)
    if problem:
        return f"not valid YAML: {problem}" + (f" ({context})" if context else "")
    return f"not valid YAML: {str(error).splitlines()[0]}"
