"""The pages of a real `mission serve`, driven in a real headless Chromium through Selenium.

Screenshots go to `$MISSION_SCREENSHOTS` when it is set (look at them when you change the
pages), else to a new temporary directory.
Skipped, saying why, only when Chromium or chromedriver is not installed
(`.ci/run` installs Debian's `chromium` and `chromium-driver`).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.serve.server import Server

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver") or (
    "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None)
SHOTS = Path(os.environ.get("MISSION_SCREENSHOTS") or tempfile.mkdtemp(prefix="mission-shots-"))

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
    SHOTS.mkdir(parents=True, exist_ok=True)
    yield driver
    driver.quit()


def shot(driver: object, name: str) -> None:
    driver.save_screenshot(str(SHOTS / f"{name}.png"))  # type: ignore[attr-defined]


# Every element with its own visible text: its colour and the first opaque background
# behind it (WebDriver's script runs outside the page's CSP; the pages have none).
_COLOURS = """
const found = [];
for (const element of document.querySelectorAll('body *')) {
  const own = [...element.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
  const style = getComputedStyle(element);
  if (!own || style.visibility === 'hidden' || element.offsetParent === null
      || style.clip === 'rect(0px, 0px, 0px, 0px)') continue;
  let back = element, colour = 'rgba(0, 0, 0, 0)';
  while (back) {
    colour = getComputedStyle(back).backgroundColor;
    if (!colour.endsWith(', 0)') && colour !== 'transparent') break;
    back = back.parentElement;
  }
  found.push([element.tagName + '.' + element.className, element.textContent.trim().slice(0, 30),
              style.color, back ? colour : 'rgb(255, 255, 255)']);
}
return found;
"""


def contrast(foreground: str, background: str) -> float:
    def luminance(css: str) -> float:
        red, green, blue = (int(part) / 255 for part in
                            css[css.index("(") + 1:css.index(")")].split(",")[:3])
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                  for c in (red, green, blue)]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    lighter, darker = sorted((luminance(foreground), luminance(background)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def wait_for(driver: object, css: str) -> object:
    """The element once the page that has it is loaded (after a click that navigates)."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.wait import WebDriverWait

    return WebDriverWait(driver, 30).until(  # type: ignore[arg-type]
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, css)))


def check_page(driver: object) -> None:
    """`lang`, the landmarks, and text contrast of at least 4.5:1 (WCAG AA)."""
    from selenium.webdriver.common.by import By

    find_all = driver.find_elements  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"  # type: ignore[attr-defined]
    assert [len(find_all(By.TAG_NAME, tag)) for tag in ("main", "nav", "h1")] == [1, 1, 1]
    texts = driver.execute_script(_COLOURS)  # type: ignore[attr-defined]
    assert len(texts) > 5  # the check saw the page's text
    low = [(where, text, round(contrast(fg, bg), 2)) for where, text, fg, bg in texts
           if contrast(fg, bg) < 4.5]
    assert not low, low


def sign_in_with(driver: object, server: Server, user: str, password: str) -> None:
    from selenium.webdriver.common.by import By

    driver.delete_all_cookies()  # type: ignore[attr-defined]
    driver.get(f"http://127.0.0.1:{server.port}/")  # type: ignore[attr-defined]
    assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in"  # type: ignore[attr-defined]
    driver.find_element(By.ID, "user").send_keys(user)  # type: ignore[attr-defined]
    password_box = driver.find_element(By.ID, "password")  # type: ignore[attr-defined]
    password_box.send_keys(password)
    password_box.submit()
    wait_for(driver, "form.signout")


def test_sign_in_answer_a_wrong_answer_and_a_forbidden_page(server: Server,
                                                              browser: object) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    from mission.accounts import Accounts

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
    check_page(driver)
    sign_in_with(driver, server, "alice", "correct horse")
    assert find(By.TAG_NAME, "h1").text == "Inbox"
    rows = find(By.TAG_NAME, "tbody").text
    assert f"run {release}" in rows and f"run {survey}" in rows
    shot(driver, "02-inbox")
    check_page(driver)

    # a wrong answer: the engine's message, next to the field, and nothing changes
    find(By.LINK_TEXT, "How was today, from 0 to 10?").click()
    box = wait_for(driver, "#answer")
    assert find(By.CSS_SELECTOR, "label[for=answer]").text == "How was today, from 0 to 10?"
    box.send_keys("11")
    box.submit()
    error = wait_for(driver, "#answer-error")
    assert "the answer must be at most 10, not 11" in error.text
    box = find(By.ID, "answer")
    assert box.get_attribute("aria-invalid") == "true"
    assert "answer-error" in (box.get_attribute("aria-describedby") or "")
    assert box.get_attribute("value") == "11"
    shot(driver, "03-wrong-answer")
    check_page(driver)
    assert server.api("GET", f"/api/runs/{survey}").json()["status"] == "waiting"
    box.clear()
    box.send_keys("8", Keys.ENTER)
    assert "succeeded" in wait_for(driver, ".banner.done").text  # type: ignore[attr-defined]
    shot(driver, "04-run-succeeded")

    # the confirm question, with the keyboard only: tab to "Yes", space, enter
    driver.get(f"{base}/runs/{release}/steps/sign_off")  # type: ignore[attr-defined]
    shot(driver, "05-confirm-form")
    check_page(driver)
    yes = find(By.CSS_SELECTOR, "input[value=yes]")
    yes.send_keys(Keys.SPACE)
    assert yes.is_selected()
    yes.send_keys(Keys.ENTER)
    banner = wait_for(driver, ".banner").text  # type: ignore[attr-defined]
    assert "waits for an answer to step channel" in banner
    shot(driver, "06-run-waiting")
    check_page(driver)
    run = server.api("GET", f"/api/runs/{release}").json()
    assert run["answered_by"] == {"sign_off": "alice"}

    driver.get(f"{base}/runs?status=waiting&mission=release")  # type: ignore[attr-defined]
    shot(driver, "07-runs-filtered")
    check_page(driver)
    driver.get(f"{base}/start/release")  # type: ignore[attr-defined]
    find(By.CSS_SELECTOR, "form.panel button").click()
    assert "release" in wait_for(driver, ".field-error, .error").text  # type: ignore[attr-defined]
    shot(driver, "08-start-missing-param")
    check_page(driver)

    # eve is not a release manager: the channel step is forbidden to her
    sign_in_with(driver, server, "eve", "pass word 1")
    driver.get(f"{base}/runs/{release}/steps/channel")  # type: ignore[attr-defined]
    assert find(By.TAG_NAME, "h1").text == "You may not do this"
    assert "eve may not answer step `channel`" in find(By.CSS_SELECTOR, ".error").text
    shot(driver, "09-forbidden")
    check_page(driver)
    assert server.api("GET", f"/api/runs/{release}").json()["waiting_step_id"] == "channel"


def test_a_deadline_an_overdue_label_and_a_cancellation_with_its_confirmation(
        tmp_path: Path, browser: object) -> None:
    """A server without timers, in Paris time, its clock a file this test moves."""
    from selenium.webdriver.common.by import By

    from tests.serve.conftest import add_managers
    from tests.serve.server import IN_TIME

    server = Server(tmp_path, clock=tmp_path / "clock", missions=IN_TIME,
                    options=("--no-timers", "--timezone", "Europe/Paris"))
    server.set_clock("2026-12-01T09:00:00+00:00")
    server.start()
    try:
        tokens = add_managers(server)
        run_id = server.api("POST", "/api/runs", {"mission": "expense", "params": {
            "amount": 80}}, token=tokens["sam"]).json()["run_id"]
        driver = browser
        find = driver.find_element  # type: ignore[attr-defined]
        base = f"http://127.0.0.1:{server.port}"

        # two hours before the deadline: the run page shows it in the server's zone
        server.set_clock("2026-12-02T07:00:00+00:00")
        sign_in_with(driver, server, "ann", "ann password")
        driver.get(f"{base}/runs/{run_id}")  # type: ignore[attr-defined]
        assert find(By.TAG_NAME, "h1").text.split() == ["expense", "waiting"]
        banner = find(By.ID, "waiting").text
        assert "Deadline: 2026-12-02 10:00 CET (due in 2 hours), then escalate to directors" \
            in banner
        assert "Waiting since 2026-12-01 10:00 CET (waiting 22 hours)" in banner
        assert "Approvals: 0 of 2 needed" in banner
        assert find(By.LINK_TEXT, "Answer it").is_displayed()
        shot(driver, "10-run-with-a-deadline")
        check_page(driver)

        # the deadline passed and no timer fired it: the inbox says it is overdue
        server.set_clock("2026-12-02T10:30:00+00:00")
        driver.get(base + "/")  # type: ignore[attr-defined]
        overdue = find(By.CSS_SELECTOR, "td .due-label.overdue")
        assert overdue.text == "overdue 1 hour 30 minutes"
        assert "2026-12-02 10:00 CET" in overdue.find_element(By.XPATH, "..").text
        shot(driver, "11-inbox-overdue")
        check_page(driver)

        # sam started it: he may cancel it, after a confirmation that asks why
        sign_in_with(driver, server, "sam", "sam password")
        driver.get(f"{base}/runs/{run_id}")  # type: ignore[attr-defined]
        assert not driver.find_elements(By.LINK_TEXT, "Answer it")  # type: ignore[attr-defined]
        find(By.LINK_TEXT, "Cancel the run").click()
        wait_for(driver, "textarea#reason")
        assert find(By.TAG_NAME, "h1").text == f"Cancel run {run_id}?"
        shot(driver, "12-cancel-confirmation")
        check_page(driver)
        find(By.CSS_SELECTOR, "button.danger").click()  # no reason given
        error = wait_for(driver, "#reason-error")
        assert "cannot be empty" in error.text  # type: ignore[attr-defined]
        assert server.api("GET", f"/api/runs/{run_id}").json()["status"] == "waiting"
        find(By.ID, "reason").send_keys("Paid from another budget")
        find(By.CSS_SELECTOR, "button.danger").click()
        banner = wait_for(driver, "#cancelled").text  # type: ignore[attr-defined]
        assert banner.startswith(f"Run {run_id} was cancelled by sam at 2026-12-02 11:30 CET: "
                                 "Paid from another budget.")
        shot(driver, "13-cancelled")
        check_page(driver)
        run = server.api("GET", f"/api/runs/{run_id}").json()
        assert run["status"] == "cancelled"
        # the deadline was due: it fired first (the question went to the directors), then
        # the cancellation, both recorded at the time sam cancelled
        assert [(event["kind"], event["at"]) for event in run["events"]] == [
            ("deadline", "2026-12-02T10:30:00+00:00"),
            ("cancel", "2026-12-02T10:30:00+00:00")]
        sign_in_with(driver, server, "dee", "dee password")
        assert not driver.find_elements(By.CSS_SELECTOR, "tbody tr")  # type: ignore[attr-defined]
    finally:
        server.stop()
