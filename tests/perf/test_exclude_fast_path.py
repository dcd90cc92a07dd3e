"""`exclude` is asked for every file and directory of a walk, so it takes the walk's absolute
paths apart by slicing and asks about each directory once; both shortcuts must say what
the general way says (`os.path.relpath`, then every directory above matched)."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from compiler.config import _matches, _relative
from compiler.globs import compile_glob

segment = st.sampled_from(["a", "b", "tests", "fuzz", "corpus", ".hidden", "..", ".", "x.mission",
                           "deep", ""])
paths = st.lists(segment, min_size=1, max_size=5).map("/".join)
patterns = st.sampled_from(["/tests/", "tests/", "/fuzz/corpus/", "*.mission", "a/**/x.mission",
                            "**/deep", "b", "/a/b/", "!b", "[ab]/x.mission", "deep/*"])


@settings(max_examples=500, deadline=None)
@given(st.sampled_from(["/work/project", "/work", "/"]),
       st.sampled_from(["{root}/", "/work/other/", "/", "", "./", "../"]), paths)
def test_the_sliced_relative_path_is_relpath_s(root: str, prefix: str, rest: str) -> None:
    path = prefix.format(root=root.rstrip("/")) + rest
    if not path:
        return
    expected = Path(os.path.relpath(os.path.abspath(path), root)).as_posix()
    assert _relative(path, root) == expected


@settings(max_examples=500, deadline=None)
@given(patterns, st.lists(st.sampled_from(["a", "b", "tests", "fuzz", "corpus", "deep",
                                            "x.mission"]), min_size=1, max_size=5))
def test_asking_once_per_directory_is_matching_every_directory_above(
        pattern: str, parts: list[str]) -> None:
    relative = "/".join(parts)
    glob = compile_glob(pattern)
    expected = glob is not None and (glob.matches(relative, False) or any(
        glob.matches("/".join(parts[:end]), True) for end in range(1, len(parts))))
    assert _matches(pattern, relative) == expected
