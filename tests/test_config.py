"""Config files: defaults, every key, and one clear line per problem."""

from __future__ import annotations

import configparser
from pathlib import Path

import pytest

from successbot.config import SCHEMA, ConfigError, Secret, config_path_from, default_config, load_config

PROJECT = Path(__file__).resolve().parents[1]


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "bot.ini"
    path.write_text(text, encoding="utf-8")
    return path


def problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    return [str(problem) for problem in caught.value.problems]


def test_embedded_defaults():
    config = default_config()
    assert config.bot.nick == "successbot"
    assert config.bot.command_prefix == "!"
    assert config.database.url == "sqlite:///successbot.db"
    assert config.database.auto_upgrade is True
    assert config.permissions.admins == ()


def test_example_config_loads_and_documents_every_key():
    example = PROJECT / "config.example.ini"
    load_config(example)
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(example, encoding="utf-8")
    text = example.read_text(encoding="utf-8")
    for section, keys in SCHEMA.items():
        assert parser.has_section(section), section
        for key in keys:
            # Present (secrets may appear commented out) and preceded by a one-line comment.
            line = next(
                (n for n, row in enumerate(text.splitlines()) if row.lstrip("# ").startswith(f"{key.name} =")), None
            )
            assert line is not None, f"[{section}] {key.name} is not in config.example.ini"
            assert text.splitlines()[line - 1].startswith("#"), f"[{section}] {key.name} has no comment"


def test_values_are_read_and_typed(tmp_path):
    config = load_config(
        write(
            tmp_path,
            "[bot]\nnick = sb\ncommand_prefix = .\nconsole_channel = #ops\n"
            "[database]\nurl = sqlite:////tmp/x.db\nauto_upgrade = off\n"
            "[permissions]\nadmins = alice, Bob  carol\n",
        )
    )
    assert (config.bot.nick, config.bot.command_prefix, config.bot.console_channel) == ("sb", ".", "#ops")
    assert config.database.auto_upgrade is False
    assert config.permissions.admins == ("alice", "Bob", "carol")


def test_unknown_key_is_named_with_file_line_and_suggestion(tmp_path):
    path = write(tmp_path, "[database]\nurl = sqlite://\nauto_upgrad = true\n")
    assert problems(path) == [f"{path}:3: [database] auto_upgrad: unknown key (did you mean 'auto_upgrade'?)"]


def test_bad_boolean_says_what_was_expected_and_found(tmp_path):
    path = write(tmp_path, "[database]\nauto_upgrade = maybe\n")
    assert problems(path) == [
        f"{path}:2: [database] auto_upgrade: expected true or false (also yes/no, on/off, 1/0), found 'maybe'"
    ]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("not a url", "expected a SQLAlchemy database URL"),
        ("nosuchdb://x/y", "expected a database SQLAlchemy knows; 'nosuchdb' is not one"),
        ("mysql+nosuchdriver://x/y", "expected a database SQLAlchemy knows"),
    ],
)
def test_bad_database_url_is_named(tmp_path, url, expected):
    path = write(tmp_path, f"[database]\nurl = {url}\n")
    (line,) = problems(path)
    assert line.startswith(f"{path}:2: [database] url: {expected}")
    assert line.endswith(f"found {url!r}")


def test_unknown_section(tmp_path):
    path = write(tmp_path, "[permisions]\nadmins = x\n")
    assert problems(path) == [
        f"{path}:1: [permisions]: unknown section; expected one of {', '.join(SCHEMA)} (did you mean 'permissions'?)"
    ]


def test_every_problem_is_listed_not_just_the_first(tmp_path):
    path = write(tmp_path, "[bot]\nnick = 9lives\ncommand_prefix = ab\n[database]\nauto_upgrade = 2\n")
    lines = problems(path)
    assert [line.split(": ", 2)[1] for line in lines] == [
        "[bot] nick",
        "[bot] command_prefix",
        "[database] auto_upgrade",
    ]


def test_missing_file(tmp_path):
    path = tmp_path / "absent.ini"
    assert problems(path) == [f"{path}: cannot read the config file: it does not exist"]


def test_unreadable_file_a_directory(tmp_path):
    assert problems(tmp_path) == [f"{tmp_path}: cannot read the config file: it is a directory"]


def test_not_utf8(tmp_path):
    path = tmp_path / "latin1.ini"
    path.write_bytes(b"[bot]\nnick = caf\xe9\n")
    assert problems(path) == [f"{path}: cannot read the config file: not UTF-8 text (byte 16)"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("nick = x\n", ":1: expected a [section] header before the first key, found 'nick = x'"),
        ("[bot]\nnick = a\nnick = b\n", ":3: [bot] nick: this key appears twice in its section"),
        ("[bot]\n[bot]\n", ":2: [bot]: this section appears twice"),
        ("[bot]\njust words\n", ":2: expected 'key = value', found 'just words'"),
    ],
)
def test_syntax_errors_get_one_line_with_the_line_number(tmp_path, text, expected):
    path = write(tmp_path, text)
    assert problems(path) == [f"{path}{expected}"]


def test_config_path_comes_from_the_option_then_the_environment():
    assert config_path_from("a.ini", {"SUCCESSBOT_CONFIG": "b.ini"}) == "a.ini"
    assert config_path_from(None, {"SUCCESSBOT_CONFIG": "b.ini"}) == "b.ini"
    assert config_path_from(None, {}) is None


def test_secret_never_shows_its_value():
    secret = Secret("hunter2", "$BOT_PASSWORD")
    assert "hunter2" not in repr(secret)
    assert "hunter2" not in str(secret)
    assert "hunter2" not in f"{secret}"
    assert secret.reveal() == "hunter2"
