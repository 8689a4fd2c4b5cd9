"""openstack/releases schedules: ``schedule.yaml`` (Ocata on) or the RST table (Mitaka, Newton).

A cycle is a list of Monday to Friday weeks, named ``R-25`` … ``R+0`` and
carrying event labels in two columns, ``x-project`` and ``project-specific``.
The label's section in ``schedule.rst`` gives the title and, when its prose
names a day inside that week, the day; otherwise the rule the document's note
states applies (the Thursday of the week). A label over consecutive weeks is
one phase (election nominations run three weeks). The label's first letter
tells the cycle's own events from the next series' (``i-election-…`` in the
Hibiscus file) and the previous series' (``h-final`` repeated at the top of
Indri's), which are left to the schedule that defines them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

from successbot.core.dates import day_text
from successbot.schedules.formats.release_prose import ScheduleProse, Section, days_in_span, month_number, read_prose
from successbot.schedules.model import (
    Event,
    ImportResult,
    Kind,
    ScheduleImportError,
    SiblingReader,
    day_event_span,
)
from successbot.schedules.queries import week_offset


@dataclass
class Week:
    start: date
    name: str | None
    entry: str  # "cycle[3]" or "table row 12"
    line: int | None
    x_project: list[str] = field(default_factory=list)
    project_specific: list[str] = field(default_factory=list)
    doubt: str | None = None  # why its dates disagree (file:line: entry: …), when they do
    other_start: date | None = None  # then: the Monday of the week its end is in


@dataclass(frozen=True)
class Series:
    name: str | None
    release_id: str | None
    next_name: str | None = None
    next_release_id: str | None = None

    @property
    def letter(self) -> str | None:
        return self.name[0] if self.name else None


def import_schedule_yaml(source: str, data: Any, read_sibling: SiblingReader) -> ImportResult:
    notes: list[str] = []
    warnings: list[str] = []
    weeks = _weeks_from_yaml(source, data, notes, warnings)
    prose_text = read_sibling("schedule.rst")
    if prose_text is None:
        notes.append(f"{source}: no schedule.rst beside it: titles are the labels, days the Thursday of each week")
    prose = read_prose(prose_text or "")
    release_week = _release_week(source, data, warnings)
    series = _series(prose, source, weeks, read_sibling)
    result = _events(source, weeks, prose, series, release_week, notes, warnings)
    return result


def import_schedule_table(source: str, text: str, read_sibling: SiblingReader) -> ImportResult:
    """Mitaka and Newton: the weeks come from the RST grid table; the year from the weekdays."""
    notes: list[str] = []
    weeks = _weeks_from_table(source, text)
    prose = read_prose(text)
    release_week = next((week.start for week in weeks if week.name in ("R+0", "R-0")), None)
    series = _series(prose, source, weeks, read_sibling)
    return _events(source, weeks, prose, series, release_week, notes, [])


# --- weeks from YAML ---


def _weeks_from_yaml(source: str, data: Any, notes: list[str], warnings: list[str]) -> list[Week]:
    """Every week that can be read; each row that cannot is one warning, and the file is refused only when none can."""
    cycle = data.get("cycle")
    if not isinstance(cycle, list) or not cycle:
        raise ScheduleImportError(
            source, "expected 'cycle' to be a list of weeks", "cycle", getattr(data, "line", None)
        )
    read: list[Week] = []
    refusals: list[ScheduleImportError] = []
    for index, raw in enumerate(cycle):
        try:
            read.append(_week(source, raw, f"cycle[{index}]", warnings))
        except ScheduleImportError as error:
            refusals.append(error)
            warnings.append(f"{error}; row not read")
    _place_doubtful_weeks(read, warnings)
    by_start: dict[date, Week] = {}
    for week in read:
        if week.start in by_start:
            _merge_repeated_week(by_start[week.start], week, notes, source)
        else:
            by_start[week.start] = week
    if not by_start:  # nothing usable is left: refused, naming the first row and how many more failed
        first = refusals[0]
        more = f" (and {len(refusals) - 1} more rows; no week is left)" if len(refusals) > 1 else ""
        raise ScheduleImportError(source, first.reason + more, first.entry, first.line)
    if list(by_start) != sorted(by_start):
        notes.append(f"{source}: the weeks are not in date order; read them sorted")
    return [by_start[start] for start in sorted(by_start)]


def _week(source: str, raw: Any, entry: str, warnings: list[str]) -> Week:
    """One row of ``cycle``; ScheduleImportError when it gives no week at all.

    A row whose end is not within the week of its start (Ussuri's pre-cycle
    row runs two weeks; Yoga once had a row ending 2022-12-31 for 2021) is
    kept as the week its start names, Monday to Friday, and reported: the
    start is what the weeks are laid out by (one row a week, in order), and
    the labels belong to that week on the published page.
    """
    line = getattr(raw, "line", None)
    if not isinstance(raw, dict):
        raise ScheduleImportError(source, f"expected a week (start, end, labels), found {raw!r}", entry, line)
    start = _date(source, raw.get("start"), f"{entry} start", line)
    try:
        end: date | None = _date(source, raw.get("end"), f"{entry} end", line)
    except ScheduleImportError as error:
        warnings.append(f"{error}; kept as the week of {start}")
        end = None
    week = Week(start, _text(raw.get("name")), entry, line)
    if end is not None and (end < start or (end - start).days > 6):
        reason = f"expected end within the week of start, found {start} to {end}"
        week.doubt, week.other_start = str(ScheduleImportError(source, reason, entry, line)), _monday(end)
    week.x_project = _labels(source, raw, "x-project", entry, line, warnings)
    week.project_specific = _labels(source, raw, "project-specific", entry, line, warnings)
    return week


def _place_doubtful_weeks(weeks: list[Week], warnings: list[str]) -> None:
    """A row whose start and end disagree is the week of its start, unless only its end fits between its neighbours.

    One row a week, in order: a year typo in the end (Yoga's 2022-12-31 for
    2021) leaves the start between the rows around it; a typo in the start
    does not, and then the end's week is the one meant. When neither fits,
    the start is kept, and the warning says so either way.
    """
    for index, week in enumerate(weeks):
        if week.doubt is None or week.other_start is None:
            continue
        before = next((other.start for other in reversed(weeks[:index]) if other.doubt is None), None)
        after = next((other.start for other in weeks[index + 1 :] if other.doubt is None), None)

        def fits(day: date, before: date | None = before, after: date | None = after) -> bool:
            return (before is None or before < day) and (after is None or day < after)

        if not fits(week.start) and fits(week.other_start):
            week.start = week.other_start
        warnings.append(f"{week.doubt}; kept as the week of {week.start}")


def _merge_repeated_week(kept: Week, repeat: Week, notes: list[str], source: str) -> None:
    added = [label for label in repeat.x_project if label not in kept.x_project]
    added += [label for label in repeat.project_specific if label not in kept.project_specific]
    kept.x_project += [label for label in repeat.x_project if label not in kept.x_project]
    kept.project_specific += [label for label in repeat.project_specific if label not in kept.project_specific]
    kept.name = kept.name or repeat.name
    what = f"its labels {', '.join(added)} merged" if added else "nothing new in it, ignored"
    notes.append(f"{source}: {repeat.entry} repeats the week of {day_text(kept.start)} ({kept.entry}); {what}")


def _labels(source: str, raw: dict[str, Any], key: str, entry: str, line: int | None, warnings: list[str]) -> list[str]:
    """The row's labels under ``key``; what is not a label is reported and left out, the rest kept."""
    value = raw.get(key) or []
    items = value if isinstance(value, list) else [value]
    labels = [item.strip() for item in items if isinstance(item, str) and item.strip()]
    if not isinstance(value, list) or len(labels) != len(items):
        problem = ScheduleImportError(source, f"expected '{key}' to be a list of labels, found {value!r}", entry, line)
        warnings.append(f"{problem}; {', '.join(labels) or 'nothing'} kept")
    return labels


def _date(source: str, value: Any, entry: str, line: int | None) -> date:
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise ScheduleImportError(source, f"expected a date YYYY-MM-DD, found {value!r}", entry, line) from None


def _release_week(source: str, data: Any, warnings: list[str]) -> date | None:
    """``release-week``, which only names weeks the file leaves unnamed; unreadable, it is reported and unused."""
    if data.get("release-week") is None:
        return None
    try:
        return _date(source, data["release-week"], "release-week", getattr(data, "line", None))
    except ScheduleImportError as error:
        warnings.append(f"{error}; not used")
        return None


def _text(value: Any) -> str | None:
    return str(value).strip() or None if value is not None else None


# --- weeks from the RST table ---

_ROW = re.compile(r"^\|(.*)\|\s*$")
_REF = re.compile(r":ref:`([^`<>]+?)(?:\s*<([^>]+)>)?`")
MONTH_ABBREVIATIONS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_WEEK_DAYS = re.compile(r"^([A-Za-z]{3})\s+(\d{1,2})\s*-\s*(\d{1,2})$")


def _weeks_from_table(source: str, text: str) -> list[Week]:
    rows: list[tuple[int, str, str, list[str], list[str]]] = []
    in_body = False
    for number, line in enumerate(text.splitlines(), start=1):
        if line.startswith("+="):
            in_body = True
            continue
        row = _ROW.match(line)
        if not (in_body and row):
            continue
        cells = [cell.strip() for cell in row.group(1).split("|")]
        if len(cells) != 4:
            raise ScheduleImportError(
                source, f"expected 4 table cells, found {len(cells)}", f"table row {line!r}", number
            )
        when, name, x_project, project = cells
        refs = (_refs(x_project), _refs(project))
        if when:
            rows.append((number, when, name, *refs))
        elif rows:
            rows[-1][3].extend(refs[0])
            rows[-1][4].extend(refs[1])
    if not rows:
        raise ScheduleImportError(source, "expected a grid table of weeks (| Oct 19-23 | R-24 | … |), found none")
    first = _first_monday(source, text, rows)
    return [
        Week(first + timedelta(weeks=index), name or None, f"table row '{when}'", number, x_project, project)
        for index, (number, when, name, x_project, project) in enumerate(rows)
    ]


def _refs(cell: str) -> list[str]:
    return [(target or label).strip() for label, target in _REF.findall(cell)]


def _first_monday(source: str, text: str, rows: list[tuple[int, str, str, list[str], list[str]]]) -> date:
    """The table gives "Oct 19-23" without a year: it is the year where the rows are Mondays a week apart.

    Several years fit that; the one the prose names most often decides.
    """
    days: list[tuple[int, int, int]] = []
    for number, when, *_ in rows:
        found = _WEEK_DAYS.match(when)
        if not found or found.group(1).lower()[:3] not in MONTH_ABBREVIATIONS:
            raise ScheduleImportError(source, f"expected a week such as 'Oct 19-23', found {when!r}", "table", number)
        days.append((number, month_number(found.group(1)), int(found.group(2))))
    mentioned = [int(year) for year in re.findall(r"\b(20\d\d)\b", text)]
    candidates = []
    for year in range(2000, 2100):
        try:
            first = date(year, days[0][1], days[0][2])
        except ValueError:
            continue
        if first.weekday() == 0 and all(
            (first + timedelta(weeks=i)).timetuple()[1:3] == (month, day) for i, (_n, month, day) in enumerate(days)
        ):
            candidates.append(first)
    if not candidates:
        raise ScheduleImportError(source, "the weeks of the table are not Mondays a week apart in any year", "table")
    if not mentioned:
        raise ScheduleImportError(source, "the table gives no years and the text names none to tell which", "table")
    usual = max(set(mentioned), key=mentioned.count)
    return min(candidates, key=lambda first: abs(first.year + 0.5 - usual))


# --- series ---


def _series(prose: ScheduleProse, source: str, weeks: list[Week], read_sibling: SiblingReader) -> Series:
    name = prose.series or _directory_name(source) or _usual_letter(weeks)
    release_id = prose.release_id
    known = _series_status(read_sibling("../series_status.yaml"))
    names = [entry[0] for entry in known]
    next_name = next_id = None
    if name in names:
        index = names.index(name)
        release_id = release_id or known[index][1]
        if index > 0:  # series_status lists the newest first
            next_name, next_id = known[index - 1]
    return Series(name if name and len(name) > 1 else None, release_id, next_name, next_id)


def _directory_name(source: str) -> str | None:
    parts = re.split(r"[/\\]", source)
    return parts[-2].lower() if len(parts) > 1 and parts[-2].isalpha() else None


def _usual_letter(weeks: list[Week]) -> str | None:
    letters = [label[0] for week in weeks for label in week.x_project if re.match(r"^[a-z]-", label)]
    return max(set(letters), key=letters.count) if letters else None


def _series_status(text: str | None) -> list[tuple[str, str | None]]:
    from successbot.schedules.formats.plain_yaml import load_text_yaml

    if text is None:
        return []
    try:
        data = load_text_yaml(text)
    except Exception:  # a broken neighbour costs only the release ids, never the schedule
        return []
    if not isinstance(data, list):
        return []
    return [
        (str(item["name"]).lower(), _text(item.get("release-id")))
        for item in data
        if isinstance(item, dict) and item.get("name")
    ]


# --- events ---


def _events(
    source: str,
    weeks: list[Week],
    prose: ScheduleProse,
    series: Series,
    release_week: date | None,
    notes: list[str],
    warnings: list[str],
) -> ImportResult:
    result = ImportResult(notes=notes, warnings=warnings)
    letter = series.letter or _usual_letter(weeks)
    _name_weeks(source, weeks, release_week, notes, warnings)
    for week in weeks:
        if week.name:
            start, _ = day_event_span(week.start)
            result.events.append(
                Event(
                    Kind.CYCLE_WEEK,
                    week.name,
                    start,
                    start + timedelta(days=7),
                    source,
                    week.entry,
                    all_day=True,
                    series=series.name,
                    release_id=series.release_id,
                    label=week.name,
                )
            )
    for column in ("x_project", "project_specific"):
        for label, runs in _runs(weeks, column).items():
            owner = _owner(label, letter, series)
            if owner is None:
                first = runs[0][0]
                notes.append(
                    f"{source}: {first.entry} {label} ignored: it belongs to the previous series, "
                    "whose own schedule defines it"
                )
                continue
            section = _section(label, prose, weeks)
            if section is None and prose.sections:
                notes.append(
                    f"{source}: {runs[0][0].entry} {label}: schedule.rst has no section for it; titled by its label"
                )
            description = _description(section, prose)
            for run in runs:
                events = _events_of_run(source, label, run, section, owner, column, prose.deadline_weekday)
                result.events += [replace(event, description=description) for event in events]
    return result


_REF = re.compile(r":ref:`([^`<]*?)\s*(?:<([^`>]+)>)?`")


def _description(section: Section | None, prose: ScheduleProse) -> str | None:
    """The section's prose as a reader of the digest wants it: a ``:ref:`` to another label is that label's title."""
    if section is None or not section.prose:
        return None

    def referred(found: re.Match[str]) -> str:
        label = (found.group(2) or found.group(1)).strip()
        if found.group(2):
            return found.group(1).strip() or label
        other = prose.sections.get(label)
        return other.title if other is not None else label

    return _REF.sub(referred, section.prose)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _name_weeks(
    source: str, weeks: list[Week], release_week: date | None, notes: list[str], warnings: list[str]
) -> None:
    """The weeks' names as the file gives them; ``release-week`` only names weeks the file leaves unnamed.

    The published schedule prints each ``name`` as it is, while
    ``release-week`` is an input to the release team's week generator and has
    been left stale (Wallaby: 2021-05-03, three weeks after its R-0) or set on
    a Wednesday (Yoga). So a disagreement is reported and the names kept. The
    release week is the one most names point at; ``release-week`` stands in
    only when no week is named. Unnamed rows before the first named week or
    after the last (the previous cycle's release week at the top) stay
    unnamed, as the published page shows them; only gaps between named weeks
    are filled, or every week of a file without names.
    """
    implied: dict[date, list[Week]] = {}
    for week in weeks:
        offset = week_offset(week.name)
        if offset is not None:
            implied.setdefault(_monday(week.start) - timedelta(weeks=offset), []).append(week)
        elif week.name:
            notes.append(f"{source}: {week.entry} is named {week.name!r}, not a week R-n or R+n; kept as it is")
    release = max(implied, key=lambda day: (len(implied[day]), day)) if implied else None
    if release is not None:
        for week in (week for day, named in sorted(implied.items()) if day != release for week in named):
            expected = _week_label((_monday(week.start) - release).days // 7)
            warnings.append(
                f"{_where(source, week)}: named {week.name} where the other weeks' names make it {expected}; "
                "kept as named"
            )
        if release_week is not None and _monday(release_week) != release:
            anchor = next((week for week in implied[release] if week_offset(week.name) == 0), implied[release][0])
            apart = (_monday(release_week) - release).days // 7
            distance = f"{abs(apart)} week{'s' if abs(apart) > 1 else ''} {'after' if apart > 0 else 'before'}"
            warnings.append(
                f"{_where(source, anchor)}: release-week {release_week} is {distance} the week the names "
                f"make the release week (of {release}); the names are kept"
            )
    release = release or (_monday(release_week) if release_week else None)
    if release is None:
        return
    named = [week.start for week in weeks if week.name]
    for week in weeks:
        if week.name is None and (not named or min(named) < week.start < max(named)):
            week.name = _week_label((_monday(week.start) - release).days // 7)
            how = "the names around it" if named else "release-week"
            notes.append(f"{source}: {week.entry} has no name; named {week.name} from {how}")


def _week_label(offset: int) -> str:
    return f"R{offset:+d}" if offset else "R+0"


def _where(source: str, week: Week) -> str:
    where = source if week.line is None else f"{source}:{week.line}"
    return f"{where}: {week.entry} ({week.name})" if week.name else f"{where}: {week.entry}"


def _section(label: str, prose: ScheduleProse, weeks: list[Week]) -> Section | None:
    """The label's section; for a numbered label without one (``p-ptg0``), the section of its unnumbered name.

    Pike's file labels its PTG ``p-ptg0`` while its prose calls the section
    ``p-ptg`` (Ocata's calls it ``p-ptg0``): titled by the bare label, the
    same PTG was a second event beside Ocata's. The fallback is taken only
    when no week uses the unnumbered label itself.
    """
    section = prose.sections.get(label)
    if section is not None:
        return section
    unnumbered = re.sub(r"(?<=[a-z])\d+$", "", label)
    in_use = any(unnumbered in week.x_project or unnumbered in week.project_specific for week in weeks)
    return None if unnumbered == label or in_use else prose.sections.get(unnumbered)


def _runs(weeks: list[Week], column: str) -> dict[str, list[list[Week]]]:
    """Each label's weeks, grouped into runs of consecutive weeks."""
    runs: dict[str, list[list[Week]]] = {}
    for week in weeks:
        for label in getattr(week, column):
            label_runs = runs.setdefault(label, [])
            if label_runs and (week.start - label_runs[-1][-1].start).days == 7:
                label_runs[-1].append(week)
            else:
                label_runs.append([week])
    return runs


def _owner(label: str, letter: str | None, series: Series) -> Series | None:
    """The series the label belongs to; None for the previous series' labels."""
    prefix = re.match(r"^([a-z])-", label)
    if not prefix or letter is None:
        return series
    distance = (ord(prefix.group(1)) - ord(letter)) % 26
    if distance == 0:
        return series
    if distance == 1:
        return Series(series.next_name, series.next_release_id)
    if distance == 25:
        return None
    return series


def _events_of_run(
    source: str,
    label: str,
    run: list[Week],
    section: Section | None,
    owner: Series,
    column: str,
    deadline_weekday: int,
) -> list[Event]:
    """The label's events over consecutive weeks: one per occurrence the prose names, else one phase or deadline."""
    title = section.title if section else label
    kind = classify(label, title)
    monday, friday = run[0].start, run[-1].start + timedelta(days=4)
    mentions = days_in_span(section.prose, monday, friday + timedelta(days=2)) if section else []
    spans: list[tuple[date, date]] = []
    for mention in mentions:
        if mention.whole_week:
            week_monday = mention.first - timedelta(days=mention.first.weekday())
            spans.append((max(week_monday, monday), min(week_monday + timedelta(days=4), friday)))
        elif len(run) > 1 and len(mentions) == 1 and mention.edge == "opens":
            spans.append((mention.first, friday))  # "polling begins at …": open from then to the phase's end
        elif len(run) > 1 and len(mentions) == 1 and mention.edge == "closes":
            spans.append((monday, mention.first))
        else:
            spans.append((mention.first, mention.last))
    if not spans and (len(run) > 1 or (section and "during this week" in section.prose.lower())):
        spans = [(monday, friday)]  # a phase over the week(s)
    elif not spans:
        spans = [(monday + timedelta(days=deadline_weekday),) * 2]
    project = None
    if column == "project_specific" and kind is not Kind.ELECTION_PHASE:
        project = _project(label, section)
    events = []
    for first, last in spans:
        start, end = day_event_span(first, last)
        week = next((week for week in reversed(run) if week.start <= first), run[0])
        events.append(
            Event(
                kind,
                title,
                start,
                end,
                source,
                f"{week.entry} {label}",
                all_day=True,
                series=owner.name,
                release_id=owner.release_id,
                project=project,
                label=label,
            )
        )
    return events


def _project(label: str, section: Section | None) -> str:
    """The project a project-specific label is about: its heading in the prose ("Keystone"), else the label's word."""
    if section and section.group and "event" not in section.group.lower():
        return section.group.lower().replace(" ", "-")
    words = label.split("-")
    return words[1] if len(words) > 2 else label


_ELECTION_WORDS = re.compile(r"elect|nominat|campaign|polling|\bpoll\b|\bvot(e|es|ing)\b")


def classify(label: str, title: str) -> Kind:
    """The kind, from the event's own label and title: never from the section it follows (Antelope's
    release comes after its election's section, at the same level)."""
    rest = re.sub(r"^[a-z]-", "", label.lower())
    text = title.lower()
    if re.match(r"(ptl|tc)-", rest) or _ELECTION_WORDS.search(rest) or _ELECTION_WORDS.search(text):
        return Kind.ELECTION_PHASE
    if re.fullmatch(r"\d", rest) or "milestone" in text:
        return Kind.MILESTONE
    if rest in ("final", "release"):
        return Kind.FINAL_RELEASE
    if rest in ("rc1", "finalrc") or "release candidate" in text or re.search(r"\brcs?\d?\b", text):
        return Kind.RELEASE_CANDIDATE
    if "freeze" in text or rest in ("ff", "rf", "mf", "soft-sf", "hard-sf") or "frz" in rest:
        return Kind.FREEZE
    return Kind.DEADLINE
