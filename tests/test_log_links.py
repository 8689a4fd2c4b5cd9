"""The [export] section: the log link template, the site URL, and what a bad value says."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from successbot.config import ConfigError, load_config
from successbot.core.successes import Success
from successbot.publishing.log_links import LogUrlTemplate


def success(channel: str, at: datetime) -> Success:
    return Success(1, "x", "alice", channel, at, None, None, "OFTC")


def test_log_link_fills_every_placeholder_and_percent_encodes_the_channel():
    template = LogUrlTemplate.parse(
        "https://logs.example.org/{network}/{channel}/{year}/{month}/{day}/{channel_name}.{date}.html"
    )
    link = template.for_success(success("#openstack-dev", datetime(2016, 3, 4, 23, 59, tzinfo=UTC)))
    assert link == "https://logs.example.org/OFTC/%23openstack-dev/2016/03/04/openstack-dev.2016-03-04.html"


def test_the_date_is_the_utc_day():
    template = LogUrlTemplate.parse("https://logs.example.org/{date}")
    late = datetime(2016, 3, 14, 23, 30, tzinfo=UTC)
    assert template.for_success(success("#dev", late)).endswith("/2016-03-14")


def test_a_channel_name_cannot_change_the_shape_of_the_link():
    template = LogUrlTemplate.parse("https://logs.example.org/{channel}.html")
    link = template.for_success(success("#x/../../admin?q=1#frag <b>", datetime(2016, 3, 14, tzinfo=UTC)))
    assert link == "https://logs.example.org/%23x%2F..%2F..%2Fadmin%3Fq%3D1%23frag%20%3Cb%3E.html"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("https://logs.example.org/{chan}", "{chan} is not one"),
        ("https://logs.example.org/{channel.__class__}", "is not one"),
        ("https://logs.example.org/{date:%Y}", "{date} is not one"),
        ("https://logs.example.org/{channel!r}", "{channel} is not one"),
        ("https://logs.example.org/{channel", "in matched braces"),
        ("ftp://logs.example.org/{channel}", "http:// or https://"),
        ("logs.example.org/{channel}", "http:// or https://"),
        ("https://logs.example.org/a b/{channel}", "without spaces"),
        ('https://logs.example.org/"><script>/{channel}', "without spaces, quotes"),
    ],
)
def test_bad_log_url_templates_say_what_is_wrong(template, expected):
    with pytest.raises(ValueError, match="expected") as caught:
        LogUrlTemplate.parse(template)
    assert expected in str(caught.value)


def write(tmp_path, text):
    path = tmp_path / "bot.ini"
    path.write_text(text, encoding="utf-8")
    return path


def test_export_section_is_read_and_the_url_ends_with_a_slash(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "[export]\ndirectory = site\nurl = https://successes.example.org/weekly\n"
            "log_url = https://logs.example.org/{channel}/{date}\nweeks_on_index = 3\n",
        )
    )
    assert config.export.directory == "site"
    assert config.export.url == "https://successes.example.org/weekly/"
    assert config.export.log_url == LogUrlTemplate("https://logs.example.org/{channel}/{date}")
    assert config.export.weeks_on_index == 3


def test_export_section_defaults_publish_nothing():
    config = load_config(None)
    assert (config.export.directory, config.export.url, config.export.log_url) == (None, None, None)


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("url = successes.example.org", "bot.ini:2: [export] url: expected an http:// or https:// URL"),
        ("url = javascript:alert(1)", "bot.ini:2: [export] url: expected an http:// or https:// URL"),
        ("url = https://x.example/?week=1", "[export] url: expected the URL of a directory"),
        ("log_url = https://x.example/{when}", "bot.ini:2: [export] log_url: expected only the placeholders"),
        ("weeks_on_index = 0", "[export] weeks_on_index: expected a whole number of at least 1"),
    ],
)
def test_bad_export_values_are_one_line_each(tmp_path, line, expected):
    with pytest.raises(ConfigError) as caught:
        load_config(write(tmp_path, f"[export]\n{line}\n"))
    (problem,) = caught.value.problems
    assert str(problem).startswith(str(tmp_path / "bot.ini"))
    assert expected.removeprefix("bot.ini") in str(problem)
