"""The weekly digest as text (to paste into a plain-text mail), Markdown and HTML.

The three carry the same content; each escapes user and schedule text as the
exports of its format do (``one_line``, ``escape_markdown``, ``html.text``), so
a success or a schedule's prose can start no line, heading, link or markup.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Sequence
from datetime import datetime
from html import escape

from successbot.core.dates import digest_minute
from successbot.publishing.digest import INVITATION, Countdown, Digest, Election, Line, week_days
from successbot.publishing.renderers import html_format as html
from successbot.publishing.renderers.base import Link, one_line
from successbot.publishing.renderers.markdown_format import escape_markdown
from successbot.schedules.model import Event
from successbot.schedules.wording import week_name, when

DIGEST_FORMATS = {"text": "txt", "markdown": "md", "html": "html"}  # format name: file extension
MAIL_WIDTH = 72  # a plain-text mail's lines


def render_digest(digest: Digest, format_name: str, related: Sequence[Link] = ()) -> str:
    """``digest`` in ``format_name`` (a key of ``DIGEST_FORMATS``); ``related``: links for the HTML page's nav."""
    if format_name == "text":
        return digest_text(digest)
    if format_name == "markdown":
        return digest_markdown(digest)
    if format_name == "html":
        return digest_html(digest, related)
    raise ValueError(f"unknown digest format {format_name!r}; expected one of {', '.join(DIGEST_FORMATS)}")


# --- what every format says, as plain strings (escaped by each format) ---


def _phase(phase: Event, end: datetime) -> str:
    state = " (open)" if phase.is_open(end) else ""
    return f"{phase.title}: {digest_minute(phase.start)} to {digest_minute(phase.end)}{state}"


def _event_head(event: Event) -> str:
    return f"{event.title} ({when(event)})"


def _important(event: Event) -> str:
    return f"{event.title}: {when(event)}"


def _where(countdown: Countdown) -> str:
    series = countdown.series or "The cycle"
    if countdown.starts_series:
        return f"{series} starts: its first week."
    return f"{series}, week {week_name(countdown.week.title)}."


NOTHING_THIS_WEEK = "No cross-project deadline this week."
NO_COUNTDOWN = "The schedule data has no release cycle week after this period."


def _first_weeks(countdown: Countdown) -> str:
    weeks = ", ".join(f"{week_name(week.title)} ({week_days(week)})" for week in countdown.first_weeks)
    return f"Then: {weeks}."


# --- text ---


def _wrapped(text: str, indent: str = "", hang: str | None = None) -> list[str]:
    text = one_line(text)
    return textwrap.wrap(
        text,
        width=MAIL_WIDTH,
        initial_indent=indent,
        subsequent_indent=hang if hang is not None else indent,
        break_long_words=False,  # a URL stays whole
        break_on_hyphens=False,
    ) or [indent.rstrip()]


def _heading(text: str) -> list[str]:
    text = one_line(text)
    return [text, "-" * len(text)]


def _bullets(lines: Sequence[Line]) -> list[str]:
    found: list[str] = []
    for line in lines:
        found += _wrapped(f"{line.nick}: {line.text}", "  • ", "    ")
    return found


def digest_text(digest: Digest) -> str:
    out = [one_line(digest.title), "=" * len(one_line(digest.title)), ""]
    out += _heading("SuccessBot Says")
    out += _bullets(digest.successes) if digest.successes else _wrapped(digest.nobody_yet, "  ")
    out += _wrapped(INVITATION)
    if digest.site_url:
        out.append(f"All successes: {digest.site_url}")
    if digest.thanks:
        out += ["", *_heading("Thanks"), *_bullets(digest.thanks)]
    if digest.elections:
        out += ["", *_heading("Elections")]
        for election in digest.elections:
            out.append(f"  {election.name}")
            for phase in election.phases:
                out += _wrapped(_phase(phase, digest.period.end), "  • ", "    ")
    out.append("")
    countdown = digest.countdown
    if countdown is None:
        out += [*_heading("Release Countdown"), *_wrapped(NO_COUNTDOWN)]
        return "\n".join(out) + "\n"
    out += [*_heading(countdown.heading), *_wrapped(_where(countdown))]
    if countdown.first_weeks:
        out += _wrapped(_first_weeks(countdown))
    out.append("")
    if not countdown.this_week:
        out += _wrapped(NOTHING_THIS_WEEK)
    for event in countdown.this_week:
        out += _wrapped(_event_head(event), "  • ", "    ")
        if event.description:
            out += _wrapped(event.description, "    ")
    if countdown.important:
        out += ["", "Important dates:"]
        for event in countdown.important:
            out += _wrapped(_important(event), "  • ", "    ")
    return "\n".join(out) + "\n"


# --- Markdown ---


def _md_bullets(lines: Sequence[Line]) -> list[str]:
    return [f"- **{escape_markdown(line.nick)}**: {escape_markdown(line.text)}" for line in lines]


def digest_markdown(digest: Digest) -> str:
    out = [f"# {escape_markdown(digest.title)}", "", "## SuccessBot Says", ""]
    out += _md_bullets(digest.successes) if digest.successes else [escape_markdown(digest.nobody_yet)]
    out += ["", escape_markdown(INVITATION)]
    if digest.site_url:
        out += ["", f"[All successes](<{digest.site_url}>)"]  # checked as a URL: no spaces or <> in it
    if digest.thanks:
        out += ["", "## Thanks", "", *_md_bullets(digest.thanks)]
    for number, election in enumerate(digest.elections):
        if not number:
            out += ["", "## Elections"]
        out += ["", f"### {escape_markdown(election.name)}", ""]
        out += [f"- {escape_markdown(_phase(phase, digest.period.end))}" for phase in election.phases]
    countdown = digest.countdown
    if countdown is None:
        out += ["", "## Release Countdown", "", escape_markdown(NO_COUNTDOWN)]
        return "\n".join(out) + "\n"
    out += ["", f"## {escape_markdown(countdown.heading)}", "", escape_markdown(_where(countdown))]
    if countdown.first_weeks:
        out += ["", escape_markdown(_first_weeks(countdown))]
    out.append("")
    if not countdown.this_week:
        out.append(escape_markdown(NOTHING_THIS_WEEK))
    for event in countdown.this_week:
        item = f"- **{escape_markdown(_event_head(event))}**"
        out.append(item + (f": {escape_markdown(event.description)}" if event.description else ""))
    if countdown.important:
        out += ["", "### Important dates", ""]
        out += [f"- {escape_markdown(_important(event))}" for event in countdown.important]
    return "\n".join(out) + "\n"


# --- HTML ---


def _html_list(items: Sequence[str], css: str, render: Callable[[str], str] = html.text) -> str:
    listed = "".join(f"<li>{render(item)}</li>\n" for item in items)
    return f'<ul class="{css}">\n{listed}</ul>\n'


def _html_lines(lines: Sequence[Line]) -> str:
    items = "".join(
        f'<li><span class="nick">{html.text(line.nick)}</span>: {html.text(line.text)}</li>\n' for line in lines
    )
    return f'<ul class="digest">\n{items}</ul>\n'


def _html_election(election: Election, end: datetime) -> str:
    return f"<h3>{html.text(election.name)}</h3>\n" + _html_list(
        [_phase(phase, end) for phase in election.phases], "phases"
    )


def digest_html(digest: Digest, related: Sequence[Link] = ()) -> str:
    body = "<section>\n<h2>SuccessBot Says</h2>\n"
    body += (
        _html_lines(digest.successes) if digest.successes else f'<p class="empty">{html.text(digest.nobody_yet)}</p>\n'
    )
    body += f"<p>{html.text(INVITATION)}</p>\n"
    if digest.site_url:
        body += f'<p><a href="{escape(digest.site_url)}">All successes</a></p>\n'
    body += "</section>\n"
    if digest.thanks:
        body += f"<section>\n<h2>Thanks</h2>\n{_html_lines(digest.thanks)}</section>\n"
    if digest.elections:
        body += "<section>\n<h2>Elections</h2>\n"
        body += "".join(_html_election(election, digest.period.end) for election in digest.elections)
        body += "</section>\n"
    countdown = digest.countdown
    if countdown is None:
        body += f"<section>\n<h2>Release Countdown</h2>\n<p>{html.text(NO_COUNTDOWN)}</p>\n</section>\n"
        return html.document(digest.title, body, related)
    body += f"<section>\n<h2>{html.text(countdown.heading)}</h2>\n<p>{html.text(_where(countdown))}</p>\n"
    if countdown.first_weeks:
        body += f"<p>{html.text(_first_weeks(countdown))}</p>\n"
    if not countdown.this_week:
        body += f'<p class="empty">{html.text(NOTHING_THIS_WEEK)}</p>\n'
    else:
        items = ""
        for event in countdown.this_week:
            words = f"<p>{html.text(event.description)}</p>" if event.description else ""
            items += f"<li><strong>{html.text(_event_head(event))}</strong>{words}</li>\n"
        body += f'<ul class="countdown">\n{items}</ul>\n'
    if countdown.important:
        body += "<h3>Important dates</h3>\n" + _html_list([_important(e) for e in countdown.important], "dates")
    body += "</section>\n"
    return html.document(digest.title, body, related)
