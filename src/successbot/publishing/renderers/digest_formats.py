"""The weekly digest as text (to paste into a plain-text mail), Markdown and HTML.

The three carry the same content; each escapes user and schedule text as the
exports of its format do (``one_line``, ``escape_markdown``, ``html.text``), so
a success or a schedule's prose can start no line, heading, link or markup.
"""

from __future__ import annotations

import textwrap
from collections.abc import Callable, Iterator, Sequence
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
    return "".join(digest_pieces(digest, format_name, related))


def digest_pieces(digest: Digest, format_name: str, related: Sequence[Link] = ()) -> Iterator[str]:
    """``render_digest`` in pieces (a line or a list item each), for writing a busy week's digest as it is made."""
    if format_name == "text":
        return _text_pieces(digest)
    if format_name == "markdown":
        return _markdown_pieces(digest)
    if format_name == "html":
        return html.document_pieces(digest.title, _html_body(digest), related)
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


def _bullets(lines: Sequence[Line]) -> Iterator[str]:
    for line in lines:
        yield from _wrapped(f"{line.nick}: {line.text}", "  • ", "    ")


def digest_text(digest: Digest) -> str:
    return "".join(_text_pieces(digest))


def _text_pieces(digest: Digest) -> Iterator[str]:
    return (line + "\n" for line in _text_lines(digest))


def _text_lines(digest: Digest) -> Iterator[str]:
    yield from [one_line(digest.title), "=" * len(one_line(digest.title)), ""]
    yield from _heading("SuccessBot Says")
    yield from _bullets(digest.successes) if digest.successes else _wrapped(digest.nobody_yet, "  ")
    yield from _wrapped(INVITATION)
    if digest.site_url:
        yield f"All successes: {digest.site_url}"
    if digest.thanks:
        yield from ["", *_heading("Thanks")]
        yield from _bullets(digest.thanks)
    if digest.elections:
        yield from ["", *_heading("Elections")]
        for election in digest.elections:
            yield f"  {election.name}"
            for phase in election.phases:
                yield from _wrapped(_phase(phase, digest.period.end), "  • ", "    ")
    yield ""
    countdown = digest.countdown
    if countdown is None:
        yield from [*_heading("Release Countdown"), *_wrapped(NO_COUNTDOWN)]
        return
    yield from [*_heading(countdown.heading), *_wrapped(_where(countdown))]
    if countdown.first_weeks:
        yield from _wrapped(_first_weeks(countdown))
    yield ""
    if not countdown.this_week:
        yield from _wrapped(NOTHING_THIS_WEEK)
    for event in countdown.this_week:
        yield from _wrapped(_event_head(event), "  • ", "    ")
        if event.description:
            yield from _wrapped(event.description, "    ")
    if countdown.important:
        yield from ["", "Important dates:"]
        for event in countdown.important:
            yield from _wrapped(_important(event), "  • ", "    ")


# --- Markdown ---


def _md_bullets(lines: Sequence[Line]) -> Iterator[str]:
    return (f"- **{escape_markdown(line.nick)}**: {escape_markdown(line.text)}" for line in lines)


def digest_markdown(digest: Digest) -> str:
    return "".join(_markdown_pieces(digest))


def _markdown_pieces(digest: Digest) -> Iterator[str]:
    return (line + "\n" for line in _markdown_lines(digest))


def _markdown_lines(digest: Digest) -> Iterator[str]:
    yield from [f"# {escape_markdown(digest.title)}", "", "## SuccessBot Says", ""]
    yield from _md_bullets(digest.successes) if digest.successes else [escape_markdown(digest.nobody_yet)]
    yield from ["", escape_markdown(INVITATION)]
    if digest.site_url:
        yield from ["", f"[All successes](<{digest.site_url}>)"]  # checked as a URL: no spaces or <> in it
    if digest.thanks:
        yield from ["", "## Thanks", ""]
        yield from _md_bullets(digest.thanks)
    for number, election in enumerate(digest.elections):
        if not number:
            yield from ["", "## Elections"]
        yield from ["", f"### {escape_markdown(election.name)}", ""]
        yield from (f"- {escape_markdown(_phase(phase, digest.period.end))}" for phase in election.phases)
    countdown = digest.countdown
    if countdown is None:
        yield from ["", "## Release Countdown", "", escape_markdown(NO_COUNTDOWN)]
        return
    yield from ["", f"## {escape_markdown(countdown.heading)}", "", escape_markdown(_where(countdown))]
    if countdown.first_weeks:
        yield from ["", escape_markdown(_first_weeks(countdown))]
    yield ""
    if not countdown.this_week:
        yield escape_markdown(NOTHING_THIS_WEEK)
    for event in countdown.this_week:
        item = f"- **{escape_markdown(_event_head(event))}**"
        yield item + (f": {escape_markdown(event.description)}" if event.description else "")
    if countdown.important:
        yield from ["", "### Important dates", ""]
        yield from (f"- {escape_markdown(_important(event))}" for event in countdown.important)


# --- HTML ---


def _html_list(items: Sequence[str], css: str, render: Callable[[str], str] = html.text) -> str:
    listed = "".join(f"<li>{render(item)}</li>\n" for item in items)
    return f'<ul class="{css}">\n{listed}</ul>\n'


def _html_lines(lines: Sequence[Line]) -> Iterator[str]:
    yield '<ul class="digest">\n'
    for line in lines:
        yield f'<li><span class="nick">{html.text(line.nick)}</span>: {html.text(line.text)}</li>\n'
    yield "</ul>\n"


def _html_election(election: Election, end: datetime) -> str:
    return f"<h3>{html.text(election.name)}</h3>\n" + _html_list(
        [_phase(phase, end) for phase in election.phases], "phases"
    )


def digest_html(digest: Digest, related: Sequence[Link] = ()) -> str:
    return html.document(digest.title, "".join(_html_body(digest)), related)


def _html_body(digest: Digest) -> Iterator[str]:
    yield "<section>\n<h2>SuccessBot Says</h2>\n"
    if digest.successes:
        yield from _html_lines(digest.successes)
    else:
        yield f'<p class="empty">{html.text(digest.nobody_yet)}</p>\n'
    yield f"<p>{html.text(INVITATION)}</p>\n"
    if digest.site_url:
        yield f'<p><a href="{escape(digest.site_url)}">All successes</a></p>\n'
    yield "</section>\n"
    if digest.thanks:
        yield "<section>\n<h2>Thanks</h2>\n"
        yield from _html_lines(digest.thanks)
        yield "</section>\n"
    if digest.elections:
        yield "<section>\n<h2>Elections</h2>\n"
        yield "".join(_html_election(election, digest.period.end) for election in digest.elections)
        yield "</section>\n"
    countdown = digest.countdown
    if countdown is None:
        yield f"<section>\n<h2>Release Countdown</h2>\n<p>{html.text(NO_COUNTDOWN)}</p>\n</section>\n"
        return
    yield f"<section>\n<h2>{html.text(countdown.heading)}</h2>\n<p>{html.text(_where(countdown))}</p>\n"
    if countdown.first_weeks:
        yield f"<p>{html.text(_first_weeks(countdown))}</p>\n"
    if not countdown.this_week:
        yield f'<p class="empty">{html.text(NOTHING_THIS_WEEK)}</p>\n'
    else:
        items = ""
        for event in countdown.this_week:
            words = f"<p>{html.text(event.description)}</p>" if event.description else ""
            items += f"<li><strong>{html.text(_event_head(event))}</strong>{words}</li>\n"
        yield f'<ul class="countdown">\n{items}</ul>\n'
    if countdown.important:
        yield "<h3>Important dates</h3>\n" + _html_list([_important(e) for e in countdown.important], "dates")
    yield "</section>\n"
