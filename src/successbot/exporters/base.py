"""The renderer interface and what it is given."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Protocol

from successbot.successes import Success


@dataclass(frozen=True)
class ExportRequest:
    """Successes of a period, oldest first; ``first_day``/``last_day`` are inclusive UTC dates."""

    successes: Sequence[Success]
    first_day: date
    last_day: date
    title: str
    channel: str | None = None


class Renderer(Protocol):
    name: str
    media_type: str

    def render(self, export: ExportRequest) -> str: ...
