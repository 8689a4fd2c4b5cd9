"""The published index.html in a real headless Chromium: what people see, and that no script runs.

Needs Debian's chromium and chromium-driver (scripts/test.sh installs them).
Selenium is pointed at both, so Selenium Manager has nothing to download.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from harness import EXAMPLE_TIME
from successbot.core.successes import NewSuccess
from successbot.publishing.directory import Publisher

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PHONE = (390, 844)  # CSS pixels of a common phone, portrait

HOSTILE = [
    "<script>document.title='pwned'</script>",
    "<img src=x onerror=\"document.title='pwned'; window.pwned = 1\">",
    '"><svg onload="alert(1)"></svg>',
    "[click](javascript:alert(1)) <a href=javascript:alert(1)>x</a>",
]
LONG_WORD = "https://review.example.org/" + "a" * 300  # one unbroken word, wider than any phone
DIGEST = "fixed the “gate” [1] in #openstack-infra \\o/"


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """One headless Chromium for the module (starting one took a second a test); ``browser`` resets it per test."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        reason = "needs Debian's chromium and chromium-driver; scripts/test.sh installs them"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
    ):
        options.add_argument(flag)
    with pytest.MonkeyPatch.context() as monkeypatch:
        monkeypatch.setenv("SE_OFFLINE", "true")  # Selenium Manager must never go looking for a browser
        driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def browser(chromium: Any) -> Iterator[object]:
    """The module's Chromium as a new one is: a blank page, a desktop screen, no cookies, no alert left open."""
    yield chromium
    chromium.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
    chromium.get("about:blank")
    chromium.delete_all_cookies()


@pytest.fixture
def site(store, tmp_path: Path) -> Path:
    texts = [DIGEST, *HOSTILE, LONG_WORD]
    for minutes, text in enumerate(texts):
        store.add(NewSuccess(text, "alice", "#dev", EXAMPLE_TIME + timedelta(minutes=minutes)))
    store.add(NewSuccess("last week's", "bob", "#ops", EXAMPLE_TIME - timedelta(weeks=1)))
    directory = tmp_path / "site"
    Publisher(store, directory, site_url="https://successes.example.org/").publish_all()
    return directory


def test_index_shows_every_success_as_text_and_runs_no_script(browser, site):
    from selenium.common.exceptions import NoAlertPresentException
    from selenium.webdriver.common.by import By

    browser.get((site / "index.html").as_uri())
    assert browser.title == "SuccessBot Says"
    visible = browser.find_element(By.TAG_NAME, "body").text
    for text in (DIGEST, *HOSTILE, "last week's", "2016-W11", "2016-W10"):
        assert text in visible
    assert visible.index("2016-W11") < visible.index("2016-W10")  # newest week first
    assert visible.count("SuccessBot Says") == 1  # the default title, once, not on every week
    weeks = [h2.text for h2 in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert weeks == [
        "2016-W11 (Mon 14 Mar to Sun 20 Mar 2016) 6 successes",
        "2016-W10 (Mon 7 Mar to Sun 13 Mar 2016) 1 success",
    ]
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018  (reading it is the check)
    page = browser.execute_script(
        "const handler = e => [...e.attributes].some(a => /^on/i.test(a.name));"
        "return {pwned: window.pwned === 1,"
        " injected: document.querySelectorAll('script, img, svg, iframe').length,"
        " handlers: [...document.querySelectorAll('*')].filter(handler).length,"
        " scriptLinks: [...document.links].filter(a => a.protocol === 'javascript:').length}"
    )
    assert page == {"pwned": False, "injected": 0, "handlers": 0, "scriptLinks": 0}


TITLE = "Ops & <b>Friends</b>"
INTRO = "What went <i>well</i> in #ops & #dev <script>window.pwned = 1</script>"


def test_a_reader_sees_the_community_title_its_intro_and_how_many_successes_each_week_had(browser, store, tmp_path):
    from selenium.webdriver.common.by import By

    for minutes in range(3):
        store.add(NewSuccess(f"W11 number {minutes}", "alice", "#dev", EXAMPLE_TIME + timedelta(minutes=minutes)))
    store.add(NewSuccess("W10 alone", "bob", "#ops", EXAMPLE_TIME - timedelta(weeks=1)))
    directory = tmp_path / "titled"
    Publisher(store, directory, title=TITLE, intro=INTRO).publish_all()
    browser.get((directory / "index.html").as_uri())
    assert browser.title == TITLE
    assert [h1.text for h1 in browser.find_elements(By.TAG_NAME, "h1")] == [TITLE]
    assert browser.find_element(By.CSS_SELECTOR, "p.intro").text == INTRO
    weeks = [h2.text for h2 in browser.find_elements(By.CSS_SELECTOR, "section h2")]
    assert weeks == [
        "2016-W11 (Mon 14 Mar to Sun 20 Mar 2016) 3 successes",
        "2016-W10 (Mon 7 Mar to Sun 13 Mar 2016) 1 success",
    ]
    visible = browser.find_element(By.TAG_NAME, "body").text
    assert "SuccessBot Says" not in visible  # the community's name, once, instead
    assert not browser.execute_script("return window.pwned === 1 || document.querySelectorAll('b, i, script').length")


def test_index_fits_a_phone_screen_without_sideways_scrolling(browser, site):
    from selenium.webdriver.common.by import By

    # A phone lays a page without a viewport meta out 980 pixels wide and shrinks it: emulate one.
    metrics = {"width": PHONE[0], "height": PHONE[1], "deviceScaleFactor": 3, "mobile": True}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
    browser.get((site / "index.html").as_uri())
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert width == PHONE[0]
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width
    font_size = browser.find_element(By.CSS_SELECTOR, "p.text").value_of_css_property("font-size")
    assert float(font_size.removesuffix("px")) >= 14


def test_a_week_page_links_its_other_formats_and_back(browser, site):
    from selenium.webdriver.common.by import By

    browser.get((site / "2016-W11.html").as_uri())
    assert browser.title.startswith("SuccessBot Says, 2016-W11")
    assert len(browser.find_elements(By.CSS_SELECTOR, "li.success")) == 6
    browser.find_element(By.LINK_TEXT, "All weeks").click()
    assert browser.title == "SuccessBot Says"


def test_the_index_and_the_week_page_link_the_weeks_digest_which_runs_no_script(browser, store, tmp_path):
    from selenium.webdriver.common.by import By

    from harness import EXAMPLE_SOURCES
    from successbot.schedules.sources import import_text

    events = [
        event
        for source in EXAMPLE_SOURCES
        for event in import_text(source, Path(source).read_text(encoding="utf-8"), lambda _name: None).events
    ]
    for minutes, text in enumerate([DIGEST, *HOSTILE]):
        store.add(NewSuccess(text, "alice", "#dev", EXAMPLE_TIME - timedelta(weeks=1, minutes=-minutes)))
    directory = tmp_path / "digests"
    Publisher(store, directory, site_url="https://successes.example.org/", events_near=lambda _at: events).publish_all()
    browser.get((directory / "index.html").as_uri())
    browser.find_element(By.CSS_SELECTOR, "p.digest a").click()
    assert browser.title == "Digest 2016-W10 (Mon 7 Mar to Sun 13 Mar 2016)"
    headings = [h2.text for h2 in browser.find_elements(By.TAG_NAME, "h2")]
    assert headings == ["SuccessBot Says", "Elections", "Release Countdown For Week R-3, March 14-18"]
    visible = browser.find_element(By.TAG_NAME, "body").text
    for text in (f"alice: {DIGEST}", *HOSTILE, "RC1 target week (Mon 14 Mar to Fri 18 Mar 2016)", "Hard StringFreeze"):
        assert text in visible
    assert "PTL nomination: 2016-03-11 00:00 UTC to 2016-03-17 23:59 UTC" in visible
    page = browser.execute_script(
        "return {pwned: window.pwned === 1 || document.title === 'pwned',"
        " injected: document.querySelectorAll('script, img, svg, iframe').length}"
    )
    assert page == {"pwned": False, "injected": 0}
    browser.find_element(By.LINK_TEXT, "Successes of 2016-W10").click()
    assert browser.title.startswith("SuccessBot Says, 2016-W10")
    browser.find_element(By.LINK_TEXT, "Digest").click()
    assert browser.title.startswith("Digest 2016-W10")
