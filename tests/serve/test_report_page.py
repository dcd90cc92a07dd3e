"""The run report file and serve's run page draw a run from one set of templates
(`mission/templates/run_report.html`): for the same stored run, the same steps and receipt."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run_cli
from tests.serve.server import RELEASE, Server, sign_in


def between(page: str, start: str, end: str) -> str:
    found = re.search(re.escape(start) + ".*?" + re.escape(end), page, re.DOTALL)
    assert found is not None, f"no {start} in the page"
    return found.group(0)


def test_the_report_and_the_run_page_show_the_same_steps(server: Server, tmp_path: Path
                                                         ) -> None:
    source, report = tmp_path / "release.mission", tmp_path / "run.html"
    source.write_text(RELEASE, encoding="utf-8")
    done = run_cli("run", str(source), "--param", "release=<b>9</b>", "--answer",
                   "sign_off=yes", "--no-input", "--store", str(server.store),
                   "--report", str(report), env={"MISSION_NOW": "2026-12-01T09:00:00+00:00"})
    assert done.returncode == 3, done.stderr  # waits for the channel
    run_id = re.search(r"mission resume (\d+)", done.stderr)
    assert run_id is not None, done.stderr
    written = report.read_text(encoding="utf-8")
    shown = server.request("GET", f"/runs/{run_id.group(1)}",
                           cookies=sign_in(server, "alice", "correct horse")[0])
    assert shown.status == 200, shown.text
    steps = between(written, '<ol class="steps">', "</ol>")
    assert steps == between(shown.text, '<ol class="steps">', "</ol>")
    assert steps.count('<li class="step ') == 3 and 'class="step waiting"' in steps
    assert "&lt;b&gt;9&lt;/b&gt;" in steps and "<b>9" not in steps  # escaped, in both
    assert between(written, "<h2>Receipt</h2>", "</section>") == \
        between(shown.text, "<h2>Receipt</h2>", "</section>")
    # the times: as recorded in the file, in the server's zone on its page
    assert "<dt>started</dt><dd>2026-12-01T09:00:00+00:00 by " in written
    assert "<dt>started</dt><dd>2026-12-01 09:00 UTC by " in shown.text
