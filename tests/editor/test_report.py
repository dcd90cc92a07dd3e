"""The HTML run report: content, self-containment, escaping, and a real browser's rendering."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path

import pytest

from compiler import compile_source
from mission.report import render_report, write_report
from runtime.orchestration import ExecutionContext, Orchestrator
from runtime.orchestration.model import OrchestrationResult, WorkflowDefinition
from tests.conftest import ROOT, run_cli
from tests.editor.pngs import pixels

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
VOID = {"meta", "br", "hr", "img", "input", "link"}
COUNTER = """mission counter "Count" {
    version 1
    input tags: list = ["draft"]
    runtime tag "Add tags" { extend(to: state.tags, values: ["a", "b"]) }
    runtime untag "Remove the draft" { remove(at: state.tags, item: "draft") }
    runtime bump { increment(at: state.count, by: 2) }
}
"""


def compiled(text: str) -> WorkflowDefinition:
    result = compile_source(text, "report.mission")
    assert result.workflow is not None, result.diagnostics
    return result.workflow


def daily_run(answer: str | None = "yes", state: dict[str, object] | None = None) -> tuple[
        WorkflowDefinition, OrchestrationResult, ExecutionContext]:
    workflow = compiled((ROOT / "examples" / "daily_loop.mission").read_text(encoding="utf-8"))
    if state is None:
        state = json.loads((ROOT / "examples" / "tasks.json").read_text(encoding="utf-8"))
    context = ExecutionContext(initial_state=state, params={"today": "2026-11-24"},
                               answers={"confirm_priorities": answer} if answer else {})
    return workflow, Orchestrator().run_workflow(workflow, context), context


class Structure(HTMLParser):
    """Checks that every element is closed in order, and collects class names and text."""

    def __init__(self) -> None:
        super().__init__()
        self.open: list[str] = []
        self.classes: Counter[str] = Counter()
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "class" and value:
                self.classes[value] += 1
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        assert self.open and self.open.pop() == tag, f"misnested </{tag}>"

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def parse(page: str) -> Structure:
    structure = Structure()
    structure.feed(page)
    structure.close()
    assert structure.open == []
    return structure


def test_a_replayed_run_shows_each_step_its_changes_answers_and_receipt() -> None:
    workflow, result, context = daily_run()
    page = render_report(workflow, result, context)
    structure = parse(page)
    text = "".join(structure.text)
    assert structure.classes["step succeeded"] == 4
    assert "replay reproduced the receipt's hash chain" in text
    for step in workflow.steps:
        assert f'id="step-{step.id}"' in page
    for path in ("state.summary", "state.priorities", "state.confirmed", "state.log"):
        assert f"<code>{path}</code>" in page
    assert '"done_yesterday": [' in text  # the summary's value, as JSON
    assert "confirm_priorities" in text and "answer: " in text
    for link in result.receipt["chain"]:
        assert link["link"] in page and link["changes"] in page
    for key in ("head", "workflow_hash", "params_hash", "answers_hash", "final_state_hash"):
        assert result.receipt[key] in page


def test_without_the_context_the_values_come_from_the_final_state() -> None:
    workflow = compiled(COUNTER)
    result = Orchestrator().run_workflow(workflow, ExecutionContext())
    page = render_report(workflow, result)
    assert "the run was not replayed" in page
    assert page.count("(written again by a later step)") == 1  # `tag`, then `untag`
    assert "value in the final state" in page


def test_a_context_that_does_not_match_the_run_is_not_used() -> None:
    workflow, result, _ = daily_run()
    other = ExecutionContext(initial_state={"tasks": []}, params={"today": "2026-01-01"},
                             answers={"confirm_priorities": "yes"})
    assert "the run was not replayed" in render_report(workflow, result, other)


def test_waiting_and_failed_runs() -> None:
    workflow, result, context = daily_run(answer=None)
    page = render_report(workflow, result, context)
    assert parse(page).classes["step waiting"] == 1
    assert "Waiting for an answer</strong> to step" in page and "Work on these today?" in page
    workflow, result, context = daily_run(state={"tasks": [{"id": "t1", "status": "late"}]})
    page = render_report(workflow, result, context)
    assert parse(page).classes["step failed"] == 1
    assert "Failed:" in page and result.error_message is not None
    assert result.error_message.replace("'", "&#39;").replace('"', "&#34;") in page


CHOICE = """mission pick "Pick a speed" {
    version 1
    input plan: map = {steps: 3}
    human speed "Choose the speed" {
        choose("How fast <now>?", options: ["fast", "slow", "3"], show: state.plan) -> state.speed
    }
    runtime go { set(at: state.done, value: true) }
}
"""


def test_a_waiting_run_has_a_banner_its_question_as_a_question_and_the_resume_line() -> None:
    workflow = compiled(CHOICE)
    context = ExecutionContext(initial_state={"plan": {"steps": 3}})
    result = Orchestrator().run_workflow(workflow, context)
    page = render_report(workflow, result, context, "mission resume 7 --answer speed=VALUE")
    structure = parse(page)
    assert structure.classes["banner"] == 1 and structure.classes["options"] == 1
    banner = page[page.index('<div class="banner"'):page.index("<section>")]
    assert "<strong>Waiting for an answer</strong> to step <code>speed</code>: How fast " \
           "&lt;now&gt;? <span class=\"muted\">(one of fast, slow, 3)</span>" in banner
    assert '<pre class="call">mission resume 7 --answer speed=VALUE</pre>' in banner
    question = page[page.index('id="question"'):]
    assert '<p class="prompt"><strong>How fast &lt;now&gt;?</strong></p>' in question
    assert "<li><code>fast</code></li><li><code>slow</code></li><li><code>3</code></li>" \
        in question
    assert "Shown with the question:" in question and "&#34;steps&#34;: 3" in question
    assert "step_id" not in page and "&#34;options&#34;" not in page  # not the raw JSON
    assert "Failed:" not in page
    assert "mission resume" not in render_report(workflow, result, context)  # not stored


def test_mission_run_report_of_a_waiting_run_names_the_stored_run(tmp_path: Path) -> None:
    report, store = tmp_path / "run.html", tmp_path / "runs.sqlite3"
    done = run_cli("run", "examples/survey.mission", "--no-input", "--store", str(store),
                   "--report", str(report))
    assert done.returncode == 3, done.stderr
    page = report.read_text(encoding="utf-8")
    command = f"mission resume 1 --store {store} --answer score=VALUE"
    assert f'<pre class="call">{command}</pre>' in page and command in done.stderr
    assert "Answer with a number from 0 to 10." in page


def test_self_contained_escaped_and_deterministic(tmp_path: Path) -> None:
    workflow = compiled(COUNTER.replace('"Count"', '"<script>alert(1)</script> & co"'))
    result = Orchestrator().run_workflow(workflow, ExecutionContext())
    first, second = tmp_path / "a.html", tmp_path / "b.html"
    write_report(str(first), workflow, result)
    write_report(str(second), workflow, result)
    page = first.read_text(encoding="utf-8")
    assert first.read_bytes() == second.read_bytes()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in page
    assert not re.search(r"<script|<link|<img|<iframe|src=|href=|url\(|@import|https?:", page)
    parse(page)


def screenshot(page: str, directory: Path) -> tuple[bytes, str]:
    """Chromium's rendering of the page: a PNG screenshot and the DOM it built."""
    assert CHROMIUM is not None
    html_file = directory / "report.html"
    html_file.write_text(page, encoding="utf-8")
    flags = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", "--hide-scrollbars", "--window-size=1100,1600"]
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run([*flags, f"--user-data-dir={profile}",
                        f"--screenshot={directory / 'shot.png'}", html_file.as_uri()],
                       capture_output=True, timeout=120, check=True)
    with tempfile.TemporaryDirectory() as profile:
        dom = subprocess.run([*flags, f"--user-data-dir={profile}", "--dump-dom",
                              html_file.as_uri()], capture_output=True, text=True,
                             timeout=120, check=True).stdout
    return (directory / "shot.png").read_bytes(), dom


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium installed")
def test_a_real_browser_renders_the_report(tmp_path: Path) -> None:
    workflow, result, context = daily_run()
    shot, dom = screenshot(render_report(workflow, result, context), tmp_path)
    assert dom.count('class="step succeeded"') == 4  # the browser built the same page
    width, height, colours = pixels(shot)
    assert (width, height) == (1100, 1600)
    counts = Counter(colours)
    assert len(counts) > 50, "the page rendered blank"
    green = sum(n for (r, g, b), n in counts.items()
                if abs(r - 0x15) < 8 and abs(g - 0x80) < 8 and abs(b - 0x3D) < 8)
    assert green > 2000, "the green step borders and badges of succeeded steps are missing"


def test_a_form_shows_each_field_its_question_and_its_answer() -> None:
    workflow = compiled((ROOT / "examples" / "standup.mission").read_text(encoding="utf-8"))
    answers = {"standup": {"yesterday": "<b>notes</b>", "today": "Ship", "blocked": True}}
    context = ExecutionContext(params={"who": "ana"}, answers=answers)
    result = Orchestrator().run_workflow(workflow, context)
    page = render_report(workflow, result, context)
    structure = parse(page)
    assert structure.classes["form"] == 1
    rows = re.findall(r"<tr><td><code>(\w+)</code></td><td><code>(.*?)</code></td>"
                      r"<td><pre>(.*?)</pre></td></tr>", page)
    assert rows == [
        ("yesterday", "text(&#34;What did you do yesterday?&#34;)",
         "&#34;&lt;b&gt;notes&lt;/b&gt;&#34;"),
        ("today", "text(&#34;What will you do today?&#34;)", "&#34;Ship&#34;"),
        ("blocked", "confirm(&#34;Is anything blocking you?&#34;)", "true")]
    assert "fields: {yesterday: text(&#34;What did you do yesterday?&#34;), " in page
    waiting = Orchestrator().run_workflow(workflow, ExecutionContext(params={"who": "ana"}))
    page = render_report(workflow, waiting)
    assert page.count("<pre>—</pre>") == 3  # asked, not answered yet


TWO_STEPS = """mission release "Release with a sign-off" {
    version 1
    param release: str = "1.0"
    human sign_off "Sign off" by release_managers {
        confirm("Ship it?") -> state.approved
    }
    human channel "Pick the channel" {
        choose("Which channel?", options: ["stable", "beta"]) -> state.channel
    }
}
"""


def test_the_report_shows_the_recorded_times_the_history_and_answers_in_step_order() -> None:
    workflow = compiled(TWO_STEPS)
    workflow.steps[0].payload["deadlines"] = [{"after": 86400, "escalate": "directors"},
                                              {"after": 3600, "answer": True}]
    started = {"at": "2026-12-01T09:00:00+00:00", "by": "sam"}
    waiting = ExecutionContext(started=started)
    result = Orchestrator().run_workflow(workflow, waiting)
    page = render_report(workflow, result, waiting)
    assert "<h1>release " in page and "<p class=\"lead\">Release with a sign-off</p>" in page
    assert "<dt>started</dt><dd>2026-12-01T09:00:00+00:00 by sam</dd>" in page
    assert "<dt>params</dt>" not in page  # none were given
    assert 'Deadline: <strong class="due">2026-12-02T09:00:00+00:00</strong>, then escalate ' \
           "to directors." in page
    assert "Waiting since 2026-12-01T09:00:00+00:00." in page  # no "waiting 3 hours"
    assert " ago" not in page and "due in" not in page

    events = [{"kind": "deadline", "step": "sign_off", "stage": 0,
               "at": "2026-12-02T09:00:00+00:00"},
              {"kind": "answer", "step": "sign_off", "answer": "yes", "by": "dee",
               "at": "2026-12-02T09:30:00+00:00"},
              {"kind": "answer", "step": "channel", "answer": "beta", "by": "ann",
               "at": "2026-12-02T10:00:00+00:00"}]
    context = ExecutionContext(started=started, params={"release": "2.0"}, events=events)
    result = Orchestrator().run_workflow(workflow, context)
    assert result.status == "succeeded"
    page = render_report(workflow, result, context)
    assert page == render_report(workflow, result, context)  # the same run, the same bytes
    structure = parse(page)
    assert "<dt>params</dt><dd><code>{&#34;release&#34;: &#34;2.0&#34;}</code>" in page
    assert "<dt>finished</dt><dd>2026-12-02T10:00:00+00:00</dd>" in page
    history = page[page.index("<h2>History</h2>"):page.index("<h2>Answers</h2>")]
    assert [row for row in re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td>", history)] == [
        ("2026-12-01T09:00:00+00:00", "sam"), ("2026-12-02T09:00:00+00:00", "the deadline"),
        ("2026-12-02T09:30:00+00:00", "dee"), ("2026-12-02T10:00:00+00:00", "ann")]
    answers = page[page.index("<h2>Answers</h2>"):page.index("<h2>Final state</h2>")]
    assert answers.index("sign_off") < answers.index("channel")  # the steps' order
    assert "<td>dee</td><td>2026-12-02T09:30:00+00:00</td>" in answers
    assert structure.classes["history"] == 1

    cancel = [{"kind": "cancel", "reason": "wrong <release>", "by": "sam",
               "at": "2026-12-01T10:00:00+00:00"}]
    context = ExecutionContext(started=started, events=cancel)
    result = Orchestrator().run_workflow(workflow, context)
    page = render_report(workflow, result, context)
    assert '<span class="badge cancelled">cancelled</span>' in page
    assert "<strong>Cancelled</strong> by sam at 2026-12-01T10:00:00+00:00 while step " \
           "<code>sign_off</code> waited: wrong &lt;release&gt;" in page


def test_without_jinja2_the_report_names_its_extra_and_nothing_runs(tmp_path: Path) -> None:
    report, store = tmp_path / "run.html", tmp_path / "runs.sqlite3"
    arguments = ["run", "examples/survey.mission", "--no-input", "--store", str(store),
                 "--report", str(report)]
    done = subprocess.run(
        [sys.executable, "-c", "import sys\nsys.modules['jinja2'] = None  # not installed\n"
         f"from mission.cli import main\nsys.exit(main({arguments!r}))"],
        cwd=ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2, done.stderr
    assert done.stderr == ("mission run: --report: the HTML report needs Jinja2, which is not "
                           "installed: pip install 'mission[report]'\n")
    assert not report.exists() and not store.exists()  # refused before the run
