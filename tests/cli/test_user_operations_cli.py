"""Operations a project brings itself, through the real `mission` command: the example
project end to end, and each defence of the threat model (docs/security.md, "Operations
a project brings itself") tried for real with code that leaves a marker when it runs."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest

from runtime.orchestration.model import WorkflowDefinition, content_hash
from tests.conftest import ROOT, run_cli
from tests.editor.lsp_client import LspClient

EXAMPLE = ROOT / "examples" / "custom_ops"


@pytest.fixture
def example(tmp_path: Path) -> Path:
    project = tmp_path / "custom_ops"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns("__pycache__", "notes"))
    return project


def test_the_example_project_checks_compiles_runs_resumes_and_verifies(example: Path) -> None:
    store = str(example / "runs.sqlite3")
    checked = run_cli("check", ".", cwd=example)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    compiled = run_cli("compile", "publish_note.mission", "-o", "publish_note.json", cwd=example)
    assert compiled.returncode == 0, compiled.stderr
    workflow = json.loads((example / "publish_note.json").read_text(encoding="utf-8"))
    assert workflow["metadata"]["operations"]["slugify"]["implementation"] == \
        "release_ops:slugify"

    waiting = run_cli("run", "publish_note.json", "--param", "title=Release 2.0 is out!",
                      "--store", store, cwd=example)
    assert waiting.returncode == 3, waiting.stderr
    assert not (example / "notes").exists()
    resumed = run_cli("resume", "1", "--answer", "approve=yes", "--store", store, "--json",
                      "--receipt", "receipt.json", cwd=example)
    assert resumed.returncode == 0, resumed.stderr
    result = json.loads(resumed.stdout)
    assert result["final_state"]["note"] == {"bytes": 22, "path": "notes/release-2-0-is-out.md"}
    assert (example / "notes" / "release-2-0-is-out.md").read_text(encoding="utf-8") == \
        "# Release 2.0 is out!\n"
    assert result["journal"]["make_name"]["result"] == "release-2-0-is-out"
    assert result["journal"]["write"]["attempts"] == [{"ok": True}]

    verified = run_cli("verify", "receipt.json", "--workflow", "publish_note.json", cwd=example)
    assert verified.returncode == 0, verified.stdout + verified.stderr

    # The graph keeps the declared argument order; the report names the implementation.
    graph = run_cli("graph", "publish_note.json", cwd=example)
    assert "write_note(name: state.name, text: param.title, timeout: 10" in graph.stdout
    reported = run_cli("run", "publish_note.json", "--param", "title=Notes", "--answer",
                       "approve=yes", "--report", "run.html", "--store", store, cwd=example)
    assert reported.returncode == 0, reported.stderr
    page = (example / "run.html").read_text(encoding="utf-8")
    assert "project operation (effect), implemented by <code>release_ops:write_note</code> · " \
           "1 attempt" in page
    assert "project operation (pure), implemented by <code>release_ops:slugify</code>" in page

    # The pure operation changes behind the record's back: verify recomputes it and says so.
    code = example / "release_ops.py"
    code.write_text(code.read_text(encoding="utf-8").replace(
        '"-", text.lower()', '"_", text.lower()'), encoding="utf-8")
    diverged = run_cli("verify", "receipt.json", "--workflow", "publish_note.json", cwd=example)
    assert diverged.returncode == 1
    assert ("the pure operation 'slugify' is not deterministic: the recorded run gave "
            "'release-2-0-is-out', the replay computes 'release_2_0_is_out_'") in diverged.stdout


# -- a hostile repository: its code leaves a marker if anything imports it ----------------

HOSTILE_CONFIG = """[operations.probe]
kind = "pure"
params = { text = "str" }
result = "str"
doc = "Looks harmless."
implementation = "evil:probe"
"""
HOSTILE_MISSION = """mission probing "Probe" {
    version 1
    param text: str
    runtime a "Probe" {
        probe(text: param.text) -> state.out
    }
}
"""


def hostile(directory: Path) -> Path:
    directory.mkdir(exist_ok=True)
    marker = directory / "IMPORTED"
    (directory / "mission.toml").write_text(HOSTILE_CONFIG, encoding="utf-8")
    (directory / "probing.mission").write_text(HOSTILE_MISSION, encoding="utf-8")
    (directory / "evil.py").write_text(
        f"import pathlib\npathlib.Path({str(marker)!r}).write_text('ran')\n\n"
        "def probe(text):\n    return text\n", encoding="utf-8")
    return marker


def test_checking_a_hostile_repository_never_imports_its_code(tmp_path: Path) -> None:
    marker = hostile(tmp_path / "repo")
    repo = marker.parent
    outputs = {}
    for args in (("check", "."), ("compile", "probing.mission", "-o", "probing.json"),
                 ("explain", "probe"), ("graph", "probing.mission"),
                 ("fmt", "probing.mission")):
        done = run_cli(*args, cwd=repo)
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        outputs[args[0]] = done.stdout
    assert "implemented by `evil:probe` (imported only when a mission runs)" in outputs["explain"]
    assert "probe(text: param.text)" in outputs["graph"]

    client = LspClient([sys.executable, "-m", "mission", "lsp", "--stdio"], repo)
    try:
        client.request("initialize", {"processId": None, "rootUri": repo.as_uri(),
                                      "capabilities": {}})
        client.notify("initialized", {})
        uri = (repo / "probing.mission").as_uri()
        client.notify("textDocument/didOpen", {"textDocument": {
            "uri": uri, "languageId": "mission", "version": 1, "text": HOSTILE_MISSION}})
        published = client.notification("textDocument/publishDiagnostics", uri=uri)
        assert published["params"]["diagnostics"] == []
        hovered = client.request("textDocument/hover", {"textDocument": {"uri": uri},
                                                        "position": {"line": 4, "character": 9}})
        assert "probe(text: str) -> str" in hovered["contents"]["value"]
        assert "implemented by `evil:probe`" in hovered["contents"]["value"]
        listed = client.request("textDocument/completion", {
            "textDocument": {"uri": uri}, "position": {"line": 4, "character": 8}})
        items = listed["items"] if isinstance(listed, dict) else listed
        assert "probe" in [item["label"] for item in items]
    finally:
        client.close()
    assert not marker.exists()

    # The contrast: a run is the one command that imports the project's code.
    ran = run_cli("run", "probing.json", "--param", "text=hi", "--json", cwd=repo)
    assert ran.returncode == 0, ran.stderr
    assert marker.read_text(encoding="utf-8") == "ran"


def test_a_compiled_workflow_cannot_choose_the_code_a_run_imports(tmp_path: Path) -> None:
    marker = hostile(tmp_path / "repo")
    repo = marker.parent
    assert run_cli("compile", "probing.mission", "-o", "probing.json", cwd=repo).returncode == 0
    workflow = json.loads((repo / "probing.json").read_text(encoding="utf-8"))

    # Elsewhere, no configuration declares `probe`: the workflow's own word is not enough.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "probing.json").write_text(json.dumps(workflow), encoding="utf-8")
    refused = run_cli("run", "probing.json", "--param", "text=hi", cwd=elsewhere,
                      env={"PYTHONPATH": str(repo)})
    assert refused.returncode == 4
    assert ("calls the project operation `probe` (implemented by `evil:probe`), which neither "
            "the project's configuration (no configuration file was found here) nor an "
            "installed package declares") in refused.stderr

    # In the project, a workflow whose declaration names other code is refused too, even
    # resealed (its content hash recomputed, so the load-time check passes it on).
    workflow["metadata"]["operations"]["probe"]["implementation"] = "os:getcwd"
    workflow["metadata"]["content_hash"] = content_hash(WorkflowDefinition.from_dict(workflow))
    (repo / "edited.json").write_text(json.dumps(workflow), encoding="utf-8")
    edited = run_cli("run", "edited.json", "--param", "text=hi", cwd=repo)
    assert edited.returncode == 4
    assert "declares the project operation `probe` otherwise than" in edited.stderr
    assert "compile the mission again" in edited.stderr
    assert not marker.exists()


@pytest.mark.parametrize(("code", "words"), [
    (None, "its implementation `evil:probe` cannot be imported: No module named 'evil'"),
    ("def probe(words):\n    return words\n",
     "`evil:probe` (the implementation of `probe`) does not match its declaration (text): "
     "it has a parameter `words` that is not declared; it has no parameter `text`"),
    ("raise RuntimeError('broken on import')\n",
     "importing `evil` raised RuntimeError: broken on import"),
])
def test_a_missing_or_mismatched_implementation_stops_the_run_before_its_first_step(
        tmp_path: Path, code: str | None, words: str) -> None:
    repo = hostile(tmp_path / "repo").parent
    if code is None:
        (repo / "evil.py").unlink()
    else:
        (repo / "evil.py").write_text(code, encoding="utf-8")
    done = run_cli("run", "probing.mission", "--param", "text=hi", "--store",
                   str(tmp_path / "runs.sqlite3"), cwd=repo)
    assert done.returncode == 4, done.stderr
    assert words in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "runs.sqlite3").exists() or "stored" not in done.stdout


# -- an installed package: a `mission.operations` entry point --------------------------------

def test_an_installed_package_declares_operations_through_an_entry_point(
        tmp_path: Path) -> None:
    site = tmp_path / "site"
    package = site / "acme_ops"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        f"import pathlib\npathlib.Path({str(tmp_path / 'IMPORTED')!r}).touch()\n\n"
        "def shout(text):\n    return text.upper() + '!'\n", encoding="utf-8")
    (package / "mission-operations.toml").write_text(
        '[operations.shout]\nkind = "pure"\nparams = { text = "str" }\nresult = "str"\n'
        'doc = "Shout the text."\nimplementation = "acme_ops:shout"\n', encoding="utf-8")
    info = site / "acme_ops-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-ops\nVersion: 1.0\n",
                                   encoding="utf-8")
    (info / "entry_points.txt").write_text(
        "[mission.operations]\nacme = acme_ops/mission-operations.toml\n", encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "loud.mission").write_text(HOSTILE_MISSION.replace("probe", "shout"),
                                          encoding="utf-8")
    env = {"PYTHONPATH": str(site)}

    checked = run_cli("check", "loud.mission", cwd=project, env=env)
    assert checked.returncode == 0, checked.stdout
    explained = run_cli("explain", "shout", cwd=project, env=env)
    assert "declared in package `acme-ops`" in explained.stdout
    assert not (tmp_path / "IMPORTED").exists()
    ran = run_cli("run", "loud.mission", "--param", "text=hi", "--json", cwd=project, env=env)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)["final_state"] == {"out": "HI!"}
    # The package's declaration changes in place: the check cache must not answer for it.
    declarations = package / "mission-operations.toml"
    declarations.write_text(declarations.read_text(encoding="utf-8").replace(
        '{ text = "str" }', '{ text = "int" }'), encoding="utf-8")
    retyped = run_cli("check", "loud.mission", cwd=project, env=env)
    assert retyped.returncode == 1 and "`text` of `shout` must be int, not str" in retyped.stdout
    unknown = run_cli("check", "loud.mission", cwd=project)  # not installed: E006
    assert unknown.returncode == 1 and "unknown operation `shout`" in unknown.stdout


def test_a_batch_compiles_with_the_projects_operations_and_a_raise_fails_its_line(
        example: Path) -> None:
    lines = [{"mission": "publish_note.mission", "params": {"title": "Batch one"},
              "answers": {"approve": True}},
             {"mission": "publish_note.mission", "params": {"title": "!!"}}]
    done = run_cli("run", "--batch", "-", cwd=example,
                   stdin="".join(json.dumps(line) + "\n" for line in lines))
    first, second = (json.loads(line) for line in done.stdout.splitlines())
    assert first["status"] == "succeeded", first
    assert (example / "notes" / "batch-one.md").exists()
    assert second["result"]["error_message"] == (
        "Step 'make_name' failed: `slugify` raised ValueError: '!!' has no letters or digits "
        "to make a file name from")
    assert "Traceback" not in done.stderr and done.returncode == 1
