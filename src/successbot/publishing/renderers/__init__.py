"""Renderers that turn a list of successes into a document, one module per format.

Each format module defines a ``Renderer``; ``RENDERERS`` maps format names to
them, so adding a format is adding one module and one line here. A format's
module is imported the first time it is asked for: most commands, and a
running bot without ``[export] directory``, render nothing, and the seven
with their XML, HTML and CSV libraries weigh some megabytes.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from successbot.publishing.renderers.base import ExportRequest, Link, Renderer

# Format name: the module of this package that renders it.
_MODULES = {
    "text": "text_format",
    "markdown": "markdown_format",
    "rst": "rst_format",
    "html": "html_format",
    "csv": "csv_format",
    "atom": "atom_format",
    "json": "json_format",
}


class _Renderers(Mapping[str, "Renderer"]):
    """The renderers by format name, each imported when first looked up."""

    def __getitem__(self, name: str) -> Renderer:
        renderer: Renderer = import_module(f"{__name__}.{_MODULES[name]}").RENDERER
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(_MODULES)

    def __len__(self) -> int:
        return len(_MODULES)


RENDERERS: Mapping[str, Renderer] = _Renderers()


def __getattr__(name: str) -> Any:
    """``ExportRequest``, ``Link`` and ``Renderer``, from ``base`` when first asked for (the parser needs none)."""
    if name in ("ExportRequest", "Link", "Renderer"):
        from successbot.publishing.renderers import base

        return getattr(base, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["RENDERERS", "ExportRequest", "Link", "Renderer"]
