"""Fixtures that run real IRC servers; see ircnet.py.

``irc_network`` (InspIRCd + Anope, relaxed flood limits) lives for the whole
session: starting it takes 1-4 s. ``fakelag_network`` and ``ngircd_network``
live per module, so flood tests do not share a connection class's penalty
with other modules.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from ircnet import Network, start_inspircd, start_ngircd


@pytest.fixture(scope="session")
def irc_network() -> Iterator[Network]:
    network = start_inspircd("relaxed")
    yield network
    network.stop()


@pytest.fixture(scope="module")
def fakelag_network() -> Iterator[Network]:
    network = start_inspircd("fakelag")
    yield network
    network.stop()


@pytest.fixture(scope="module")
def ngircd_network() -> Iterator[Network]:
    network = start_ngircd()
    yield network
    network.stop()


@pytest.fixture(autouse=True)
def _close_test_clients(request: pytest.FixtureRequest) -> Iterator[None]:
    """Close the clients a test opened, even when it failed half-way."""
    yield
    for name in ("irc_network", "fakelag_network", "ngircd_network"):
        if name in request.fixturenames:
            request.getfixturevalue(name).close_clients()
