"""Values that are not plain JSON, in the files `mission run` reads (`--state`, `--params`,
`--answers`), are refused before the run with a message naming where the bad value is;
and data spelt differently but equal hashes the same."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run_cli

MISSION = """mission ask "Ask for a note" {
    version 1

    param note: any = ""

    input data: any = null

    human ask "Ask" {
        text("Anything to add?") -> state.added
    }
}
"""
# The option, the key its file uses, and how the engine names that key's path.
OPTIONS = {"--state": ("data", "state.data"), "--params": ("note", "param.note"),
           "--answers": ("ask", "answers.ask")}
CASES = [
    ("--state", b'{"K": {"v": [1, NaN]}}', "f.json: invalid JSON: at `K.v[1]`: NaN is not a "
                                           "JSON number; use a finite number or null"),
    ("--params", b'{"K": -Infinity}', "f.json: invalid JSON: at `K`: -Infinity is not a JSON "
                                      "number"),
    ("--answers", b'{"K": {"v": 1, "v": 2}}', 'f.json: invalid JSON: at `K`: the key "v" '
                                              "appears twice in one object"),
    ("--state", b'{"K": [9007199254740992]}', "PATH[0]: the integer 9007199254740992 is too "
                                              "large for JSON data (the limit is "
                                              "\u00b19007199254740991); pass it as a string"),
    ("--params", b'{"K": 1' + b"0" * 5000 + b"}", "f.json: invalid JSON: at `K`: the integer of "
                                                  "5,001 digits is too large for JSON data"),
    ("--answers", b'{"K": {"v": "a\xff"}}', "f.json: at `K.v`: the string is not UTF-8 "
                                            "(byte 16); a JSON file is UTF-8 text"),
    ("--state", b'{"K": "\\ud800"}', "PATH: the string holds a lone surrogate, which is not "
                                     "valid Unicode"),
    ("--params", b'{"K": 1e400}', "PATH: inf is not a JSON number; use a finite number or null"),
    ("--answers", b'{"K": ' + b"[" * 150 + b"]" * 150 + b"}", "PATH[0][0][0]"),
    ("--state", b'{"K": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
     "f.json: invalid JSON: nested too deeply"),
]


@pytest.mark.parametrize(("option", "content", "words"), CASES,
                         ids=[f"{option}-{index}" for index, (option, _, _) in enumerate(CASES)])
def test_refused_before_the_run_naming_the_path(tmp_path: Path, option: str, content: bytes,
                                                words: str) -> None:
    key, path = OPTIONS[option]
    (tmp_path / "ask.mission").write_text(MISSION, encoding="utf-8")
    (tmp_path / "f.json").write_bytes(content.replace(b"K", key.encode()))
    done = run_cli("run", "ask.mission", option, "f.json", "--store", "runs.sqlite3",
                   cwd=tmp_path)
    assert done.returncode == 2 and done.stdout == "", done.stderr
    assert words.replace("PATH", path).replace("`K", f"`{key}") in done.stderr, done.stderr
    assert not (tmp_path / "runs.sqlite3").exists()  # nothing ran, nothing was stored


def test_equal_data_spelt_differently_hashes_the_same(tmp_path: Path) -> None:
    """Key order, spacing, escapes and the spelling of a number do not change the value, so
    they do not change the hash (the canonical form is in docs/security.md); another value
    does, and a whole number is not the same value as a decimal one (100 is not 100.0)."""
    spellings = [
        '{"b": [1, 100.0, 0.5], "a": {"name": "caf\u00e9/x", "n": null}}',
        '{"a":{"n":null,"name":"caf\\u00e9\\/x"},"b":[1,1e2,5E-1]}',
        '{\n  "a": {"name": "caf\\u00E9/x", "n": null},\n  "b": [1, 1.0e2, 0.50]\n}',
        '{"b": [1, 100.0, 0.5], "a": {"name": "cafe/x", "n": null}}',
        '{"b": [1, 100, 0.5], "a": {"name": "caf\u00e9/x", "n": null}}',
    ]
    hashes = []
    for index, text in enumerate(spellings):
        (tmp_path / f"{index}.json").write_text(text, encoding="utf-8")
        done = run_cli("run", "echo", "--state", f"{index}.json", "--receipt", f"{index}.r",
                       cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        receipt = json.loads((tmp_path / f"{index}.r").read_text(encoding="utf-8"))
        hashes.append(receipt["receipt"]["initial_state_hash"])
    assert hashes[0] == hashes[1] == hashes[2]
    assert len(set(hashes)) == 3


def test_control_characters_never_reach_the_terminal(tmp_path: Path) -> None:
    """Text from a mission file or a JSON key is printed with its control characters shown
    as symbols: an escape sequence in a file cannot drive the terminal."""
    escape = "\x1b]0;owned\x07\x1b[2J"
    (tmp_path / "m.mission").write_text(
        f'mission m "d" {{\n    version 1\n    runtime s "{escape}" {{ sett(at: state.x) }}'
        f"  # {escape}\n}}\n", encoding="utf-8")
    (tmp_path / "state.json").write_text(json.dumps({escape: float("inf")}), encoding="utf-8")
    checked = run_cli("check", "m.mission", cwd=tmp_path)
    ran = run_cli("run", "echo", "--state", "state.json", cwd=tmp_path)
    missing = run_cli("run", f"{escape}.json", cwd=tmp_path)
    assert (checked.returncode, ran.returncode, missing.returncode) == (1, 2, 2)
    for output in (checked.stdout, ran.stderr, missing.stderr):
        assert "\x1b" not in output and "\x07" not in output
        assert "\u241b]0;owned\u2407" in output
