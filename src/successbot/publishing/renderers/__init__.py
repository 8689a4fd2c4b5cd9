"""Renderers that turn a list of successes into a document, one module per format.

Each format module defines a ``Renderer``; ``RENDERERS`` maps format names to
them, so adding a format is adding one module and one line here.
"""

from __future__ import annotations

from successbot.publishing.renderers import (
    atom_format,
    csv_format,
    html_format,
    json_format,
    markdown_format,
    rst_format,
    text_format,
)
from successbot.publishing.renderers.base import ExportRequest, Link, Renderer

RENDERERS: dict[str, Renderer] = {
    renderer.name: renderer
    for renderer in (
        text_format.RENDERER,
        markdown_format.RENDERER,
        rst_format.RENDERER,
        html_format.RENDERER,
        csv_format.RENDERER,
        atom_format.RENDERER,
        json_format.RENDERER,
    )
}

__all__ = ["RENDERERS", "ExportRequest", "Link", "Renderer"]
