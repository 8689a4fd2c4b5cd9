"""Config files: defaults, every key, and one clear line per problem."""

from __future__ import annotations

import configparser
import dataclasses
from pathlib import Path
from typing import Annotated, get_type_hints

import pytest

from successbot.config import (
    REGENERATE_EXAMPLE,
    SCHEMA,
    SECTION_TYPES,
    Config,
    ConfigError,
    KeySpec,
    Secret,
    Section,
    config_path_from,
    default_config,
    example_config,
    load_config,
    parse_text,
    section_keys,
)

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


def test_example_file_is_the_rendered_declaration():
    text = (PROJECT / "config.example.ini").read_bytes().decode("utf-8")
    assert text == example_config(), f"config.example.ini is out of date; regenerate it with: {REGENERATE_EXAMPLE}"


def test_example_file_loads_as_the_embedded_defaults():
    example = load_config(PROJECT / "config.example.ini")
    assert dataclasses.replace(example, source="embedded defaults") == default_config()


def test_every_settings_field_is_declared_with_a_key():
    sections = [field for field in dataclasses.fields(Config) if field.name != "source"]
    assert [field.name for field in sections] == list(SECTION_TYPES) == list(SCHEMA)
    for name, section in SECTION_TYPES.items():
        assert dataclasses.is_dataclass(section) and issubclass(section, Section), name
        assert section.__dataclass_params__.frozen, name  # type: ignore[attr-defined]
        hints = get_type_hints(section, include_extras=True)
        for field in dataclasses.fields(section):
            (spec,) = (item for item in getattr(hints[field.name], "__metadata__", ()) if isinstance(item, KeySpec))
            assert callable(spec.parse) and isinstance(spec.default, str), f"[{name}] {field.name}"
            assert spec.help.strip(), f"[{name}] {field.name} has no help"
            assert field.default is dataclasses.MISSING, f"[{name}] {field.name}: the default belongs in key()"
        assert [key.name for key in SCHEMA[name]] == [field.name for field in dataclasses.fields(section)]


def test_a_field_without_a_key_is_refused():
    @dataclasses.dataclass(frozen=True)
    class Half(Section):
        declared: Annotated[str, KeySpec(parse_text, "", "a key")]
        forgotten: str

    with pytest.raises(TypeError, match=r"Half\.forgotten: expected Annotated\[type, key\("):
        section_keys(Half)


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


def test_a_database_password_never_appears_in_a_problem(tmp_path):
    path = write(tmp_path, "[database]\nurl = postgresql+pg8000://successbot:hunter2@db.example.org/successbot\n")
    (line,) = problems(path)  # pg8000 is not installed here: the driver is missing
    assert "hunter2" not in line
    assert line.endswith("found 'postgresql+pg8000://successbot:***@db.example.org/successbot'")


def test_the_database_url_may_come_from_the_environment_or_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("SB_TEST_DATABASE_URL", f"sqlite:///{tmp_path}/from-env.db")
    assert load_config(write(tmp_path, "[database]\nurl_env = SB_TEST_DATABASE_URL\n")).database.url.endswith(
        "from-env.db"
    )
    (tmp_path / "url").write_text(f"sqlite:///{tmp_path}/from-file.db\n", encoding="utf-8")
    config = load_config(write(tmp_path, f"[database]\nurl_file = {tmp_path}/url\n"))
    assert config.database.url == f"sqlite:///{tmp_path}/from-file.db"


def test_an_unset_database_url_variable_or_two_forms_are_problems(tmp_path, monkeypatch):
    monkeypatch.delenv("SB_TEST_UNSET", raising=False)
    (line,) = problems(write(tmp_path, "[database]\nurl_env = SB_TEST_UNSET\n"))
    assert "[database] url_env: expected the environment variable 'SB_TEST_UNSET' to be set" in line
    monkeypatch.setenv("SB_TEST_DATABASE_URL", "postgresql+pg8000://u:hunter2@h/db")
    (line,) = problems(write(tmp_path, "[database]\nurl = sqlite:///x.db\nurl_env = SB_TEST_DATABASE_URL\n"))
    assert "expected only one of url, url_env" in line
    (line,) = problems(write(tmp_path, "[database]\nurl_env = SB_TEST_DATABASE_URL\n"))
    assert "hunter2" not in line and "u:***@h" in line
