"""Pieces of the IRC adapter that need no server: capabilities, SASL, backoff, redaction, [irc] config."""

from __future__ import annotations

import base64
import logging

import pytest

from successbot.adapters.irc.backoff import Backoff
from successbot.adapters.irc.connection import SecretRedactor
from successbot.adapters.irc.registration import CapNegotiation, SaslCredentials
from successbot.config import ChannelSetting, ConfigError, load_config, parse_duration

INSPIRCD_CAPS = (
    "account-notify account-tag away-notify batch cap-notify chghost echo-message extended-join "
    "message-tags multi-prefix sasl=EXTERNAL,PLAIN server-time setname userhost-in-names"
)


def test_requests_only_wanted_caps_the_server_offers_and_sasl_when_logging_in():
    caps = CapNegotiation(sasl=SaslCredentials("bot", "pw"))
    (request,) = caps.on_ls(["LS", INSPIRCD_CAPS])
    assert request == (
        "CAP REQ :server-time account-tag extended-join account-notify message-tags multi-prefix cap-notify sasl"
    )


def test_multiline_ls_waits_for_the_last_line():
    caps = CapNegotiation()
    assert caps.on_ls(["LS", "*", "account-tag multi-prefix"]) == []
    assert caps.on_ls(["LS", "server-time"]) == ["CAP REQ :server-time account-tag multi-prefix"]


def test_plain_server_with_nothing_wanted_ends_negotiation_at_once():
    assert CapNegotiation().on_ls(["LS", "away-notify"]) == ["CAP END"]


def test_sasl_plain_exchange():
    caps = CapNegotiation(sasl=SaslCredentials("bot", "pw"))
    caps.on_ls(["LS", "sasl=PLAIN server-time"])
    assert caps.on_ack("server-time sasl") == ["AUTHENTICATE PLAIN"]
    (payload,) = caps.on_authenticate("+")
    assert base64.b64decode(payload.split()[1]) == b"bot\0bot\0pw"
    assert caps.on_sasl_success() == ["CAP END"]


def test_long_sasl_payload_is_chunked_and_closed_with_plus():
    caps = CapNegotiation(sasl=SaslCredentials("a", "x" * 296))  # 300 bytes → base64 exactly 400
    caps.on_ls(["LS", "sasl"])
    caps.on_ack("sasl")
    lines = caps.on_authenticate("+")
    assert [len(line.split()[1]) for line in lines] == [400, 1]
    assert lines[-1] == "AUTHENTICATE +"


def test_sasl_not_offered_with_plain_means_no_sasl():
    caps = CapNegotiation(sasl=SaslCredentials("bot", "pw"))
    assert caps.on_ls(["LS", "sasl=EXTERNAL account-tag"]) == ["CAP REQ :account-tag"]
    assert caps.on_ack("account-tag") == ["CAP END"]
    assert not caps.sasl_usable


def test_a_refused_request_is_retried_one_cap_at_a_time():
    caps = CapNegotiation()
    caps.on_ls(["LS", "server-time account-tag"])
    assert caps.on_nak("server-time account-tag") == ["CAP REQ :server-time", "CAP REQ :account-tag"]
    assert caps.on_ack("server-time") == []
    assert caps.on_nak("account-tag") == ["CAP END"]
    assert caps.enabled == {"server-time"}


def test_backoff_starts_within_a_second_grows_and_is_capped():
    backoff = Backoff(cap=300, uniform=lambda low, high: 1.0)
    delays = [backoff.next_delay() for _ in range(30)]
    assert delays[0] == 0.5
    assert delays == sorted(delays)
    # Four tries in the first five seconds of an outage, and the next gap under three:
    # a server back after five seconds is tried again within a few seconds.
    assert sum(delays[:4]) < 5 and delays[4] < 3
    assert max(delays) == 300
    backoff.reset()
    assert backoff.next_delay() == 0.5


def test_backoff_jitter_stays_within_bounds():
    backoff = Backoff(uniform=lambda low, high: high)
    assert backoff.next_delay() == pytest.approx(0.6)


@pytest.mark.parametrize(
    "line",
    [
        "TO SERVER: AUTHENTICATE Ym90AGJvdABodW50ZXIy",
        "TO SERVER: PASS hunter2",
        "TO SERVER: PRIVMSG NickServ :IDENTIFY sbot hunter2",
        "TO SERVER: PRIVMSG NickServ :IDENTIFY hunter2",
    ],
)
def test_secrets_in_library_debug_lines_are_redacted(line):
    record = logging.LogRecord("irc.client", logging.DEBUG, __file__, 1, "%s", (line,), None)
    SecretRedactor().filter(record)
    assert "hunter2" not in record.getMessage()
    assert "Ym90AGJvdABodW50ZXIy" not in record.getMessage()
    assert "<hidden>" in record.getMessage()


def test_harmless_lines_are_left_alone():
    record = logging.LogRecord("irc.client", logging.DEBUG, __file__, 1, "%s", ("TO SERVER: AUTHENTICATE PLAIN",), None)
    SecretRedactor().filter(record)
    assert record.getMessage() == "TO SERVER: AUTHENTICATE PLAIN"


@pytest.mark.parametrize(("text", "seconds"), [("90", 90), ("30s", 30), ("5m", 300), ("6h", 21600), ("1h30m", 5400)])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds


def test_irc_section(tmp_path, monkeypatch):
    monkeypatch.setenv("BOT_PW", "hunter2")
    path = tmp_path / "bot.ini"
    path.write_text(
        "[irc]\nserver = irc.example.org\nport = 6697\nchannels = #a, #b secretkey\n"
        "auth = sasl\npassword_env = BOT_PW\nalt_nicks = sb_, sb__\n",
        encoding="utf-8",
    )
    irc = load_config(path).irc
    assert irc.uses_tls and irc.effective_port == 6697
    assert irc.channels == (ChannelSetting("#a"), ChannelSetting("#b", "secretkey"))
    assert irc.password is not None and irc.password.reveal() == "hunter2"
    assert "hunter2" not in repr(irc)


def test_tls_by_default_only_on_6697(tmp_path):
    path = tmp_path / "bot.ini"
    path.write_text("[irc]\nserver = x\n", encoding="utf-8")
    irc = load_config(path).irc
    assert not irc.uses_tls and irc.effective_port == 6667


def test_sasl_without_a_password_is_a_config_error(tmp_path):
    path = tmp_path / "bot.ini"
    path.write_text("[irc]\nserver = x\nauth = sasl\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"\[irc\] auth: expected a password"):
        load_config(path)


def test_unset_password_variable_matters_only_where_secrets_are_needed(tmp_path, monkeypatch):
    monkeypatch.delenv("NO_SUCH_VAR", raising=False)
    path = tmp_path / "bot.ini"
    path.write_text("[irc]\nserver = x\nauth = sasl\npassword_env = NO_SUCH_VAR\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="NO_SUCH_VAR"):
        load_config(path)
    relaxed = load_config(path, secrets_needed=False)
    with pytest.raises(ConfigError, match="NO_SUCH_VAR"):
        relaxed.irc.password.reveal()


def test_the_byte_budget_follows_raised_flood_limits_and_keeps_the_default_otherwise():
    from dataclasses import replace

    from successbot.adapters.irc.connection import octet_bucket
    from successbot.adapters.irc.outbound import DEFAULT_BYTE_BURST, DEFAULT_BYTES_PER_SECOND

    settings = load_config(None).irc
    default = octet_bucket(settings, lambda: 0.0)
    assert (default.burst, default.rate) == (DEFAULT_BYTE_BURST, DEFAULT_BYTES_PER_SECOND)
    wide_open = octet_bucket(replace(settings, flood_burst=1000, flood_rate=1000.0), lambda: 0.0)
    assert (wide_open.burst, wide_open.rate) == (512_000, 512_000)
