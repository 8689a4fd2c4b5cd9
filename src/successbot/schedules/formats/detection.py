"""Schedule importers, one module per published format, and the detection that picks one from the content.

``import_text`` is pure: it gets the text (and a way to read the files
beside it) and returns the events, or raises one ``ScheduleImportError``
naming the file, the entry and what is wrong; nothing is half-imported.
"""

from __future__ import annotations

import re
from typing import Any

import yaml

from successbot.schedules.formats import (
    FORMATS,
    ics,
    openstack_elections,
    openstack_releases,
    openstack_series,
    successbot_yaml,
)
from successbot.schedules.formats.bounds import bounded
from successbot.schedules.formats.plain_yaml import describe_error, error_line, load_text_yaml
from successbot.schedules.model import ImportResult, ScheduleImportError, SiblingReader


def import_text(source: str, text: str, read_sibling: SiblingReader, format: str | None = None) -> ImportResult:
    """The events in ``text`` (read from ``source``), in ``format`` or the one its content shows."""
    if format is not None and format not in FORMATS:
        raise ScheduleImportError(source, f"unknown format {format!r}; expected one of {', '.join(FORMATS)}")
    if not text.strip():
        raise ScheduleImportError(source, "the file is empty")
    if format == "ics" or (format is None and text.lstrip().upper().startswith("BEGIN:VCALENDAR")):
        result = ics.import_calendar(source, text)
        detected = "ics"
    elif source.lower().endswith((".md", ".markdown")):
        raise ScheduleImportError(source, "Markdown text, not schedule data")
    elif _is_rst(text):
        result, detected = _import_rst(source, text, read_sibling, format), "openstack-releases"
    else:
        data = _parsed_yaml(source, text)
        detected = detect_yaml(source, data)
        if format is not None and format != detected:
            raise ScheduleImportError(source, f"--format {format} given, but the content is {detected}")
        result = _import_yaml(source, data, detected, read_sibling)
    result.format = result.format or detected
    return bounded(source, result)


def _parsed_yaml(source: str, text: str) -> Any:
    try:
        return load_text_yaml(text)
    except yaml.YAMLError as error:
        raise ScheduleImportError(source, describe_error(error), line=error_line(error)) from None


def _is_rst(text: str) -> bool:
    return bool(re.search(r"^\.\. [_a-z]", text, re.MULTILINE)) or text.lstrip().startswith("===")


def _import_rst(source: str, text: str, read_sibling: SiblingReader, format: str | None) -> ImportResult:
    if format not in (None, "openstack-releases"):
        raise ScheduleImportError(source, f"--format {format} given, but the content is reStructuredText")
    if re.search(r"^\+=", text, re.MULTILINE) and ":ref:`" in text:
        return openstack_releases.import_schedule_table(source, text, read_sibling)
    if "schedule.yaml" in text:
        raise ScheduleImportError(
            source,
            "the prose half of a release schedule (titles and days, no weeks): import the schedule.yaml "
            "beside it, which reads this file",
        )
    raise ScheduleImportError(source, "reStructuredText without a schedule table (| Oct 19-23 | R-24 | … |)")


def detect_yaml(source: str, data: Any) -> str:
    if isinstance(data, dict):
        if "$schema" in data:
            raise ScheduleImportError(
                source, "a JSON schema (it describes series_status.yaml), not schedule data", "$schema", data.line
            )
        if successbot_yaml.MARKER in data:
            return "successbot"
        if "cycle" in data:
            return "openstack-releases"
        if "timeline" in data or "timelines" in data:
            return "openstack-election"
    if isinstance(data, list) and data and all(isinstance(item, dict) for item in data):
        if all("date" in item and "name" in item for item in data):
            return "openstack-election"
        if all("name" in item and "status" in item for item in data):
            return "openstack-series"
    found = f"a mapping with keys {', '.join(list(data)[:5])}" if isinstance(data, dict) else type(data).__name__
    raise ScheduleImportError(
        source,
        f"not a schedule format successbot knows (found {found}; expected openstack/releases 'cycle', "
        f"openstack/election 'timeline', a series_status list, iCalendar or '{successbot_yaml.MARKER}: 1')",
    )


def _import_yaml(source: str, data: Any, detected: str, read_sibling: SiblingReader) -> ImportResult:
    if detected == "successbot":
        return successbot_yaml.import_successbot_yaml(source, data)
    if detected == "openstack-releases":
        return openstack_releases.import_schedule_yaml(source, data, read_sibling)
    if detected == "openstack-series":
        return openstack_series.import_series_status(source, data)
    if isinstance(data, list):
        return openstack_elections.import_events(source, data)
    return openstack_elections.import_configuration(source, data)
