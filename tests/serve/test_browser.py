"""The pages of a real `mission serve`, driven in a real headless Chromium through Selenium.

Screenshots go to /tmp/serve-shots/ (looked at by whoever changes the pages).
Skipped, saying why, only when Chromium or chromedriver is not installed
(`.ci/run` installs Debian's `chromium` and `chromium-driver`).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.server import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
SHOTS = Path("/tmp/serve-shots")

pytestmark = pytest.mark.skipif(
    CHROMIUM is None or CHROMEDRIVER is None,
    reason="no chromium and chromedriver installed (Debian: apt-get install chromium "
           "chromium-driver; .ci/run does it)")

webdriver = pytest.importorskip("selenium.webdriver")


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1100,900", "--no-first-run", "--disable-extensions",
                 f"--user-data-dir={tmp_path_factory.mktemp('chromium')}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    SHOTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()


def shot(driver: object, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def sign_in_with(driver: object, server: Server, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()  # type: ignore[attr-defined]
    driver.get(f"http://127.0.0.1:{server.port}/")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"  # type: ignore[attr-defined]
    driver.find_element(By.ID, "user").send_keys(user)  # type: ignore[attr-defined]
    password_box = driver.find_element(By.ID, "password")  # type: ignore[attr-defined]
    password_box.send_keys(password)
    password_box.submit()


def test_sign_in_answer_a_wrong_answer_and_a_forbidden_page(server: Server,
                                                              browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from mission.serve.accounts import Accounts

    with Accounts(server.accounts) as accounts:
        accounts.allow_start("release_managers", "survey")
    release = server.api("POST", "/api/runs", {"mission": "release",
                                                "params": {"release": "7.1"}}).json()["run_id"]
    survey = server.api("POST", "/api/runs", {"mission": "survey"}).json()["run_id"]
    driver = browser
    find = driver.find_element  # type: ignore[attr-defined]
    base = f"http://127.0.0.1:{server.port}"

    driver.get(base + "/")  # type: ignore[attr-defined]
    shot(driver, "01-sign-in")
    sign_in_with(driver, server, "alice", "correct horse")
    assert find(By.TAG_NAME, "h1").text == "Inbox"
    rows = find(By.TAG_NAME, "tbody").text
    assert f"run {release}" in rows and f"run {survey}" in rows
    shot(driver, "02-inbox")

    # a wrong answer: the engine's message, next to the field, and nothing changes
    find(By.LINK_TEXT, "How was today, from 0 to 10?").click()
    box = find(By.ID, "answer")
    assert find(By.CSS_SELECTOR, "label[for=answer]").text == "How was today, from 0 to 10?"
    box.send_keys("11")
    box.submit()
    error = find(By.ID, "answer-error")
    assert "the answer must be at most 10, not 11" in error.text
    box = find(By.ID, "answer")
    assert box.get_attribute("aria-invalid") == "true"
    assert "answer-error" in (box.get_attribute("aria-describedby") or "")
    assert box.get_attribute("value") == "11"
    shot(driver, "03-wrong-answer")
    assert server.api("GET", f"/api/runs/{survey}").json()["status"] == "waiting"
    box.clear()
    box.send_keys("8", Keys.ENTER)
    assert "succeeded" in find(By.CSS_SELECTOR, ".banner").text
    shot(driver, "04-run-succeeded")

    # the confirm question, with the keyboard only: tab to "Yes", space, enter
    driver.get(f"{base}/runs/{release}/steps/sign_off")  # type: ignore[attr-defined]
    shot(driver, "05-confirm-form")
    yes = find(By.CSS_SELECTOR, "input[value=yes]")
    yes.send_keys(Keys.SPACE)
    assert yes.is_selected()
    yes.send_keys(Keys.ENTER)
    banner = find(By.CSS_SELECTOR, ".banner").text
    assert "waits for an answer to step channel" in banner
    shot(driver, "06-run-waiting")
    run = server.api("GET", f"/api/runs/{release}").json()
    assert run["answered_by"] == {"sign_off": "alice"}

    driver.get(f"{base}/runs?status=waiting&mission=release")  # type: ignore[attr-defined]
    shot(driver, "07-runs-filtered")
    driver.get(f"{base}/start/release")  # type: ignore[attr-defined]
    find(By.CSS_SELECTOR, "form.panel button").click()
    assert "release" in find(By.CSS_SELECTOR, ".field-error, .error").text
    shot(driver, "08-start-missing-param")

    # eve is not a release manager: the channel step is forbidden to her
    sign_in_with(driver, server, "eve", "pass word 1")
    driver.get(f"{base}/runs/{release}/steps/channel")  # type: ignore[attr-defined]
    assert find(By.TAG_NAME, "h1").text == "You may not do this"
    assert "eve may not answer step `channel`" in find(By.CSS_SELECTOR, ".error").text
    shot(driver, "09-forbidden")
    assert server.api("GET", f"/api/runs/{release}").json()["waiting_step_id"] == "channel"
