"""Renderers that turn a list of successes into a document, one module per format.

Each format module defines a ``Renderer``; ``RENDERERS`` maps format names to
them, so adding a format is adding one module and one line here.
"""

from __future__ import annotations

from successbot.exporters import json_format, markdown_format, text_format
from successbot.exporters.base import ExportRequest, Renderer

RENDERERS: dict[str, Renderer] = {
    renderer.name: renderer for renderer in (text_format.RENDERER, markdown_format.RENDERER, json_format.RENDERER)
}

__all__ = ["RENDERERS", "ExportRequest", "Renderer"]
