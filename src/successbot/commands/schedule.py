"""Commands about the schedule: what is due (!deadline), the elections (!election), and reloading the sources.

Every relative time is counted from the message's time, so ``successbot ask
--at`` answers as the bot would have then. Dates and times are UTC and say so.
"""

from __future__ import annotations

from datetime import datetime

from successbot.core.commands import Example, Request, command
from successbot.core.dates import count
from successbot.core.ports import ScheduleService
from successbot.schedules.locations import short_name
from successbot.schedules.model import Event, Kind, RefreshOutcome, series_display
from successbot.schedules.queries import (
    AUDIENCES,
    audiences,
    cycle_over_at,
    cycle_week_at,
    election_phases,
    ending_with,
    known_projects,
    known_series,
    last_ended,
    names_series,
    next_phase,
    open_phases,
    opening_with,
    series_aliases,
    upcoming_deadlines,
)
from successbot.schedules.wording import clipped, day_text, moment, quoted, relative, relative_to, span, week_name, when

MAX_REPLY = 400
DEFAULT_DEADLINES = 3
MAX_DEADLINES = 12
SEPARATOR = " · "


@command(
    "schedule reload",
    summary="reads every configured schedule source again and says how many events each gave (admins only)",
    examples=[
        Example(
            "!schedule reload",
            "alice: Reloaded 2 sources, 55 events: mitaka/schedule.rst 51 · events-newton-2016-03.yaml 4",
        )
    ],
    admin_only=True,
)
def reload_schedule(request: Request) -> list[str]:
    if not request.services.is_admin(request.message.account):
        hint = "" if request.message.account else " (you are not logged in to services)"
        return [request.to_speaker(f"Only admins can reload the schedule{hint}.")]
    service = request.services.schedule
    if service is None or not service.locations:
        return [request.to_speaker("No schedule sources are configured ([schedule] sources); nothing to reload.")]
    outcomes = service.refresh(request.now)
    return [_cut(request.to_speaker(reload_summary(outcomes)))]


def reload_summary(outcomes: list[RefreshOutcome]) -> str:
    """Counts first, then every failed source by name, then why each failed, then each source's count.

    The reply is one line, so what comes last is what a cut may hide: the
    names of the failures come before their reasons and the per-source counts.
    """
    failed = [outcome for outcome in outcomes if outcome.problem is not None]
    total = sum(outcome.event_count for outcome in outcomes)
    read = len(outcomes) - len(failed)
    if not failed:
        text = f"Reloaded {count(read, 'source')}, {count(total, 'event')}: "
    else:
        text = f"Reloaded {read} of {count(len(outcomes), 'source')}, {count(total, 'event')} held. "
        names = ", ".join(short_name(outcome.location) for outcome in failed)
        text += f"{len(failed)} failed and kept {'its' if len(failed) == 1 else 'their'} last events: {names}. "
        text += "; ".join(f"{short_name(outcome.location)}: {outcome.problem}" for outcome in failed) + ". "
        text += "Per source: "
    return text + SEPARATOR.join(_per_source(outcome) for outcome in outcomes)


def _per_source(outcome: RefreshOutcome) -> str:
    """``ussuri/schedule.yaml 71 (1 entry not read or in doubt, see the log)``: a partial import is not a full one."""
    held = f"{short_name(outcome.location)} {outcome.event_count}"
    if not outcome.warnings:
        return held
    entries = "1 entry" if len(outcome.warnings) == 1 else f"{len(outcome.warnings)} entries"
    return f"{held} ({entries} not read or in doubt, see the log)"


@command(
    "deadline",
    args="[PROJECT|SERIES|all]",
    summary="where the release cycle is and the next cross-project deadlines, with PROJECT's own, "
    "SERIES' (indri or 2027.1), or all at once",
    examples=[
        Example(
            "!deadline",
            "Mitaka, week R-3. Next deadlines (UTC): RC1 target week, Mon 14 Mar to Fri 18 Mar 2016 "
            "(now, until Fri 18 Mar) · Hard StringFreeze, Thu 17 Mar 2016 (in 3 days) · "
            "Final RCs and intermediary releases, Mon 28 Mar to Fri 1 Apr 2016 (in 14 days)",
        )
    ],
)
def show_deadlines(request: Request) -> list[str]:
    service, now = request.services.schedule, request.now
    events = service.store.events_near(now) if service else []
    if not events:
        return [_no_data(service, "schedule data")]
    where = _where(events, now)
    word = request.args.strip().lower()
    series_names, projects = known_series(events), known_projects(events)
    if word == "all":
        found, limit = upcoming_deadlines(events, now, every_project=True), MAX_DEADLINES
    elif word in series_names:
        name, release_id = series_names[word]
        found, limit = upcoming_deadlines(events, now, series=word), DEFAULT_DEADLINES
        where = f"{series_display(name, release_id)}."
        if not found:
            return [_cut(_nothing_ahead(events, word, series_display(name, release_id), now))]
    elif word in projects:
        found, limit = upcoming_deadlines(events, now, projects=(word,)), DEFAULT_DEADLINES + 2
        if not any(event.project and event.project.lower() == word for event in found):
            # Not silently the cross-project answer: say the project was looked for.
            week = cycle_week_at(events, now)
            series = series_display(week.series, week.release_id) if week else ""
            where = f"{where} {word} has nothing of its own ahead{f' in {series}' if series else ''}.".lstrip()
            if found:
                items = [f"{_title(event)}, {when(event)} ({relative(event, now)})" for event in found[:limit]]
                return [_fitted(f"{where} Cross-project deadlines (UTC): ", items)]
    elif word:
        return [_unknown_topic(word, series_names, projects, request.services.command_prefix)]
    else:
        found, limit = upcoming_deadlines(events, now), DEFAULT_DEADLINES
    if not found:
        return [_cut(f"{where} No deadlines ahead of {_moment(now)} in the schedule data.".lstrip())]
    items = [f"{_title(event)}, {when(event)} ({relative(event, now)})" for event in found[:limit]]
    return [_fitted(f"{where} Next deadlines (UTC): ".lstrip(), items)]


@command(
    "election",
    args="[ptl|tc]",
    summary="the election phases open now, with their closing times, or the next one and when it opens",
    examples=[
        Example(
            "!election",
            "Open now (UTC): PTL nomination, closes Thu 17 Mar 2016 23:59 UTC (3 days 13 hours left). "
            "Next: TC nomination opens Fri 25 Mar 2016 00:00 UTC (in 10 days)",
        )
    ],
)
def show_election(request: Request) -> list[str]:
    word = request.args.strip().lower()
    if word not in ("", "ptl", "tc"):
        return [request.to_speaker(f"Usage: {request.services.command_prefix}election [ptl|tc]")]
    service, now = request.services.schedule, request.now
    audience = word or None
    phases = election_phases(service.store.events_near(now) if service else [], audience)
    if not phases:
        return [_no_data(service, f"{word.upper()} election data".lstrip())]
    opened = open_phases(phases, now)
    upcoming = next_phase(phases, now)
    if opened:
        listed = SEPARATOR.join(
            f"{phase.title}, closes {moment(phase.end)} ({span(phase.end - now)} left)" for phase in opened
        )
        other = _next_for_others(phases, opened, now) if audience is None else None
        if other is not None:
            listed += f". Next: {_opening(opening_with(phases, other), now)}"
        return [_cut(f"Open now (UTC): {listed}")]
    if upcoming is not None:
        text = f"No election phase is open. Next: {_opening(opening_with(phases, upcoming), now)}"
        previous = ending_with(phases, last_ended(phases, now))
        if previous:
            text += f"; the last, {_names(previous)}, ended {moment(previous[0].end)}"
        return [_cut(text + ".")]
    last_ones = ending_with(phases, last_ended(phases, now))
    assert last_ones  # phases exist and none is open or ahead
    last = last_ones[0]
    # Which files were read is !schedule reload's answer; here it only hid the one fact asked for.
    return [
        _cut(
            f"No election is ahead in the schedule data. The last one ended {moment(last.end)} "
            f"({relative_to(last.end, now)}) with the {_names(last_ones)}."
        )
    ]


def _opening(together: list[Event], now: datetime) -> str:
    """``PTL Election and TC Election open Wed 26 Aug 2026 23:45 UTC (in 7 days)``: phases of one minute."""
    start = together[0].start
    verb = "opens" if len(together) == 1 else "open"
    return f"{_names(together)} {verb} {moment(start)} ({relative_to(start, now)})"


def _names(phases: list[Event]) -> str:
    titles = [phase.title for phase in phases]
    return titles[0] if len(titles) == 1 else f"{', '.join(titles[:-1])} and {titles[-1]}"


def _title(event: Event) -> str:
    return f"[{event.project}] {event.title}" if event.project else event.title


def _where(events: list[Event], now: datetime) -> str:
    """The cycle week ``now`` is in; after a cycle's last week (before the next one's data), that it is over."""
    week = cycle_week_at(events, now)
    if week is not None:
        return f"{series_display(week.series, week.release_id) or 'The cycle'}, week {week_name(week.title)}."
    over = cycle_over_at(events, now)
    if over is None:
        return ""
    last, release = over
    name = series_display(last.series, last.release_id) or "The last known cycle"
    if release is not None:
        return f"{name} is over: released {when(release)}."
    return f"{name} is over: its last week ended {day_text(last.last_day)}."


def _nothing_ahead(events: list[Event], word: str, name: str, now: datetime) -> str:
    """What is known of a series with no deadline ahead: only its election, or its release, or nothing more."""
    aliases = series_aliases(events, word)
    own = [event for event in events if names_series(event, aliases)]
    if own and all(event.kind is Kind.ELECTION_PHASE for event in own):
        phases = election_phases(own)
        upcoming, last = next_phase(phases, now), last_ended(phases, now)
        text = f"I have no release schedule for {name}, only its election"
        if upcoming is not None:
            return f"{text}: {_opening(opening_with(phases, upcoming), now)}."
        if last is not None:
            return f"{text}, over since {moment(last.end)}."
        return f"{text}, open now: {_names(open_phases(phases, now))}."
    releases = [event for event in own if event.kind is Kind.FINAL_RELEASE and event.is_over(now)]
    if releases:
        release = max(releases, key=lambda event: event.start)
        return f"{name} is over: released {when(release)}. Nothing of it is ahead of {_moment(now)}."
    return f"{name} has nothing ahead of {_moment(now)}."


def _moment(now: datetime) -> str:
    return moment(now)


def _next_for_others(phases: list[Event], opened: list[Event], now: datetime) -> Event | None:
    """With only PTL phases open (say), the next TC phase: so both elections are answered."""
    missing = set(AUDIENCES) - set().union(*(audiences(phase) for phase in opened))
    return next((phase for phase in phases if phase.start > now and audiences(phase) & missing), None)


def _fitted(prefix: str, items: list[str]) -> str:
    """``prefix`` and as many items as fit in one reply (at least one)."""
    text = prefix + items[0]
    for item in items[1:]:
        if len(text) + len(SEPARATOR) + len(item) > MAX_REPLY:
            break
        text += SEPARATOR + item
    return _cut(text)


def _cut(text: str) -> str:
    return clipped(text, MAX_REPLY)


def _sources(service: ScheduleService | None) -> str:
    if service is not None and service.locations:
        return "sources: " + ", ".join(short_name(location) for location in service.locations)
    imported = len(service.store.sources()) if service is not None else 0
    return f"no sources configured, {imported} files imported by hand" if imported else "no sources configured"


def _no_data(service: ScheduleService | None, what: str) -> str:
    hint = "" if service and service.locations else "; add [schedule] sources or run successbot schedule import FILE"
    return _cut(f"I have no {what} ({_sources(service)}{hint}).")


def _unknown_topic(word: str, series: dict[str, tuple[str | None, str | None]], projects: set[str], prefix: str) -> str:
    names = sorted({name for name, _ in series.values() if name})
    text = f"I know no series or project {quoted(word)}. Series: {', '.join(names) or 'none'}; "
    text += f"projects: {', '.join(sorted(projects)) or 'none'}. Or say {prefix}deadline all."
    return _cut(text)


COMMANDS = (reload_schedule, show_deadlines, show_election)
