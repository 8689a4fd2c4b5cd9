"""The weeks and deadlines the bot reads from every real OpenStack schedule, against an independent reading.

Each test reads the files itself (``yaml`` for the YAML, a regular expression
for the Mitaka and Newton tables, ``series_status.yaml`` for the order of the
series) and checks the bot's answer at instants taken from the files: no
answer is written down here. Four rules are pinned:

1. a row that cannot be read costs that row, reported with its file and line, never the file;
2. a week is called what its ``name`` says; ``release-week`` only names weeks left unnamed;
3. where two series' weeks overlap, the newest series' week is the one meant, whatever the import order;
4. one event is one line, whichever files (or names) give it.
"""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from pathlib import Path

import pytest
import yaml

from cli_runner import run_cli as run
from harness import OPENSTACK_DATA
from successbot.commands.schedule import reload_summary
from successbot.schedules.model import Event, Kind, ScheduleImportError
from successbot.schedules.queries import cycle_week_at, upcoming_deadlines
from successbot.schedules.sources import load_location, refresh_sources

RELEASES = OPENSTACK_DATA / "releases"
YAML_FILES = sorted(RELEASES.glob("*/schedule.yaml"))
TABLE_FILES = [path for path in sorted(RELEASES.glob("*/schedule.rst")) if not (path.parent / "schedule.yaml").exists()]
SERIES_STATUS = yaml.safe_load((RELEASES / "series_status.yaml").read_text(encoding="utf-8"))
NEWEST_FIRST = [str(item["name"]).lower() for item in SERIES_STATUS]  # series_status.yaml lists the newest first
RELEASE_IDS = {str(item["name"]).lower(): str(item["release-id"]) for item in SERIES_STATUS if item.get("release-id")}


# --- an independent reading of the files ---


@dataclass(frozen=True)
class Row:
    series: str
    index: int
    line: int  # 1-based, where the row starts
    start: date
    end: date | None
    name: str | None

    @property
    def week(self) -> tuple[datetime, datetime]:
        """Monday 00:00 to the next Monday 00:00 UTC: the week the row stands for."""
        monday = datetime.combine(self.start, datetime.min.time(), tzinfo=UTC)
        return monday, monday + timedelta(days=7)


def as_date(value: object) -> date | None:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        return None


@cache
def yaml_rows(path: Path) -> tuple[Row, ...]:
    text = path.read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    node = yaml.compose(text)
    cycle_node = next(value for key, value in node.value if key.value == "cycle")
    rows = []
    for index, (raw, item) in enumerate(zip(data["cycle"], cycle_node.value, strict=True)):
        start = as_date(raw.get("start"))
        assert start is not None, f"{path} cycle[{index}]: the real files all have a start"
        name = str(raw["name"]).strip() if raw.get("name") else None
        rows.append(Row(path.parent.name, index, item.start_mark.line + 1, start, as_date(raw.get("end")), name))
    return tuple(rows)


TABLE_ROW = re.compile(r"^\| ([A-Z][a-z]{2}) (\d{1,2})-\d{1,2}\s*\| (R[-+]\d+)?\s*\|", re.MULTILINE)
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@cache
def table_rows(path: Path) -> tuple[Row, ...]:
    """The Mitaka and Newton grid tables: "Oct 19-23 | R-24", one row a week.

    The table gives no year: it is the one where the rows are Mondays a week
    apart and the series' release day (series_status.yaml) falls among them.
    """
    found = [(MONTHS.index(month) + 1, int(day), name) for month, day, name in TABLE_ROW.findall(path.read_text())]
    released = next(as_date(item["initial-release"]) for item in SERIES_STATUS if item["name"] == path.parent.name)
    for year in (released.year - 1, released.year):
        first = date(year, found[0][0], found[0][1])
        weeks = [first + timedelta(weeks=i) for i in range(len(found))]
        mondays = all((w.month, w.day) == (m, d) for w, (m, d, _) in zip(weeks, found, strict=True))
        if first.weekday() == 0 and mondays and weeks[0] <= released < weeks[-1] + timedelta(weeks=1):
            return tuple(
                Row(path.parent.name, i, 0, w, None, n or None)
                for i, (w, (_, _, n)) in enumerate(zip(weeks, found, strict=True))
            )
    raise AssertionError(f"{path}: no year makes the table's weeks Mondays around the release")


def every_named_row() -> list[Row]:
    rows = [row for path in YAML_FILES for row in yaml_rows(path)] + [
        row for path in TABLE_FILES for row in table_rows(path)
    ]
    return [row for row in rows if row.name]


def expected_week(at: datetime) -> Row | None:
    """The named row whose week holds ``at``; of overlapping ones, the newest series' by series_status.yaml."""
    holding = [row for row in every_named_row() if row.week[0] <= at < row.week[1]]
    return min(holding, key=lambda row: NEWEST_FIRST.index(row.series), default=None)


def expected_head(row: Row) -> str:
    """What !deadline starts with in that week: ``Antelope (2023.1), week R-4.``; the release week reads R-0."""
    shown = row.series.capitalize() + (f" ({RELEASE_IDS[row.series]})" if row.series in RELEASE_IDS else "")
    name = "R-0" if row.name == "R+0" else row.name
    return f"{shown}, week {name}."


def implied_release_monday(rows: tuple[Row, ...]) -> date:
    """The Monday the week names make R+0 (R-4 on 2021-03-15: 2021-04-12), the one most names agree on."""
    votes: dict[date, int] = {}
    for row in rows:
        found = re.fullmatch(r"R([-+])(\d+)", row.name or "")
        if found:
            offset = int(found.group(2)) * (1 if found.group(1) == "+" else -1)
            monday = row.start - timedelta(days=row.start.weekday()) - timedelta(weeks=offset)
            votes[monday] = votes.get(monday, 0) + 1
    return max(votes, key=lambda monday: votes[monday])


def instants_in(row: Row) -> list[datetime]:
    monday = row.week[0]
    return [monday, monday + timedelta(days=2, hours=12), row.week[1] - timedelta(minutes=1)]


@cache
def imported(path: Path):
    return load_location(str(path))


def all_events() -> list[Event]:
    return [
        event
        for path in (*YAML_FILES, *TABLE_FILES, RELEASES / "series_status.yaml")
        for event in imported(path).events
    ]


def copy_series(tmp_path: Path, path: Path, text: str) -> Path:
    """``text`` as ``releases/<series>/schedule.yaml`` in ``tmp_path``, beside the real prose and series_status."""
    folder = tmp_path / "releases" / path.parent.name
    folder.mkdir(parents=True)
    shutil.copy(path.parent / "schedule.rst", folder / "schedule.rst")
    shutil.copy(RELEASES / "series_status.yaml", tmp_path / "releases" / "series_status.yaml")
    copy = folder / "schedule.yaml"
    copy.write_text(text, encoding="utf-8")
    return copy


def with_row_value(path: Path, row: Row, key: str, value: str) -> str:
    """The file's text with one row's ``key`` set to ``value``, everything else as published."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    node = yaml.compose("".join(lines))
    cycle_node = next(v for k, v in node.value if k.value == "cycle")
    value_node = next(v for k, v in cycle_node.value[row.index].value if k.value == key)
    number = value_node.start_mark.line
    lines[number] = lines[number].replace(value_node.value, value, 1)
    return "".join(lines)


def week_title(events: list[Event], at: datetime) -> str | None:
    week = cycle_week_at(events, at)
    return week.title if week else None


def by_file(paths: list[Path]) -> list:
    return [pytest.param(path, id=path.parent.name) for path in paths]


# --- 1. one odd row costs that row, never the file ---


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_every_file_imports_and_each_row_in_doubt_is_one_warning_naming_its_line(path):
    result = imported(path)  # never refused
    rows = yaml_rows(path)
    doubtful = [row for row in rows if row.end is None or not 0 <= (row.end - row.start).days <= 6]
    for row in doubtful:
        about = [w for w in result.warnings if w.startswith(f"{path}:{row.line}: cycle[{row.index}]")]
        assert len(about) == 1, (row, result.warnings)
        assert "expected end within the week of start" in about[0] and f"kept as the week of {row.start}" in about[0]
    row_warnings = [w for w in result.warnings if re.match(rf"{re.escape(str(path))}:\d+: cycle\[\d+\]:", w)]
    assert len(row_warnings) == len(doubtful), result.warnings
    assert all("\n" not in warning for warning in result.warnings)


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_a_year_typo_in_one_row_costs_nothing_but_a_warning(tmp_path, path):
    """Yoga's row ending 2022-12-31 for 2021, on every file: the end's or the start's year one too many."""
    rows = yaml_rows(path)
    named = [row for row in rows if row.name]
    row = named[len(named) // 2]
    original = imported(path).events
    for key, day in (("end", row.end), ("start", row.start)):
        folder = tmp_path / key
        typo = day.replace(year=day.year + 1).isoformat()
        copy = copy_series(folder, path, with_row_value(path, row, key, typo))
        result = load_location(str(copy))
        (warning,) = [w for w in result.warnings if w.startswith(f"{copy}:{row.line}: cycle[{row.index}]")]
        assert "expected end within the week of start" in warning, warning
        assert warning.endswith(f"kept as the week of {row.start}"), warning  # a start typo: the end's week, the same
        for other in named:  # every week is still what its name says, the one with the typo too
            assert [week_title(result.events, at) for at in instants_in(other)] == [other.name] * 3, (key, other)
        assert len(result.events) == len(original)


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_a_row_that_cannot_be_read_is_reported_and_the_rest_imported(tmp_path, path):
    rows = yaml_rows(path)
    named = [row for row in rows if row.name]
    row = named[len(named) // 3]
    copy = copy_series(tmp_path, path, with_row_value(path, row, "start", "soon"))
    result = load_location(str(copy))
    assert f"{copy}:{row.line}: cycle[{row.index}] start: expected a date YYYY-MM-DD, found 'soon'; row not read" in (
        result.warnings
    )
    assert week_title(result.events, instants_in(row)[1]) != row.name
    for other in named:
        if other != row:
            assert week_title(result.events, instants_in(other)[1]) == other.name


def test_a_file_with_no_week_left_is_refused_naming_the_first_row(tmp_path):
    path = RELEASES / "yoga" / "schedule.yaml"
    text = re.sub(r"start: '?\d{4}-\d\d-\d\d'?", "start: never", path.read_text(encoding="utf-8"))
    copy = copy_series(tmp_path, path, text)
    with pytest.raises(ScheduleImportError) as caught:
        load_location(str(copy))
    first = yaml_rows(path)[0]
    assert str(caught.value) == (
        f"{copy}:{first.line}: cycle[0] start: expected a date YYYY-MM-DD, found 'never' "
        f"(and {len(yaml_rows(path)) - 1} more rows; no week is left)"
    )


# --- 2. the week is what its name says ---


@pytest.mark.parametrize("path", by_file(YAML_FILES + TABLE_FILES))
def test_every_named_week_is_called_what_the_file_calls_it_all_week_long(path):
    rows = yaml_rows(path) if path.suffix == ".yaml" else table_rows(path)
    events = imported(path).events
    for row in rows:
        if row.name:
            assert [week_title(events, at) for at in instants_in(row)] == [row.name] * 3, row


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_a_release_week_that_disagrees_with_the_names_is_reported_once_and_the_names_kept(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    rows = yaml_rows(path)
    release_week = as_date(data["release-week"])
    names_say = implied_release_monday(rows)
    about = [warning for warning in imported(path).warnings if "release-week" in warning]
    if release_week - timedelta(days=release_week.weekday()) == names_say:  # Yoga's Wednesday is in its R+0 week
        assert about == []
    else:  # Wallaby's 2021-05-03 is three weeks after its R-0
        assert len(about) == 1 and f"release-week {release_week}" in about[0] and "the names are kept" in about[0]
        assert f"(of {names_say})" in about[0]


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_release_week_only_names_a_week_the_file_leaves_unnamed(tmp_path, path):
    """A gap between named weeks takes the name the weeks around it imply, even when release-week is stale."""
    rows = yaml_rows(path)
    named = [row for row in rows if row.name]
    gap = named[len(named) // 2]
    text = path.read_text(encoding="utf-8").splitlines(keepends=True)
    (name_line,) = [
        n for n in range(gap.line - 1, gap.line + 3) if re.match(rf"\s*name: '?{re.escape(gap.name)}'?\s*$", text[n])
    ]
    del text[name_line]
    result = load_location(str(copy_series(tmp_path, path, "".join(text))))
    assert [week_title(result.events, at) for at in instants_in(gap)] == [gap.name] * 3


@pytest.mark.parametrize("path", by_file(YAML_FILES))
def test_a_file_without_names_is_named_from_its_release_week(tmp_path, path):
    rows = yaml_rows(path)
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    release_week = as_date(data["release-week"])
    release_monday = release_week - timedelta(days=release_week.weekday())
    text = re.sub(r"(?m)^\s*name: .*\n", "", path.read_text(encoding="utf-8"))
    result = load_location(str(copy_series(tmp_path, path, text)))
    for row in rows:
        offset = (row.start - timedelta(days=row.start.weekday()) - release_monday).days // 7
        expected = f"R{offset:+d}" if offset else "R+0"
        assert week_title(result.events, instants_in(row)[1]) == expected, row


# --- 3. overlapping weeks: the newest series, whatever the order ---


def overlaps() -> list[tuple[datetime, Row]]:
    """Every instant (Wednesday noon) where two series' named weeks overlap, with the week meant then."""
    rows = every_named_row()
    found = {}
    for row in rows:
        at = row.week[0] + timedelta(days=2, hours=12)
        holding = {other.series for other in rows if other.week[0] <= at < other.week[1]}
        if len(holding) > 1:
            found[at] = expected_week(at)
    return sorted(found.items())


def test_the_real_files_overlap_where_one_cycle_begins_as_the_last_ends():
    series_pairs = {
        tuple(sorted({row.series for row in every_named_row() if row.week[0] <= at < row.week[1]}))
        for at, _ in overlaps()
    }
    assert ("ocata", "pike") in series_pairs, series_pairs  # Ocata R+1 and Pike R-26 both start 2017-02-27


@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_overlapping_weeks_are_the_newest_series_in_either_import_order(order):
    paths = [*YAML_FILES, *TABLE_FILES]
    if order == "reversed":
        paths.reverse()
    events = [event for path in paths for event in imported(path).events]
    for at, row in overlaps():
        for given in (events, events[::-1]):  # the order of the files, and of the events within them
            week = cycle_week_at(given, at)
            assert (week.series, week.title) == (row.series, row.name), at


# --- 4. one event, one line ---


def test_each_release_is_listed_once_the_day_before_whichever_files_give_it():
    events = all_events()
    for item in SERIES_STATUS:
        name, day = str(item["name"]).lower(), as_date(item.get("initial-release"))
        if day is None or not (RELEASES / name).is_dir():
            continue
        before = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=UTC)
        upcoming = upcoming_deadlines(events, before, every_project=True)
        releases = [e for e in upcoming if e.kind is Kind.FINAL_RELEASE and e.start.date() == day and e.series == name]
        assert len(releases) == 1, (name, [(e.title, e.source) for e in releases])


def labels_in_two_files() -> dict[str, set[str]]:
    """Each label that more than one file places in its weeks (``o-design-summit``: Newton's table and Ocata's YAML)."""
    places: dict[str, set[str]] = {}
    for path in YAML_FILES:
        for raw in yaml.safe_load(path.read_text(encoding="utf-8"))["cycle"]:
            for label in (raw.get("x-project") or []) + (raw.get("project-specific") or []):
                places.setdefault(label, set()).add(path.parent.name)
    for path in TABLE_FILES:
        for label in re.findall(r":ref:`([^`]+)`", path.read_text(encoding="utf-8")):
            places.setdefault(label, set()).add(path.parent.name)
    return {label: files for label, files in places.items() if len(files) > 1}


def test_an_event_two_files_give_is_one_line_titled_by_the_one_that_has_a_title():
    events = all_events()
    shared = labels_in_two_files()
    assert {"o-design-summit", "p-ptg0"} <= set(shared)
    for label in shared:
        given = [event for event in events if event.label == label]
        if not given:  # the previous series' label, left to its own file
            continue
        before = min(event.start for event in given) - timedelta(minutes=1)
        listed = [e for e in upcoming_deadlines(events, before, every_project=True) if e.label == label]
        if all(e.kind is Kind.ELECTION_PHASE for e in given):
            continue  # not a deadline; !election's phases
        spans = [(e.start, e.end) for e in listed]
        assert len(spans) == len(set(spans)), (label, [(e.title, e.source) for e in listed])
        for event in listed:
            titled = [e for e in given if (e.start, e.end) == (event.start, event.end) and e.title != label]
            assert event.title != label or not titled, (label, event.title)


# --- the command line and the reload say what was read and what was not ---


def test_schedule_import_of_every_file_says_what_it_read_and_what_it_could_not_one_line_each(tmp_path):
    files = sorted(str(path) for path in OPENSTACK_DATA.rglob("*") if path.is_file())
    result = run(tmp_path, "schedule", "import", *files)
    assert result.returncode == 1  # some files are not schedules (SOURCES.md, the schema, the prose halves)
    assert "Traceback" not in result.stderr
    out, err = result.stdout.splitlines(), result.stderr.splitlines()
    for name in files:
        read = [line for line in out if line.startswith(f"{name}: ")]
        refused = [line for line in err if line.startswith(f"successbot schedule import: error: {name}:")]
        warned = [line for line in err if line.startswith(f"successbot schedule import: warning: {name}:")]
        assert len(read) + len(refused) == 1, (name, read, refused)
        if read:
            found = re.fullmatch(
                rf"{re.escape(name)}: \d+ events \([a-z-]+\)(?:; (\d+) not read or in doubt)?", read[0]
            )
            assert found, read[0]
            assert int(found.group(1) or 0) == len(warned), (read[0], warned)
        else:
            assert not warned
    assert any("ussuri/schedule.yaml:5: cycle[0]: expected end within the week of start" in line for line in err)
    assert any("wallaby/schedule.yaml" in line and "release-week 2021-05-03" in line for line in err)
    every = {line for line in out if not line.startswith("  ")} | set(err)
    assert all(any(name in line for name in files) for line in every)


def test_a_refresh_logs_each_row_not_read_as_a_warning_and_counts_them_in_its_line(schedule_store, caplog):
    ussuri, wallaby = RELEASES / "ussuri" / "schedule.yaml", RELEASES / "wallaby" / "schedule.yaml"
    caplog.set_level(logging.INFO, logger="successbot.schedules.sources")
    outcomes = refresh_sources(schedule_store, (str(ussuri), str(wallaby)), datetime(2020, 1, 6, tzinfo=UTC))
    expected = [*imported(ussuri).warnings, *imported(wallaby).warnings]
    assert [warning for outcome in outcomes for warning in outcome.warnings] == expected and len(expected) == 2
    assert [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING] == [
        f"schedule source {warning}" for warning in expected
    ]
    (info,) = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert "2 of 2 sources read" in info and "; 2 entries not read or in doubt (logged as warnings)" in info
    assert [outcome.problem for outcome in outcomes] == [None, None]
    reply = reload_summary(outcomes)
    assert reply.startswith("Reloaded 2 sources, ")
    assert f"ussuri/schedule.yaml {outcomes[0].event_count} (1 entry not read or in doubt, see the log)" in reply
